/**
 * A UDP socket on 127.0.0.1 playing a DHCP client (or relay) against a server under test: sends
 * packets, collects every datagram it receives, and waits for the one a test expects.
 */
import dgram from 'node:dgram';
import { decodePacket, type DhcpPacket } from '../../src/protocols/dhcp/packet-codec.ts';
import { Opt } from '../../src/protocols/dhcp/dhcp-constants.ts';

export interface UdpTestClient {
  readonly port: number;
  readonly received: DhcpPacket[];
  send(packet: Buffer, port: number, address?: string): Promise<void>;
  /** The first received packet (past or future) matching, within `timeoutMs`. */
  waitFor(match: (p: DhcpPacket) => boolean, timeoutMs?: number): Promise<DhcpPacket>;
  close(): Promise<void>;
}

export async function udpTestClient(): Promise<UdpTestClient> {
  const socket = dgram.createSocket('udp4');
  const received: DhcpPacket[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (msg) => {
    const d = decodePacket(msg);
    if (d.ok) received.push(d.packet);
    for (const w of [...waiters]) w();
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    received,
    send: (packet, port, address = '127.0.0.1') => new Promise<void>((resolve, reject) => socket.send(packet, port, address, (e) => (e ? reject(e) : resolve()))),
    waitFor(match, timeoutMs = 2000) {
      return new Promise<DhcpPacket>((resolve, reject) => {
        const check = (): void => {
          const found = received.find(match);
          if (found) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching DHCP packet within ${timeoutMs} ms (received ${received.length})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

export const messageTypeOf = (p: DhcpPacket): number | undefined => p.options.get(Opt.MESSAGE_TYPE)?.[0];
