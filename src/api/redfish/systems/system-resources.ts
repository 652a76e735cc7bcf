/**
 * A node as a Redfish ComputerSystem and the resources below it (Processors, Memory, Storage with Drives,
 * SimpleStorage, EthernetInterfaces, LogServices/SEL with its entries, Bios), built from its inventory
 * (node-inventory.ts). Shapes follow the DMTF mockup (public-rackmount1) and the schema versions of
 * schema-files.ts; a property the catalogs do not know is left out rather than invented.
 */
import type { NodeDoc } from '../../../persistence/collections.ts';
import { okStatus, ref, type Json } from '../odata.ts';
import { bmcManagerId, chassisPath, managerPath, SERVICE_MANAGER_ID, systemPath } from '../paths.ts';
import { odataType } from '../schema-files.ts';
import type { BiosInfo, DriveInfo, MemoryInfo, NicInfo, ProcessorInfo, SelEntryInfo, StorageControllerInfo, SystemIdentity } from './node-inventory.ts';
import { RESET_TYPES, type BootOverride, type PowerState } from './power-workflows.ts';

export interface SystemFacts {
  readonly node: NodeDoc;
  readonly identity: SystemIdentity;
  readonly processors: readonly ProcessorInfo[];
  readonly memory: readonly MemoryInfo[];
  readonly hasBmc: boolean;
  readonly hasBios: boolean;
  readonly power: PowerState;
  readonly boot: BootOverride;
  readonly drivesHealthy: boolean;
}

export const BOOT_TARGETS = ['None', 'Pxe', 'Hdd'] as const;
export const BOOT_ENABLED = ['Once', 'Disabled'] as const;

const defined = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export const managedBy = (node: NodeDoc, hasBmc: boolean): string => managerPath(hasBmc ? bmcManagerId(node.id) : SERVICE_MANAGER_ID);

export function computerSystem(f: SystemFacts): Json {
  const path = systemPath(f.node.id);
  const cpus = f.processors;
  const totalMiB = f.memory.reduce((s, m) => s + m.capacityMiB, 0);
  const health = f.node.lifecycle.state === 'failed' ? 'Critical' : f.drivesHealthy ? 'OK' : 'Warning';
  return defined({
    '@odata.id': path,
    '@odata.type': odataType('ComputerSystem'),
    Id: f.node.id,
    Name: f.node.name,
    SystemType: 'Physical',
    Manufacturer: f.identity.manufacturer,
    Model: f.identity.model,
    SerialNumber: f.identity.serialNumber,
    SKU: f.identity.sku,
    PartNumber: f.identity.partNumber,
    AssetTag: f.identity.assetTag,
    UUID: f.identity.uuid,
    BiosVersion: f.identity.biosVersion,
    PowerState: f.power,
    Status: { State: 'Enabled', Health: health },
    Boot: {
      BootSourceOverrideTarget: f.boot.target,
      'BootSourceOverrideTarget@Redfish.AllowableValues': BOOT_TARGETS,
      BootSourceOverrideEnabled: f.boot.enabled,
      'BootSourceOverrideEnabled@Redfish.AllowableValues': BOOT_ENABLED,
    },
    ProcessorSummary: defined({
      Count: cpus.length,
      Model: cpus[0]?.model,
      CoreCount: cpus.every((c) => c.cores !== undefined) && cpus.length > 0 ? cpus.reduce((s, c) => s + (c.cores ?? 0), 0) : undefined,
      LogicalProcessorCount: cpus.every((c) => c.threads !== undefined) && cpus.length > 0 ? cpus.reduce((s, c) => s + (c.threads ?? 0), 0) : undefined,
      Status: okStatus(cpus.length > 0 ? 'Enabled' : 'Absent'),
    }),
    MemorySummary: { TotalSystemMemoryGiB: Math.round((totalMiB / 1024) * 100) / 100, Status: okStatus(totalMiB > 0 ? 'Enabled' : 'Absent') },
    Processors: ref(`${path}/Processors`),
    Memory: ref(`${path}/Memory`),
    Storage: ref(`${path}/Storage`),
    SimpleStorage: ref(`${path}/SimpleStorage`),
    EthernetInterfaces: ref(`${path}/EthernetInterfaces`),
    LogServices: ref(`${path}/LogServices`),
    ...(f.hasBios ? { Bios: ref(`${path}/Bios`) } : {}),
    Links: { Chassis: [ref(chassisPath(f.node.id))], ManagedBy: [ref(managedBy(f.node, f.hasBmc))] },
    Actions: {
      '#ComputerSystem.Reset': { target: `${path}/Actions/ComputerSystem.Reset`, 'ResetType@Redfish.AllowableValues': RESET_TYPES },
    },
    Oem: {
      Monorail: defined({
        Lifecycle: f.node.lifecycle.state,
        Identifiers: f.node.identifiers,
        Tags: f.node.tags,
        NodeUri: `/api/2.0/nodes/${f.node.id}`,
        ActiveWorkflow: f.node.activeWorkflow === undefined ? undefined : `/redfish/v1/TaskService/Tasks/${f.node.activeWorkflow.id}`,
      }),
    },
  });
}

