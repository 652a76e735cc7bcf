/**
 * One syslog message (a UDP datagram or a TCP frame) → a typed record. Pure and total: it never throws;
 * anything that is not RFC 5424 or RFC 3164 becomes a `raw` record keeping all its text, and only a
 * message with no content at all is refused.
 *
 * Order of attempts: PRI (RFC 5424 §6.2.1 / RFC 3164 §4.1.1), then `VERSION SP` → RFC 5424, then a
 * timestamp → RFC 3164, else "a PRI and text". No PRI, or an invalid one, means <13> with the whole text as
 * content (RFC 3164 §4.3.3).
 */
import { scanPriority } from './priority.ts';
import { parseRfc3164 } from './rfc3164-parser.ts';
import { parseRfc5424 } from './rfc5424-parser.ts';
import { DEFAULT_FACILITY, DEFAULT_SEVERITY, type SyslogFormat, type SyslogRecord } from './syslog-record.ts';

export type ParseOutcome =
  /** `malformed` names why a message that claimed a dialect (a PRI, or RFC 5424's VERSION) broke its grammar. */
  | { readonly kind: 'record'; readonly record: SyslogRecord; readonly malformed?: string }
  | { readonly kind: 'empty' };

/**
 * Trailers real senders append to a datagram or leave in a frame (busybox syslogd ends each datagram with
 * LF; RFC 6587 §3.4.2 framing may leave CR or NUL): not content.
 */
function trimTrailer(text: string): string {
  let end = text.length;
  for (;;) {
    const c = text.charCodeAt(end - 1);
    if (c === 0x0a || c === 0x0d || c === 0x00) end--;
    else break;
  }
  return end === text.length ? text : text.slice(0, end);
}

/** The record with PRI and format added; copied field by field (spreading is slow on this hot path). */
function withHeader(facility: number, severity: number, fields: Omit<SyslogRecord, 'facility' | 'severity' | 'format'>, format: SyslogFormat): SyslogRecord {
  const record: { -readonly [K in keyof SyslogRecord]: SyslogRecord[K] } = { facility, severity, message: fields.message, format };
  if (fields.timestamp !== undefined) record.timestamp = fields.timestamp;
  if (fields.hostname !== undefined) record.hostname = fields.hostname;
  if (fields.appName !== undefined) record.appName = fields.appName;
  if (fields.procId !== undefined) record.procId = fields.procId;
  if (fields.msgId !== undefined) record.msgId = fields.msgId;
  if (fields.structuredData !== undefined) record.structuredData = fields.structuredData;
  return record;
}

function raw(facility: number, severity: number, message: string): SyslogRecord {
  return { facility, severity, message, format: 'raw' };
}

/** `now` dates RFC 3164 timestamps, which carry no year; a function is called only for those. */
export function parseSyslogMessage(input: Buffer | string, now: Date | (() => Date) = () => new Date()): ParseOutcome {
  const text = trimTrailer(typeof input === 'string' ? input : input.toString('utf8'));
  if (text.length === 0) return { kind: 'empty' };

  const pri = scanPriority(text);
  if (pri.kind === 'absent') return { kind: 'record', record: raw(DEFAULT_FACILITY, DEFAULT_SEVERITY, text) };
  if (pri.kind === 'invalid') return { kind: 'record', record: raw(DEFAULT_FACILITY, DEFAULT_SEVERITY, text), malformed: 'invalid PRI' };

  const { facility, severity, end } = pri.priority;
  const body = text.slice(end);
  const r5424 = parseRfc5424(text, end);
  switch (r5424.kind) {
    case 'parsed':
      return { kind: 'record', record: withHeader(facility, severity, r5424.fields, '5424') };
    case 'malformed':
      return { kind: 'record', record: raw(facility, severity, body), malformed: r5424.reason };
    case 'not-5424':
      break;
  }
  const r3164 = parseRfc3164(text, end, typeof now === 'function' ? now : () => now);
  if (r3164 !== undefined) return { kind: 'record', record: withHeader(facility, severity, r3164, '3164') };
  // RFC 3164 §4.3.2: a valid PRI without a valid TIMESTAMP; the rest is content.
  if (body.length === 0) return { kind: 'empty' };
  return { kind: 'record', record: raw(facility, severity, body) };
}
