/**
 * The smartctl sweep the discovery command prints for a simulated machine: the `@@monorail smartctl
 * --scan-open` header (the scan itself feeds the loop and prints nothing), then `@@monorail smartctl <dev>
 * <type>` and smartctl 7.3's `-j -a` report for each disk (ATA reports for SATA disks, `-d sat` also
 * behind a SAS HBA; NVMe reports for the controller `/dev/nvmeN`), pretty-printed as smartctl does.
 */
import type { MachineSpec, SimDisk } from '../machine-spec.ts';

/** The local time the simulated microkernel reports (a fixed instant: outputs must not depend on the clock). */
const LOCAL_TIME = { time_t: 1795641672, asctime: 'Wed Nov 25 21:21:12 2026 UTC' };

function header(argv: readonly string[]): Record<string, unknown> {
  return {
    json_format_version: [1, 0],
    smartctl: {
      version: [7, 3],
      svn_revision: '5338',
      platform_info: 'x86_64-linux-6.1.0-56-amd64',
      build_info: '(local build)',
      argv: ['smartctl', ...argv],
      drive_database_version: { string: '7.3/5319' },
      exit_status: 0,
    },
    local_time: LOCAL_TIME,
  };
}

interface Attribute {
  readonly id: number;
  readonly name: string;
  readonly value: number;
  readonly thresh: number;
  readonly prefailure: boolean;
  readonly raw: number;
  readonly rawString?: string;
}

function attributeRow(a: Attribute): Record<string, unknown> {
  const flagValue = (a.prefailure ? 1 : 0) | 2 | 0x30;
  return {
    id: a.id,
    name: a.name,
    value: a.value,
    worst: a.value,
    thresh: a.thresh,
    when_failed: '',
    flags: {
      value: flagValue,
      string: `${a.prefailure ? 'P' : '-'}O--CK `,
      prefailure: a.prefailure,
      updated_online: true,
      performance: false,
      error_rate: false,
      event_count: true,
      auto_keep: true,
    },
    raw: { value: a.raw, string: a.rawString ?? String(a.raw) },
  };
}

function ataAttributes(d: SimDisk): Attribute[] {
  const temp = d.temperatureC;
  const common: Attribute[] = [
    { id: 5, name: 'Reallocated_Sector_Ct', value: 100, thresh: 10, prefailure: true, raw: 0 },
    { id: 9, name: 'Power_On_Hours', value: 99, thresh: 0, prefailure: false, raw: d.powerOnHours },
    { id: 12, name: 'Power_Cycle_Count', value: 99, thresh: 0, prefailure: false, raw: 3 + (d.powerOnHours % 40) },
  ];
  if (d.rotationRpm === 0) {
    return [
      ...common,
      { id: 177, name: 'Wear_Leveling_Count', value: 99, thresh: 0, prefailure: true, raw: Math.floor(d.powerOnHours / 900) },
      { id: 179, name: 'Used_Rsvd_Blk_Cnt_Tot', value: 100, thresh: 10, prefailure: true, raw: 0 },
      { id: 190, name: 'Airflow_Temperature_Cel', value: 100 - temp, thresh: 0, prefailure: false, raw: temp, rawString: String(temp) },
      { id: 241, name: 'Total_LBAs_Written', value: 99, thresh: 0, prefailure: false, raw: d.powerOnHours * 913_337 },
    ];
  }
  return [
    { id: 1, name: 'Raw_Read_Error_Rate', value: 82, thresh: 44, prefailure: true, raw: 160_000_000 + d.powerOnHours },
    { id: 3, name: 'Spin_Up_Time', value: 90, thresh: 0, prefailure: true, raw: 0 },
    { id: 4, name: 'Start_Stop_Count', value: 100, thresh: 20, prefailure: false, raw: 12 },
    ...common,
    { id: 7, name: 'Seek_Error_Rate', value: 88, thresh: 45, prefailure: true, raw: 700_000_000 + d.powerOnHours * 7 },
    { id: 10, name: 'Spin_Retry_Count', value: 100, thresh: 97, prefailure: true, raw: 0 },
    { id: 194, name: 'Temperature_Celsius', value: temp, thresh: 0, prefailure: false, raw: temp, rawString: `${temp} (0 18 0 0 0)` },
  ];
}

