/**
 * The webhook channel against a real HTTP receiver on loopback (the one the hooks tests use): the event
 * envelope signed as hooks sign it, the delivery id kept across retries, 5xx retried (honouring
 * Retry-After) until the receiver recovers, 4xx given up on at once, neither the URL's credentials
 * nor the secret in any log line or status, and the W3C `traceparent` of the publisher's trace on every
 * attempt.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { deliveryHeader, eventHeader, verifySignature } from '../../src/events/webhook-signature.ts';
import { newTrace, parseTraceparent, type TraceContext } from '../../src/tracing/trace-context.ts';
import { runInTrace, runUntraced } from '../../src/tracing/trace-scope.ts';
import { eventually, startReceiver, type Received, type Receiver } from '../events/webhook-receiver.ts';
import { alert, startDispatcher, statusUntil } from './notification-fixtures.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const secret = 'webhook-secret-0123456789abcdef';

async function receiver(answer: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const r = await startReceiver(answer);
  cleanups.push(() => r.close());
  return r;
}

describe('webhook notification channel', () => {
  it('POSTs the signed event envelope; a receiver failing with 503 is retried until it recovers', async () => {
    const r = await receiver((n) => (n < 2 ? 503 : 200));
    const url = r.url.replace('http://', 'http://user:urlpass@');
    const { bus, dispatcher, lines } = await startDispatcher({ channels: [{ name: 'cmdb', kind: 'webhook', url, secret }] }, cleanups);
    const e = alert('critical');
    bus.publish(e);
    const failing = await statusUntil(dispatcher, 'cmdb', (s) => s.consecutiveFailures >= 1, 'a failed attempt');
    expect(failing.lastError?.error).toBe('the receiver answered HTTP 503');
    await dispatcher.whenIdle();
    const got = await r.waitFor(3);
    expect(got.every((g) => g.method === 'POST' && g.headers['content-type'] === 'application/json')).toBe(true);
    expect(got[2]?.json).toEqual(e);
    for (const g of got) {
      expect(verifySignature({ secret, signature: g.headers['x-monorail-signature'] as string, timestamp: g.headers['x-monorail-timestamp'] as string, body: g.body, nowMs: Date.now() })).toBe(true);
    }
    expect(new Set(got.map((g) => g.headers[deliveryHeader.toLowerCase()])).size).toBe(1);
    expect(got[0]?.headers[eventHeader.toLowerCase()]).toBe(`node.alerts.critical.${e.typeId}.${e.nodeId}`);
    expect(got[0]?.headers['authorization']).toBe(`Basic ${Buffer.from('user:urlpass').toString('base64')}`);
    expect(dispatcher.channel('cmdb')).toMatchObject({ delivered: 1, failed: 0, attempts: 3, consecutiveFailures: 0, lastError: { attempt: 2 }, lastSuccess: { attempt: 3 } });
    const logged = JSON.stringify(lines()) + JSON.stringify(dispatcher.channels());
    expect(logged).not.toContain('urlpass');
    expect(logged).not.toContain(secret);
  });

  it('gives up at once on a 4xx, and retries a receiver that is not there', async () => {
    const r = await receiver(() => 404);
    const gone = await receiver(() => 200);
    const goneUrl = gone.url;
    await gone.close();
    const { bus, dispatcher } = await startDispatcher(
      { attempts: 3, channels: [{ name: 'wrong-path', kind: 'webhook', url: r.url, secret }, { name: 'nobody', kind: 'webhook', url: goneUrl, secret }] },
      cleanups,
    );
    bus.publish(alert());
    await dispatcher.whenIdle();
    expect(r.received).toHaveLength(1);
    expect(dispatcher.channel('wrong-path')).toMatchObject({ delivered: 0, failed: 1, attempts: 1, lastError: { error: 'the receiver answered HTTP 404' } });
    expect(dispatcher.channel('nobody')).toMatchObject({ delivered: 0, failed: 1, attempts: 3, lastError: { error: 'connection failed: ECONNREFUSED' } });
  });
});

function traceOf(r: Received | undefined): TraceContext {
  const raw = r?.headers['traceparent'];
  const parsed = typeof raw === 'string' ? parseTraceparent(raw) : undefined;
  if (parsed === undefined) throw new Error(`no valid traceparent: ${JSON.stringify(raw)}`);
  return parsed;
}

describe('webhook notification channel: trace context', () => {
  it('sends the trace the alert was raised in, a new span per attempt, and logs the failed attempt in it', async () => {
    const r = await receiver((n) => (n === 0 ? 500 : 200));
    const { bus, dispatcher, lines } = await startDispatcher({ channels: [{ name: 'cmdb', kind: 'webhook', url: r.url, secret }] }, cleanups);
    const raised = newTrace();
    runInTrace(raised, () => bus.publish(alert('critical')));
    await dispatcher.whenIdle();
    const [first, retry] = (await r.waitFor(2)).map(traceOf);
    expect(first).toMatchObject({ traceId: raised.traceId, flags: raised.flags });
    expect(retry?.traceId).toBe(raised.traceId);
    expect(new Set([raised.spanId, first?.spanId, retry?.spanId]).size).toBe(3);
    const failedLine = await eventually(() => lines().find((l) => l['msg'] === 'notifications: delivery attempt failed; retrying'), 'the failed attempt line');
    expect(failedLine).toMatchObject({ traceId: raised.traceId, spanId: first?.spanId });
    const recovered = lines().find((l) => l['msg'] === 'notifications: channel delivers again');
    expect(recovered).toMatchObject({ traceId: raised.traceId, spanId: retry?.spanId });
  });

  it('gives an alert raised outside any trace a trace of its own, kept across its retries', async () => {
    const r = await receiver((n) => (n === 0 ? 503 : 200));
    const { bus, dispatcher } = await startDispatcher({ channels: [{ name: 'cmdb', kind: 'webhook', url: r.url, secret }] }, cleanups);
    runUntraced(() => bus.publish(alert('warning')));
    await dispatcher.whenIdle();
    const [first, retry] = (await r.waitFor(2)).map(traceOf);
    expect(retry?.traceId).toBe(first?.traceId);
    expect(retry?.spanId).not.toBe(first?.spanId);
  });
});
