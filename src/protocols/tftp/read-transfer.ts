/**
 * One read transfer on its own socket (RFC 1350 §4: the server's new transfer ID), from the OACK or the
 * first DATA block to the final ACK.
 *
 * Sending follows RFC 7440 §4: up to `windowsize` blocks are sent, then the server waits. An ACK for a
 * block inside what was sent moves the window's start to the block after it and the next window goes
 * out at once (a partial ACK means the client saw a gap: the rest is resent from there). When the timer
 * fires the window is resent from the last acknowledged block. With windowsize 1 this is RFC 1350's
 * lock step, and a duplicate ACK is never answered (RFC 1123 §4.2.3.1: that is the Sorcerer's
 * Apprentice). With a larger window a duplicate ACK is how the client reports that the window's first
 * block was lost (RFC 7440 §4), so the first one per window is answered with the window and the rest
 * are ignored, which bounds the duplicates any loss can cause to one window.
 *
 * Retransmission backs off exponentially (RFC 1123 §4.2.3.2: TFTP MUST use an adaptive timeout; RFC 7440
 * §6 asks for RFC 5405 congestion control): the first wait is the negotiated timeout (RFC 2349), each
 * further one doubles, up to MAX_INTERVAL_MS, and progress resets it. Besides sparing a congested link
 * this matters to receivers that only re-ACK on their own timer and restart that timer on every
 * datagram: atftp, which has all of a window it is sent again, ignores the repeats, so a server
 * repeating faster than atftp's timeout would never hear its ACK again.
 *
 * Blocks are counted from 1 without limit and put on the wire modulo 65536, so files of more than
 * 65535 blocks roll over to block 0 as tftp-hpa, curl and iPXE expect.
 */
import type { Socket } from 'node:dgram';
import type { Logger } from '../../logging/logger.ts';
import { dataHeader, decodePacket, encodeError, Opcode, TftpErrorCode } from './packet-codec.ts';
import type { TftpContent } from './transfer-content.ts';
import type { TftpCounters } from './tftp-counters.ts';

export interface TransferPeer {
  readonly address: string;
  readonly port: number;
}

export interface ReadTransferOptions {
  readonly socket: Socket;
  readonly peer: TransferPeer;
  readonly content: TftpContent;
  /** The OACK to send first, or undefined for a plain RFC 1350 transfer that starts with DATA 1. */
  readonly oack: Buffer | undefined;
  readonly blksize: number;
  readonly windowsize: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly counters: TftpCounters;
  readonly log: Logger;
  readonly onEnd: (result: TransferResult) => void;
}

export type TransferResult =
  | { readonly outcome: 'completed'; readonly bytes: number; readonly blocks: number; readonly ms: number }
  /** The client answered the OACK with an ERROR (RFC 2347 §2): a size probe or refused options, not a failure. */
  | { readonly outcome: 'declined'; readonly code: number; readonly message: string; readonly ms: number }
  | { readonly outcome: 'failed'; readonly error: string; readonly bytes: number; readonly ms: number };

/** Longest wait between retransmissions: longer than the clients' own timeouts (atftp and tftp-hpa default to 5 s). */
const MAX_INTERVAL_MS = 10_000;

/** Bytes read (and sent) per step while a window goes out, so a huge configured window never means a huge buffer. */
const MAX_READ_BYTES = 256 * 1024;

export class ReadTransfer {
  private readonly totalBlocks: number;
  /** Highest block the client acknowledged (0 before the first). */
  private acked = 0;
  /** Highest block sent so far. */
  private sent = 0;
  private phase: 'oack' | 'data' | 'done';
  private retriesLeft: number;
  private timer: NodeJS.Timeout | undefined;
  private timerInterval = 0;
  private timerArmed = false;
  /** Bumped whenever a new window starts, so a window still being read from disk is abandoned. */
  private generation = 0;
  /** A duplicate ACK already caused this window to be resent. */
  private duplicateAnswered = false;
  private readonly startedAt = Date.now();

  constructor(private readonly o: ReadTransferOptions) {
    // A transfer always ends with a block shorter than blksize, empty when the size is a multiple of it (RFC 1350 §6).
    this.totalBlocks = Math.floor(o.content.size / o.blksize) + 1;
    this.phase = o.oack === undefined ? 'data' : 'oack';
    this.retriesLeft = o.retries;
    o.socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    o.socket.on('error', (e) => this.fail(`socket error: ${e.message}`, false));
  }

