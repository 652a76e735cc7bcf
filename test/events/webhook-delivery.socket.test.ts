/**
 * Webhook delivery to real HTTP receivers on ephemeral ports, with hooks in a real embedded store:
 * filters, signatures a receiver can check with the secret, retries until a failing receiver recovers,
 * giving up, timeouts on a receiver that hangs, order per hook, the bounded queue, status written
 * back to the hook document, and the W3C `traceparent` of the publisher's trace on every attempt.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus, routingKeyOf, type DomainEvent } from '../../src/actors/events/event-bus.ts';
import { newEntityId } from '../../src/actors/ids.ts';
import type { SecretSealer } from '../../src/actors/secret-port.ts';
import { hookRecord, type HookRecord } from '../../src/events/hook-record.ts';
import type { HookFilter } from '../../src/events/hook-filter.ts';
import { WebhookDelivery, type WebhookOptions } from '../../src/events/webhook-delivery.ts';
import { newHookSecret, verifySignature } from '../../src/events/webhook-signature.ts';
import type { HookDoc } from '../../src/persistence/collections.ts';
import type { DocumentCollection } from '../../src/persistence/document-store.ts';
import type { Store } from '../../src/persistence/store.ts';
import { SecretBox } from '../../src/secrets/secret-box.ts';
import { secretSealer } from '../../src/secrets/secret-sealer.ts';
import { newTrace, parseTraceparent, type TraceContext } from '../../src/tracing/trace-context.ts';
import { runInTrace, runUntraced } from '../../src/tracing/trace-scope.ts';
import { tempStore, type TempStore } from '../support/temp-store.ts';
import { captureLog, type CapturedLog } from '../support/test-logger.ts';
import { eventually, startReceiver, type Received, type Receiver } from './webhook-receiver.ts';

const sealer: SecretSealer = secretSealer(SecretBox.fromKey('webhook-test-key-0123456789'));

let temp: TempStore;
let store: Store;
let hooks: DocumentCollection<HookDoc>;
let bus: EventBus;
let captured: CapturedLog;
const cleanups: (() => Promise<void>)[] = [];

beforeEach(async () => {
  temp = tempStore();
  store = await temp.open();
  hooks = store.documents.collection('hooks');
  captured = captureLog();
  bus = new EventBus(captured.log);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await store.close();
  temp.cleanup();
});

let seq = 0;
function event(type: string, action: string, over: Partial<DomainEvent> = {}): DomainEvent {
  seq++;
  return { version: '1.0', type, action, severity: 'information', typeId: `t${seq}`, nodeId: 'n1', createdAt: new Date().toISOString(), data: { seq }, ...over };
}

async function receiver(answer?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const r = await startReceiver(answer);
  cleanups.push(() => r.close());
  return r;
}

async function addHook(url: string, filters: HookFilter[] = []): Promise<{ doc: HookDoc; secret: string }> {
  const secret = newHookSecret();
  const at = new Date().toISOString();
  const doc: HookDoc = { id: newEntityId(), url, filters, secret: sealer.seal(secret), createdAt: at, updatedAt: at, delivery: { delivered: 0, failed: 0, dropped: 0 } };
  await hooks.insert(doc);
  return { doc, secret };
}

async function deliverer(options: Partial<WebhookOptions> = {}): Promise<WebhookDelivery> {
  const d = new WebhookDelivery({ hooks, sealer, log: captured.log, options: { backoffMs: 20, maxBackoffMs: 200, statusWriteMs: 20, timeoutMs: 2000, refreshSeconds: 0, ...options } });
  await d.start(bus);
  cleanups.push(() => d.stop());
  return d;
}

async function stored(id: string, until: (h: HookRecord) => boolean): Promise<HookRecord> {
  return eventually(async () => {
    const doc = await hooks.get(id);
    const h = doc === undefined ? undefined : hookRecord(doc);
    return h !== undefined && until(h) ? h : undefined;
  }, `hook ${id} status`);
}

describe('webhook delivery', () => {
  it('posts each matching event as signed JSON; filters are OR-ed lists of AND-ed keys', async () => {
    const rNodes = await receiver();
    const rAll = await receiver();
    const rFinished = await receiver();
    const nodes = await addHook(rNodes.url, [{ type: '^node$' }]);
    const all = await addHook(rAll.url);
    await addHook(rFinished.url, [{ type: '^graph$', action: '^finished$' }, { 'data.seq': '^-1$' }]);
    await deliverer();
    const events = [event('node', 'added'), event('graph', 'started'), event('graph', 'finished')];
    for (const e of events) bus.publish(e);

    const got = await rAll.waitFor(3);
    expect(got.map((r) => r.json)).toEqual(events);
    expect((await rNodes.waitFor(1)).map((r) => r.json)).toEqual([events[0]]);
    expect((await rFinished.waitFor(1)).map((r) => r.json)).toEqual([events[2]]);

    const [first] = await rNodes.waitFor(1);
    if (first === undefined) throw new Error('nothing received');
    expect(first.method).toBe('POST');
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.headers['x-monorail-event']).toBe(routingKeyOf(events[0] as DomainEvent));
    expect(first.headers['x-monorail-delivery']).toMatch(/^[0-9a-f-]{36}$/);
    const check = (secret: string) =>
      verifySignature({ secret, signature: first.headers['x-monorail-signature'] as string, timestamp: first.headers['x-monorail-timestamp'] as string, body: first.body, nowMs: Date.now() });
    expect(check(nodes.secret)).toBe(true);
    expect(check(all.secret)).toBe(false);

    const status = await stored(all.doc.id, (h) => h.delivery.delivered === 3);
    expect(status.delivery).toMatchObject({ delivered: 3, failed: 0, dropped: 0, lastDelivery: { status: 'delivered', httpStatus: 200, attempts: 1, event: routingKeyOf(events[2] as DomainEvent) } });
    // A moment later nothing else has arrived: the filters held.
    await new Promise((r) => setTimeout(r, 100));
    expect(rNodes.received).toHaveLength(1);
    expect(rFinished.received).toHaveLength(1);
  });

  it('retries a receiver that fails with 500 until it recovers, in order, with the same delivery id', async () => {
    const r = await receiver((n) => (n < 3 ? 500 : 200));
    const { doc, secret } = await addHook(r.url);
    await deliverer({ attempts: 6 });
    const events = Array.from({ length: 5 }, () => event('node', 'discovered'));
    for (const e of events) bus.publish(e);

    const got = await r.waitFor(8);
    // The first event was tried four times (three 500s), then everything in publishing order.
    expect(got.map((x) => (x.json as DomainEvent).data['seq'])).toEqual([...Array.from({ length: 4 }, () => events[0]?.data['seq']), ...events.slice(1).map((e) => e.data['seq'])]);
    expect(new Set(got.slice(0, 4).map((x) => x.headers['x-monorail-delivery'])).size).toBe(1);
    for (const x of got) {
      expect(verifySignature({ secret, signature: x.headers['x-monorail-signature'] as string, timestamp: x.headers['x-monorail-timestamp'] as string, body: x.body, nowMs: Date.now() })).toBe(true);
    }
    const h = await stored(doc.id, (s) => s.delivery.delivered === 5);
    expect(h.delivery).toMatchObject({ delivered: 5, failed: 0, dropped: 0, lastDelivery: { status: 'delivered', attempts: 1 } });
  });

  it('gives up after the configured attempts on 5xx, at once on other 4xx, and says why', async () => {
    const down = await receiver(() => 503);
    const gone = await receiver(() => 404);
    const a = await addHook(down.url);
    const b = await addHook(gone.url);
    await deliverer({ attempts: 3 });
    bus.publish(event('node', 'removed'));
    const ha = await stored(a.doc.id, (h) => h.delivery.failed === 1);
    expect(ha.delivery.lastDelivery).toMatchObject({ status: 'failed', httpStatus: 503, attempts: 3, error: 'the receiver answered HTTP 503' });
    expect(down.received).toHaveLength(3);
    const hb = await stored(b.doc.id, (h) => h.delivery.failed === 1);
    expect(hb.delivery.lastDelivery).toMatchObject({ status: 'failed', httpStatus: 404, attempts: 1 });
    expect(gone.received).toHaveLength(1);
    expect(captured.lines().some((l) => l['msg'] === 'webhooks: event not delivered; giving up on it' && l['hookId'] === a.doc.id)).toBe(true);
    // Log lines name the hook, never its URL (which may carry credentials).
    expect(JSON.stringify(captured.lines())).not.toContain(down.url);
  });

  it('times out a receiver that hangs, without holding up other hooks', async () => {
    const hang = await receiver(() => 'hang');
    const fine = await receiver();
    const slow = await addHook(hang.url);
    await addHook(fine.url);
    const d = await deliverer({ attempts: 2, timeoutMs: 1000 });
    bus.publish(event('graph', 'started'));
    await fine.waitFor(1);
    // The healthy hook got its event while the hanging one was still waiting on its first attempt.
    expect(d.live(slow.doc.id)).toEqual({ queued: 0, inFlight: 1 });
    const h = await stored(slow.doc.id, (s) => s.delivery.failed === 1);
    expect(h.delivery.lastDelivery).toMatchObject({ status: 'failed', httpStatus: null, attempts: 2, error: 'no answer within 1000 ms' });
    expect(hang.received).toHaveLength(2);
  });

  it('retries a refused connection and delivers once the receiver listens', async () => {
    const r = await receiver();
    const url = r.url;
    await r.close();
    const { doc } = await addHook(url);
    await deliverer({ attempts: 3, backoffMs: 10, maxBackoffMs: 20 });
    bus.publish(event('node', 'added'));
    const h = await stored(doc.id, (s) => s.delivery.failed === 1);
    expect(h.delivery.lastDelivery).toMatchObject({ status: 'failed', httpStatus: null, attempts: 3, error: 'connection failed: ECONNREFUSED' });
  });

  it('keeps a bounded queue while a receiver is down: the oldest are dropped and counted, the newest delivered', async () => {
    let healthy = false;
    const r = await receiver(() => (healthy ? 200 : 'hang'));
    const { doc } = await addHook(r.url);
    const d = await deliverer({ attempts: 1, timeoutMs: 1000, queueSize: 5 });
    const events = Array.from({ length: 50 }, () => event('node', 'sku.assigned'));
    for (const e of events) bus.publish(e);
    await r.waitFor(1);
    // One in flight (hanging), five waiting, the 44 in between dropped.
    expect(d.live(doc.id)).toEqual({ queued: 5, inFlight: 1 });
    healthy = true;
    const got = await r.waitFor(6);
    expect(got.slice(1).map((x) => (x.json as DomainEvent).data['seq'])).toEqual(events.slice(45).map((e) => e.data['seq']));
    const h = await stored(doc.id, (s) => s.delivery.delivered === 5);
    expect(h.delivery).toMatchObject({ delivered: 5, failed: 1, dropped: 44 });
    expect(d.stats()).toMatchObject({ delivered: 5, failed: 1, dropped: 44 });
  });

  it('never makes the publisher wait: publishing returns while every receiver hangs', async () => {
    const r = await receiver(() => 'hang');
    await addHook(r.url);
    const d = await deliverer({ queueSize: 100, timeoutMs: 60_000 });
    for (let i = 0; i < 10_000; i++) bus.publish(event('graph', 'progress.updated'));
    // All 10,000 were published in one synchronous turn; nothing was sent yet (matching runs later).
    expect(r.received).toHaveLength(0);
    await r.waitFor(1);
    expect(d.stats()).toMatchObject({ queued: 100, inFlight: 1, dropped: 10_000 - 101 });
  });

  it('follows changes: a patched URL, a deleted hook, a hook added by another member, a hook whose secret cannot be opened', async () => {
    const r1 = await receiver();
    const r2 = await receiver();
    const { doc } = await addHook(r1.url);
    const d = await deliverer();
    bus.publish(event('node', 'added'));
    await r1.waitFor(1);
    const moved = await hooks.update(doc.id, { $set: { url: r2.url, updatedAt: new Date(Date.now() + 1).toISOString() } });
    d.saved(moved as HookDoc);
    bus.publish(event('node', 'added'));
    await r2.waitFor(1);
    expect(r1.received).toHaveLength(1);

    await hooks.delete(doc.id);
    d.removed(doc.id);
    const r3 = await receiver();
    await addHook(r3.url);
    const broken = { ...(await addHook(r3.url.replace('/hook', '/other'))).doc };
    await hooks.update(broken.id, { $set: { secret: secretSealer(SecretBox.fromKey('another-key-0123456789')).seal('x') } });
    await d.reload();
    expect(d.stats().hooks).toBe(1);
    await d.reload();
    // Logged once, not on every reload.
    expect(captured.lines().filter((l) => l['msg'] === 'webhooks: hook secret cannot be opened; nothing is delivered to this hook' && l['hookId'] === broken.id)).toHaveLength(1);
    bus.publish(event('node', 'removed'));
    await r3.waitFor(1);
    await new Promise((res) => setTimeout(res, 100));
    expect(r2.received).toHaveLength(1);
    expect(r3.received).toHaveLength(1);
  });

  it('stops cleanly: running deliveries are cancelled and the status written', async () => {
    const r = await receiver((n) => (n === 0 ? 200 : 'hang'));
    const { doc } = await addHook(r.url);
    const d = new WebhookDelivery({ hooks, sealer, log: captured.log, options: { statusWriteMs: 60_000, refreshSeconds: 0 } });
    await d.start(bus);
    bus.publish(event('node', 'added'));
    bus.publish(event('node', 'added'));
    await r.waitFor(2);
    await d.stop();
    expect(d.stats().inFlight).toBe(0);
    const h = hookRecord((await hooks.get(doc.id)) as HookDoc);
    expect(h.delivery.delivered).toBe(1);
    bus.publish(event('node', 'added'));
    await new Promise((res) => setTimeout(res, 50));
    expect(r.received).toHaveLength(2);
  });
});

/** The request's `traceparent`, parsed; fails the test when it is missing or invalid. */
function traceOf(r: Received | undefined): TraceContext {
  const raw = r?.headers['traceparent'];
  const parsed = typeof raw === 'string' ? parseTraceparent(raw) : undefined;
  if (parsed === undefined) throw new Error(`no valid traceparent: ${JSON.stringify(raw)}`);
  return parsed;
}

