/**
 * The TFTP read a PXE ROM does for its boot file (RFC 1350 with the RFC 2347/2348/2349 options PXE ROMs
 * ask for: blksize and tsize), from the machine's own address. Lock-step (one block per ACK) unless a
 * windowsize is asked for (RFC 7440); a timed-out ACK is repeated, a block from another port gets error 5
 * (RFC 1350 §4), and the socket dallies briefly after the final ACK so a repeated last block is ACKed again.
 * Adapted from the test suite's client (test/support/tftp-client.ts), with cancellation.
 */
import dgram from 'node:dgram';
import { decodePacket, encodeAck, encodeError, encodeRequest } from '../protocols/tftp/packet-codec.ts';

export interface TftpReadOptions {
  readonly host: string;
  readonly port: number;
  readonly file: string;
  /** Options to request, e.g. `{ blksize: 1456, tsize: 0 }`. */
  readonly options?: Readonly<Record<string, string | number>>;
  readonly localAddress?: string;
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly signal?: AbortSignal;
}

export interface TftpReadResult {
  readonly bytes: number;
  readonly blocks: number;
  readonly oack: Readonly<Record<string, string>> | undefined;
  readonly timeouts: number;
}

export class TftpReadError extends Error {
  constructor(
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

export function tftpRead(o: TftpReadOptions): Promise<TftpReadResult> {
  const timeoutMs = o.timeoutMs ?? 1000;
  const maxRetries = o.retries ?? 6;
  const request = encodeRequest('rrq', o.file, 'octet', Object.entries(o.options ?? {}).map(([k, v]) => [k, String(v)] as const));
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    let serverPort: number | undefined;
    let oack: Record<string, string> | undefined;
    let blksize = 512;
    let windowsize = 1;
    let expected = 1;
    let inWindow = 0;
    let bytes = 0;
    let timeouts = 0;
    let retries = 0;
    let done = false;
    let timer: NodeJS.Timeout | undefined;

    const onAbort = (): void => finish(new TftpReadError(undefined, 'aborted'));
    const finish = (err: Error | undefined, result?: TftpReadResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      if (err) {
        socket.close();
        reject(err);
        return;
      }
      // Closing at once could drop the final ACK still queued in the socket.
      setTimeout(() => socket.close(), 20);
      if (result) resolve(result);
    };
    if (o.signal?.aborted === true) {
      reject(new TftpReadError(undefined, 'aborted'));
      return;
    }
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const send = (buf: Buffer, port: number): void => socket.send(buf, port, o.host);
    const ack = (block: number): void => {
      if (serverPort === undefined) return;
      inWindow = 0;
      send(encodeAck(block & 0xffff), serverPort);
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(onTimeout, timeoutMs);
    };
    const onTimeout = (): void => {
      timeouts++;
      if (++retries > maxRetries) {
        finish(new TftpReadError(undefined, `timed out after ${maxRetries} retries waiting for block ${expected}`));
        return;
      }
      if (serverPort === undefined) send(request, o.port);
      else ack(expected - 1);
      arm();
    };

    socket.on('error', (e) => finish(e));
    socket.on('message', (msg, rinfo) => {
      if (rinfo.address !== o.host) return;
      if (done) {
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
      const p = d.packet;
      switch (p.op) {
        case 'error':
          finish(new TftpReadError(p.code, `TFTP error ${p.code}: ${p.message}`));
          return;
        case 'oack':
          if (expected !== 1) return;
          oack = Object.fromEntries(p.options);
          blksize = Number(oack.blksize ?? 512);
          windowsize = Number(oack.windowsize ?? 1);
          retries = 0;
          ack(0);
          arm();
          return;
        case 'data': {
          const offset = (p.block - (expected & 0xffff) + 0x10000) & 0xffff;
          if (offset === 0) {
            bytes += p.data.length;
            expected++;
            inWindow++;
            retries = 0;
            if (p.data.length < blksize) {
              ack(p.block);
              finish(undefined, { bytes, blocks: expected - 1, oack, timeouts });
              return;
            }
            if (inWindow >= windowsize) ack(p.block);
            arm();
          } else {
            // An old block (our ACK was lost) or one after a gap: say where we are (RFC 7440 §4).
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
    socket.bind({ port: 0, address: o.localAddress ?? '0.0.0.0' }, () => {
      send(request, o.port);
      arm();
    });
  });
}
