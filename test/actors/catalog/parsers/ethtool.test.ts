import { describe, expect, it } from 'vitest';
import { parseEthtoolDriver, parseEthtoolSettings, parseEthtoolSweep } from '../../../../src/actors/catalog/parsers/ethtool.ts';
import { ValidationError } from '../../../../src/errors.ts';
import { catalogFixture } from '../catalog-fixtures.ts';

const sweep = catalogFixture('ethtool/qemu-q35-sweep.txt');
const e1000eSettings = sweep.slice(sweep.indexOf('Settings for eth1:'), sweep.indexOf('@@monorail ethtool -i eth1'));

describe('parseEthtoolSettings', () => {
  it('reads the link settings of an e1000e, joining wrapped values', () => {
    const { ifname, fields } = parseEthtoolSettings(e1000eSettings);
    expect(ifname).toBe('eth1');
    expect(fields).toMatchObject({
      Speed: '1000Mb/s',
      Duplex: 'Full',
      'Auto-negotiation': 'on',
      Port: 'Twisted Pair',
      'Link detected': 'yes',
      'Supported link modes': '10baseT/Half 10baseT/Full 100baseT/Half 100baseT/Full 1000baseT/Full',
      'Current message level': '0x00000007 (7) drv probe link',
      'Supported ports': '[ TP ]',
    });
  });

  it('reads the two-line answer for lo', () => {
    expect(parseEthtoolSettings('Settings for lo:\n\tLink detected: yes\n')).toEqual({ ifname: 'lo', fields: { 'Link detected': 'yes' } });
  });

  it.each([
    ['empty', '', /ethtool: output is empty/],
    ['an error message', 'netlink error: No such device\n', /does not start with "Settings for <interface>:"/],
    ['a continuation without a field', 'Settings for eth0:\n\t\tdrv probe link\n', /continues no field/],
    ['an unindented line after the header', 'Settings for eth0:\nSpeed: 10Mb/s\n', /unexpected unindented line/],
  ])('refuses %s', (_name, input, message) => {
    expect(() => parseEthtoolSettings(input)).toThrow(ValidationError);
    expect(() => parseEthtoolSettings(input)).toThrow(message);
  });
});

describe('parseEthtoolDriver', () => {
  it('reads driver information, empty values included', () => {
    const info = parseEthtoolDriver('driver: e1000e\nversion: 6.1.0-56-amd64\nfirmware-version: 2.1-0\nexpansion-rom-version: \nbus-info: 0000:00:05.0\n');
    expect(info).toEqual({ driver: 'e1000e', version: '6.1.0-56-amd64', 'firmware-version': '2.1-0', 'expansion-rom-version': '', 'bus-info': '0000:00:05.0' });
  });

  it.each([
    ['empty', '', /output is empty/],
    ['an error message', 'Cannot get driver information: Operation not supported\n', /is not "key: value"/],
    ['no driver line', 'version: 1.0\n', /no "driver:" line/],
  ])('refuses %s', (_name, input, message) => {
    expect(() => parseEthtoolDriver(input)).toThrow(ValidationError);
    expect(() => parseEthtoolDriver(input)).toThrow(message);
  });
});

describe('parseEthtoolSweep', () => {
  it('gathers settings and driver per interface of a QEMU q35 guest', () => {
    const data = parseEthtoolSweep(sweep);
    expect(Object.keys(data)).toEqual(['eth0', 'eth1', 'lo']);
    expect(data.eth1?.driver).toMatchObject({ driver: 'e1000e', 'firmware-version': '2.1-0', 'bus-info': '0000:00:05.0' });
    expect(data.eth1?.settings?.Speed).toBe('1000Mb/s');
    expect(data.eth0?.driver?.driver).toBe('virtio_net');
    expect(data.eth0?.settings?.Speed).toBe('Unknown!');
  });

  it('leaves out the part ethtool could not give (ethtool -i lo fails)', () => {
    const data = parseEthtoolSweep(sweep);
    expect(data.lo).toEqual({ settings: { 'Link detected': 'yes' } });
  });

  it('reads the development microVM', () => {
    const data = parseEthtoolSweep(catalogFixture('ethtool/firecracker-vm-sweep.txt'));
    expect(Object.keys(data)).toEqual(['eth0', 'ifb0', 'ifb1', 'lo']);
    expect(data.eth0?.driver?.driver).toBe('virtio_net');
  });

  it.each([
    ['empty', '', /output is empty/],
    ['text before the first marker', 'ethtool: command not found\n', /does not start with a "@@monorail" marker/],
    ['a foreign marker', '@@monorail smartctl /dev/sda sat\n', /unexpected section marker/],
    ['an interface name with a slash', '@@monorail ethtool a/b\n', /unexpected section marker/],
    ['settings of another interface', '@@monorail ethtool eth0\nSettings for eth1:\n\tSpeed: 10Mb/s\n', /section for eth0 describes eth1/],
    ['a damaged section', '@@monorail ethtool -i eth0\ndriver e1000e\n', /^ethtool: eth0: line "driver e1000e" is not "key: value"/],
  ])('refuses %s', (_name, input, message) => {
    expect(() => parseEthtoolSweep(input)).toThrow(ValidationError);
    expect(() => parseEthtoolSweep(input)).toThrow(message);
  });

  it('keeps interface names that collide with Object.prototype members as data', () => {
    const data = parseEthtoolSweep('@@monorail ethtool __proto__\nSettings for __proto__:\n\tLink detected: no\n');
    expect(Object.hasOwn(data, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
  });
});
