/**
 * RFC 6587 framing: octet-counting (§3.4.1) and non-transparent (§3.4.2) detected per message, every
 * split of the stream into chunks giving the same frames, bounded memory with truncation, absurd counts
 * refused, and what happens at end of stream.
 */
import { describe, expect, it } from 'vitest';
import { StreamFramer, type Frame } from '../../../src/protocols/syslog/stream-framer.ts';
import { int, randomBytes, seeded } from '../../support/syslog-fuzz.ts';

const limits = { maxMessageBytes: 480, maxFrameBytes: 1024 * 1024 };

function frame(text: string): string {
  return `${Buffer.byteLength(text)} ${text}`;
}

function feed(framer: StreamFramer, chunks: readonly (string | Buffer)[]): { frames: Frame[]; error?: string } {
  const frames: Frame[] = [];
  for (const chunk of chunks) {
    const r = framer.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    frames.push(...r.frames);
    if (r.error !== undefined) return { frames, error: r.error };
  }
  return { frames };
}

const texts = (frames: readonly Frame[]): string[] => frames.map((f) => f.bytes.toString());

// What logger --tcp --octet-count sends (real-clients.md §2: "143 <13>1 …").
const octet5424 = '<13>1 2026-11-25T15:51:03.547374+00:00 vm e2e - - [origin@32473 node="abc"] msg with a\nnewline inside';

describe('StreamFramer', () => {
  it('octet-counting, newline framing and both mixed on one connection, message by message', () => {
    const stream = [frame(octet5424), '<12>Nov 25 15:51:03 vm e2e: line one\n', frame('<13>1 - - - - - - ü counted'), '<13>line two\r\n', 'raw line\n'].join('');
    const { frames } = feed(new StreamFramer(limits), [stream]);
    expect(texts(frames)).toEqual([octet5424, '<12>Nov 25 15:51:03 vm e2e: line one', '<13>1 - - - - - - ü counted', '<13>line two\r', 'raw line']);
    expect(frames.map((f) => f.framing)).toEqual(['octet-counting', 'non-transparent', 'octet-counting', 'non-transparent', 'non-transparent']);
    expect(frames.every((f) => !f.truncated)).toBe(true);
  });

  it('gives the same frames however the stream is split into chunks (every split point, then random splits)', () => {
    const stream = Buffer.from([frame(octet5424), '<134>Nov 25 16:00:53 microkernel: booted\n', frame('x'), '\n', frame('€uro'), '42nd line\n'].join(''));
    const expected = texts(feed(new StreamFramer(limits), [stream]).frames);
    expect(expected).toEqual([octet5424, '<134>Nov 25 16:00:53 microkernel: booted', 'x', '€uro', '42nd line']);
    for (let at = 0; at <= stream.length; at++) {
      expect(texts(feed(new StreamFramer(limits), [stream.subarray(0, at), stream.subarray(at)]).frames), `split at ${at}`).toEqual(expected);
    }
    const rnd = seeded(6587);
    for (let round = 0; round < 200; round++) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < stream.length; ) {
        const n = int(rnd, 1, 9);
        chunks.push(stream.subarray(i, i + n));
        i += n;
      }
      expect(texts(feed(new StreamFramer(limits), chunks).frames)).toEqual(expected);
    }
  });

  it('one byte at a time', () => {
    const stream = Buffer.from(frame(octet5424) + '<13>x\n');
    const framer = new StreamFramer(limits);
    const frames: Frame[] = [];
    for (const byte of stream) frames.push(...framer.push(Buffer.from([byte])).frames);
    expect(texts(frames)).toEqual([octet5424, '<13>x']);
  });

  it('a NUL trailer ends a non-transparent frame too; stray LF/CR/NUL between frames are skipped', () => {
    expect(texts(feed(new StreamFramer(limits), ['<13>a\0<13>b\n\n\r\n\0' + frame('c') + '\n\n<13>d\n']).frames)).toEqual(['<13>a', '<13>b', 'c', '<13>d']);
  });

  it('truncates an octet-counted frame at maxMessageBytes, skips the rest, and stays in sync', () => {
    const long = 'a'.repeat(2_000);
    const { frames } = feed(new StreamFramer(limits), [frame(long) + frame('next')]);
    expect(frames.map((f) => [f.bytes.length, f.truncated])).toEqual([
      [480, true],
      [4, false],
    ]);
    expect(frames[1]?.bytes.toString()).toBe('next');
  });

  it('truncates a long line at maxMessageBytes as soon as it outgrows it, then discards to the trailer', () => {
    const framer = new StreamFramer(limits);
    const first = framer.push(Buffer.from('<13>' + 'b'.repeat(1_000)));
    expect(first.frames.map((f) => [f.bytes.length, f.truncated])).toEqual([[480, true]]);
    expect(framer.push(Buffer.from('c'.repeat(100_000))).frames).toEqual([]);
    expect(texts(framer.push(Buffer.from('still the same line\n<13>next\n')).frames)).toEqual(['<13>next']);
  });

  it('never cuts a UTF-8 character in two when truncating', () => {
    const { frames } = feed(new StreamFramer(limits), [frame('€'.repeat(200)), '<13>x' + 'ü'.repeat(300) + '\n']);
    for (const f of frames) {
      expect(f.truncated).toBe(true);
      expect(f.bytes.toString()).not.toContain('\uFFFD');
      expect(f.bytes.length).toBeLessThanOrEqual(480);
    }
    expect(frames[0]?.bytes.length).toBe(480); // 160 × 3 bytes
    expect(frames[1]?.bytes.length).toBe(479); // '<13>x' + 237 × 2 bytes; the 238th would end at 481
  });

  it('refuses an octet count above maxFrameBytes as a framing error', () => {
    const r = feed(new StreamFramer(limits), [frame('ok'), '999999999 <13>x']);
    expect(texts(r.frames)).toEqual(['ok']);
    expect(r.error).toMatch(/octet count 999999999 exceeds 1048576/);
  });

  it('reads a digit run that is not followed by SP, or longer than any count, as the start of a line', () => {
    expect(texts(feed(new StreamFramer(limits), ['12345678901234567890 not a count\n', '2026-11-25 no pri\n']).frames)).toEqual(['12345678901234567890 not a count', '2026-11-25 no pri']);
  });

  it('memory stays bounded whatever arrives: never more than maxMessageBytes buffered', () => {
    const rnd = seeded(7);
    const framer = new StreamFramer(limits);
    for (let i = 0; i < 2_000; i++) {
      const r = framer.push(randomBytes(rnd, int(rnd, 1, 3_000)));
      for (const f of r.frames) expect(f.bytes.length).toBeLessThanOrEqual(limits.maxMessageBytes);
    }
  });

  it('at end of stream: a line without trailer is a message, a partial octet frame is incomplete', () => {
    const a = new StreamFramer(limits);
    a.push(Buffer.from('<13>no trailer'));
    expect(a.inFrame).toBe(true);
    const endA = a.end();
    expect(endA.frame?.bytes.toString()).toBe('<13>no trailer');
    expect(endA.incomplete).toBe(false);

    const b = new StreamFramer(limits);
    b.push(Buffer.from('100 <13>half'));
    expect(b.end()).toEqual({ incomplete: true });

    const c = new StreamFramer(limits);
    c.push(Buffer.from('<13>done\n'));
    expect(c.inFrame).toBe(false);
    expect(c.completed).toBe(1);
    expect(c.end()).toEqual({ incomplete: false });
  });
});
