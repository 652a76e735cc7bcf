import { describe, expect, it } from 'vitest';
import { parseLsblk } from '../../../../src/actors/catalog/parsers/lsblk.ts';
import { ValidationError } from '../../../../src/errors.ts';
import { catalogFixture } from '../catalog-fixtures.ts';

describe('parseLsblk', () => {
  it('reads the disks of a QEMU q35 guest: SATA SSD, virtio, NVMe', () => {
    const { blockdevices } = parseLsblk(catalogFixture('lsblk/qemu-q35.json'));
    expect(blockdevices.map((d) => d.name)).toEqual(['sda', 'vda', 'vdb', 'nvme0n1']);
    expect(blockdevices[0]).toMatchObject({ type: 'disk', size: 67_108_864, rota: false, tran: 'sata', model: 'ACME DC SSD 480', vendor: 'ATA', 'maj:min': '8:0', hctl: '0:0:0:0' });
    expect(blockdevices[3]).toMatchObject({ size: 134_217_728, tran: 'nvme', model: 'QEMU NVMe Ctrl' });
    expect(blockdevices[1]).toMatchObject({ rota: true, model: null, serial: null });
  });

  it('reads the development microVM', () => {
    const { blockdevices } = parseLsblk(catalogFixture('lsblk/firecracker-vm.json'));
    expect(blockdevices.find((d) => d.name === 'vda')).toMatchObject({ type: 'disk', size: 274_877_906_944, rota: true });
  });

  it('normalises the string values of util-linux before 2.33, partitions included', () => {
    const old = JSON.stringify({
      blockdevices: [{ name: 'sda', type: 'disk', size: '500107862016', rota: '1', rm: '0', model: 'ST500DM002-1BD14', children: [{ name: 'sda1', type: 'part', size: '524288000', rota: '1' }] }],
    });
    const { blockdevices } = parseLsblk(old);
    expect(blockdevices[0]).toMatchObject({ size: 500_107_862_016, rota: true, rm: false });
    expect(blockdevices[0]?.children?.[0]).toMatchObject({ name: 'sda1', size: 524_288_000, rota: true });
  });

  it('keeps a human-readable size as it is (output of lsblk without -b)', () => {
    expect(parseLsblk('{"blockdevices":[{"name":"sda","size":"64M"}]}').blockdevices[0]?.size).toBe('64M');
  });

  it('accepts a machine without block devices', () => {
    expect(parseLsblk('{"blockdevices":[]}')).toEqual({ blockdevices: [] });
  });

  it.each([
    ['empty', '', /lsblk: output is empty/],
    ['the column table (no -J)', 'NAME SIZE\nsda 64M\n', /not valid JSON/],
    ['truncated JSON', catalogFixture('lsblk/qemu-q35.json').slice(0, 300), /not valid JSON/],
    ['no blockdevices', '{"devices":[]}', /no "blockdevices" array/],
    ['a nameless device', '{"blockdevices":[{"type":"disk"}]}', /device has no "name"/],
    ['a bad flag', '{"blockdevices":[{"name":"sda","rota":"yes"}]}', /"rota" of sda is not a boolean flag/],
    ['children that are not a list', '{"blockdevices":[{"name":"sda","children":"sda1"}]}', /"children" of sda is not an array/],
  ])('refuses %s with a ValidationError', (_name, input, message) => {
    expect(() => parseLsblk(input)).toThrow(ValidationError);
    expect(() => parseLsblk(input)).toThrow(message);
  });
});