  get peer(): TransferPeer {
    return this.o.peer;
  }

  /** Nothing has been acknowledged yet: a repeated request may be answered by repeating the first packet. */
  get starting(): boolean {
    return this.phase === 'oack' || (this.phase === 'data' && this.acked === 0);
  }

  start(): void {
    this.sendFirst();
  }

  /** The client repeated its request because our first packet was lost: send it again now, not at the timeout. */
  resendFirst(): void {
    if (this.starting) this.sendFirst();
  }

  /** Ends the transfer from outside (server stopping, request superseded); the client is told why. */
  abort(reason: string): void {
    this.fail(reason, true);
  }

  private sendFirst(): void {
    if (this.o.oack !== undefined && this.phase === 'oack') {
      this.send(this.o.oack);
      this.arm();
    } else {
      this.sendWindow();
    }
  }

  private onMessage(msg: Buffer, rinfo: { address: string; port: number }): void {
    const c = this.o.counters;
    c.received++;
    if (rinfo.address !== this.o.peer.address || rinfo.port !== this.o.peer.port) {
      // RFC 1350 §4: a packet from a stranger is answered with ERROR 5 and does not disturb the transfer.
      c.unknownTid++;
      this.sendTo(encodeError(TftpErrorCode.unknownTransferId, 'unknown transfer ID'), rinfo);
      this.o.log.debug({ from: `${rinfo.address}:${rinfo.port}` }, 'tftp packet from an unknown transfer ID');
      return;
    }
    if (this.phase === 'done') {
      c.dropped++;
      return;
    }
    // The one packet that arrives for every window: read it without building a packet object.
    if (msg.length >= 4 && msg.readUInt16BE(0) === Opcode.ack) {
      this.onAck(msg.readUInt16BE(2));
      return;
    }
    const decoded = decodePacket(msg);
    if (!decoded.ok) {
      c.malformed++;
      this.o.log.debug({ reason: decoded.reason, bytes: msg.length }, 'malformed tftp packet on a transfer ignored');
      return;
    }
    const p = decoded.packet;
    switch (p.op) {
      case 'ack':
        this.onAck(p.block);
        return;
      case 'error':
        if (this.phase === 'oack') {
          this.finish({ outcome: 'declined', code: p.code, message: p.message, ms: this.elapsed() });
        } else {
          this.finish({ outcome: 'failed', error: `client error ${p.code}: ${p.message}`, bytes: this.ackedBytes(), ms: this.elapsed() });
        }
        return;
      case 'rrq':
      case 'wrq':
      case 'data':
      case 'oack':
        // Nothing a reading client may send here; a corrupt or misdirected packet is not worth ending the transfer for.
        c.dropped++;
        this.o.log.debug({ op: p.op }, 'unexpected tftp packet on a transfer ignored');
        return;
    }
  }

  private onAck(block: number): void {
    const c = this.o.counters;
    if (this.phase === 'oack') {
      if (block !== 0) {
        c.ignoredAcks++;
        return;
      }
      this.phase = 'data';
      this.progress();
      this.sendWindow();
      return;
    }
    const ahead = (block - (this.acked & 0xffff) + 0x10000) & 0xffff;
    if (ahead === 0 && this.acked > 0) {
      c.duplicateAcks++;
      if (this.o.windowsize > 1 && !this.duplicateAnswered) {
        this.duplicateAnswered = true;
        this.sendWindow();
      }
      return;
    }
    if (ahead === 0 || ahead > this.sent - this.acked) {
      c.ignoredAcks++;
      return;
    }
    this.acked += ahead;
    this.progress();
    if (this.acked >= this.totalBlocks) {
      this.finish({ outcome: 'completed', bytes: this.o.content.size, blocks: this.totalBlocks, ms: this.elapsed() });
      return;
    }
    this.sendWindow();
  }

  private progress(): void {
    this.retriesLeft = this.o.retries;
    this.duplicateAnswered = false;
  }

  /** Sends the window that starts after the last acknowledged block, then waits for its ACK. */
  private sendWindow(): void {
    this.disarm();
    this.sendBlocks(++this.generation, this.acked + 1, Math.min(this.acked + this.o.windowsize, this.totalBlocks));
  }

