/**
 * The simulated machines' DHCP client port (RFC 2131 §4.1: clients listen on 68; here one port chosen at
 * start-up, which the member's `dhcp.clientPort` names). Each machine address gets one socket bound to
 * (address, port), opened while a machine at that address is booting and shared when machines share an
 * address (hosts without loopback aliases). A request goes out from it, and the reply for its xid and MAC
 * is awaited with the retransmission schedule of the client being played; no reply at all is an answer too
 * (a proxyDHCP server stays silent for a machine that should boot from its disk).
 */
import dgram from 'node:dgram';
import { decodePacket, type DhcpPacket } from '../protocols/dhcp/packet-codec.ts';

export interface Destination {
  readonly address: string;
  readonly port: number;
}

interface Waiter {
  readonly xid: number;
  readonly mac: string;
  resolve(packet: DhcpPacket): void;
}

class BoundPort {
  private readonly waiters = new Set<Waiter>();

  constructor(readonly socket: dgram.Socket) {
    socket.on('message', (msg) => {
      const d = decodePacket(msg);
      if (!d.ok || d.packet.op !== 2) return;
      const mac = [...d.packet.chaddr.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join(':');
      for (const w of this.waiters) {
        if (w.xid === d.packet.xid && w.mac === mac) {
          this.waiters.delete(w);
          w.resolve(d.packet);
        }
      }
    });
    // A send error (ICMP port unreachable reported back) is a lost datagram to the client, nothing more.
    socket.on('error', () => undefined);
  }

  wait(xid: number, mac: string, ms: number, signal: AbortSignal): Promise<DhcpPacket | undefined> {
    return new Promise((resolve) => {
      const done = (p: DhcpPacket | undefined): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        signal.removeEventListener('abort', onAbort);
        resolve(p);
      };
      const waiter: Waiter = { xid, mac, resolve: done };
      const onAbort = (): void => done(undefined);
      const timer = setTimeout(() => done(undefined), ms);
      this.waiters.add(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  send(packet: Buffer, to: Destination): Promise<void> {
    return new Promise((resolve) => this.socket.send(packet, to.port, to.address, () => resolve()));
  }
}

export class DhcpClientPorts {
  /** Counted synchronously, so a socket is never closed under a machine that has just asked for it. */
  private readonly bound = new Map<string, { readonly port: Promise<BoundPort>; users: number }>();

  constructor(readonly port: number) {}

  /**
   * Sends `packet` and waits for the reply to its xid, retransmitting after each wait in `schedule`
   * (milliseconds, each ±25 %); undefined when every wait passes unanswered or `signal` aborts.
   */
  async exchange(from: string, packet: Buffer, to: Destination, schedule: readonly number[], signal: AbortSignal): Promise<DhcpPacket | undefined> {
    const xid = packet.readUInt32BE(4);
    const mac = [...packet.subarray(28, 34)].map((b) => b.toString(16).padStart(2, '0')).join(':');
    const pending = this.acquire(from);
    try {
      const port = await pending;
      for (const ms of schedule) {
        if (signal.aborted) return undefined;
        // RFC 2131 §4.1: retransmission delays are randomized, so clients that started together drift apart.
        const reply = port.wait(xid, mac, ms * (0.75 + Math.random() * 0.5), signal);
        await port.send(packet, to);
        const answer = await reply;
        if (answer !== undefined) return answer;
      }
      return undefined;
    } finally {
      this.release(from);
    }
  }

  /** Sends without waiting for an answer (the microkernel's DHCP, answered by the site's server, not Monorail). */
  async send(from: string, packet: Buffer, to: Destination): Promise<void> {
    const pending = this.acquire(from);
    try {
      await (await pending).send(packet, to);
    } finally {
      this.release(from);
    }
  }

  async close(): Promise<void> {
    const entries = [...this.bound.values()];
    this.bound.clear();
    for (const e of entries) await closePort(e.port);
  }

  private acquire(address: string): Promise<BoundPort> {
    const existing = this.bound.get(address);
    if (existing !== undefined) {
      existing.users += 1;
      return existing.port;
    }
    const port = new Promise<BoundPort>((resolve, reject) => {
      const socket = dgram.createSocket('udp4');
      socket.once('error', reject);
      socket.bind({ address, port: this.port, exclusive: true }, () => {
        socket.off('error', reject);
        resolve(new BoundPort(socket));
      });
    });
    const entry = { port, users: 1 };
    this.bound.set(address, entry);
    port.catch(() => {
      if (this.bound.get(address) === entry) this.bound.delete(address);
    });
    return port;
  }

  private release(address: string): void {
    const entry = this.bound.get(address);
    if (entry === undefined) return;
    entry.users -= 1;
    if (entry.users > 0) return;
    this.bound.delete(address);
    void closePort(entry.port);
  }
}

async function closePort(pending: Promise<BoundPort>): Promise<void> {
  const port = await pending.catch(() => undefined);
  if (port !== undefined) await new Promise<void>((resolve) => port.socket.close(() => resolve()));
}
