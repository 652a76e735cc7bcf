/**
 * The bus hands every subscriber the event in one trace: the publisher's when it has one, else a new trace
 * shared by all subscribers of that event (so a webhook, the AMQP exchange and a notification of one event can be
 * matched by trace id), and a throwing subscriber hurts neither the publisher nor the others.
 */
import { describe, expect, it } from 'vitest';
import { EventBus, type DomainEvent } from '../../../src/actors/events/event-bus.ts';
import { newTrace } from '../../../src/tracing/trace-context.ts';
import { currentTrace, runInTrace } from '../../../src/tracing/trace-scope.ts';
import { captureLog } from '../../support/test-logger.ts';

const event = (action: string): DomainEvent => ({ version: '1.0', type: 'node', action, severity: 'information', typeId: 'n1', nodeId: 'n1', createdAt: new Date(0).toISOString(), data: {} });

describe('EventBus', () => {
  it('delivers in the publisher\'s trace, or in one new trace shared by every subscriber', () => {
    const captured = captureLog();
    const bus = new EventBus(captured.log);
    const seen: { sub: string; action: string; traceId: string | undefined }[] = [];
    bus.subscribe((e) => seen.push({ sub: 'a', action: e.action, traceId: currentTrace()?.traceId }));
    bus.subscribe(() => {
      throw new Error('a broken subscriber');
    });
    bus.subscribe((e) => seen.push({ sub: 'b', action: e.action, traceId: currentTrace()?.traceId }));
    const publisher = newTrace();
    runInTrace(publisher, () => bus.publish(event('traced')));
    bus.publish(event('untraced-1'));
    bus.publish(event('untraced-2'));
    const traceOf = (sub: string, action: string) => seen.find((x) => x.sub === sub && x.action === action)?.traceId;
    expect(traceOf('a', 'traced')).toBe(publisher.traceId);
    expect(traceOf('b', 'traced')).toBe(publisher.traceId);
    expect(traceOf('a', 'untraced-1')).toMatch(/^[0-9a-f]{32}$/);
    expect(traceOf('b', 'untraced-1')).toBe(traceOf('a', 'untraced-1'));
    expect(traceOf('a', 'untraced-2')).not.toBe(traceOf('a', 'untraced-1'));
    // Nothing leaks out of publish: the caller is still outside any trace.
    expect(currentTrace()).toBeUndefined();
    expect(captured.lines().filter((l) => l['msg'] === 'event subscriber failed')).toHaveLength(3);
  });
});
