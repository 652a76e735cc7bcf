/**
 * Where a reply goes (RFC 2131 §4.1): to the relay that forwarded the request (giaddr, server port),
 * else to a client that has an address (ciaddr), else broadcast, as is every NAK not relayed. Unicast
 * to yiaddr would need an ARP entry for a client that cannot answer ARP yet, which Node cannot write
 * (real-clients.md N1), so replies to clients without an address are always broadcast.
 */
import type { DhcpPacket } from './packet-codec.ts';

export interface ReplyPorts {
  /** The port clients listen on (68). */
  readonly clientPort: number;
  /** The port relay agents listen on (67). */
  readonly relayPort: number;
  /** 255.255.255.255, or a unicast address where tests catch "broadcasts" on loopback. */
  readonly broadcastAddress: string;
}

export interface Destination {
  readonly address: string;
  readonly port: number;
}

export function replyDestination(request: DhcpPacket, isNak: boolean, ports: ReplyPorts): Destination {
  if (request.giaddr !== '0.0.0.0') return { address: request.giaddr, port: ports.relayPort };
  if (!isNak && request.ciaddr !== '0.0.0.0') return { address: request.ciaddr, port: ports.clientPort };
  return { address: ports.broadcastAddress, port: ports.clientPort };
}

/**
 * PXE spec 2.1 §2.2.6: a request to the boot server port is answered to where it came from; a client
 * sending from 0.0.0.0 can only be reached by broadcast.
 */
export function bootServerDestination(request: DhcpPacket, source: Destination, ports: ReplyPorts): Destination {
  if (request.giaddr !== '0.0.0.0') return { address: request.giaddr, port: ports.relayPort };
  if (source.address !== '0.0.0.0') return source;
  return { address: ports.broadcastAddress, port: ports.clientPort };
}
