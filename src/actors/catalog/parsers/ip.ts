/**
 * iproute2's JSON output: `ip -j addr show` and `ip -j -d link show` → one object per interface as ip
 * prints it (`ifindex`, `ifname`, `flags`, `mtu`, `operstate`, `link_type`, `address`, and for addr
 * `addr_info: [{family, local, prefixlen, scope, …}]`; with `-d` link also `parentbus`/`parentdev`, which
 * tie a NIC to its PCI address). Some iproute2 releases print `{}` for interfaces or addresses a filter
 * dropped; those placeholders are skipped. A machine without even `lo` is not a real answer, so an empty
 * list is an error.
 */
import { isRecord, parseJsonText, toolError } from './tool-output.ts';

export interface IpAddrInfo {
  readonly family: string;
  readonly local?: string;
  readonly prefixlen?: number;
  readonly scope?: string;
  readonly [field: string]: unknown;
}

export interface IpInterface {
  readonly ifindex: number;
  readonly ifname: string;
  readonly flags?: readonly string[];
  readonly mtu?: number;
  readonly operstate?: string;
  readonly link_type?: string;
  readonly address?: string;
  readonly addr_info?: readonly IpAddrInfo[];
  readonly [field: string]: unknown;
}

export function parseIpAddr(stdout: string): IpInterface[] {
  return parseInterfaces('ip addr', stdout, true);
}

export function parseIpLink(stdout: string): IpInterface[] {
  return parseInterfaces('ip link', stdout, false);
}

function parseInterfaces(tool: string, stdout: string, withAddresses: boolean): IpInterface[] {
  const doc = parseJsonText(tool, stdout);
  if (!Array.isArray(doc)) throw toolError(tool, 'output must be a JSON array of interfaces');
  const interfaces: IpInterface[] = [];
  doc.forEach((entry: unknown, i) => {
    const path = `${tool}[${i}]`;
    if (!isRecord(entry)) throw toolError(tool, 'an interface must be an object', path);
    if (Object.keys(entry).length === 0) return;
    if (typeof entry.ifname !== 'string' || entry.ifname === '') throw toolError(tool, 'interface has no "ifname"', `${path}.ifname`);
    if (typeof entry.ifindex !== 'number' || !Number.isInteger(entry.ifindex)) {
      throw toolError(tool, `interface ${entry.ifname} has no integer "ifindex"`, `${path}.ifindex`);
    }
    if (entry.flags !== undefined && !(Array.isArray(entry.flags) && entry.flags.every((f) => typeof f === 'string'))) {
      throw toolError(tool, `"flags" of ${entry.ifname} is not a list of strings`, `${path}.flags`);
    }
    if (withAddresses && entry.addr_info !== undefined) {
      const addrInfo = checkedAddresses(tool, entry.ifname, entry.addr_info, `${path}.addr_info`);
      const withFiltered: Record<string, unknown> = { ...entry, addr_info: addrInfo };
      interfaces.push(withFiltered as IpInterface);
    } else {
      interfaces.push(entry as IpInterface);
    }
  });
  if (interfaces.length === 0) throw toolError(tool, 'no interfaces in the output (not even lo)');
  return interfaces;
}

/** The addresses, without the `{}` placeholders some iproute2 releases print for filtered ones. */
function checkedAddresses(tool: string, ifname: string, addrInfo: unknown, path: string): IpAddrInfo[] {
  if (!Array.isArray(addrInfo)) throw toolError(tool, `"addr_info" of ${ifname} is not an array`, path);
  const addresses: IpAddrInfo[] = [];
  addrInfo.forEach((a: unknown, i) => {
    if (isRecord(a) && Object.keys(a).length === 0) return;
    if (!isRecord(a) || typeof a.family !== 'string') throw toolError(tool, `address ${i} of ${ifname} has no "family"`, `${path}.${i}`);
    addresses.push(a as IpAddrInfo);
  });
  return addresses;
}
