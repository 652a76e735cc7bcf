/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/, Level 1 Recommendation): the `traceparent`
 * value, parsed and formatted, and fresh ids. Monorail records every trace (logs are its spans), so it
 * never drops work for a flag; it carries the sender's flags along unchanged (§3.2.2.5) and marks the
 * traces it starts as sampled.
 */
import { createHash, randomFillSync } from 'node:crypto';

export interface TraceContext {
  /** 32 lowercase hex digits, not all zero (§3.2.2.3). */
  readonly traceId: string;
  /** This unit of work's span: 16 lowercase hex digits, not all zero; sent as `parent-id` (§3.2.2.4). */
  readonly spanId: string;
  /** The 8 trace-flags bits (§3.2.2.5); bit 0 is `sampled`. */
  readonly flags: number;
}

/** §3.2.2.5.1: the only flag Level 1 defines. */
export const SAMPLED = 0x01;

const VERSION_00_LENGTH = 55;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
/** HEXDIGLC only (§3.2.2): an upper-case digit makes the value invalid, not merely unusual. */
const hexlc = (s: string): boolean => /^[0-9a-f]*$/.test(s);

/**
 * Parses a `traceparent` value; undefined when it must be ignored. Version 00 is exactly
 * `00-<32 hex>-<16 hex>-<2 hex>` (§3.2.2); version ff is invalid (§3.2.2.2). A higher version is read as
 * §3.2.4 says: at least 55 characters, the version-00 fields at the same places, and after the flags
 * either the end or a dash (the rest belongs to the future version and is not ours to read).
 */
export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  if (value === undefined || value.length < VERSION_00_LENGTH) return undefined;
  const version = value.slice(0, 2);
  if (!hexlc(version) || version === 'ff' || value[2] !== '-') return undefined;
  if (version === '00' && value.length !== VERSION_00_LENGTH) return undefined;
  if (version !== '00' && value.length > VERSION_00_LENGTH && value[VERSION_00_LENGTH] !== '-') return undefined;
  const traceId = value.slice(3, 35);
  const spanId = value.slice(36, 52);
  const flags = value.slice(53, 55);
  if (value[35] !== '-' || value[52] !== '-') return undefined;
  if (!hexlc(traceId) || !hexlc(spanId) || !hexlc(flags)) return undefined;
  // §3.2.2.3 and §3.2.2.4: an all-zero id is invalid, and the whole header is then ignored.
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  const bits = Number.parseInt(flags, 16);
  // §3.2.4: of a later version's flags only `sampled` is known to mean what it means in version 00.
  return { traceId, spanId, flags: version === '00' ? bits : bits & SAMPLED };
}

/** The version-00 `traceparent` naming `context.spanId` as the parent of whatever receives it. */
export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${(context.flags & 0xff).toString(16).padStart(2, '0')}`;
}

/**
 * Random bytes drawn from a pool refilled 4 KiB at a time: a span id per actor message would otherwise
 * cost a syscall-backed `randomBytes` each. Ids need to be unique, not secret (§6, privacy: they carry
 * no information about the caller).
 */
const pool = Buffer.alloc(4096);
let poolUsed = pool.length;

function randomHex(bytes: number): string {
  for (;;) {
    if (poolUsed + bytes > pool.length) {
      randomFillSync(pool);
      poolUsed = 0;
    }
    const hex = pool.toString('hex', poolUsed, poolUsed + bytes);
    poolUsed += bytes;
    // All zero is invalid (§3.2.2.3, §3.2.2.4); with 64 or 128 random bits this loop runs once.
    if (/[1-9a-f]/.test(hex)) return hex;
  }
}

export const newTraceId = (): string => randomHex(16);
export const newSpanId = (): string => randomHex(8);

/** A trace of our own: a random trace id (§3.2.2.3 asks for global uniqueness), sampled. */
export function newTrace(): TraceContext {
  return { traceId: newTraceId(), spanId: newSpanId(), flags: SAMPLED };
}

/** The next unit of work in the same trace: same trace id and flags, a span of its own (§4.3's "update parent-id"). */
export function childOf(parent: TraceContext): TraceContext {
  return { traceId: parent.traceId, spanId: newSpanId(), flags: parent.flags };
}

/**
 * A trace whose id every member computes alike from the same facts (a DHCP transaction's MAC and xid, a
 * workflow's id), so work on several members with no message between them still shares one trace. The
 * id is a hash of `parts` under a label, so it leaks nothing readable; it is not random, which Level 1
 * permits (§3.2.2.3 asks for uniqueness; the "random" flag is Level 2's and is left unset).
 */
export function derivedTrace(label: string, ...parts: readonly string[]): TraceContext {
  const digest = createHash('sha256').update(label).update('\0').update(parts.join('\0')).digest('hex');
  let traceId = digest.slice(0, 32);
  if (traceId === ZERO_TRACE) traceId = digest.slice(32, 64);
  return { traceId, spanId: newSpanId(), flags: SAMPLED };
}
