/**
 * Publishes every event of the bus on the durable topic exchange `on.events` (RackHD's external event
 * contract, rackhd.md §6): routing key `<type>.<action>.<severity>.<typeId>[.<nodeId>]`, the envelope as
 * JSON, persistent messages (delivery mode 2), and publisher confirms (RabbitMQ's extension to AMQP
 * 0-9-1), so an event counts as published only once the broker has taken responsibility for it.
 *
 * The broker may come and go; the member must not. Connection recovery is amqplib's own (exponential
 * backoff with jitter; the exchange is declared again on every connection). While there is no channel,
 * events wait in a bounded buffer (the oldest dropped and counted when it is full); events published but
 * not confirmed when a connection dies are put back at the front and sent again on the next one, so
 * delivery is at least once: consumers that must not see an event twice use its `messageId`.
 * The bus subscriber only appends to the buffer: the publisher is never held up by the broker.
 *
 * The trace of the work that raised an event (W3C Trace Context, src/tracing) travels in the AMQP header
 * `traceparent`, not in the body: RackHD's envelope stays exactly as its consumers know it.
 */
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import type { ChannelModel, ConfirmChannel, RecoveringChannelModel } from 'amqplib';
import { routingKeyOf, type DomainEvent, type Subscriber } from '../actors/events/event-bus.ts';
import type { Logger } from '../logging/logger.ts';
import { formatTraceparent } from '../tracing/trace-context.ts';
import { currentTrace } from '../tracing/trace-scope.ts';
import { BoundedQueue } from './bounded-queue.ts';

export interface AmqpEventOptions {
  /** Broker URL; may carry credentials, so it is never logged. */
  readonly url: string;
  readonly exchange: string;
  /** Events held while the broker is unreachable or slow; beyond it the oldest are dropped and counted. */
  readonly bufferSize: number;
  /** Messages published and not yet confirmed, at most. */
  readonly maxUnconfirmed: number;
  /** First reconnection delay; doubled on each failure up to maxReconnectDelayMs. */
  readonly reconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
  /** AMQP heartbeat (seconds) negotiated with the broker: how soon a silent broker is noticed. */
  readonly heartbeatSeconds: number;
  /** Shown by the broker's management tools (`rabbitmqctl list_connections user_provided_name`). */
  readonly connectionName: string;
}

export const defaultAmqpEventOptions: Omit<AmqpEventOptions, 'url'> = {
  exchange: 'on.events',
  bufferSize: 10_000,
  maxUnconfirmed: 1000,
  reconnectDelayMs: 200,
  maxReconnectDelayMs: 30_000,
  heartbeatSeconds: 15,
  connectionName: 'monorail events',
};

export interface AmqpEventStats {
  readonly connected: boolean;
  /** Confirmed by the broker. */
  readonly published: number;
  readonly buffered: number;
  readonly unconfirmed: number;
  /** Dropped because the buffer was full, or refused by the broker too many times. */
  readonly dropped: number;
  /** Connections made after the first. */
  readonly reconnects: number;
  /** Sent again after their connection died unconfirmed, or after the broker refused them (nack). */
  readonly republished: number;
}

/** Told of every broker confirm (metrics); it must not throw. */
export interface AmqpPublishObserver {
  /** Seconds from publishing the message on the channel to the broker's ack or nack. */
  confirmed(seconds: number, outcome: 'ack' | 'nack'): void;
}

interface Outgoing {
  readonly key: string;
  readonly body: Buffer;
  readonly messageId: string;
  readonly type: string;
  readonly timestamp: number;
  /** The publishing work's trace context (the bus calls subscribers synchronously, in the publisher's trace). */
  readonly traceparent?: string;
  nacks: number;
  /** When it was last handed to a channel (process.hrtime), for the observer. */
  publishedAt?: bigint;
}

/** A message the broker refuses (nacks) this many times is dropped: it will not get better. */
const maxNacks = 3;

export class AmqpEventPublisher {
  private readonly options: AmqpEventOptions;
  private readonly buffer: BoundedQueue<Outgoing>;
  /** Published on the current channel and not yet confirmed, in publishing order. */
  private inFlight = new Set<Outgoing>();
  private connection: RecoveringChannelModel | undefined;
  private channel: ConfirmChannel | undefined;
  private blocked = false;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private everConnected = false;
  private counters = { published: 0, dropped: 0, reconnects: 0, republished: 0 };
  private readonly waiters: { readonly test: () => boolean; readonly resolve: (ok: boolean) => void }[] = [];
  private observer: AmqpPublishObserver | undefined;

