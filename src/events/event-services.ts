/**
 * Everything that carries the bus's events out of the member, started and stopped as one: webhook
 * delivery, the Server-Sent Events stream, AMQP publishing when configured, and the heartbeat. The
 * composition calls `startEventServices` once the bus and the store exist (before anything that
 * publishes is resumed, so no event is missed) and `stop` before the HTTP server stops (open event
 * streams would keep it from closing).
 */
import type { EventBus } from '../actors/events/event-bus.ts';
import type { Clock } from '../actors/runtime/clock.ts';
import type { SecretSealer } from '../actors/secret-port.ts';
import { EventStream, type EventStreamOptions } from '../api/events/event-stream.ts';
import type { Logger } from '../logging/logger.ts';
import type { HookDoc } from '../persistence/collections.ts';
import type { DocumentCollection } from '../persistence/document-store.ts';
import { AmqpEventPublisher, type AmqpEventOptions } from './amqp-event-publisher.ts';
import { startHeartbeat, type Heartbeat } from './heartbeat.ts';
import { WebhookDelivery, type WebhookOptions } from './webhook-delivery.ts';

/** The `events` section of the configuration. */
export interface EventsConfig {
  readonly heartbeatSeconds: number;
  readonly amqp: Omit<AmqpEventOptions, 'url' | 'connectionName'> & { readonly enabled: boolean; readonly amqpUrl: string | null };
  readonly webhooks: WebhookOptions;
  readonly stream: EventStreamOptions;
}

export interface EventServicesDeps {
  readonly events: EventBus;
  readonly hooks: DocumentCollection<HookDoc>;
  readonly sealer: SecretSealer;
  readonly log: Logger;
  readonly config: EventsConfig;
  /** cluster.amqpUrl, used when events.amqp.amqpUrl is null. */
  readonly clusterAmqpUrl: string;
  readonly memberId: string;
  readonly version: string;
  /** Drives the heartbeat only (deliveries and streams use real time: they talk to real peers). */
  readonly clock?: Clock;
}

export interface EventServices {
  /** For `hookRoutes(ports, services.webhooks)`. */
  readonly webhooks: WebhookDelivery;
  /** For `eventStreamRoutes(services.stream)`. */
  readonly stream: EventStream;
  readonly amqp: AmqpEventPublisher | undefined;
  stop(): Promise<void>;
}

export async function startEventServices(deps: EventServicesDeps): Promise<EventServices> {
  const { config } = deps;
  const webhooks = new WebhookDelivery({
    hooks: deps.hooks,
    sealer: deps.sealer,
    log: deps.log.child({ component: 'webhooks' }),
    options: config.webhooks,
    userAgent: `Monorail/${deps.version}`,
  });
  await webhooks.start(deps.events);
  const stream = new EventStream({ log: deps.log.child({ component: 'event-stream' }), options: config.stream });
  stream.start(deps.events);
  let amqp: AmqpEventPublisher | undefined;
  if (config.amqp.enabled) {
    const { enabled: _enabled, amqpUrl, ...options } = config.amqp;
    amqp = new AmqpEventPublisher({
      log: deps.log.child({ component: 'amqp-events' }),
      options: { ...options, url: amqpUrl ?? deps.clusterAmqpUrl, connectionName: `monorail ${deps.memberId} events` },
    });
    try {
      await amqp.start(deps.events);
    } catch (e) {
      stream.stop();
      await webhooks.stop();
      throw e;
    }
  }
  const heartbeat: Heartbeat = startHeartbeat({
    events: deps.events,
    intervalSeconds: config.heartbeatSeconds,
    version: deps.version,
    memberId: deps.memberId,
    ...(deps.clock === undefined ? {} : { clock: deps.clock }),
  });
  let stopped = false;
  return {
    webhooks,
    stream,
    amqp,
    async stop() {
      if (stopped) return;
      stopped = true;
      heartbeat.stop();
      stream.stop();
      await webhooks.stop();
      await amqp?.stop();
    },
  };
}
