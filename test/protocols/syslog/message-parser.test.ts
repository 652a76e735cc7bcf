/**
 * The parser against real samples (what logger and busybox syslogd sent on this machine,
 * real-clients.md §2), the RFCs' own examples (RFC 5424 §6.5, RFC 3164 §5.4), edge cases of each grammar,
 * and properties: generated RFC 5424 messages parse back to their fields, and random or mutated input
 * never throws and always yields a well-formed record.
 */
import { describe, expect, it } from 'vitest';
import { parseSyslogMessage, type ParseOutcome } from '../../../src/protocols/syslog/message-parser.ts';
import type { SdElement, SyslogRecord } from '../../../src/protocols/syslog/syslog-record.ts';
import { int, mutant, pick, randomBytes, seeded, type Random } from '../../support/syslog-fuzz.ts';

const NOW = new Date('2026-11-25T20:00:00Z');
const BOM = '\uFEFF';

function record(text: string | Buffer, now = NOW): SyslogRecord {
  const out = parseSyslogMessage(text, now);
  if (out.kind !== 'record') throw new Error(`no record for ${JSON.stringify(text)}`);
  return out.record;
}

describe('real senders on this machine (real-clients.md §2)', () => {
  it('logger (RFC 5424, the default for remote)', () => {
    expect(record('<134>1 2026-11-25T15:51:03.547374+00:00 vm rackhd-test - - [timeQuality tzKnown="1" isSynced="0"] hello')).toEqual({
      facility: 16,
      severity: 6,
      timestamp: '2026-11-25T15:51:03.547374+00:00',
      hostname: 'vm',
      appName: 'rackhd-test',
      structuredData: [{ id: 'timeQuality', params: [{ name: 'tzKnown', value: '1' }, { name: 'isSynced', value: '0' }] }],
      message: 'hello',
      format: '5424',
    });
  });

  it('logger --rfc3164', () => {
    expect(record('<12>Nov 25 15:51:03 vm rackhd-test: hello')).toEqual({
      facility: 1,
      severity: 4,
      timestamp: '2026-11-25T15:51:03',
      hostname: 'vm',
      appName: 'rackhd-test',
      message: 'hello',
      format: '3164',
    });
  });

  it('busybox syslogd -R (the microkernel): RFC 3164 with NO hostname field, LF-terminated', () => {
    expect(record('<134>Nov 25 16:00:53 microkernel: booted\n')).toEqual({
      facility: 16,
      severity: 6,
      timestamp: '2026-11-25T16:00:53',
      appName: 'microkernel',
      message: 'booted',
      format: '3164',
    });
    expect(record('<131>Nov 25 18:53:44 mk: disk failed\n')).toMatchObject({ facility: 16, severity: 3, appName: 'mk', message: 'disk failed' });
    expect(record('<30>Nov  5 06:07:08 udhcpc[812]: lease of 10.99.0.5 obtained\n')).toEqual({
      facility: 3,
      severity: 6,
      timestamp: '2026-11-05T06:07:08',
      appName: 'udhcpc',
      procId: '812',
      message: 'lease of 10.99.0.5 obtained',
      format: '3164',
    });
  });
});

describe('RFC 5424 §6.5 examples', () => {
  it('example 1: no STRUCTURED-DATA, MSG with a BOM', () => {
    expect(record(`<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - ${BOM}'su root' failed for lonvick on /dev/pts/8`)).toEqual({
      facility: 4,
      severity: 2,
      timestamp: '2003-10-11T22:14:15.003Z',
      hostname: 'mymachine.example.com',
      appName: 'su',
      msgId: 'ID47',
      message: "'su root' failed for lonvick on /dev/pts/8",
      format: '5424',
    });
  });

  it('example 2: microsecond fraction, negative offset, PROCID, MSG without BOM', () => {
    expect(record("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.")).toEqual({
      facility: 20,
      severity: 5,
      timestamp: '2003-08-24T05:14:15.000003-07:00',
      hostname: '192.0.2.1',
      appName: 'myproc',
      procId: '8710',
      message: "%% It's time to make the do-nuts.",
      format: '5424',
    });
  });

  it('example 3: STRUCTURED-DATA and MSG', () => {
    const r = record(
      `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] ${BOM}An application event log entry...`,
    );
    expect(r.structuredData).toEqual([
      {
        id: 'exampleSDID@32473',
        params: [
          { name: 'iut', value: '3' },
          { name: 'eventSource', value: 'Application' },
          { name: 'eventID', value: '1011' },
        ],
      },
    ]);
    expect(r).toMatchObject({ appName: 'evntslog', msgId: 'ID47', message: 'An application event log entry...', format: '5424' });
    expect(r.procId).toBeUndefined();
  });

  it('example 4: two SD-ELEMENTs and no MSG', () => {
    const r = record(
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]',
    );
    expect(r.structuredData?.map((e) => e.id)).toEqual(['exampleSDID@32473', 'examplePriority@32473']);
    expect(r.message).toBe('');
  });
});

