/**
 * The event services as the composition starts them: heartbeats reach a webhook and the event stream,
 * an AMQP publisher pointed at no broker does not hold up start or stop, and stop ends it all.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/actors/events/event-bus.ts';
import { newEntityId } from '../../src/actors/ids.ts';
import { ManualClock } from '../../src/actors/runtime/clock.ts';
import { defaultEventStreamOptions } from '../../src/api/events/event-stream.ts';
import { defaultAmqpEventOptions } from '../../src/events/amqp-event-publisher.ts';
import { startEventServices, type EventsConfig } from '../../src/events/event-services.ts';
import { defaultWebhookOptions } from '../../src/events/webhook-delivery.ts';
import { SecretBox } from '../../src/secrets/secret-box.ts';
import { secretSealer } from '../../src/secrets/secret-sealer.ts';
import { tempStore } from '../support/temp-store.ts';
import { captureLog } from '../support/test-logger.ts';
import { startReceiver } from './webhook-receiver.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('event services', () => {
  it('start together, carry heartbeats to webhooks and the stream, and stop together', async () => {
    const temp = tempStore();
    const store = await temp.open();
    cleanups.push(() => temp.cleanup(), () => store.close());
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    // A port nobody answers on: the broker is "down" for the whole test.
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const port = (gone.address() as AddressInfo).port;
    await new Promise<void>((resolve) => gone.close(() => resolve()));

    const sealer = secretSealer(SecretBox.fromKey('event-services-key-0123'));
    const hooks = store.documents.collection('hooks');
    const at = new Date().toISOString();
    await hooks.insert({ id: newEntityId(), url: receiver.url, filters: [{ type: '^heartbeat$' }], secret: sealer.seal('s'), createdAt: at, updatedAt: at });
    const { log } = captureLog();
    const events = new EventBus(log);
    const clock = new ManualClock();
    const config: EventsConfig = {
      heartbeatSeconds: 10,
      amqp: { ...defaultAmqpEventOptions, enabled: true, amqpUrl: null },
      webhooks: { ...defaultWebhookOptions, refreshSeconds: 0 },
      stream: defaultEventStreamOptions,
    };
    const services = await startEventServices({ events, hooks, sealer, log, config, clusterAmqpUrl: `amqp://guest:guest@127.0.0.1:${port}`, memberId: 'm1', version: '9.9.9', clock });
    cleanups.push(() => services.stop());
    clock.advance(10_000);
    const [beat] = await receiver.waitFor(1);
    expect(beat?.json).toMatchObject({ type: 'heartbeat', action: 'updated', data: { memberId: 'm1', version: '9.9.9' } });
    expect(beat?.headers['user-agent']).toBe('Monorail/9.9.9');
    expect(services.stream.stats().lastSeq).toBe(1);
    expect(services.amqp?.stats()).toMatchObject({ connected: false, buffered: 1 });
    await services.stop();
    clock.advance(10_000);
    expect(services.stream.stats().lastSeq).toBe(1);
  });
});
