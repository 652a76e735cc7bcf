/**
 * The trace of a queued outbound delivery: the publisher's when there is one, a new one when there is none;
 * each attempt a child span, current while the attempt runs (so its log lines carry it), and sent as a
 * version-00 `traceparent` that parses back to it.
 */
import { describe, expect, it } from 'vitest';
import { publishedTrace, runAttempt, traceparentHeader } from '../../src/tracing/outbound-trace.ts';
import { newTrace, parseTraceparent } from '../../src/tracing/trace-context.ts';
import { currentTrace, runInTrace, runUntraced } from '../../src/tracing/trace-scope.ts';

describe('outbound trace', () => {
  it('takes the publisher\'s trace, or starts a sampled one outside any trace', () => {
    const t = { ...newTrace(), flags: 0 };
    expect(runInTrace(t, publishedTrace)).toBe(t);
    const fresh = runUntraced(publishedTrace);
    expect(fresh.flags).toBe(1);
    expect(parseTraceparent(traceparentHeader(fresh).traceparent)).toEqual(fresh);
    expect(runUntraced(publishedTrace).traceId).not.toBe(fresh.traceId);
  });

  it('runs each attempt in a new child span, current inside and gone after, also across an await', async () => {
    const published = newTrace();
    const spans = await runUntraced(async () => {
      const seen = [];
      for (let i = 0; i < 2; i++) {
        seen.push(
          await runAttempt(published, async (span) => {
            await new Promise((r) => setTimeout(r, 1));
            expect(currentTrace()).toBe(span);
            return span;
          }),
        );
        expect(currentTrace()).toBeUndefined();
      }
      return seen;
    });
    expect(spans.map((s) => s.traceId)).toEqual([published.traceId, published.traceId]);
    expect(new Set([published.spanId, ...spans.map((s) => s.spanId)]).size).toBe(3);
    expect(traceparentHeader(spans[0] ?? published).traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });
});
