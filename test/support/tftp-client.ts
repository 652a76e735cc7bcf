/**
 * A small TFTP read client for tests and benchmarks, speaking what the Debian clients do not: windowsize
 * (RFC 7440) as a receiver, any blksize, timeout and tsize. It ACKs the last block of each window, ACKs
 * the last in-order block once when it sees a gap (RFC 7440 §4's "sequence error") and again on each
 * timeout, re-ACKs duplicates, and can dally after the final ACK (RFC 1350 §6) so a lost final ACK is
 * repeated. Also a raw socket helper for protocol tests that craft packets by hand.
 */
import dgram from 'node:dgram';
import { fromNetascii } from '../../src/protocols/tftp/netascii.ts';
import { decodePacket, encodeAck, encodeError, encodeRequest, type TftpPacket } from '../../src/protocols/tftp/packet-codec.ts';

export interface TftpGetOptions {
  readonly host: string;
  readonly port: number;
  readonly file: string;
  readonly mode?: 'octet' | 'netascii';
  /** Options to request, e.g. { blksize: 1468, windowsize: 16, tsize: 0 }. */
  readonly options?: Readonly<Record<string, string | number>>;
  /** Client-side retransmission timeout (ms). */
  readonly timeoutMs?: number;
  /** Timeouts in a row before giving up. */
  readonly retries?: number;
  /** Keep the socket open this long after the final ACK and re-ACK a repeated last block. */
  readonly dallyMs?: number;
  /** Address the client's socket binds (default: the wildcard of the server's family). */
  readonly localAddress?: string;
}

export interface TftpGetResult {
  readonly data: Buffer;
  readonly oack: Readonly<Record<string, string>> | undefined;
  readonly serverPort: number;
  readonly blocks: number;
  readonly acksSent: number;
  readonly timeouts: number;
}

export class TftpClientError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(`TFTP error ${code}: ${message}`);
  }
}

export function tftpGet(o: TftpGetOptions): Promise<TftpGetResult> {
  const timeoutMs = o.timeoutMs ?? 1000;
  const maxRetries = o.retries ?? 8;
  const request = encodeRequest(
    'rrq',
    o.file,
    o.mode ?? 'octet',
    Object.entries(o.options ?? {}).map(([k, v]) => [k, String(v)] as const),
  );
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(o.host.includes(':') ? 'udp6' : 'udp4');
    const chunks: Buffer[] = [];
    let serverPort: number | undefined;
    let oack: Record<string, string> | undefined;
    let blksize = 512;
    let windowsize = 1;
    /** Next block expected, counted without wrapping. */
    let expected = 1;
    let inWindow = 0;
    let gapReportedFor = 0;
    let acksSent = 0;
    let timeouts = 0;
    let retries = 0;
    let done = false;
    let timer: NodeJS.Timeout | undefined;

    const finish = (err: Error | undefined, result?: TftpGetResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        socket.close();
        reject(err);
        return;
      }
      // Closing at once could drop the final ACK still queued in the socket.
      setTimeout(() => socket.close(), Math.max(o.dallyMs ?? 0, 20));
      if (result) resolve(result);
    };
    const send = (buf: Buffer, port: number): void => {
      socket.send(buf, port, o.host);
    };
    const ack = (block: number): void => {
      if (serverPort === undefined) return;
      acksSent++;
      inWindow = 0;
      send(encodeAck(block), serverPort);
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(onTimeout, timeoutMs);
    };
    const onTimeout = (): void => {
      timeouts++;
      if (++retries > maxRetries) {
        finish(new Error(`timed out after ${maxRetries} retries waiting for block ${expected}`));
        return;
      }
      if (serverPort === undefined) send(request, o.port);
      else ack(expected - 1);
      arm();
    };

    socket.on('error', (e) => finish(e));
    socket.on('message', (msg, rinfo) => {
      if (rinfo.address !== o.host && !(o.host === 'localhost' && rinfo.address === '127.0.0.1')) return;
      if (done) {
        // Dallying: the server did not get our final ACK and repeated the last block.
        if (serverPort === rinfo.port) send(encodeAck((expected - 1) & 0xffff), rinfo.port);
        return;
      }
      if (serverPort === undefined) serverPort = rinfo.port;
      else if (rinfo.port !== serverPort) {
        socket.send(encodeError(5, 'unknown transfer ID'), rinfo.port, rinfo.address);
        return;
      }
      const d = decodePacket(msg);
      if (!d.ok) return;
      const p: TftpPacket = d.packet;
      switch (p.op) {
        case 'error':
          finish(new TftpClientError(p.code, p.message));
          return;
        case 'oack': {
          if (expected !== 1 || chunks.length > 0) return;
          oack = Object.fromEntries(p.options);
          blksize = Number(oack.blksize ?? 512);
          windowsize = Number(oack.windowsize ?? 1);
          retries = 0;
          ack(0);
          arm();
          return;
        }
        case 'data': {
          const offset = (p.block - (expected & 0xffff) + 0x10000) & 0xffff;
          if (offset === 0) {
            chunks.push(Buffer.from(p.data));
            expected++;
            inWindow++;
            retries = 0;
            if (p.data.length < blksize) {
              ack(p.block);
              const raw = Buffer.concat(chunks);
              finish(undefined, {
                data: o.mode === 'netascii' ? fromNetascii(raw) : raw,
                oack,
                serverPort,
                blocks: expected - 1,
                acksSent,
                timeouts,
              });
              return;
            }
            if (inWindow >= windowsize) ack(p.block);
            arm();
          } else if (offset > 0x8000) {
            // An old block again: our ACK was lost. Say where we are.
            ack(expected - 1);
          } else if (gapReportedFor !== expected) {
            // A block after a gap: report the last in-order block once (RFC 7440 §4).
            gapReportedFor = expected;
            ack(expected - 1);
          }
          return;
        }
        case 'ack':
        case 'rrq':
        case 'wrq':
          return;
      }
    });
    socket.bind({ port: 0, address: o.localAddress ?? (o.host.includes(':') ? '::' : '0.0.0.0') }, () => {
      send(request, o.port);
      arm();
    });
  });
}

/** A UDP socket for hand-made packets: send, then await what comes back (with its source port). */
export interface RawTftpSocket {
  readonly port: number;
  send(buf: Buffer, port: number, host?: string): void;
  /** The next datagram, or undefined after `timeoutMs`. */
  next(timeoutMs?: number): Promise<{ packet: TftpPacket | undefined; raw: Buffer; port: number; address: string } | undefined>;
  /** Every datagram that arrives within `ms`. */
  collect(ms: number): Promise<{ packet: TftpPacket | undefined; raw: Buffer; port: number; address: string }[]>;
  close(): void;
}

export async function rawTftpSocket(host = '127.0.0.1'): Promise<RawTftpSocket> {
  const socket = dgram.createSocket('udp4');
  const queue: { packet: TftpPacket | undefined; raw: Buffer; port: number; address: string }[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (raw, rinfo) => {
    const d = decodePacket(raw);
    queue.push({ packet: d.ok ? d.packet : undefined, raw, port: rinfo.port, address: rinfo.address });
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((r) => socket.bind(0, host, r));
  return {
    port: socket.address().port,
    send: (buf, port, to = host) => socket.send(buf, port, to),
    async next(timeoutMs = 2000) {
      const deadline = Date.now() + timeoutMs;
      while (queue.length === 0) {
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        await new Promise<void>((r) => {
          const t = setTimeout(r, left);
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
      return queue.shift();
    },
    async collect(ms) {
      await new Promise((r) => setTimeout(r, ms));
      return queue.splice(0);
    },
    close: () => socket.close(),
  };
}