describe('webhook delivery: trace context', () => {
  it('sends the trace the event was published in, a new span on every attempt, and logs the attempt in it', async () => {
    const flaky = await receiver((n) => (n === 0 ? 500 : 200));
    const down = await receiver(() => 503);
    await addHook(flaky.url);
    const gone = await addHook(down.url);
    await deliverer({ attempts: 2 });
    const published = newTrace();
    const other = { ...newTrace(), flags: 0 };
    const e = event('node', 'added');
    // Two traces in one turn (matched in one batch later): each delivery keeps its own.
    runInTrace(published, () => bus.publish(e));
    runInTrace(other, () => bus.publish(event('node', 'removed')));

    const got = await flaky.waitFor(3);
    const attempts = got.filter((r) => (r.json as DomainEvent).typeId === e.typeId);
    expect(attempts).toHaveLength(2);
    const [first, retry] = attempts.map(traceOf);
    expect(first?.traceId).toBe(published.traceId);
    expect(retry?.traceId).toBe(published.traceId);
    // A child span per attempt: neither the publisher's span nor the previous attempt's.
    expect(new Set([published.spanId, first?.spanId, retry?.spanId]).size).toBe(3);
    expect(first?.flags).toBe(published.flags);
    const removed = got.find((r) => (r.json as DomainEvent).typeId !== e.typeId);
    expect(traceOf(removed)).toMatchObject({ traceId: other.traceId, flags: 0 });

    // The last failed attempt's log line names the span the receiver saw as its parent.
    const downAttempts = (await down.waitFor(4)).filter((r) => (r.json as DomainEvent).typeId === e.typeId).map(traceOf);
    expect(downAttempts).toHaveLength(2);
    const line = await eventually(
      () => captured.lines().find((l) => l['msg'] === 'webhooks: event not delivered; giving up on it' && l['hookId'] === gone.doc.id && l['traceId'] === published.traceId),
      'the give-up line',
    );
    expect(line['spanId']).toBe(downAttempts[1]?.spanId);
  });

  it('gives an event published outside any trace a trace of its own, the same on every attempt', async () => {
    const r = await receiver((n) => (n < 2 ? 500 : 200));
    await addHook(r.url);
    await deliverer({ attempts: 3 });
    const a = event('node', 'added');
    runUntraced(() => {
      bus.publish(a);
      bus.publish(event('node', 'removed'));
    });
    const got = await r.waitFor(4);
    const ofA = got.filter((x) => (x.json as DomainEvent).typeId === a.typeId).map(traceOf);
    expect(ofA).toHaveLength(3);
    expect(new Set(ofA.map((t) => t.traceId)).size).toBe(1);
    expect(new Set(ofA.map((t) => t.spanId)).size).toBe(3);
    expect(ofA[0]?.flags).toBe(1);
    // Another untraced event is another trace.
    const ofB = traceOf(got.find((x) => (x.json as DomainEvent).typeId !== a.typeId));
    expect(ofB.traceId).not.toBe(ofA[0]?.traceId);
  });
});
