/**
 * AMQP channel: the events publisher of src/events/amqp-event-publisher.ts, pointed at this channel's
 * broker and exchange. It brings what a notification needs: a durable topic exchange declared on every
 * connection, persistent JSON messages with RackHD's routing key, publisher confirms (RabbitMQ's
 * extension to AMQP 0-9-1: a message counts only once the broker has taken responsibility for it), and
 * reconnection with backoff while the broker is away.
 *
 * An attempt hands the event to the publisher once and waits for the broker's confirm. When the confirm
 * does not come in time (the broker is down), the attempt fails and the message stays in the publisher's
 * buffer: the dispatcher's next attempt waits for that same message instead of publishing it again, so a
 * retried notification is not duplicated. The dispatcher sends one event at a time per channel, so the
 * publisher holds at most this one message and "flushed" means "this message confirmed".
 *
 * The message carries the trace as the publisher carries every event's: the AMQP header `traceparent`, read
 * from `currentTrace()` when the event is pushed, which is inside the dispatcher's span for this attempt.
 * Retries do not publish again, so the message names the span of the attempt that published it.
 */
import type { DomainEvent, Subscriber } from '../actors/events/event-bus.ts';
import { AmqpEventPublisher } from '../events/amqp-event-publisher.ts';
import type { Logger } from '../logging/logger.ts';
import { delivered, failed, type DeliveryOutcome, type Notification, type NotificationPlugin } from './notification-plugin.ts';
import type { AmqpChannelConfig } from './notifications-schema.ts';

/** The publisher's wait is bounded; an attempt waits in steps of this, ending at once when its signal aborts. */
const confirmPollMs = 200;

export class AmqpPlugin implements NotificationPlugin {
  readonly kind = 'amqp';
  private readonly publisher: AmqpEventPublisher;
  private push: Subscriber | undefined;
  /** The notification handed to the publisher and not yet confirmed. */
  private pending: string | undefined;

  private constructor(config: AmqpChannelConfig, log: Logger) {
    this.publisher = new AmqpEventPublisher({
      log,
      options: {
        url: config.amqpUrl,
        exchange: config.exchange,
        bufferSize: config.bufferSize,
        connectionName: `monorail notifications ${config.name}`,
        reconnectDelayMs: 200,
        maxReconnectDelayMs: 10_000,
      },
    });
  }

  /** Starts connecting in the background (resolves at once: a broker that is down is a failed attempt, not a failed start). */
  static async start(config: AmqpChannelConfig, log: Logger): Promise<AmqpPlugin> {
    const plugin = new AmqpPlugin(config, log);
    await plugin.publisher.start({
      subscribe: (s) => {
        plugin.push = s;
        return () => {
          plugin.push = undefined;
        };
      },
    });
    return plugin;
  }

  async deliver(n: Notification, signal: AbortSignal): Promise<DeliveryOutcome> {
    const refusedBefore = this.publisher.stats().dropped;
    if (this.pending !== n.id) {
      if (this.push === undefined) return failed('the AMQP channel is closed', false);
      this.pending = n.id;
      this.push(n.event satisfies DomainEvent);
    }
    const aborted = new Promise<false>((resolve) => {
      if (signal.aborted) resolve(false);
      else signal.addEventListener('abort', () => resolve(false), { once: true });
    });
    while (!signal.aborted) {
      if (await Promise.race([this.publisher.whenFlushed(confirmPollMs), aborted])) {
        this.pending = undefined;
        // The publisher drops a message the broker refused (nacked) repeatedly: it will not get better.
        if (this.publisher.stats().dropped > refusedBefore) return failed('the broker refused the message', false);
        return delivered;
      }
    }
    return failed(this.publisher.stats().connected ? 'the broker did not confirm the message in time' : 'the broker is unreachable; the message waits to be published');
  }

  async close(): Promise<void> {
    await this.publisher.stop(1000);
  }
}