describe('RFC 5424 grammar', () => {
  it('NILVALUE in every header field and in STRUCTURED-DATA', () => {
    expect(record('<14>1 - - - - - - text')).toEqual({ facility: 1, severity: 6, message: 'text', format: '5424' });
  });

  it.each([
    ['1985-04-12T23:20:50.52Z', true],
    ['1985-04-12T19:20:50.52-04:00', true],
    ['2003-10-11T22:14:15.003Z', true],
    ['2003-08-24T05:14:15.000003-07:00', true],
    ['2016-12-31T23:59:60Z', true],
    ['2024-02-29T00:00:00+14:00', true],
    // §6.2.3.1 example 5: nine fraction digits are invalid.
    ['2003-08-24T05:14:15.000000003-07:00', false],
    ['2023-02-29T00:00:00Z', false],
    ['2003-13-11T22:14:15Z', false],
    ['2003-10-11t22:14:15Z', false],
    ['2003-10-11T22:14:15', false],
    ['2003-10-11T24:00:00Z', false],
    ['2003-10-11 22:14:15Z', false],
  ])('TIMESTAMP %s valid: %s', (ts, valid) => {
    const out = parseSyslogMessage(`<13>1 ${ts} host app - - - m`, NOW);
    if (valid) expect(out).toMatchObject({ kind: 'record', record: { format: '5424', timestamp: ts, message: 'm' } });
    else expect(out).toMatchObject({ kind: 'record', record: { format: 'raw', facility: 1, severity: 5 }, malformed: expect.stringContaining('') as unknown });
  });

  it('PARAM-VALUE escapes: \\" \\\\ \\] are unescaped, any other backslash is kept (§6.3.3)', () => {
    const r = record('<13>1 - h a - - [x@1 a="q\\"uote" b="back\\\\slash" c="br\\]acket" d="keep\\n" e="" f="ü ] €" g="end\\\\"] m');
    expect(r.structuredData).toEqual<SdElement[]>([
      {
        id: 'x@1',
        params: [
          { name: 'a', value: 'q"uote' },
          { name: 'b', value: 'back\\slash' },
          { name: 'c', value: 'br]acket' },
          { name: 'd', value: 'keep\\n' },
          { name: 'e', value: '' },
          { name: 'f', value: 'ü ] €' },
          { name: 'g', value: 'end\\' },
        ],
      },
    ]);
  });

  it('a repeated PARAM-NAME is kept twice (params are a list)', () => {
    expect(record('<13>1 - - - - - [x a="1" a="2"]').structuredData).toEqual([{ id: 'x', params: [{ name: 'a', value: '1' }, { name: 'a', value: '2' }] }]);
  });

  it('a header that ends at MSGID is read as NILVALUE STRUCTURED-DATA and empty MSG', () => {
    expect(record('<13>1 - host app 12 ID')).toEqual({ facility: 1, severity: 5, hostname: 'host', appName: 'app', procId: '12', msgId: 'ID', message: '', format: '5424' });
  });

  it.each([
    ['<13>1 2026-11-25T00:00:00Z', 'truncated header'],
    ['<13>1 - h a p m [x a="unterminated] msg', 'unterminated PARAM-VALUE'],
    ['<13>1 - h a p m [x a=1] msg', 'unquoted PARAM-VALUE'],
    ['<13>1 - h a p m [] msg', 'empty SD-ID'],
    ['<13>1 - h a p m [x] [y] msg', 'space between SD-ELEMENTs is MSG, fine', 'ok'],
    ['<13>1 - h a p m x msg', 'STRUCTURED-DATA neither - nor ['],
    ['<13>1 - h ' + 'a'.repeat(49) + ' p m - msg', 'APP-NAME longer than 48'],
    ['<13>1 - h a p ' + 'm'.repeat(33) + ' - msg', 'MSGID longer than 32'],
    ['<13>1 - h\ta a p m - msg', 'a tab in HOSTNAME'],
    ['<13>1  h a p m - msg', 'an empty field (two spaces)'],
    ['<13>2 - h a p m - msg', 'VERSION 2'],
  ])('%s → %s', (text, _why, ok?: string) => {
    const out = parseSyslogMessage(text, NOW);
    expect(out.kind).toBe('record');
    if (out.kind !== 'record') return;
    if (ok === 'ok') {
      expect(out.record.format).toBe('5424');
      expect(out.record.message).toBe('[y] msg');
    } else {
      // Kept, not lost: a raw record with all the text after the PRI.
      expect(out.malformed).toBeTypeOf('string');
      expect(out.record).toEqual({ facility: 1, severity: 5, message: text.slice(4), format: 'raw' });
    }
  });

  it('invalid UTF-8 in MSG is replaced, not fatal', () => {
    const bytes = Buffer.concat([Buffer.from('<13>1 - - - - - - '), Buffer.from([0xef, 0xbb, 0xbf, 0x41, 0xff, 0x42])]);
    expect(record(bytes).message).toBe('A\uFFFDB');
  });
});