function ataReport(d: SimDisk, dev: string): Record<string, unknown> {
  return {
    ...header(['-j', '-a', '-d', 'sat', dev]),
    device: { name: dev, info_name: `${dev} [SAT]`, type: 'sat', protocol: 'ATA' },
    model_name: d.model,
    serial_number: d.serial,
    ...(d.wwn === undefined ? {} : { wwn: d.wwn }),
    firmware_version: d.firmware,
    user_capacity: { blocks: Math.floor(d.sizeBytes / d.logicalBlock), bytes: d.sizeBytes },
    logical_block_size: d.logicalBlock,
    physical_block_size: d.physicalBlock,
    rotation_rate: d.rotationRpm,
    form_factor: { ata_value: d.rotationRpm === 0 ? 3 : 2, name: d.rotationRpm === 0 ? '2.5 inches' : '3.5 inches' },
    ...(d.rotationRpm === 0 ? { trim: { supported: true, deterministic: true, zeroed: true } } : {}),
    in_smartctl_database: false,
    ata_version: { string: 'ACS-3 T13/2161-D revision 5', major_value: 2040, minor_value: 109 },
    sata_version: { string: 'SATA 3.3', value: 511 },
    interface_speed: { max: { sata_value: 14, string: '6.0 Gb/s', units_per_second: 60, bits_per_unit: 100000000 } },
    smart_support: { available: true, enabled: true },
    smart_status: { passed: true },
    ata_smart_attributes: { revision: 1, table: ataAttributes(d).map(attributeRow) },
    power_on_time: { hours: d.powerOnHours },
    power_cycle_count: 3 + (d.powerOnHours % 40),
    temperature: { current: d.temperatureC },
    ata_smart_error_log: { summary: { revision: 1, count: 0 } },
    ata_smart_self_test_log: { standard: { revision: 1, count: 0 } },
  };
}

function nvmeReport(d: SimDisk, dev: string): Record<string, unknown> {
  return {
    ...header(['-j', '-a', '-d', 'nvme', dev]),
    device: { name: dev, info_name: dev, type: 'nvme', protocol: 'NVMe' },
    model_name: d.model,
    serial_number: d.serial,
    firmware_version: d.firmware,
    nvme_pci_vendor: { id: 5197, subsystem_id: 5197 },
    nvme_ieee_oui_identifier: 9528,
    nvme_total_capacity: d.sizeBytes,
    nvme_unallocated_capacity: 0,
    nvme_controller_id: 6,
    nvme_version: { string: '1.3', value: 66304 },
    nvme_number_of_namespaces: 1,
    nvme_namespaces: [
      {
        id: 1,
        size: { blocks: Math.floor(d.sizeBytes / d.logicalBlock), bytes: d.sizeBytes },
        capacity: { blocks: Math.floor(d.sizeBytes / d.logicalBlock), bytes: d.sizeBytes },
        utilization: { blocks: 0, bytes: 0 },
        formatted_lba_size: d.logicalBlock,
      },
    ],
    user_capacity: { blocks: Math.floor(d.sizeBytes / d.logicalBlock), bytes: d.sizeBytes },
    logical_block_size: d.logicalBlock,
    smart_support: { available: true, enabled: true },
    smart_status: { passed: true, nvme: { value: 0 } },
    nvme_smart_health_information_log: {
      critical_warning: 0,
      temperature: d.temperatureC,
      available_spare: 100,
      available_spare_threshold: 10,
      percentage_used: Math.floor(d.powerOnHours / 8760),
      data_units_read: d.powerOnHours * 5311,
      data_units_written: d.powerOnHours * 4217,
      host_reads: d.powerOnHours * 91_000,
      host_writes: d.powerOnHours * 64_000,
      controller_busy_time: Math.floor(d.powerOnHours / 3),
      power_cycles: 3 + (d.powerOnHours % 40),
      power_on_hours: d.powerOnHours,
      unsafe_shutdowns: 1,
      media_errors: 0,
      num_err_log_entries: 0,
      warning_temp_time: 0,
      critical_comp_time: 0,
    },
    temperature: { current: d.temperatureC },
    power_cycle_count: 3 + (d.powerOnHours % 40),
    power_on_time: { hours: d.powerOnHours },
  };
}

export function smartctlSweep(spec: MachineSpec): string {
  const out = ['@@monorail smartctl --scan-open'];
  for (const d of spec.disks) {
    if (d.transport === 'nvme') {
      const dev = `/dev/${d.name.replace(/n\d+$/, '')}`;
      out.push(`@@monorail smartctl ${dev} nvme`, JSON.stringify(nvmeReport(d, dev), null, 2));
    } else {
      const dev = `/dev/${d.name}`;
      out.push(`@@monorail smartctl ${dev} sat`, JSON.stringify(ataReport(d, dev), null, 2));
    }
  }
  return out.join('\n') + '\n';
}
