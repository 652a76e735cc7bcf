import { describe, expect, it } from 'vitest';
import { parseSmartctlJson, parseSmartSweep, toSmartDrive } from '../../../../src/actors/catalog/parsers/smartctl.ts';
import { ValidationError } from '../../../../src/errors.ts';
import { catalogFixture } from '../catalog-fixtures.ts';

describe('parseSmartSweep', () => {
  const drives = parseSmartSweep(catalogFixture('smartctl/qemu-q35-sweep.txt'));

  it('gives one RackHD-shaped entry per disk smartctl found (SATA and NVMe in a QEMU q35 guest)', () => {
    expect(drives.map((d) => d['OS Device Name'])).toEqual(['/dev/sda', '/dev/nvme0']);
    expect(drives.every((d) => d['smartctl Version'] === '7.3')).toBe(true);
  });

  it("labels the ATA identity as smartctl's text output does", () => {
    expect(drives[0]?.SMART.Identity).toEqual({
      'Device Model': 'ACME DC SSD 480',
      'Serial Number': 'S3FFNX0K123456',
      'LU WWN Device Id': '5 002538 c40123456',
      'Firmware Version': '2.5+',
      'User Capacity': '67,108,864 bytes [67.1 MB]',
      'Sector Size': '512 bytes logical/physical',
      'Rotation Rate': 'Solid State Device',
    });
    expect(drives[0]?.SMART['Self-Assessment']).toEqual({ 'SMART overall-health self-assessment test result': 'PASSED' });
  });

  it('turns the attribute table into rows keyed like the text table', () => {
    const table = drives[0]?.SMART.Attributes;
    expect(table?.Revision).toBe('1');
    expect(table?.['Attributes Table'].find((r) => r.ATTRIBUTE_NAME === 'Airflow_Temperature_Cel')).toEqual({
      'ID#': '190',
      ATTRIBUTE_NAME: 'Airflow_Temperature_Cel',
      FLAG: '0x0003',
      VALUE: '069',
      WORST: '069',
      THRESH: '050',
      TYPE: 'Pre-fail',
      UPDATED: 'Always',
      WHEN_FAILED: '-',
      RAW_VALUE: '31 (Min/Max 31/31)',
    });
  });

  it('labels an NVMe drive with its own terms and keeps the whole report', () => {
    expect(drives[1]?.SMART.Identity).toMatchObject({ 'Model Number': 'QEMU NVMe Ctrl', 'Serial Number': 'NVME0042ACME', 'Firmware Version': '7.2.22' });
    expect(drives[1]?.SMART.Attributes).toBeUndefined();
    expect(drives[1]?.json.nvme_smart_health_information_log).toMatchObject({ temperature: 50, media_errors: 0 });
  });

  it('answers an empty list for a machine without SMART-capable disks (real: the development microVM)', () => {
    expect(parseSmartSweep(catalogFixture('smartctl/firecracker-vm-sweep.txt'))).toEqual([]);
  });

  it.each([
    ['empty', '', /smartctl: output is empty/],
    ['no header', '@@monorail smartctl /dev/sda sat\n{}\n', /does not start with the "@@monorail smartctl --scan-open" header/],
    ['text before the header', 'sh: smartctl: not found\n', /does not start with a "@@monorail" marker/],
    ['a device that is not under /dev', '@@monorail smartctl --scan-open\n@@monorail smartctl sda sat\n{}\n', /unexpected section marker/],
    ['a report cut short', catalogFixture('smartctl/qemu-q35-sweep.txt').slice(0, 2000), /\/dev\/sda: output is not valid JSON/],
    ['a device without output', '@@monorail smartctl --scan-open\n@@monorail smartctl /dev/sda sat\n', /\/dev\/sda: output is empty/],
  ])('refuses %s', (_name, input, message) => {
    expect(() => parseSmartSweep(input)).toThrow(ValidationError);
    expect(() => parseSmartSweep(input)).toThrow(message);
  });
});

describe('parseSmartctlJson', () => {
  it("keeps smartctl's own failure report for a disk it cannot query (real: virtio disk)", () => {
    const report = parseSmartctlJson(catalogFixture('smartctl/unable-to-detect.json'));
    expect(report.smartctl).toMatchObject({ exit_status: 1, messages: [{ string: '/dev/vda: Unable to detect device type', severity: 'error' }] });
    const drive = toSmartDrive(report, '/dev/vda');
    expect(drive['OS Device Name']).toBe('/dev/vda');
    expect(drive.SMART).toEqual({ Identity: {}, 'Self-Assessment': {} });
  });

  it('formats large capacities and spinning disks like smartctl', () => {
    const report = parseSmartctlJson(JSON.stringify({
      json_format_version: [1, 0],
      smartctl: { version: [7, 3] },
      device: { name: '/dev/sdb', protocol: 'ATA' },
      model_family: 'Seagate BarraCuda 3.5',
      user_capacity: { blocks: 3907029168, bytes: 2000398934016 },
      logical_block_size: 512,
      physical_block_size: 4096,
      rotation_rate: 7200,
      smart_status: { passed: false },
    }));
    expect(toSmartDrive(report, '/dev/sdb').SMART).toMatchObject({
      Identity: { 'Model Family': 'Seagate BarraCuda 3.5', 'User Capacity': '2,000,398,934,016 bytes [2.00 TB]', 'Sector Size': '512 bytes logical, 4096 bytes physical', 'Rotation Rate': '7200 rpm' },
      'Self-Assessment': { 'SMART overall-health self-assessment test result': 'FAILED!' },
    });
  });

  it.each([
    ['an array', '[]', /must be a JSON object/],
    ['another JSON document', '{"blockdevices":[]}', /not smartctl -j output/],
    ['no smartctl block', '{"json_format_version":[1,0]}', /no "smartctl" object/],
    ['the text form', 'smartctl 7.3 2022-02-28 r5338 [x86_64-linux-6.1.0] (local build)\n', /not valid JSON/],
  ])('refuses %s', (_name, input, message) => {
    expect(() => parseSmartctlJson(input)).toThrow(ValidationError);
    expect(() => parseSmartctlJson(input)).toThrow(message);
  });
});