describe('RFC 3164 §5.4 examples', () => {
  it('example 1', () => {
    expect(record("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8")).toEqual({
      facility: 4,
      severity: 2,
      timestamp: '2026-10-11T22:14:15',
      hostname: 'mymachine',
      appName: 'su',
      message: "'su root' failed for lonvick on /dev/pts/8",
      format: '3164',
    });
  });

  it('example 2: no PRI at all is <13> with the whole text as content (§4.3.3)', () => {
    expect(parseSyslogMessage('Use the BFG!', NOW)).toEqual({ kind: 'record', record: { facility: 1, severity: 5, message: 'Use the BFG!', format: 'raw' } });
  });

  it('example 3: "CST" sits where the HOSTNAME is, as the RFC itself explains', () => {
    const r = record(
      "<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time to make the do-nuts.  %%  Ingredients: Mix=OK, Jelly=OK # Devices: Mixer=OK, Jelly_Injector=OK, Frier=OK # Transport: Conveyer1=OK, Conveyer2=OK # %%",
    );
    expect(r).toMatchObject({ facility: 20, severity: 5, timestamp: '2026-08-24T05:34:00', hostname: 'CST', format: '3164' });
    expect(r.message.startsWith('1987 mymachine myproc[10]: %%')).toBe(true);
  });

  it('example 4: a timestamp that is not "Mmm dd hh:mm:ss" makes the rest content (§4.3.2)', () => {
    expect(record("<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!")).toEqual({
      facility: 0,
      severity: 0,
      message: "1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!",
      format: 'raw',
    });
  });
});

