import type os from 'node:os';
import { describe, expect, it } from 'vitest';
import { listenAddresses } from '../../../src/protocols/tftp/listen-addresses.ts';

const iface = (address: string, family: 'IPv4' | 'IPv6'): os.NetworkInterfaceInfo =>
  family === 'IPv4'
    ? { address, family, netmask: '', mac: '00:00:00:00:00:00', internal: false, cidr: null }
    : { address, family, netmask: '', mac: '00:00:00:00:00:00', internal: false, cidr: null, scopeid: 0 };

const interfaces = {
  lo: [iface('127.0.0.1', 'IPv4'), iface('::1', 'IPv6')],
  br0: [iface('10.99.0.1', 'IPv4'), iface('10.99.0.5', 'IPv4'), iface('fd99::1', 'IPv6'), iface('fe80::1', 'IPv6')],
};

describe('TFTP listen addresses', () => {
  it('binds a named address as it is', () => {
    expect(listenAddresses('10.99.0.1', interfaces)).toEqual(['10.99.0.1']);
  });

  it('expands the IPv4 wildcard to every local IPv4 address, so each transfer answers from the address asked', () => {
    expect(listenAddresses('0.0.0.0', interfaces)).toEqual(['127.0.0.1', '10.99.0.1', '10.99.0.5']);
  });

  it('expands the IPv6 wildcard to IPv4 and non-link-local IPv6 addresses', () => {
    expect(listenAddresses('::', interfaces)).toEqual(['127.0.0.1', '::1', '10.99.0.1', '10.99.0.5', 'fd99::1']);
  });
});