export function processor(nodeId: string, p: ProcessorInfo): Json {
  return defined({
    '@odata.id': `${systemPath(nodeId)}/Processors/${p.id}`,
    '@odata.type': odataType('Processor'),
    Id: p.id,
    Name: p.socket ?? p.id,
    Socket: p.socket,
    ProcessorType: 'CPU',
    Manufacturer: p.manufacturer,
    Model: p.model,
    MaxSpeedMHz: p.maxSpeedMHz,
    OperatingSpeedMHz: p.operatingSpeedMHz,
    TotalCores: p.cores,
    TotalThreads: p.threads,
    // dmidecode prints the CPUID bytes as `B1 0F 06 00 FD FB 8B 07`; the schema wants them as one hex number.
    ProcessorId: p.identification === undefined || !/^([0-9A-Fa-f]{2} ?)+$/.test(p.identification) ? undefined : { IdentificationRegisters: `0x${p.identification.replace(/ /g, '')}` },
    Status: okStatus(p.enabled ? 'Enabled' : 'Disabled'),
  });
}

/** SMBIOS memory types that are Redfish MemoryDeviceType values as they are spelt. */
const memoryTypes = new Set(['DDR', 'DDR2', 'DDR3', 'DDR4', 'DDR5', 'SDRAM', 'ROM', 'EDO', 'HBM', 'HBM2', 'HBM3', 'GDDR5', 'GDDR6']);

export function memory(nodeId: string, m: MemoryInfo): Json {
  return defined({
    '@odata.id': `${systemPath(nodeId)}/Memory/${m.id}`,
    '@odata.type': odataType('Memory'),
    Id: m.id,
    Name: m.locator ?? m.id,
    CapacityMiB: m.capacityMiB,
    MemoryType: 'DRAM',
    MemoryDeviceType: m.type !== undefined && memoryTypes.has(m.type.toUpperCase()) ? m.type.toUpperCase() : undefined,
    OperatingSpeedMhz: m.speedMHz,
    Manufacturer: m.manufacturer,
    SerialNumber: m.serialNumber,
    PartNumber: m.partNumber,
    RankCount: m.rank,
    DataWidthBits: m.dataWidthBits,
    BusWidthBits: m.busWidthBits,
    DeviceLocator: m.locator,
    Status: okStatus(),
  });
}

const protocols: Readonly<Record<string, string>> = { sata: 'SATA', sas: 'SAS', nvme: 'NVMe', usb: 'USB', fc: 'FC', iscsi: 'iSCSI', ata: 'SATA' };

export function drive(nodeId: string, storageId: string, d: DriveInfo): Json {
  return defined({
    '@odata.id': `${systemPath(nodeId)}/Storage/${storageId}/Drives/${d.id}`,
    '@odata.type': odataType('Drive'),
    Id: d.id,
    Name: d.path,
    Model: d.model,
    SerialNumber: d.serialNumber,
    Manufacturer: d.manufacturer,
    CapacityBytes: d.capacityBytes,
    MediaType: d.rotational === undefined ? undefined : d.rotational ? 'HDD' : 'SSD',
    Protocol: d.transport === undefined ? undefined : protocols[d.transport.toLowerCase()],
    Revision: d.revision,
    Status: okStatus('Enabled', d.smartPassed === false ? 'Critical' : 'OK'),
  });
}