  /**
   * Sends blocks `from`..`last`: synchronously while the content has them in memory (every block of a
   * lock-step transfer but the first of each read-ahead chunk), otherwise after reading them. A newer
   * window (another ACK, a timeout) bumps the generation and this one stops where it is.
   */
  private sendBlocks(generation: number, from: number, last: number): void {
    const { blksize, content } = this.o;
    const perRead = Math.max(1, Math.floor(MAX_READ_BYTES / blksize));
    while (from <= last) {
      const to = Math.min(from + perRead - 1, last);
      const position = (from - 1) * blksize;
      const length = (to - from + 1) * blksize;
      const data = content.peek(position, length);
      if (data === undefined) {
        content.read(position, length).then(
          (read) => {
            if (generation !== this.generation || this.phase === 'done') return;
            this.sendData(from, to, read);
            this.sendBlocks(generation, to + 1, last);
          },
          (e: unknown) => {
            if (this.phase !== 'done') this.fail(`read failed: ${e instanceof Error ? e.message : String(e)}`, true);
          },
        );
        return;
      }
      this.sendData(from, to, data);
      from = to + 1;
    }
    this.arm();
  }

  private sendData(from: number, to: number, data: Buffer): void {
    const { blksize } = this.o;
    for (let n = from; n <= to; n++) {
      const start = (n - from) * blksize;
      const payload = data.subarray(Math.min(start, data.length), Math.min(start + blksize, data.length));
      this.send([dataHeader(n), payload]);
      this.o.counters.bytesSent += payload.length;
    }
    this.sent = Math.max(this.sent, to);
  }

  private send(packet: Buffer | Buffer[]): void {
    this.sendTo(packet, this.o.peer);
  }

  private readonly onSent = (e: Error | null): void => {
    if (e) this.o.counters.sendErrors++;
  };

  private sendTo(packet: Buffer | Buffer[], to: TransferPeer): void {
    try {
      this.o.socket.send(packet, to.port, to.address, this.onSent);
    } catch {
      // The socket was closed by an error event between two sends.
      this.o.counters.sendErrors++;
    }
  }

  private arm(): void {
    const backoff = 2 ** (this.o.retries - this.retriesLeft);
    const interval = Math.min(this.o.timeoutMs * backoff, Math.max(this.o.timeoutMs, MAX_INTERVAL_MS));
    // Re-arming happens for every window: refresh the timer when its interval is unchanged rather than allocate one.
    if (this.timer !== undefined && this.timerInterval === interval) {
      this.timerArmed = true;
      this.timer.refresh();
      return;
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerInterval = interval;
    this.timerArmed = true;
    this.timer = setTimeout(this.onTimer, interval);
  }

  private disarm(): void {
    this.timerArmed = false;
  }

  private readonly onTimer = (): void => {
    // A disarmed timer is left to run out rather than cleared and recreated for the next window.
    if (!this.timerArmed) return;
    this.timerArmed = false;
    this.onTimeout();
  };

  private onTimeout(): void {
    if (this.phase === 'done') return;
    if (this.retriesLeft <= 0) {
      this.o.counters.timeouts++;
      const waitingFor = this.phase === 'oack' ? 'the OACK' : this.acked + 1 === this.totalBlocks ? 'the last block' : `block ${this.acked + 1}`;
      this.fail(`timed out: no ACK for ${waitingFor} after ${this.o.retries} retransmissions`, true);
      return;
    }
    this.retriesLeft--;
    this.o.counters.retransmissions++;
    if (this.phase === 'oack') this.sendFirst();
    else this.sendWindow();
  }

  private fail(error: string, tellClient: boolean): void {
    if (this.phase === 'done') return;
    if (tellClient) this.send(encodeError(TftpErrorCode.notDefined, error));
    this.finish({ outcome: 'failed', error, bytes: this.ackedBytes(), ms: this.elapsed() });
  }

  private finish(result: TransferResult): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.generation++;
    this.disarm();
    if (this.timer !== undefined) clearTimeout(this.timer);
    // Close on the next turn so an ERROR queued just before still leaves the socket.
    setImmediate(() => {
      try {
        this.o.socket.close();
      } catch {
        // already closed by a socket error
      }
    });
    this.o.content.close().catch((e: unknown) => this.o.log.warn({ err: e }, 'closing tftp content failed'));
    this.o.onEnd(result);
  }

  private ackedBytes(): number {
    return Math.min(this.acked * this.o.blksize, this.o.content.size);
  }

  private elapsed(): number {
    return Date.now() - this.startedAt;
  }
}
