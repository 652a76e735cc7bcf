/**
 * RFC 3164 §4.1.2–4.1.3 after the PRI: TIMESTAMP ("Mmm dd hh:mm:ss") SP HOSTNAME SP TAG CONTENT, read the
 * way real senders write it:
 * - busybox syslogd (the microkernel's) sends no HOSTNAME: `<134>Nov 25 16:00:53 microkernel: booted`.
 *   A first word that is itself a TAG (`name:` or `name[pid]:`) is therefore a TAG, not a hostname.
 * - the day may be space-padded (RFC: "Nov  5") or zero-padded ("Nov 05"); some senders add fractions.
 * - rsyslog's forwarding format puts an RFC 3339 timestamp where "Mmm dd hh:mm:ss" belongs; accepted too.
 * Pure; returns undefined when the text after the PRI does not start with a timestamp, which §4.3.2
 * turns into "the whole text is content" for the caller.
 */
import { daysInMonth, isRfc3339Timestamp } from './rfc3339-timestamp.ts';

export interface Rfc3164Fields {
  readonly timestamp: string;
  readonly hostname?: string;
  readonly appName?: string;
  readonly procId?: string;
  readonly message: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const BSD_TIMESTAMP = /^([A-Z][a-z]{2}) ([ 0-3]\d) (\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?(?: |$)/;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\S+(?: |$)/;
/** TAG (§4.1.3: alphanumerics, in practice also '-', '.', '/', '_'), optional `[pid]`, then ':' and SP or end. */
const TAG = /^([^\s[\]:]{1,64})(?:\[([^\]\s]{1,128})\])?:(?: |$)/;
const MAX_HOSTNAME = 255;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * The year RFC 3164 leaves out: the receiver's, unless that puts the message more than a month in the
 * future (a December message read in January belongs to the previous year).
 */
function inferYear(month: number, now: Date): number {
  const year = now.getUTCFullYear();
  return month > now.getUTCMonth() + 2 ? year - 1 : year;
}

function bsdTimestamp(m: RegExpExecArray, now: Date): string | undefined {
  const month = MONTHS.indexOf(m[1] ?? '') + 1;
  const day = Number((m[2] ?? '').trim());
  const [h, mi, s] = [Number(m[3]), Number(m[4]), Number(m[5])];
  if (month === 0 || !(day >= 1) || h > 23 || mi > 59 || s > 60) return undefined;
  const year = inferYear(month, now);
  if (day > daysInMonth(year, month)) return undefined;
  return `${year}-${pad2(month)}-${pad2(day)}T${pad2(h)}:${pad2(mi)}:${pad2(s)}`;
}

function isHostname(word: string): boolean {
  if (word.length === 0 || word.length > MAX_HOSTNAME) return false;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c < 33 || c > 126) return false;
  }
  return true;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** TAG and CONTENT (§4.1.3) into `fields`; text without a recognisable TAG is all CONTENT. */
function tagAndContent(fields: Mutable<Rfc3164Fields>, text: string): Rfc3164Fields {
  const m = TAG.exec(text);
  if (m === null) {
    fields.message = text;
    return fields;
  }
  const [whole, appName, procId] = m;
  if (appName !== undefined) fields.appName = appName;
  if (procId !== undefined) fields.procId = procId;
  fields.message = text.slice(whole.length);
  return fields;
}

/** Parses `text` from `start`, the first character after the PRI. */
export function parseRfc3164(text: string, start: number, now: () => Date): Rfc3164Fields | undefined {
  const head = text.slice(start, start + 40);
  let timestamp: string | undefined;
  let length: number;
  const bsd = BSD_TIMESTAMP.exec(head);
  if (bsd !== null) {
    timestamp = bsdTimestamp(bsd, now());
    length = bsd[0].length;
  } else {
    const iso = ISO_TIMESTAMP.exec(head);
    if (iso === null) return undefined;
    const candidate = iso[0].trimEnd();
    if (isRfc3339Timestamp(candidate)) timestamp = candidate;
    length = iso[0].length;
  }
  if (timestamp === undefined) return undefined;

  const rest = text.slice(start + length);
  const fields: Mutable<Rfc3164Fields> = { timestamp, message: '' };
  if (TAG.test(rest)) return tagAndContent(fields, rest);
  const space = rest.indexOf(' ');
  const word = space < 0 ? rest : rest.slice(0, space);
  if (space < 0 || !isHostname(word)) {
    fields.message = rest;
    return fields;
  }
  fields.hostname = word;
  return tagAndContent(fields, rest.slice(space + 1));
}
