/**
 * IPv4 addresses as unsigned 32-bit numbers, for range arithmetic in lease pools and for the DHCP
 * codec's address fields. It lives with the pool entity because actors may not import protocol code,
 * while protocol code may import this.
 */

const dotted = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(text: string): boolean {
  return dotted.test(text);
}

/** Parses dotted-quad notation; undefined for anything else (no octal, no shorthand, no spaces). */
export function parseIpv4(text: string): number | undefined {
  if (!dotted.test(text)) return undefined;
  let n = 0;
  for (const part of text.split('.')) n = n * 256 + Number(part);
  return n >>> 0;
}

export function formatIpv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export interface Ipv4Network {
  /** The network address (host bits zero). */
  readonly network: number;
  readonly prefixLength: number;
  readonly mask: number;
  readonly broadcast: number;
}

/** Parses `a.b.c.d/len`; the address is masked to its network. Undefined when malformed. */
export function parseCidr(text: string): Ipv4Network | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIpv4(text.slice(0, slash));
  const lengthText = text.slice(slash + 1);
  if (address === undefined || !/^\d{1,2}$/.test(lengthText)) return undefined;
  const prefixLength = Number(lengthText);
  if (prefixLength > 32) return undefined;
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  const network = (address & mask) >>> 0;
  return { network, prefixLength, mask, broadcast: (network | (~mask >>> 0)) >>> 0 };
}

export function inNetwork(net: Ipv4Network, address: number): boolean {
  return ((address & net.mask) >>> 0) === net.network;
}

export function formatCidr(net: Ipv4Network): string {
  return `${formatIpv4(net.network)}/${net.prefixLength}`;
}
