/**
 * The address a message came from, in the form the rest of Monorail keys addresses by: a dual-stack
 * socket reports IPv4 peers as IPv4-mapped IPv6 (RFC 4291 §2.5.5.2, `::ffff:10.99.0.5`), which must become
 * `10.99.0.5` or no node would ever be found for an IPv4 sender.
 */
import net from 'node:net';

const MAPPED_PREFIX = '::ffff:';

export function normalizePeerAddress(address: string): string {
  if (address.length > MAPPED_PREFIX.length && address.slice(0, MAPPED_PREFIX.length).toLowerCase() === MAPPED_PREFIX) {
    const v4 = address.slice(MAPPED_PREFIX.length);
    if (net.isIPv4(v4)) return v4;
  }
  return address.toLowerCase();
}
