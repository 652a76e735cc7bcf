/**
 * Events on a real RabbitMQ: a consumer bound to `on.events` receives them with RackHD's routing keys,
 * as persistent JSON messages confirmed by the broker; the publisher survives the broker closing its
 * connection and the broker vanishing (through a relay the test cuts), buffers within its bound while
 * disconnected, and catches up on reconnection; an unreachable broker never blocks start or stop.
 */
import { randomBytes } from 'node:crypto';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus, routingKeyOf, type DomainEvent } from '../../src/actors/events/event-bus.ts';
import { AmqpEventPublisher, type AmqpEventOptions } from '../../src/events/amqp-event-publisher.ts';
import { captureLog } from '../support/test-logger.ts';
import { amqpUrl, brokerHost, brokerPort, closeConnectionNamed, rabbitmqAvailable } from './rabbitmq.ts';
import { startTcpProxy } from './tcp-proxy.ts';

const available = rabbitmqAvailable();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** Each test's events carry its own typeId, so tests sharing the broker and `on.events` never see each other's. */
const runId = () => `t${randomBytes(5).toString('hex')}`;

interface Consumer {
  readonly messages: ConsumeMessage[];
  waitFor(n: number, timeoutMs?: number): Promise<ConsumeMessage[]>;
}

async function consumer(pattern: string): Promise<Consumer> {
  const conn: ChannelModel = await amqp.connect(amqpUrl);
  const ch: Channel = await conn.createChannel();
  cleanups.push(() => conn.close());
  await ch.assertExchange('on.events', 'topic', { durable: true });
  const q = await ch.assertQueue('', { exclusive: true, autoDelete: true });
  await ch.bindQueue(q.queue, 'on.events', pattern);
  const messages: ConsumeMessage[] = [];
  await ch.consume(q.queue, (m) => {
    if (m !== null) messages.push(m);
  }, { noAck: true });
  return {
    messages,
    async waitFor(n, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < n) {
        if (Date.now() > deadline) throw new Error(`consumer got ${messages.length} messages, expected ${n}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return messages.slice(0, n);
    },
  };
}

function publisher(options: Partial<AmqpEventOptions> = {}): { bus: EventBus; pub: AmqpEventPublisher; lines: () => Record<string, unknown>[] } {
  const { log, lines } = captureLog();
  const bus = new EventBus(log);
  const pub = new AmqpEventPublisher({ log, options: { url: amqpUrl, reconnectDelayMs: 50, maxReconnectDelayMs: 500, ...options } });
  cleanups.push(() => pub.stop(500));
  return { bus, pub, lines };
}

let n = 0;
function event(typeId: string, type: string, action: string, nodeId?: string): DomainEvent {
  n++;
  return { version: '1.0', type, action, severity: 'information', typeId, ...(nodeId === undefined ? {} : { nodeId }), createdAt: new Date().toISOString(), data: { n } };
}

describe.skipIf(!available)('AMQP event publishing (RabbitMQ)', () => {
  it('publishes on the durable topic exchange on.events with RackHD routing keys, persistent and confirmed', async () => {
    const id = runId();
    const all = await consumer(`#.${id}.#`);
    const nodesOnly = await consumer(`node.*.information.${id}.*`);
    const { bus, pub } = publisher();
    await pub.start(bus);
    expect(await pub.whenConnected(10_000)).toBe(true);
    const sent = [event(id, 'node', 'added', 'n1'), event(id, 'graph', 'started'), event(id, 'node', 'sku.assigned', 'n1'), event(id, 'graph', 'finished')];
    for (const e of sent) bus.publish(e);
    const got = await all.waitFor(4);
    expect(got.map((m) => m.fields.routingKey)).toEqual(sent.map(routingKeyOf));
    expect(got.map((m) => JSON.parse(m.content.toString()) as unknown)).toEqual(sent);
    expect(got[0]?.fields.exchange).toBe('on.events');
    expect(got[0]?.properties).toMatchObject({ deliveryMode: 2, contentType: 'application/json', type: 'node.added', appId: 'monorail' });
    expect(new Set(got.map((m) => m.properties.messageId as string)).size).toBe(4);
    // `sku.assigned` is two words: `node.*.information…` does not match it, as on a real topic exchange.
    expect((await nodesOnly.waitFor(1)).map((m) => m.fields.routingKey)).toEqual([routingKeyOf(sent[0] as DomainEvent)]);
    expect(await pub.whenFlushed(10_000)).toBe(true);
    expect(pub.stats()).toMatchObject({ connected: true, published: 4, buffered: 0, unconfirmed: 0, dropped: 0 });
  });

  it('survives the broker closing its connection: reconnects and delivers what was published meanwhile', async () => {
    const id = runId();
    const c = await consumer(`#.${id}`);
    const connectionName = `monorail-test-${id}`;
    const { bus, pub, lines } = publisher({ connectionName });
    await pub.start(bus);
    expect(await pub.whenConnected(10_000)).toBe(true);
    bus.publish(event(id, 'node', 'added'));
    await c.waitFor(1);
    expect(await closeConnectionNamed(connectionName)).toBe(1);
    for (let i = 0; i < 20; i++) bus.publish(event(id, 'node', 'discovered'));
    await c.waitFor(21);
    expect(await pub.whenFlushed(10_000)).toBe(true);
    const s = pub.stats();
    expect(s).toMatchObject({ connected: true, dropped: 0, reconnects: 1 });
    expect(s.published).toBeGreaterThanOrEqual(21);
    // At least once: every event arrived; one sent while the connection died may arrive twice (same messageId).
    expect(new Set(c.messages.map((m) => m.properties.messageId as string)).size).toBe(21);
    expect(lines().some((l) => l['msg'] === 'events: AMQP broker connection lost; buffering events until it is back')).toBe(true);
  });

  it('buffers within its bound while the broker is gone, drops the oldest, and catches up in order when it is back', async () => {
    const id = runId();
    const c = await consumer(`#.${id}`);
    const proxy = await startTcpProxy(brokerHost, brokerPort);
    cleanups.push(() => proxy.close());
    const { bus, pub } = publisher({ url: amqpUrl.replace(`:${brokerPort}`, `:${proxy.port}`), bufferSize: 50 });
    await pub.start(bus);
    expect(await pub.whenConnected(10_000)).toBe(true);
    proxy.cut();
    await expect.poll(() => pub.stats().connected, { timeout: 10_000 }).toBe(false);
    const sent = Array.from({ length: 80 }, () => event(id, 'graph', 'progress.updated'));
    for (const e of sent) bus.publish(e);
    await expect.poll(() => pub.stats().buffered, { timeout: 5000 }).toBe(50);
    expect(pub.stats()).toMatchObject({ connected: false, dropped: 30 });
    proxy.restore();
    const got = await c.waitFor(50);
    expect(got.map((m) => (JSON.parse(m.content.toString()) as DomainEvent).data['n'])).toEqual(sent.slice(30).map((e) => e.data['n']));
    expect(await pub.whenFlushed(10_000)).toBe(true);
    expect(pub.stats()).toMatchObject({ connected: true, published: 50, dropped: 30, buffered: 0 });
    expect(pub.stats().reconnects).toBeGreaterThanOrEqual(1);
    expect(proxy.accepted()).toBeGreaterThanOrEqual(2);
  });

  it('never blocks on a broker that is not there: start resolves, events are buffered, stop returns', async () => {
    const proxy = await startTcpProxy(brokerHost, brokerPort);
    proxy.cut();
    cleanups.push(() => proxy.close());
    const { bus, pub, lines } = publisher({ url: `amqp://guest:guest@127.0.0.1:${proxy.port}`, bufferSize: 10 });
    await pub.start(bus);
    for (let i = 0; i < 15; i++) bus.publish(event('x', 'node', 'added'));
    await expect.poll(() => pub.stats().buffered).toBe(10);
    expect(pub.stats()).toMatchObject({ connected: false, dropped: 5, published: 0 });
    await expect.poll(() => lines().some((l) => l['msg'] === 'events: AMQP broker unreachable; retrying')).toBe(true);
    await pub.stop(100);
    // The broker URL carries credentials: it is never logged.
    expect(JSON.stringify(lines())).not.toContain('guest:guest');
  });

  it('refuses a broker URL that is not a URL, without echoing it', async () => {
    const { bus, pub } = publisher({ url: 'not a url with secret:pw' });
    await expect(pub.start(bus)).rejects.toThrow(/^events\.amqp: the broker URL is not a URL$/);
    const http = publisher({ url: 'http://user:secret@127.0.0.1:5672' });
    await expect(http.pub.start(http.bus)).rejects.toThrow(/^events\.amqp: the broker URL must be amqp: or amqps:, not http:$/);
  });
});
