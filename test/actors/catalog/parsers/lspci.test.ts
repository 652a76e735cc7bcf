import { describe, expect, it } from 'vitest';
import { parseLspciVmm } from '../../../../src/actors/catalog/parsers/lspci.ts';
import { ValidationError } from '../../../../src/errors.ts';
import { catalogFixture } from '../catalog-fixtures.ts';

describe('parseLspciVmm', () => {
  it('reads every function of a QEMU q35 guest with its numeric ids', () => {
    const devices = parseLspciVmm(catalogFixture('lspci/qemu-q35.txt'));
    const sata = devices.find((d) => d.Slot === '00:1f.2');
    expect(sata).toEqual({
      Slot: '00:1f.2',
      Class: 'SATA controller [0106]',
      Vendor: 'Intel Corporation [8086]',
      Device: '82801IR/IO/IH (ICH9R/DO/DH) 6 port SATA Controller [AHCI mode] [2922]',
      SVendor: 'Red Hat, Inc. [1af4]',
      SDevice: 'QEMU Virtual Machine [1100]',
      Rev: '02',
      ProgIf: '01',
    });
    expect(devices.find((d) => d.Slot === '00:05.0')?.Device).toBe('82574L Gigabit Network Connection [10d3]');
    expect(devices.find((d) => d.Slot === '00:04.0')?.Class).toBe('Non-Volatile memory controller [0108]');
    expect(devices.every((d) => /^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(d.Slot ?? ''))).toBe(true);
  });

  it('reads the development microVM (virtio only, a device without Rev)', () => {
    const devices = parseLspciVmm(catalogFixture('lspci/firecracker-vm.txt'));
    expect(devices[0]).toEqual({ Slot: '00:00.0', Class: 'Host bridge [0600]', Vendor: 'Intel Corporation [8086]', Device: 'Device [0d57]', ProgIf: '00' });
    expect(devices.some((d) => d.Device === 'Virtio 1.0 network device [1041]')).toBe(true);
  });

  it('accepts a domain-qualified slot (lspci -D)', () => {
    expect(parseLspciVmm('Slot:\t0000:3b:00.0\nClass:\tEthernet controller [0200]\nVendor:\tIntel [8086]\nDevice:\tX710 [1572]\n')[0]?.Slot).toBe('0000:3b:00.0');
  });

  it.each([
    ['empty', '', /lspci: output is empty/],
    ['garbage', 'Segmentation fault\n', /record 0: line "Segmentation fault" is not "Key:<TAB>value"/],
    ['a record cut short', catalogFixture('lspci/qemu-q35.txt').split('Device:\t82574L')[0] ?? '', /has no Device \(truncated output\?\)/],
    ['a bad slot', 'Slot:\tzz\nClass:\tx\nVendor:\ty\nDevice:\tz\n', /"zz" is not a PCI address/],
    ['a non-field key', 'Slot:\t00:00.0\n{"json": 1}\n', /is not an lspci field name/],
    ['the -mm (non -vmm) form', '00:00.0 "Host bridge [0600]" "Intel Corporation [8086]" "Device [0d57]" -p00 "" ""\n', /is not "Key:<TAB>value"|is not an lspci field name/],
  ])('refuses %s with a ValidationError', (_name, input, message) => {
    expect(() => parseLspciVmm(input)).toThrow(ValidationError);
    expect(() => parseLspciVmm(input)).toThrow(message);
  });
});