  constructor(private readonly deps: { readonly log: Logger; readonly options: Partial<AmqpEventOptions> & Pick<AmqpEventOptions, 'url'> }) {
    this.options = { ...defaultAmqpEventOptions, ...deps.options };
    this.buffer = new BoundedQueue(this.options.bufferSize);
  }

  /**
   * Subscribes to `bus` and starts connecting in the background. Resolves at once: a member starts and
   * serves without its broker, and catches up when the broker is there.
   */
  async start(bus: { subscribe(s: Subscriber): () => void }): Promise<void> {
    const { reconnectDelayMs, maxReconnectDelayMs } = this.options;
    let url: URL;
    try {
      url = new URL(this.options.url);
    } catch {
      throw new Error('events.amqp: the broker URL is not a URL');
    }
    if (url.protocol !== 'amqp:' && url.protocol !== 'amqps:') throw new Error(`events.amqp: the broker URL must be amqp: or amqps:, not ${url.protocol}`);
    if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', String(this.options.heartbeatSeconds));
    this.unsubscribe = bus.subscribe(this.onEvent);
    const connection = await amqp.connect(url.toString(), {
      clientProperties: { connection_name: this.options.connectionName },
      recovery: {
        waitForConnect: false,
        initialDelay: reconnectDelayMs,
        maxDelay: Math.max(reconnectDelayMs, maxReconnectDelayMs),
        factor: 2,
        jitter: 0.2,
        maxRetries: Infinity,
        setup: (model: ChannelModel) => this.openChannel(model),
      },
    });
    this.connection = connection;
    connection.on('connect', () => {
      if (this.everConnected) this.counters.reconnects++;
      this.everConnected = true;
      this.deps.log.info({ exchange: this.options.exchange, buffered: this.buffer.length }, 'events: connected to the AMQP broker');
      this.pump();
      this.wake();
    });
    connection.on('disconnect', (err: Error) => {
      this.deps.log.warn({ error: err.message, buffered: this.buffer.length }, 'events: AMQP broker connection lost; buffering events until it is back');
      this.lost();
    });
    connection.on('connect-failed', (err: Error) => this.deps.log.warn({ error: err.message }, 'events: AMQP broker unreachable; retrying'));
    connection.on('blocked', (reason: string) => {
      // The broker is short of memory or disk (resource alarm): it would not read what we send anyway.
      this.blocked = true;
      this.deps.log.warn({ reason }, 'events: AMQP broker blocked publishing');
    });
    connection.on('unblocked', () => {
      this.blocked = false;
      this.pump();
    });
    connection.on('error', (err: Error) => this.deps.log.warn({ error: err.message }, 'events: AMQP connection error'));
    connection.on('handler-error', (err: Error, event: string) => this.deps.log.error({ err, event }, 'events: AMQP event handler failed'));
  }

  /** Stops taking events, waits up to `flushMs` for what is buffered and unconfirmed to be confirmed, and closes. */
  async stop(flushMs = 2000): Promise<void> {
    if (this.stopped) return;
    this.unsubscribe?.();
    if (this.channel !== undefined) await this.until(() => this.buffer.length === 0 && this.inFlight.size === 0, flushMs);
    this.stopped = true;
    const left = this.buffer.length + this.inFlight.size;
    if (left > 0) this.deps.log.warn({ left }, 'events: stopping with events not confirmed by the AMQP broker');
    await this.connection?.close().catch(() => undefined);
    this.connection = undefined;
    this.channel = undefined;
    this.wake();
  }

  stats(): AmqpEventStats {
    return { connected: this.channel !== undefined, buffered: this.buffer.length, unconfirmed: this.inFlight.size, ...this.counters };
  }

  /** Sets (or with undefined, removes) the observer told of each confirm's latency. */
  observe(observer: AmqpPublishObserver | undefined): void {
    this.observer = observer;
  }

  /** Resolves once connected with a channel (tests, and a CLI that wants to say so). */
  whenConnected(timeoutMs: number): Promise<boolean> {
    return this.until(() => this.channel !== undefined, timeoutMs);
  }

  /** Resolves once everything taken so far is confirmed (or `timeoutMs` passed: false). */
  whenFlushed(timeoutMs: number): Promise<boolean> {
    return this.until(() => this.buffer.length === 0 && this.inFlight.size === 0, timeoutMs);
  }

