/**
 * RFC 5424 §6 after the PRI: VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP
 * STRUCTURED-DATA [SP MSG]. Pure; a message that claims version 1 but breaks the grammar is reported as
 * malformed with the reason, and the caller keeps its text as a raw record.
 */
import { isRfc3339Timestamp } from './rfc3339-timestamp.ts';
import type { SdElement, SdParam, SyslogRecord } from './syslog-record.ts';

/** What RFC 5424 adds after the PRI: a record without the priority and the format the caller sets. */
export type Rfc5424Fields = Omit<SyslogRecord, 'facility' | 'severity' | 'format'>;

export type Rfc5424Parse =
  /** No `VERSION SP` after the PRI: some other dialect. */
  | { readonly kind: 'not-5424' }
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'parsed'; readonly fields: Rfc5424Fields };

const NIL = '-';
const BOM = '\uFEFF';

/** §6: header field lengths (HOSTNAME 255, APP-NAME 48, PROCID 128, MSGID 32; SD-NAME 32). */
const MAX_HOSTNAME = 255;
const MAX_APP_NAME = 48;
const MAX_PROCID = 128;
const MAX_MSGID = 32;
const MAX_SD_NAME = 32;

class Malformed extends Error {}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** PRINTUSASCII = %d33-126 (§6). */
function isPrintUsAscii(c: number): boolean {
  return c >= 33 && c <= 126;
}

/** SD-NAME = 1*32PRINTUSASCII except '=', SP, ']', %d34 (§6.3.2, §6.3.3). */
function isSdNameChar(c: number): boolean {
  return isPrintUsAscii(c) && c !== 0x3d && c !== 0x5d && c !== 0x22;
}

class Cursor {
  constructor(
    readonly text: string,
    public i: number,
  ) {}

  atEnd(): boolean {
    return this.i >= this.text.length;
  }

  peek(): number {
    return this.text.charCodeAt(this.i);
  }

  expect(c: number, what: string): void {
    if (this.text.charCodeAt(this.i) !== c) throw new Malformed(`expected ${what} at offset ${this.i}`);
    this.i++;
  }

  /** A header field: NILVALUE or 1..max PRINTUSASCII, ended by SP (or the end of the text if `last`). */
  field(name: string, max: number): string | undefined {
    const start = this.i;
    while (this.i < this.text.length && isPrintUsAscii(this.text.charCodeAt(this.i))) this.i++;
    const value = this.text.slice(start, this.i);
    if (value.length === 0) throw new Malformed(`empty ${name}`);
    if (value.length > max) throw new Malformed(`${name} longer than ${max}`);
    return value === NIL ? undefined : value;
  }

  sdName(what: string): string {
    const start = this.i;
    while (this.i < this.text.length && isSdNameChar(this.text.charCodeAt(this.i))) this.i++;
    const name = this.text.slice(start, this.i);
    if (name.length === 0 || name.length > MAX_SD_NAME) throw new Malformed(`bad ${what} at offset ${start}`);
    return name;
  }

  /**
   * PARAM-VALUE (§6.3.3): UTF-8 where '"', '\' and ']' are escaped with '\'. A backslash before any other
   * character is kept as an ordinary character, as the RFC requires.
   */
  paramValue(): string {
    this.expect(0x22, '\'"\' opening PARAM-VALUE');
    let value = '';
    let from = this.i;
    for (;;) {
      if (this.i >= this.text.length) throw new Malformed('unterminated PARAM-VALUE');
      const c = this.text.charCodeAt(this.i);
      if (c === 0x22) {
        value += this.text.slice(from, this.i);
        this.i++;
        return value;
      }
      if (c === 0x5c /* \ */) {
        const next = this.text.charCodeAt(this.i + 1);
        if (next === 0x22 || next === 0x5c || next === 0x5d) {
          value += this.text.slice(from, this.i);
          from = this.i + 1;
        }
        this.i += 2;
        continue;
      }
      this.i++;
    }
  }
}

/** STRUCTURED-DATA = NILVALUE / 1*SD-ELEMENT (§6.3). */
function structuredData(cur: Cursor): SdElement[] | undefined {
  if (cur.peek() === 0x2d /* - */) {
    cur.i++;
    return undefined;
  }
  if (cur.peek() !== 0x5b /* [ */) throw new Malformed(`expected STRUCTURED-DATA at offset ${cur.i}`);
  const elements: SdElement[] = [];
  while (cur.peek() === 0x5b) {
    cur.i++;
    const id = cur.sdName('SD-ID');
    const params: SdParam[] = [];
    while (cur.peek() === 0x20) {
      cur.i++;
      const name = cur.sdName('PARAM-NAME');
      cur.expect(0x3d, "'=' after PARAM-NAME");
      params.push({ name, value: cur.paramValue() });
    }
    cur.expect(0x5d, "']' closing SD-ELEMENT");
    elements.push({ id, params });
  }
  return elements;
}

/** Parses `text` from `start`, the first character after the PRI. */
export function parseRfc5424(text: string, start: number): Rfc5424Parse {
  // VERSION = NONZERO-DIGIT 0*2DIGIT (§6.2.2), followed by SP.
  let i = start;
  while (i < text.length && i - start < 4 && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
  const digits = i - start;
  if (digits === 0 || digits > 3 || text.charCodeAt(start) === 0x30 || text.charCodeAt(i) !== 0x20) return { kind: 'not-5424' };
  const version = text.slice(start, i);
  if (version !== '1') return { kind: 'malformed', reason: `unsupported VERSION ${version}` };

  const cur = new Cursor(text, i + 1);
  try {
    const timestamp = cur.field('TIMESTAMP', 64);
    if (timestamp !== undefined && !isRfc3339Timestamp(timestamp)) throw new Malformed(`invalid TIMESTAMP ${JSON.stringify(timestamp)}`);
    cur.expect(0x20, 'SP after TIMESTAMP');
    const hostname = cur.field('HOSTNAME', MAX_HOSTNAME);
    cur.expect(0x20, 'SP after HOSTNAME');
    const appName = cur.field('APP-NAME', MAX_APP_NAME);
    cur.expect(0x20, 'SP after APP-NAME');
    const procId = cur.field('PROCID', MAX_PROCID);
    cur.expect(0x20, 'SP after PROCID');
    const msgId = cur.field('MSGID', MAX_MSGID);
    // STRUCTURED-DATA is mandatory, but senders that end the header at MSGID exist; read that as NILVALUE.
    let sd: SdElement[] | undefined;
    let message = '';
    if (!cur.atEnd()) {
      cur.expect(0x20, 'SP after MSGID');
      sd = structuredData(cur);
      if (!cur.atEnd()) {
        cur.expect(0x20, 'SP before MSG');
        message = text.slice(cur.i);
        // §6.4: MSG-UTF8 starts with a BOM, which is an encoding mark, not content.
        if (message.startsWith(BOM)) message = message.slice(1);
      }
    }
    // Built by assignment, not by spreading conditional objects: this runs for every message.
    const fields: Mutable<Rfc5424Fields> = { message };
    if (timestamp !== undefined) fields.timestamp = timestamp;
    if (hostname !== undefined) fields.hostname = hostname;
    if (appName !== undefined) fields.appName = appName;
    if (procId !== undefined) fields.procId = procId;
    if (msgId !== undefined) fields.msgId = msgId;
    if (sd !== undefined) fields.structuredData = sd;
    return { kind: 'parsed', fields };
  } catch (e) {
    if (e instanceof Malformed) return { kind: 'malformed', reason: e.message };
    throw e;
  }
}