describe('RFC 3164 as written in the wild', () => {
  it.each<[string, Partial<SyslogRecord>]>([
    ['<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!', { timestamp: '2026-02-05T17:32:18', hostname: '10.0.0.99', message: 'Use the BFG!' }],
    ['<13>Feb 05 17:32:18 host app: zero-padded day', { timestamp: '2026-02-05T17:32:18', hostname: 'host', appName: 'app', message: 'zero-padded day' }],
    ['<13>Nov 25 16:00:53.123 host app[7]: fraction', { timestamp: '2026-11-25T16:00:53', hostname: 'host', appName: 'app', procId: '7', message: 'fraction' }],
    ['<13>Nov 25 16:00:53 onlyoneword', { timestamp: '2026-11-25T16:00:53', message: 'onlyoneword' }],
    ['<13>Nov 25 16:00:53 host', { timestamp: '2026-11-25T16:00:53', message: 'host' }],
    ['<13>Nov 25 16:00:53 fe80::1 sshd[1]: v6 host', { hostname: 'fe80::1', appName: 'sshd', procId: '1', message: 'v6 host' }],
    ['<13>Nov 25 16:00:53 kernel:', { appName: 'kernel', message: '' }],
    ['<13>2026-11-25T15:51:03.547374+01:00 host app: rsyslog forward format', { timestamp: '2026-11-25T15:51:03.547374+01:00', hostname: 'host', appName: 'app', message: 'rsyslog forward format' }],
  ])('%s', (text, expected) => {
    expect(record(text)).toMatchObject({ ...expected, format: '3164' });
  });

  it('infers the year: a December message read in January belongs to the previous year', () => {
    expect(record('<13>Dec 31 23:59:59 h a: x', new Date('2027-01-01T00:00:05Z')).timestamp).toBe('2026-12-31T23:59:59');
    expect(record('<13>Jan  1 00:00:01 h a: x', new Date('2026-12-31T23:59:59Z')).timestamp).toBe('2026-01-01T00:00:01');
    expect(record('<13>Feb 29 12:00:00 h a: x', new Date('2028-03-01T00:00:00Z')).timestamp).toBe('2028-02-29T12:00:00');
  });

  it.each(['<13>Foo 25 16:00:53 h a: x', '<13>Nov 32 16:00:53 h a: x', '<13>Nov 25 25:00:53 h a: x', '<13>Feb 29 12:00:00 h a: x'])(
    'an impossible timestamp (%s) leaves the text as content',
    (text) => {
      expect(record(text, new Date('2026-06-01T00:00:00Z'))).toEqual({ facility: 1, severity: 5, message: text.slice(4), format: 'raw' });
    },
  );
});

describe('PRI and raw text', () => {
  it('a PRI and text', () => {
    expect(record('<191>just text')).toEqual({ facility: 23, severity: 7, message: 'just text', format: 'raw' });
    expect(record('<0>x')).toEqual({ facility: 0, severity: 0, message: 'x', format: 'raw' });
    expect(record('<013>leading zero')).toMatchObject({ facility: 1, severity: 5, message: 'leading zero' });
  });

  it.each(['<192>too big', '<1234>four digits', '<>empty', '<1a>letter', '<13 no close', '<-1>negative'])('an invalid PRI (%s) is <13> with all the text, counted malformed', (text) => {
    expect(parseSyslogMessage(text, NOW)).toEqual({ kind: 'record', record: { facility: 1, severity: 5, message: text, format: 'raw' }, malformed: 'invalid PRI' });
  });

  it('empty input, only trailers, or a PRI and nothing else is refused as empty', () => {
    for (const text of ['', '\n', '\r\n', '\0\0', '<13>', '<13>\n']) expect(parseSyslogMessage(text, NOW)).toEqual({ kind: 'empty' });
  });

  it('trailing CR, LF and NUL are not content; inner ones are', () => {
    expect(record('<13>a\nb\r\n\0').message).toBe('a\nb');
  });
});