export function storage(nodeId: string, s: StorageControllerInfo): Json {
  const path = `${systemPath(nodeId)}/Storage/${s.id}`;
  return {
    '@odata.id': path,
    '@odata.type': odataType('Storage'),
    Id: s.id,
    Name: s.name,
    Drives: s.drives.map((d) => ref(`${path}/Drives/${d.id}`)),
    'Drives@odata.count': s.drives.length,
    Status: okStatus('Enabled', s.drives.some((d) => d.smartPassed === false) ? 'Warning' : 'OK'),
  };
}

export function simpleStorage(nodeId: string, s: StorageControllerInfo): Json {
  return defined({
    '@odata.id': `${systemPath(nodeId)}/SimpleStorage/${s.id}`,
    '@odata.type': odataType('SimpleStorage'),
    Id: s.id,
    Name: s.name,
    Description: s.model,
    Devices: s.drives.map((d) =>
      defined({ Name: d.path, Manufacturer: d.manufacturer, Model: d.model, CapacityBytes: d.capacityBytes, Status: okStatus('Enabled', d.smartPassed === false ? 'Critical' : 'OK') }),
    ),
    Status: okStatus(),
  });
}

/** A prefix length as the dotted mask IPv4Address.SubnetMask wants. */
function mask(prefixLength: number): string {
  const bits = prefixLength <= 0 ? 0 : prefixLength >= 32 ? 0xffffffff : (0xffffffff << (32 - prefixLength)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 255).join('.');
}

export function ethernetInterface(basePath: string, n: NicInfo): Json {
  return defined({
    '@odata.id': `${basePath}/${n.id}`,
    '@odata.type': odataType('EthernetInterface'),
    Id: n.id,
    Name: n.id,
    Description: n.product,
    MACAddress: n.mac,
    PermanentMACAddress: n.permanentMac,
    MTUSize: n.mtu,
    SpeedMbps: n.speedMbps,
    InterfaceEnabled: n.up,
    LinkStatus: n.linkUp === undefined ? undefined : n.linkUp ? 'LinkUp' : 'LinkDown',
    IPv4Addresses: n.ipv4.map((a) => ({ Address: a.address, SubnetMask: mask(a.prefixLength) })),
    IPv6Addresses: n.ipv6.map((a) => ({ Address: a.address, PrefixLength: a.prefixLength })),
    Status: okStatus(n.up === false ? 'Disabled' : 'Enabled'),
  });
}

export function bios(nodeId: string, b: BiosInfo): Json {
  // Attribute names must be identifiers (Bios.v1 Attributes pattern); these are what dmidecode knows.
  const attributes = defined({ BiosVendor: b.vendor, BiosVersion: b.version, BiosReleaseDate: b.releaseDate, BiosRevision: b.revision, BiosRomSize: b.romSize });
  return defined({
    '@odata.id': `${systemPath(nodeId)}/Bios`,
    '@odata.type': odataType('Bios'),
    Id: 'Bios',
    Name: 'BIOS',
    Description: b.characteristics.length === 0 ? undefined : b.characteristics.join('; '),
    Attributes: attributes,
  });
}

export function selLogService(nodeId: string, entries: number): Json {
  const path = `${systemPath(nodeId)}/LogServices/SEL`;
  return {
    '@odata.id': path,
    '@odata.type': odataType('LogService'),
    Id: 'SEL',
    Name: 'System Event Log',
    Description: 'The BMC\u2019s IPMI System Event Log, as last catalogued',
    ServiceEnabled: true,
    LogEntryType: 'SEL',
    OverWritePolicy: 'WrapsWhenFull',
    Entries: ref(`${path}/Entries`),
    Status: okStatus('Enabled', 'OK'),
    Oem: { Monorail: { CataloguedEntries: entries } },
  };
}