  private readonly onEvent = (event: DomainEvent): void => {
    if (this.stopped) return;
    let body: Buffer;
    try {
      body = Buffer.from(JSON.stringify(event));
    } catch (e) {
      this.deps.log.warn({ err: e, event: `${event.type}.${event.action}` }, 'events: event cannot be serialised for AMQP');
      return;
    }
    const createdAt = Date.parse(event.createdAt);
    const trace = currentTrace();
    const outgoing: Outgoing = {
      key: routingKeyOf(event),
      body,
      messageId: randomUUID(),
      type: `${event.type}.${event.action}`,
      timestamp: Math.floor((Number.isNaN(createdAt) ? Date.now() : createdAt) / 1000),
      nacks: 0,
      ...(trace === undefined ? {} : { traceparent: formatTraceparent(trace) }),
    };
    if (this.buffer.push(outgoing) !== undefined) this.dropped(1);
    // Publishing waits for the next turn: the bus's publisher is an actor, and never waits on the broker.
    if (this.buffer.length === 1) setImmediate(() => this.pump());
  };

  private async openChannel(model: ChannelModel): Promise<void> {
    const channel = await model.createConfirmChannel();
    channel.on('error', (err: Error) => this.deps.log.warn({ error: err.message }, 'events: AMQP channel error'));
    channel.on('handler-error', (err: Error, event: string) => this.deps.log.error({ err, event }, 'events: AMQP channel handler failed'));
    channel.on('drain', () => this.pump());
    channel.on('close', () => {
      if (this.channel !== channel) return;
      this.lost();
      // A channel can die with its connection alive (a broker-side channel error); closing that connection
      // (not the recovering wrapper, which would stop recovering) hands the problem to recovery, which
      // reconnects with backoff and opens a fresh channel. When the connection died first this is a no-op.
      if (!this.stopped) void model.close().catch(() => undefined);
    });
    await channel.assertExchange(this.options.exchange, 'topic', { durable: true });
    this.channel = channel;
  }

  /** The channel is gone: what it had not confirmed goes back to the front of the buffer, in order. */
  private lost(): void {
    this.channel = undefined;
    const unconfirmed = [...this.inFlight];
    this.inFlight = new Set();
    if (unconfirmed.length > 0) {
      this.counters.republished += unconfirmed.length;
      this.dropped(this.buffer.unshiftAll(unconfirmed));
    }
  }

  private pump(): void {
    const channel = this.channel;
    if (channel === undefined || this.blocked) return;
    while (this.inFlight.size < this.options.maxUnconfirmed) {
      const m = this.buffer.shift();
      if (m === undefined) break;
      this.inFlight.add(m);
      m.publishedAt = process.hrtime.bigint();
      let writable: boolean;
      try {
        writable = channel.publish(
          this.options.exchange,
          m.key,
          m.body,
          {
            persistent: true,
            contentType: 'application/json',
            messageId: m.messageId,
            type: m.type,
            timestamp: m.timestamp,
            appId: 'monorail',
            ...(m.traceparent === undefined ? {} : { headers: { traceparent: m.traceparent } }),
          },
          (err: unknown) => this.confirmed(channel, m, err),
        );
      } catch (e) {
        // The channel closed under us (its close event follows and requeues what is in flight).
        this.deps.log.debug({ err: e }, 'events: AMQP publish on a closing channel');
        return;
      }
      // The socket's buffer is full: wait for `drain` rather than queue without bound inside amqplib.
      if (!writable) return;
    }
  }

  private confirmed(channel: ConfirmChannel, m: Outgoing, err: unknown): void {
    // A confirm from a dead channel is stale: `lost` already put the message back.
    if (this.channel !== channel || !this.inFlight.delete(m)) return;
    if (m.publishedAt !== undefined) this.observer?.confirmed(Number(process.hrtime.bigint() - m.publishedAt) / 1e9, err === null || err === undefined ? 'ack' : 'nack');
    if (err === null || err === undefined) {
      this.counters.published++;
    } else if (++m.nacks >= maxNacks) {
      this.dropped(1);
      this.deps.log.error({ routingKey: m.key }, 'events: AMQP broker refused an event repeatedly; dropped');
    } else {
      this.counters.republished++;
      this.dropped(this.buffer.unshiftAll([m]));
    }
    this.pump();
    this.wake();
  }

  private dropped(n: number): void {
    if (n <= 0) return;
    const before = this.counters.dropped;
    this.counters.dropped += n;
    // Once per thousand, not per event: a long outage must not flood the log too.
    if (Math.floor(before / 1000) !== Math.floor(this.counters.dropped / 1000) || before === 0) {
      this.deps.log.warn({ dropped: this.counters.dropped, bufferSize: this.options.bufferSize }, 'events: AMQP buffer full; oldest events dropped');
    }
  }

  private until(test: () => boolean, timeoutMs: number): Promise<boolean> {
    if (test()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(test());
      }, timeoutMs);
      const waiter = {
        test,
        resolve: (ok: boolean) => {
          clearTimeout(timer);
          resolve(ok);
        },
      };
      this.waiters.push(waiter);
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) {
      const ok = w.test();
      if (ok || this.stopped) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(ok);
      }
    }
  }
}