/** A random RFC 5424 message built from fields, and the record the parser must return for it. */
function generated5424(rnd: Random): { text: string; expected: SyslogRecord } {
  const printable = (min: number, max: number, avoid = ''): string => {
    let s = '';
    const n = int(rnd, min, max);
    while (s.length < n) {
      const c = String.fromCharCode(int(rnd, 33, 126));
      if (!avoid.includes(c)) s += c;
    }
    return s;
  };
  const optional = (make: () => string): string | undefined => (rnd() < 0.3 ? undefined : make());
  const field = (min: number, max: number): string | undefined => optional(() => {
    const v = printable(min, max);
    return v === '-' ? 'x' : v;
  });
  const facility = int(rnd, 0, 23);
  const severity = int(rnd, 0, 7);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const timestamp = optional(
    () =>
      `${pad(int(rnd, 1970, 2100), 4)}-${pad(int(rnd, 1, 12))}-${pad(int(rnd, 1, 28))}T${pad(int(rnd, 0, 23))}:${pad(int(rnd, 0, 59))}:${pad(int(rnd, 0, 59))}` +
      (rnd() < 0.5 ? `.${printableDigits(rnd, int(rnd, 1, 6))}` : '') +
      (rnd() < 0.5 ? 'Z' : `${pick(rnd, ['+', '-'])}${pad(int(rnd, 0, 23))}:${pad(int(rnd, 0, 59))}`),
  );
  const hostname = field(1, 255);
  const appName = field(1, 48);
  const procId = field(1, 128);
  const msgId = field(1, 32);
  const sdNameAvoid = '= ]"';
  const elements: SdElement[] = [];
  const elementCount = rnd() < 0.4 ? 0 : int(rnd, 1, 3);
  for (let e = 0; e < elementCount; e++) {
    const params = [];
    for (let p = int(rnd, 0, 3); p > 0; p--) {
      let value = '';
      for (let k = int(rnd, 0, 12); k > 0; k--) value += pick(rnd, ['a', ' ', '"', '\\', ']', '[', '=', 'é', '€', '😀', 'z']);
      params.push({ name: printable(1, 32, sdNameAvoid), value });
    }
    elements.push({ id: printable(1, 32, sdNameAvoid), params });
  }
  const escape = (v: string): string => v.replace(/["\\\]]/g, (c) => `\\${c}`);
  const sdText = elements.length === 0 ? '-' : elements.map((e) => `[${e.id}${e.params.map((p) => ` ${p.name}="${escape(p.value)}"`).join('')}]`).join('');
  let message = '';
  for (let k = int(rnd, 0, 20); k > 0; k--) message += pick(rnd, ['x', ' ', '[', '-', 'ü', '\t', '1', '<13>', '😀']);
  message = message.replace(/\s+$/, '');
  const bom = rnd() < 0.3 ? BOM : '';
  const text = `<${facility * 8 + severity}>1 ${timestamp ?? '-'} ${hostname ?? '-'} ${appName ?? '-'} ${procId ?? '-'} ${msgId ?? '-'} ${sdText}${message === '' && bom === '' ? '' : ` ${bom}${message}`}`;
  return {
    text,
    expected: {
      facility,
      severity,
      ...(timestamp === undefined ? {} : { timestamp }),
      ...(hostname === undefined ? {} : { hostname }),
      ...(appName === undefined ? {} : { appName }),
      ...(procId === undefined ? {} : { procId }),
      ...(msgId === undefined ? {} : { msgId }),
      ...(elements.length === 0 ? {} : { structuredData: elements }),
      message,
      format: '5424',
    },
  };
}

function printableDigits(rnd: Random, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(int(rnd, 0, 9));
  return s;
}

function checkWellFormed(out: ParseOutcome): void {
  if (out.kind === 'empty') return;
  const r = out.record;
  expect(Number.isInteger(r.facility) && r.facility >= 0 && r.facility <= 23).toBe(true);
  expect(Number.isInteger(r.severity) && r.severity >= 0 && r.severity <= 7).toBe(true);
  expect(typeof r.message).toBe('string');
  expect(['5424', '3164', 'raw']).toContain(r.format);
  expect(/[\n\r\0]$/.test(r.message)).toBe(false);
}

describe('properties', () => {
  it('3,000 generated RFC 5424 messages parse back to exactly their fields', () => {
    const rnd = seeded(5424);
    for (let i = 0; i < 3_000; i++) {
      const { text, expected } = generated5424(rnd);
      expect(record(Buffer.from(text, 'utf8')), text).toEqual(expected);
    }
  });

  it('20,000 random and mutated inputs never throw and always give a well-formed record or "empty"', () => {
    const rnd = seeded(3164);
    for (let i = 0; i < 20_000; i++) {
      const input = i % 2 === 0 ? mutant(rnd) : randomBytes(rnd, int(rnd, 0, 600));
      let out: ParseOutcome | undefined;
      expect(() => (out = parseSyslogMessage(input, NOW)), input.toString('hex')).not.toThrow();
      if (out !== undefined) checkWellFormed(out);
    }
  });

  it('pathological inputs stay linear: 8 KiB of brackets, quotes, digits or spaces parse in well under a millisecond each', () => {
    const inputs = ['[', '"', '\\', '1', ' ', '<', ':', 'a'].flatMap((c) => [c.repeat(8192), `<13>1 - - - - - [x a="${c.repeat(8170)}`, `<13>Nov 25 16:00:53 ${c.repeat(8170)}`]);
    const started = performance.now();
    for (let round = 0; round < 20; round++) for (const input of inputs) checkWellFormed(parseSyslogMessage(input, NOW));
    const perParse = (performance.now() - started) / (20 * inputs.length);
    expect(perParse).toBeLessThan(1);
  });
});
