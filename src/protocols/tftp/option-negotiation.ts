/**
 * What the server grants of the options a read request carries (RFC 2347 §2: the server answers with
 * an OACK naming only the options it accepts; anything it does not know or will not honour is left
 * out, and the client then uses the default). With nothing granted there is no OACK and the transfer
 * is plain RFC 1350: 512-byte blocks, one block per ACK.
 */
import type { TftpOptions } from './packet-codec.ts';

export interface NegotiationLimits {
  readonly maxBlksize: number;
  readonly maxWindowsize: number;
  /** Longest retransmission timeout a client may ask for; a longer one is left out of the OACK. */
  readonly maxRequestedTimeoutMs: number;
}

export interface Negotiated {
  readonly blksize: number;
  readonly windowsize: number;
  /** Retransmission timeout the client asked for (RFC 2349 §2), in ms; undefined means the server's own. */
  readonly timeoutMs: number | undefined;
  /** Whether the client asked for the transfer size (RFC 2349 §3). */
  readonly tsize: boolean;
  /** The OACK's options in the client's order, values as granted; tsize is filled in by `oackOptions`. */
  readonly granted: readonly string[];
  /** Options left out of the OACK: unknown, duplicated or with a value out of range. */
  readonly ignored: readonly string[];
}

export const DEFAULT_BLKSIZE = 512;

/** A decimal integer with nothing else around it ("0x10", "1e3", " 8" and "" are not). */
function integer(value: string): number | undefined {
  return /^[0-9]{1,10}$/.test(value) ? Number(value) : undefined;
}

export function negotiate(options: TftpOptions, limits: NegotiationLimits): Negotiated {
  let blksize = DEFAULT_BLKSIZE;
  let windowsize = 1;
  let timeoutMs: number | undefined;
  let tsize = false;
  const granted: string[] = [];
  const ignored: string[] = [];
  for (const [name, value] of options) {
    if (granted.includes(name)) {
      ignored.push(name);
      continue;
    }
    const n = integer(value);
    switch (name) {
      case 'blksize':
        // RFC 2348: 8-65464 octets; a larger request is granted the server's largest.
        if (n === undefined || n < 8) break;
        blksize = Math.min(n, limits.maxBlksize, 65464);
        granted.push(name);
        continue;
      case 'windowsize':
        // RFC 7440 §3: 1-65535 blocks; the server may answer with a smaller window, never a larger one.
        if (n === undefined || n < 1 || n > 65535) break;
        windowsize = Math.min(n, limits.maxWindowsize);
        granted.push(name);
        continue;
      case 'timeout':
        // RFC 2349 §2: 1-255 seconds, and the OACK must echo the client's value or leave it out. Left out
        // beyond the server's limit: a transfer waiting 255 s per retransmission would hold its slot for
        // most of an hour after its client vanished.
        if (n === undefined || n < 1 || n > 255 || n * 1000 > limits.maxRequestedTimeoutMs) break;
        timeoutMs = n * 1000;
        granted.push(name);
        continue;
      case 'tsize':
        // RFC 2349 §3: a read request carries 0 and the OACK carries the real size.
        if (n === undefined) break;
        tsize = true;
        granted.push(name);
        continue;
      default:
        break;
    }
    ignored.push(name);
  }
  return { blksize, windowsize, timeoutMs, tsize, granted, ignored };
}

/** The OACK's option list for a negotiation, once the transfer size is known. */
export function oackOptions(n: Negotiated, size: number): [string, string][] {
  return n.granted.map((name): [string, string] => {
    switch (name) {
      case 'blksize':
        return [name, String(n.blksize)];
      case 'windowsize':
        return [name, String(n.windowsize)];
      case 'timeout':
        return [name, String((n.timeoutMs ?? 0) / 1000)];
      default:
        return [name, String(size)];
    }
  });
}
