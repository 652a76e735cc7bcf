import { describe, expect, it } from 'vitest';
import { parseIpAddr, parseIpLink } from '../../../../src/actors/catalog/parsers/ip.ts';
import { ValidationError } from '../../../../src/errors.ts';
import { catalogFixture } from '../catalog-fixtures.ts';

describe('parseIpAddr / parseIpLink', () => {
  it('reads the interfaces and addresses of a QEMU q35 guest', () => {
    const addr = parseIpAddr(catalogFixture('ip/qemu-q35-addr.json'));
    expect(addr.map((i) => i.ifname)).toEqual(['lo', 'eth0', 'eth1']);
    expect(addr[0]?.addr_info).toEqual([expect.objectContaining({ family: 'inet', local: '127.0.0.1', prefixlen: 8, scope: 'host' })]);
    expect(addr[2]).toMatchObject({ ifindex: 3, address: '52:54:00:12:34:01', operstate: 'UP', link_type: 'ether', addr_info: [] });
  });

  it('reads link details that tie a NIC to its PCI address', () => {
    const link = parseIpLink(catalogFixture('ip/qemu-q35-link.json'));
    expect(link.find((i) => i.ifname === 'eth1')).toMatchObject({ parentbus: 'pci', parentdev: '0000:00:05.0', max_mtu: 9212 });
    expect(link.find((i) => i.ifname === 'eth0')).toMatchObject({ parentbus: 'virtio', parentdev: 'virtio2' });
  });

  it('skips the {} placeholders some iproute2 releases print', () => {
    const addr = parseIpAddr('[{},{"ifindex":1,"ifname":"lo","addr_info":[{},{"family":"inet","local":"127.0.0.1","prefixlen":8}]}]');
    expect(addr).toEqual([{ ifindex: 1, ifname: 'lo', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] }]);
  });

  it.each([
    ['empty', '', /ip addr: output is empty/],
    ['the text form (no -j)', '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\n', /not valid JSON/],
    ["busybox's usage text", 'BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\n\nUsage: ip [OPTIONS] address|route\n', /not valid JSON/],
    ['truncated JSON', catalogFixture('ip/qemu-q35-addr.json').slice(0, 400), /not valid JSON/],
    ['an object', '{"ifname":"lo"}', /must be a JSON array/],
    ['no interfaces', '[]', /no interfaces in the output/],
    ['an interface without a name', '[{"ifindex":1}]', /interface has no "ifname"/],
    ['a fractional index', '[{"ifindex":1.5,"ifname":"lo"}]', /no integer "ifindex"/],
    ['bad flags', '[{"ifindex":1,"ifname":"lo","flags":"UP"}]', /"flags" of lo is not a list of strings/],
    ['an address without family', '[{"ifindex":1,"ifname":"lo","addr_info":[{"local":"127.0.0.1"}]}]', /address 0 of lo has no "family"/],
  ])('refuses %s with a ValidationError', (_name, input, message) => {
    expect(() => parseIpAddr(input)).toThrow(ValidationError);
    expect(() => parseIpAddr(input)).toThrow(message);
  });

  it('names the command in its errors', () => {
    expect(() => parseIpLink('[]')).toThrow(/^ip link: no interfaces/);
  });
});
