/**
 * iproute2 6.1's JSON (`/bin/ip -j addr show`, `/bin/ip -j -d link show`) for a simulated machine: `lo`,
 * then its NICs in firmware order. The microkernel brings up the NIC that PXE-booted with the machine's
 * address; the others are up without one.
 */
import type { MachineSpec, SimNic } from '../machine-spec.ts';

const lo = {
  ifindex: 1,
  ifname: 'lo',
  flags: ['LOOPBACK', 'UP', 'LOWER_UP'],
  mtu: 65536,
  qdisc: 'noqueue',
  operstate: 'UNKNOWN',
  group: 'default',
  txqlen: 1000,
  link_type: 'loopback',
  address: '00:00:00:00:00:00',
  broadcast: '00:00:00:00:00:00',
};

function base(nic: SimNic, i: number): Record<string, unknown> {
  return {
    ifindex: i + 2,
    ifname: nic.ifname,
    flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
    mtu: nic.mtu,
    qdisc: 'mq',
    operstate: 'UP',
    group: 'default',
    txqlen: 1000,
    link_type: 'ether',
    address: nic.mac,
    broadcast: 'ff:ff:ff:ff:ff:ff',
  };
}

export function ipAddrJson(spec: MachineSpec): string {
  const loAddr = { ...lo, addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8, scope: 'host', label: 'lo', valid_life_time: 4294967295, preferred_life_time: 4294967295 }] };
  const nics = spec.nics.map((nic, i) => ({
    ...base(nic, i),
    addr_info:
      i === 0
        ? [{ family: 'inet', local: spec.hostIp, prefixlen: 8, scope: 'global', dynamic: true, label: nic.ifname, valid_life_time: 86310, preferred_life_time: 86310 }]
        : [],
  }));
  return JSON.stringify([loAddr, ...nics]) + '\n';
}

export function ipLinkJson(spec: MachineSpec): string {
  const details = (minMtu: number, maxMtu: number) => ({
    promiscuity: 0,
    allmulti: 0,
    min_mtu: minMtu,
    max_mtu: maxMtu,
    inet6_addr_gen_mode: 'eui64',
    num_tx_queues: 1,
    num_rx_queues: 1,
    gso_max_size: 65536,
    gso_max_segs: 65535,
    tso_max_size: 65536,
    tso_max_segs: 65535,
    gro_max_size: 65536,
  });
  const loLink = { ...lo, linkmode: 'DEFAULT', ...details(0, 0) };
  const nics = spec.nics.map((nic, i) => ({
    ...base(nic, i),
    linkmode: 'DEFAULT',
    ...details(68, nic.maxMtu),
    num_tx_queues: 8,
    num_rx_queues: 8,
    parentbus: 'pci',
    parentdev: nic.pciAddress,
  }));
  return JSON.stringify([loLink, ...nics]) + '\n';
}
