/**
 * The AMQP channel against the real RabbitMQ (127.0.0.1:5672, guest/guest; test/events/rabbitmq.ts),
 * each test with its own exchange and queue: alerts published on the configured durable topic exchange
 * with RackHD's routing keys, persistent, with the W3C `traceparent` header of the trace the alert was
 * raised in, and counted delivered only once the broker confirmed them; a
 * broker that vanishes (through a relay the test cuts) makes attempts fail, and when it is back the same
 * message is published once and the status shows the failure, then the success. The broker URL's
 * credentials are never logged.
 */
import { randomBytes } from 'node:crypto';
import amqp, { type ConsumeMessage } from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import { newTrace, parseTraceparent } from '../../src/tracing/trace-context.ts';
import { runInTrace } from '../../src/tracing/trace-scope.ts';
import { amqpUrl, brokerHost, brokerPort, rabbitmqAvailable } from '../events/rabbitmq.ts';
import { startTcpProxy } from '../events/tcp-proxy.ts';
import { alert, startDispatcher, statusUntil } from './notification-fixtures.ts';

const available = rabbitmqAvailable();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** A consumer of its own exclusive queue, bound to a fresh exchange unique to the test. */
async function consumer(): Promise<{ exchange: string; messages: ConsumeMessage[]; waitFor(n: number): Promise<ConsumeMessage[]> }> {
  const exchange = `monorail.test.notifications.${randomBytes(5).toString('hex')}`;
  const conn = await amqp.connect(amqpUrl);
  const ch = await conn.createChannel();
  await ch.assertExchange(exchange, 'topic', { durable: true });
  const q = await ch.assertQueue(`${exchange}.q`, { exclusive: true, autoDelete: true });
  await ch.bindQueue(q.queue, exchange, 'node.alerts.#');
  const messages: ConsumeMessage[] = [];
  await ch.consume(q.queue, (m) => {
    if (m !== null) messages.push(m);
  }, { noAck: true });
  cleanups.push(async () => {
    await ch.deleteExchange(exchange);
    await conn.close();
  });
  return {
    exchange,
    messages,
    async waitFor(n) {
      const deadline = Date.now() + 20_000;
      while (messages.length < n) {
        if (Date.now() > deadline) throw new Error(`consumer got ${messages.length} messages, expected ${n}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return messages.slice(0, n);
    },
  };
}

describe.skipIf(!available)('AMQP notification channel (RabbitMQ)', () => {
  it('publishes alerts on the configured exchange, persistent, confirmed by the broker', async () => {
    const c = await consumer();
    const { bus, dispatcher } = await startDispatcher({ channels: [{ name: 'bus', kind: 'amqp', amqpUrl, exchange: c.exchange }] }, cleanups);
    const events = [alert('critical'), alert('warning'), { ...alert('information'), type: 'graph', action: 'finished' }];
    const raised = [newTrace(), newTrace(), newTrace()];
    events.forEach((e, i) => runInTrace(raised[i] ?? newTrace(), () => bus.publish(e)));
    await dispatcher.whenIdle();
    const got = await c.waitFor(2);
    const sent = got.map((m) => parseTraceparent(m.properties.headers?.['traceparent'] as string | undefined));
    expect(sent.map((t) => t?.traceId)).toEqual([raised[0]?.traceId, raised[1]?.traceId]);
    // The attempt's span, not the publisher's.
    expect(sent.every((t, i) => t !== undefined && t.spanId !== raised[i]?.spanId)).toBe(true);
    expect(got.map((m) => m.fields.routingKey)).toEqual([`node.alerts.critical.${events[0]?.typeId}.${events[0]?.nodeId}`, `node.alerts.warning.${events[1]?.typeId}.${events[1]?.nodeId}`]);
    expect(got.map((m) => JSON.parse(m.content.toString()) as unknown)).toEqual(events.slice(0, 2));
    expect(got.every((m) => m.properties.deliveryMode === 2 && m.properties.contentType === 'application/json' && m.fields.exchange === c.exchange)).toBe(true);
    // The graph event went out too (the channel takes every event), unrouted by this consumer's binding.
    expect(dispatcher.channel('bus')).toMatchObject({ delivered: 3, failed: 0, attempts: 3 });
  });

  it('fails while the broker is unreachable, then publishes the same message once when it is back', async () => {
    const c = await consumer();
    const proxy = await startTcpProxy(brokerHost, brokerPort);
    cleanups.push(() => proxy.close());
    const url = new URL(amqpUrl);
    url.host = `127.0.0.1:${proxy.port}`;
    const { bus, dispatcher, lines } = await startDispatcher(
      { timeoutMs: 500, channels: [{ name: 'bus', kind: 'amqp', amqpUrl: url.toString(), exchange: c.exchange }] },
      cleanups,
    );
    const first = alert('critical');
    bus.publish(first);
    await c.waitFor(1);
    await statusUntil(dispatcher, 'bus', (s) => s.delivered === 1, 'the first delivery');

    proxy.cut();
    const second = alert('critical', 'ffffffffffffffffffffffff');
    bus.publish(second);
    const down = await statusUntil(dispatcher, 'bus', (s) => s.consecutiveFailures >= 2, 'failed attempts', 20_000);
    expect(down.lastError?.error).toMatch(/broker/);
    expect(down.delivered).toBe(1);

    proxy.restore();
    const up = await statusUntil(dispatcher, 'bus', (s) => s.delivered === 2, 'the delivery after the broker is back', 30_000);
    expect(up).toMatchObject({ failed: 0, consecutiveFailures: 0 });
    expect(up.lastSuccess?.attempt).toBeGreaterThan(2);
    const got = await c.waitFor(2);
    expect(JSON.parse(got[1]?.content.toString() ?? '') as unknown).toEqual(second);
    // Retried attempts waited for the one buffered message; they did not publish it again.
    await new Promise((r) => setTimeout(r, 300));
    expect(c.messages).toHaveLength(2);
    const logged = JSON.stringify(lines()) + JSON.stringify(dispatcher.channels());
    expect(logged).not.toContain(url.toString());
    expect(logged).not.toContain(`${url.username}:${url.password}@`);
  });
});
