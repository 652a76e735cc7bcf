/**
 * The addresses the TFTP listener binds. Each transfer must answer from the address the client sent its
 * request to (RFC 1350 §4: the client checks the source of every reply), and Node's dgram cannot tell
 * which local address a datagram arrived on when the socket is bound to the wildcard. So a wildcard host
 * is expanded to one listener per local address, and each transfer binds the address of the listener
 * that took its request. Addresses added after start-up are not served until a restart; name the
 * address in `tftp.host` on hosts whose addresses come and go.
 */
import { isIPv4, isIPv6 } from 'node:net';
import os from 'node:os';

type Interfaces = ReturnType<typeof os.networkInterfaces>;

export function listenAddresses(host: string, interfaces: Interfaces = os.networkInterfaces()): string[] {
  const wildcard4 = host === '0.0.0.0';
  const wildcard6 = host === '::' || host === '::0';
  if (!wildcard4 && !wildcard6) return [host];
  const found = new Set<string>();
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4') found.add(a.address);
      // Link-local IPv6 needs a scope to bind; PXE over IPv6 uses global or ULA addresses.
      else if (wildcard6 && !a.address.toLowerCase().startsWith('fe80:')) found.add(a.address);
    }
  }
  return [...found].filter((a) => isIPv4(a) || isIPv6(a));
}
