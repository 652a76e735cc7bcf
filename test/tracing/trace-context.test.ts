/**
 * `traceparent` parsing and formatting against the W3C Trace Context Level 1 rules (§3.2.2, §3.2.4), and a
 * seeded fuzz: random and mutated values never throw, and whatever parses formats back to itself.
 */
import { describe, expect, it } from 'vitest';
import { childOf, derivedTrace, formatTraceparent, newSpanId, newTrace, newTraceId, parseTraceparent, SAMPLED } from '../../src/tracing/trace-context.ts';
import { currentTrace, runInNewTrace, runInSpan, runInTrace, runUntraced } from '../../src/tracing/trace-scope.ts';
import { seededRandom } from '../support/seeded-random.ts';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const spanId = '00f067aa0ba902b7';
const valid = `00-${traceId}-${spanId}-01`;

describe('traceparent (W3C Trace Context §3.2)', () => {
  it('parses the specification\'s example and formats it back', () => {
    expect(parseTraceparent(valid)).toEqual({ traceId, spanId, flags: SAMPLED });
    expect(formatTraceparent({ traceId, spanId, flags: 1 })).toBe(valid);
    expect(parseTraceparent(`00-${traceId}-${spanId}-00`)).toEqual({ traceId, spanId, flags: 0 });
    // Flags other than `sampled` are kept as sent in version 00 (§3.2.2.5.2).
    expect(formatTraceparent(parseTraceparent(`00-${traceId}-${spanId}-09`)!)).toBe(`00-${traceId}-${spanId}-09`);
  });

  it.each([
    ['empty', ''],
    ['too short', valid.slice(0, 54)],
    ['version 00 too long', `${valid}-extra`],
    ['version 00 with a trailing character', `${valid}0`],
    ['version ff (§3.2.2.2)', `ff-${traceId}-${spanId}-01`],
    ['upper-case hex (HEXDIGLC)', `00-${traceId.toUpperCase()}-${spanId}-01`],
    ['upper-case version', `0A-${traceId}-${spanId}-01`],
    ['all-zero trace-id (§3.2.2.3)', `00-${'0'.repeat(32)}-${spanId}-01`],
    ['all-zero parent-id (§3.2.2.4)', `00-${traceId}-${'0'.repeat(16)}-01`],
    ['non-hex trace-id', `00-${traceId.slice(0, 31)}g-${spanId}-01`],
    ['non-hex flags', `00-${traceId}-${spanId}-0x`],
    ['wrong separator', `00_${traceId}-${spanId}-01`],
    ['short trace-id, long parent-id', `00-${traceId.slice(0, 31)}-${spanId}0-01`],
    ['two headers joined by Node', `${valid}, ${valid}`],
    ['whitespace inside', `00-${traceId}- ${spanId.slice(1)}-01`],
  ])('rejects %s', (_name, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it('reads a later version as §3.2.4 says: the version-00 fields, then the end or a dash', () => {
    expect(parseTraceparent(`cc-${traceId}-${spanId}-01`)).toEqual({ traceId, spanId, flags: 1 });
    expect(parseTraceparent(`cc-${traceId}-${spanId}-01-what-comes-next`)).toEqual({ traceId, spanId, flags: 1 });
    // Only `sampled` is known to keep its meaning in a later version.
    expect(parseTraceparent(`cc-${traceId}-${spanId}-ff`)?.flags).toBe(1);
    expect(parseTraceparent(`cc-${traceId}-${spanId}-01x`)).toBeUndefined();
  });

  it('makes ids of the right shape, never all zero, and children in the same trace', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const t = newTraceId();
      const s = newSpanId();
      expect(t).toMatch(/^[0-9a-f]{32}$/);
      expect(s).toMatch(/^[0-9a-f]{16}$/);
      ids.add(t);
    }
    expect(ids.size).toBe(2000);
    const root = newTrace();
    expect(root.flags).toBe(SAMPLED);
    expect(parseTraceparent(formatTraceparent(root))).toEqual(root);
    const child = childOf(root);
    expect(child.traceId).toBe(root.traceId);
    expect(child.spanId).not.toBe(root.spanId);
  });

  it('derives the same trace id from the same facts, and different ones from different facts', () => {
    const a = derivedTrace('dhcp', '52:54:00:00:00:01', '1234');
    expect(derivedTrace('dhcp', '52:54:00:00:00:01', '1234').traceId).toBe(a.traceId);
    expect(derivedTrace('dhcp', '52:54:00:00:00:01', '1235').traceId).not.toBe(a.traceId);
    expect(derivedTrace('tftp', '52:54:00:00:00:01', '1234').traceId).not.toBe(a.traceId);
    expect(a.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('survives seeded random and mutated values: never throws, and what parses round-trips', () => {
    const random = seededRandom(0x7ace);
    const alphabet = '0123456789abcdefABCDEF-xz \t,0000000000';
    let parsed = 0;
    for (let i = 0; i < 20_000; i++) {
      let value: string;
      if (i % 2 === 0) {
        // Random strings around the interesting lengths.
        const length = Math.floor(random() * 70);
        value = Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      } else {
        // A valid value with one to three characters replaced, inserted or removed.
        const chars = formatTraceparent(random() < 0.5 ? newTrace() : { traceId, spanId, flags: Math.floor(random() * 256) }).split('');
        for (let m = 1 + Math.floor(random() * 3); m > 0; m--) {
          const at = Math.floor(random() * chars.length);
          const c = alphabet[Math.floor(random() * alphabet.length)]!;
          const op = random();
          if (op < 0.6) chars[at] = c;
          else if (op < 0.8) chars.splice(at, 0, c);
          else chars.splice(at, 1);
        }
        value = chars.join('');
      }
      const result = parseTraceparent(value);
      if (result === undefined) continue;
      parsed++;
      expect(result.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(result.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(result.traceId).not.toBe('0'.repeat(32));
      expect(result.spanId).not.toBe('0'.repeat(16));
      expect(result.flags).toBeGreaterThanOrEqual(0);
      expect(result.flags).toBeLessThan(256);
      if (value.startsWith('00-')) expect(formatTraceparent(result)).toBe(value);
      else expect(formatTraceparent(result).slice(2)).toBe(value.slice(2, 55).replace(/..$/, (result.flags).toString(16).padStart(2, '0')));
    }
    // Mutations that keep a value valid (a hex digit for a hex digit) are common: the accepting path ran too.
    expect(parsed).toBeGreaterThan(1000);
  });
});

describe('trace scope (AsyncLocalStorage)', () => {
  it('follows awaits and timers, opens spans, and leaves no trace behind', async () => {
    expect(currentTrace()).toBeUndefined();
    const root = newTrace();
    await runInTrace(root, async () => {
      await new Promise((r) => setTimeout(r, 1));
      expect(currentTrace()).toBe(root);
      await runInSpan(root, async () => {
        await Promise.resolve();
        expect(currentTrace()?.traceId).toBe(root.traceId);
        expect(currentTrace()?.spanId).not.toBe(root.spanId);
      });
      runUntraced(() => expect(currentTrace()).toBeUndefined());
      runInSpan(undefined, () => expect(currentTrace()).toBeUndefined());
      runInNewTrace(() => expect(currentTrace()?.traceId).not.toBe(root.traceId));
    });
    expect(currentTrace()).toBeUndefined();
  });
});
