/**
 * RFC 6587 framing of syslog over TCP, decided per message as §3.4 allows a receiver to: a frame that
 * starts with a non-zero digit is octet-counted (§3.4.1, `MSG-LEN SP SYSLOG-MSG`); anything else is
 * non-transparent (§3.4.2), ended by LF (or NUL, which some senders use as the TRAILER).
 *
 * Memory per connection is bounded by `maxMessageBytes`: a longer message is cut there (and flagged), the
 * rest of it is read and discarded. An octet count above `maxFrameBytes` is not a syslog frame but an
 * attack or a desynchronised stream; it is a framing error and the caller closes the connection.
 */
import { dropIncompleteUtf8Tail } from './byte-limit.ts';

export interface Frame {
  readonly bytes: Buffer;
  readonly truncated: boolean;
  readonly framing: 'octet-counting' | 'non-transparent';
}

export interface FramerLimits {
  readonly maxMessageBytes: number;
  readonly maxFrameBytes: number;
}

export interface PushResult {
  readonly frames: Frame[];
  /** Set when the stream cannot be framed any more; the connection should be closed. */
  readonly error?: string;
}

/** MSG-LEN = NONZERO-DIGIT *DIGIT; a longer run of digits starts a line, not a count (and would exceed any limit). */
const MAX_LENGTH_DIGITS = 10;

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const SP = 0x20;

type State =
  | { readonly kind: 'between' }
  | { kind: 'length'; digits: number; value: number }
  | { kind: 'octets'; remaining: number }
  | { kind: 'line' }
  /** Discarding the rest of a line that was already delivered truncated. */
  | { kind: 'skip-line' };

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

export class StreamFramer {
  private state: State = { kind: 'between' };
  private readonly parts: Buffer[] = [];
  private kept = 0;
  private truncated = false;
  private frames = 0;

  constructor(private readonly limits: FramerLimits) {}

  /** Whether part of a frame is buffered or being skipped (a sender stalling here holds the connection). */
  get inFrame(): boolean {
    return this.state.kind !== 'between';
  }

  /** Frames completed so far; lets the caller tell a stalled frame from a slow stream of whole ones. */
  get completed(): number {
    return this.frames;
  }

  push(chunk: Buffer): PushResult {
    const out: Frame[] = [];
    let i = 0;
    while (i < chunk.length) {
      const state = this.state;
      switch (state.kind) {
        case 'between': {
          const c = chunk[i] ?? 0;
          // Stray trailers between frames (an LF after an octet-counted frame, CRLF line ends) carry nothing.
          if (c === LF || c === CR || c === NUL) {
            i++;
          } else if (c >= 0x31 && c <= 0x39) {
            this.state = { kind: 'length', digits: 1, value: c - 0x30 };
            this.keep(chunk.subarray(i, i + 1));
            i++;
          } else {
            this.state = { kind: 'line' };
          }
          break;
        }
        case 'length': {
          const c = chunk[i] ?? 0;
          if (isDigit(c) && state.digits < MAX_LENGTH_DIGITS) {
            state.digits++;
            state.value = state.value * 10 + (c - 0x30);
            this.keep(chunk.subarray(i, i + 1));
            i++;
          } else if (c === SP) {
            i++;
            if (state.value > this.limits.maxFrameBytes) {
              this.reset();
              return { frames: out, error: `octet count ${state.value} exceeds ${this.limits.maxFrameBytes}` };
            }
            this.discardKept();
            this.state = { kind: 'octets', remaining: state.value };
          } else {
            // Digits not followed by SP (or more of them than any MSG-LEN has): a non-transparent line
            // that happens to start with a number.
            this.state = { kind: 'line' };
          }
          break;
        }
        case 'octets': {
          const take = Math.min(state.remaining, chunk.length - i);
          this.keep(chunk.subarray(i, i + take));
          state.remaining -= take;
          i += take;
          if (state.remaining === 0) out.push(this.emit('octet-counting'));
          break;
        }
        case 'line': {
          const end = trailerIndex(chunk, i);
          if (end < 0) {
            this.keep(chunk.subarray(i));
            i = chunk.length;
            if (this.truncated) {
              // The line already outgrew the limit: deliver what fits now, drop the rest up to the trailer.
              out.push(this.emit('non-transparent'));
              this.state = { kind: 'skip-line' };
            }
          } else {
            this.keep(chunk.subarray(i, end));
            i = end + 1;
            out.push(this.emit('non-transparent'));
          }
          break;
        }
        case 'skip-line': {
          const end = trailerIndex(chunk, i);
          if (end < 0) {
            i = chunk.length;
          } else {
            i = end + 1;
            this.state = { kind: 'between' };
          }
          break;
        }
      }
    }
    return { frames: out };
  }

  /**
   * The peer closed the stream. A non-transparent line without its trailer is still a message (senders
   * often omit the last LF); a partial octet-counted frame is not, and is reported.
   */
  end(): { frame?: Frame; incomplete: boolean } {
    const state = this.state;
    this.state = { kind: 'between' };
    switch (state.kind) {
      case 'between':
      case 'skip-line':
        this.reset();
        return { incomplete: false };
      case 'line':
      case 'length':
        return this.kept > 0 ? { frame: this.emit('non-transparent'), incomplete: false } : { incomplete: false };
      case 'octets':
        this.reset();
        return { incomplete: true };
    }
  }

  private keep(bytes: Buffer): void {
    const room = this.limits.maxMessageBytes - this.kept;
    if (bytes.length > room) this.truncated = true;
    const part = bytes.length > room ? bytes.subarray(0, Math.max(0, room)) : bytes;
    if (part.length === 0) return;
    this.parts.push(part);
    this.kept += part.length;
  }

  private discardKept(): void {
    this.parts.length = 0;
    this.kept = 0;
    this.truncated = false;
  }

  private emit(framing: Frame['framing']): Frame {
    const joined = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.kept);
    const cut = this.truncated ? dropIncompleteUtf8Tail(joined) : joined;
    // Copy: a single part is a slice of the socket's chunk, which must not be retained.
    const frame: Frame = { bytes: this.parts.length === 1 ? Buffer.from(cut) : cut, truncated: this.truncated, framing };
    this.frames++;
    this.discardKept();
    this.state = { kind: 'between' };
    return frame;
  }

  private reset(): void {
    this.discardKept();
    this.state = { kind: 'between' };
  }
}

function trailerIndex(chunk: Buffer, from: number): number {
  const lf = chunk.indexOf(LF, from);
  const nul = chunk.indexOf(NUL, from);
  if (lf < 0) return nul;
  if (nul < 0) return lf;
  return Math.min(lf, nul);
}