/** IPMI sensor type names (IPMI 2.0 Table 42-3) as ipmitool prints them → LogEntry.SensorType. */
const sensorTypes: readonly (readonly [RegExp, string])[] = [
  [/^Temperature/i, 'Temperature'],
  [/^Voltage/i, 'Voltage'],
  [/^Current/i, 'Current'],
  [/^Fan/i, 'Fan'],
  [/^Physical Security/i, 'Physical Chassis Security'],
  [/^Platform Security/i, 'Platform Security Violation Attempt'],
  [/^Processor/i, 'Processor'],
  [/^Power Supply/i, 'Power Supply / Converter'],
  [/^Power Unit/i, 'PowerUnit'],
  [/^Cooling Device/i, 'CoolingDevice'],
  [/^Memory/i, 'Memory'],
  [/^Drive Slot/i, 'Drive Slot/Bay'],
  [/^System Firmware/i, 'System Firmware Progress'],
  [/^Event Logging Disabled/i, 'Event Logging Disabled'],
  [/^System Event/i, 'System Event'],
  [/^Critical Interrupt/i, 'Critical Interrupt'],
  [/^Button/i, 'Button/Switch'],
  [/^Watchdog/i, 'Watchdog'],
  [/^System ACPI Power State/i, 'System ACPI PowerState'],
  [/^System Boot/i, 'SystemBoot/Restart'],
  [/^Boot Error/i, 'Boot Error'],
  [/^OS Boot/i, 'BaseOSBoot/InstallationStatus'],
  [/^OS Stop|^OS Critical Stop/i, 'OS Stop/Shutdown'],
  [/^Slot/i, 'Slot/Connector'],
  [/^Battery/i, 'Battery'],
  [/^Session Audit/i, 'Session Audit'],
  [/^Version Change/i, 'Version Change'],
  [/^FRU State/i, 'FRUState'],
  [/^Management Subsys/i, 'Management Subsystem Health'],
  [/^Chassis/i, 'Chassis'],
  [/^Chip Set/i, 'ChipSet'],
  [/^Cable/i, 'Cable/Interconnect'],
  [/^LAN/i, 'LAN'],
  [/^Entity Presence/i, 'Entity Presence'],
  [/^Add-in Card/i, 'Add-in Card'],
];

/** `Upper Critical going high` → `Upper Critical - going high` (LogEntryCode, IPMI Table 42-2); else Assert/Deassert. */
function entryCode(e: SelEntryInfo): string {
  const m = /^(Lower|Upper) (Non-critical|Critical|Non-recoverable) going (low|high)$/i.exec(e.event.trim());
  if (m?.[1] !== undefined && m[2] !== undefined && m[3] !== undefined) {
    const level = m[2].toLowerCase() === 'critical' ? 'Critical' : m[2].toLowerCase() === 'non-critical' ? 'Non-critical' : 'Non-recoverable';
    return `${m[1][0]?.toUpperCase() ?? ''}${m[1].slice(1).toLowerCase()} ${level} - going ${m[3].toLowerCase()}`;
  }
  return e.asserted ? 'Assert' : 'Deassert';
}

function severity(e: SelEntryInfo): 'OK' | 'Warning' | 'Critical' {
  if (!e.asserted) return 'OK';
  if (/non-recoverable|(?<!non-)critical|failure|fault|error/i.test(e.event)) return 'Critical';
  if (/non-critical|warning|predictive/i.test(e.event)) return 'Warning';
  return 'OK';
}

export function selEntry(nodeId: string, e: SelEntryInfo): Json {
  return defined({
    '@odata.id': `${systemPath(nodeId)}/LogServices/SEL/Entries/${e.id}`,
    '@odata.type': odataType('LogEntry'),
    Id: e.id,
    Name: `SEL entry ${e.id}`,
    EntryType: 'SEL',
    Created: e.timestamp,
    SensorType: sensorTypes.find(([re]) => re.test(e.sensorType))?.[1],
    SensorNumber: e.sensorNumber,
    EntryCode: entryCode(e),
    Severity: severity(e),
    Message: [e.sensor, e.event, e.asserted ? 'Asserted' : 'Deasserted', e.detail].filter((x) => x !== undefined).join(' | '),
  });
}

