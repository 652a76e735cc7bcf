/**
 * Sends the events that match a rule's filters (the hooks API's filter language, src/events/hook-filter.ts)
 * to the rule's channels, each channel a plugin (notification-plugin.ts), and keeps every channel's
 * delivery status for the API (notification-status.ts).
 *
 * As webhook delivery does (src/events/webhook-delivery.ts), it never holds up the publisher: the bus
 * subscriber only appends to an inbox and matching runs on a later turn. Each channel has its own
 * bounded queue (the oldest dropped and counted when a receiver is down for long) and delivers one event
 * at a time, in order: a failing event holds the ones behind it while it is retried with exponential
 * backoff and jitter, up to `attempts`, then is given up on and counted. One channel's trouble never
 * delays another channel. An event matched by several rules goes to a channel once.
 *
 * The trace an event was published in (W3C Trace Context, src/tracing) is taken in the bus subscriber and
 * travels with the notification; each attempt runs as a span of its own in it (src/tracing/outbound-trace.ts
 * says why), so the plugin can put that span on the wire (`currentTrace()`: an HTTP `traceparent`, an AMQP
 * header, an RFC 5424 structured-data element) and the attempt's log lines carry the trace.
 */
import { randomUUID } from 'node:crypto';
import { routingKeyOf, type DomainEvent, type Subscriber } from '../actors/events/event-bus.ts';
import { systemClock, type Clock } from '../actors/runtime/clock.ts';
import { BoundedQueue } from '../events/bounded-queue.ts';
import { compileFilters } from '../events/hook-filter.ts';
import type { Logger } from '../logging/logger.ts';
import { publishedTrace, runAttempt } from '../tracing/outbound-trace.ts';
import type { TraceContext } from '../tracing/trace-context.ts';
import { runInSpan, runUntraced } from '../tracing/trace-scope.ts';
import { describeError, type DeliveryOutcome, type Notification, type NotificationPlugin } from './notification-plugin.ts';
import { createNotificationPlugin, type PluginContext } from './notification-plugins.ts';
import type { ChannelStatus, DeliveryAttemptInfo, NotificationStatusPort } from './notification-status.ts';
import { parseNotificationsConfig } from './notifications-config.ts';
import type { ChannelConfig, NotificationsOptions } from './notifications-schema.ts';

export interface NotificationDispatcherDeps {
  /**
   * The `notifications` section (the member's read-only config, or a test's object); checked again here
   * (ConfigError on any problem) and completed with defaults.
   */
  readonly options: NotificationsOptions | DeepReadonly<NotificationsOptions>;
  readonly log: Logger;
  /** Timestamps and the waits between attempts; real time by default. */
  readonly clock?: Clock;
  /** Builds a channel's plugin; the real plugins (notification-plugins.ts) by default. */
  readonly createPlugin?: (channel: ChannelConfig, context: PluginContext) => Promise<NotificationPlugin>;
  /** Sent by plugins that identify themselves (HTTP User-Agent). */
  readonly userAgent?: string;
}

interface LiveChannel {
  readonly name: string;
  readonly kind: string;
  readonly plugin: NotificationPlugin;
  readonly queue: BoundedQueue<Notification>;
  inFlight: boolean;
  counts: { delivered: number; failed: number; dropped: number; attempts: number };
  consecutiveFailures: number;
  lastSuccess: DeliveryAttemptInfo | undefined;
  lastError: (DeliveryAttemptInfo & { error: string }) | undefined;
  lastDropWarning: number;
}

interface LiveRule {
  readonly matches: (e: DomainEvent) => boolean;
  readonly channels: readonly LiveChannel[];
}

/** Events held between the publisher's turn and matching; only reached if matching falls far behind. */
const maxInbox = 100_000;

type DeepReadonly<T> = T extends readonly (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

export class NotificationDispatcher implements NotificationStatusPort {
  private readonly options: NotificationsOptions;
  private readonly clock: Clock;
  private readonly channelsByName = new Map<string, LiveChannel>();
  private rules: LiveRule[] = [];
  private readonly inbox: { readonly event: DomainEvent; readonly trace: TraceContext }[] = [];
  private drainScheduled = false;
  private started = false;
  private stopped = false;
  private readonly abort = new AbortController();
  private unsubscribe: (() => void) | undefined;
  private readonly running = new Set<Promise<void>>();
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly deps: NotificationDispatcherDeps) {
    // The options are typed, but a typed object can still name a missing channel or hold an unsafe filter.
    this.options = parseNotificationsConfig(deps.options);
    this.clock = deps.clock ?? systemClock;
  }

  /** Builds every channel's plugin, then takes events from `bus` (when given; `notify` works without). */
  async start(bus?: { subscribe(s: Subscriber): () => void }): Promise<void> {
    if (this.started) throw new Error('notifications: the dispatcher is already started');
    this.started = true;
    const create = this.deps.createPlugin ?? createNotificationPlugin;
    try {
      for (const channel of this.options.channels) {
        const log = this.deps.log.child({ channel: channel.name, plugin: channel.kind });
        const plugin = await create(channel, { log, ...(this.deps.userAgent === undefined ? {} : { userAgent: this.deps.userAgent }) });
        this.channelsByName.set(channel.name, {
          name: channel.name,
          kind: channel.kind,
          plugin,
          queue: new BoundedQueue(this.options.queueSize),
          inFlight: false,
          counts: { delivered: 0, failed: 0, dropped: 0, attempts: 0 },
          consecutiveFailures: 0,
          lastSuccess: undefined,
          lastError: undefined,
          lastDropWarning: -Infinity,
        });
      }
    } catch (e) {
      await this.closePlugins();
      throw e;
    }
    this.rules = this.options.rules.map((rule) => ({
      matches: compileFilters(rule.filters),
      channels: [...new Set(rule.channels)].map((name) => this.channelsByName.get(name)).filter((c): c is LiveChannel => c !== undefined),
    }));
    if (bus !== undefined) this.unsubscribe = bus.subscribe(this.notify);
    this.deps.log.info({ channels: this.options.channels.map((c) => `${c.name} (${c.kind})`), rules: this.rules.length }, 'notifications: started');
  }

  /** Stops taking events, abandons what waits and what is being retried, and closes every plugin. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe?.();
    this.inbox.length = 0;
    let abandoned = 0;
    for (const c of this.channelsByName.values()) abandoned += c.queue.clear().length;
    if (abandoned > 0) this.deps.log.warn({ abandoned }, 'notifications: stopping with events not delivered');
    this.abort.abort();
    await Promise.allSettled([...this.running]);
    await this.closePlugins();
    this.wakeIdle();
  }

  /** Takes one event (the bus's subscriber; callable directly). Never blocks, never throws. */
  readonly notify = (event: DomainEvent): void => {
    if (this.stopped || this.rules.length === 0) return;
    // Now or never: by the time the inbox is drained, the publisher's async context is gone.
    this.inbox.push({ event, trace: publishedTrace() });
    if (this.inbox.length > maxInbox) this.inbox.shift();
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      // Not in the trace of whichever publisher happened to schedule the drain: each event enters its own below.
      runUntraced(() => setImmediate(this.drain));
    }
  };

  channels(): readonly ChannelStatus[] {
    return [...this.channelsByName.values()].map(statusOf);
  }

  channel(name: string): ChannelStatus | undefined {
    const c = this.channelsByName.get(name);
    return c === undefined ? undefined : statusOf(c);
  }

  /** Resolves once nothing waits or is being delivered (tests, and an orderly shutdown that wants to wait). */
  whenIdle(): Promise<void> {
    if (this.idle() || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private readonly drain = (): void => {
    this.drainScheduled = false;
    for (const { event, trace } of this.inbox.splice(0)) runInSpan(trace, () => this.match(event, trace));
    this.wakeIdle();
  };

  private match(event: DomainEvent, trace: TraceContext): void {
    const targets = new Set<LiveChannel>();
    for (const rule of this.rules) {
      let matches = false;
      try {
        matches = rule.matches(event);
      } catch (e) {
        this.deps.log.warn({ err: e }, 'notifications: a filter failed on an event');
      }
      if (matches) for (const c of rule.channels) targets.add(c);
    }
    if (targets.size === 0) return;
    const routingKey = routingKeyOf(event);
    for (const channel of targets) this.enqueue(channel, { id: randomUUID(), routingKey, event, trace });
  }

  private enqueue(channel: LiveChannel, n: Notification): void {
    if (channel.queue.push(n) !== undefined) {
      channel.counts.dropped++;
      const now = this.clock.now();
      if (now - channel.lastDropWarning > 60_000) {
        channel.lastDropWarning = now;
        this.deps.log.warn({ channel: channel.name, queueSize: this.options.queueSize }, 'notifications: channel is not keeping up; oldest events are being dropped');
      }
    }
    if (!channel.inFlight) this.pump(channel);
  }

  private pump(channel: LiveChannel): void {
    if (this.stopped || channel.inFlight) return;
    const next = channel.queue.shift();
    if (next === undefined) return;
    channel.inFlight = true;
    // Outside the trace of whatever called pump (a match, the end of the previous delivery): each attempt
    // enters its notification's trace itself, and the lines logged around it name theirs explicitly.
    const run: Promise<void> = runUntraced(() =>
      this.deliver(channel, next)
        .catch((e: unknown) => this.deps.log.error({ channel: channel.name, traceId: next.trace.traceId, err: e }, 'notifications: delivery failed unexpectedly'))
        .finally(() => {
          channel.inFlight = false;
          this.running.delete(run);
          this.pump(channel);
          this.wakeIdle();
        }),
    );
    this.running.add(run);
  }

  private async deliver(channel: LiveChannel, n: Notification): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const wait = await runAttempt(n.trace, () => this.tryOnce(channel, n, attempt));
      if (wait === undefined) return;
      await this.sleep(wait);
      if (this.stopped) return;
    }
  }

  /** One attempt and its outcome, in the attempt's span: undefined when the delivery is over, else the wait before the next. */
  private async tryOnce(channel: LiveChannel, n: Notification, attempt: number): Promise<number | undefined> {
    const outcome = await this.attempt(channel, n);
    if (this.stopped) return undefined;
    channel.counts.attempts++;
    const info: DeliveryAttemptInfo = { at: new Date(this.clock.now()).toISOString(), event: n.routingKey, attempt };
    if (outcome.ok) {
      if (channel.consecutiveFailures > 0) this.deps.log.info({ channel: channel.name, failedAttempts: channel.consecutiveFailures }, 'notifications: channel delivers again');
      channel.counts.delivered++;
      channel.consecutiveFailures = 0;
      channel.lastSuccess = info;
      return undefined;
    }
    channel.consecutiveFailures++;
    channel.lastError = { ...info, error: outcome.error };
    if (channel.consecutiveFailures === 1) this.deps.log.warn({ channel: channel.name, event: n.routingKey, error: outcome.error }, 'notifications: delivery attempt failed; retrying');
    if (!outcome.retryable || attempt >= this.options.attempts) {
      channel.counts.failed++;
      this.deps.log.warn({ channel: channel.name, event: n.routingKey, attempts: attempt, error: outcome.error }, 'notifications: event not delivered; giving up on it');
      return undefined;
    }
    return this.backoff(attempt, outcome.retryAfterMs);
  }

  /** One attempt within its time limit; a plugin that throws counts as a failed, retryable attempt. */
  private async attempt(channel: LiveChannel, n: Notification): Promise<DeliveryOutcome> {
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.options.timeoutMs)]);
    let timer: NodeJS.Timeout | undefined;
    // A plugin that ignores its signal must not stall the channel for ever: the race ends the attempt.
    const timeUp = new Promise<DeliveryOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, retryable: true, error: `no answer within ${this.options.timeoutMs} ms` }), this.options.timeoutMs + 50);
    });
    try {
      return await Promise.race([
        channel.plugin.deliver(n, signal).catch((e: unknown): DeliveryOutcome => ({ ok: false, retryable: true, error: describeError(e) })),
        timeUp,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private backoff(attempt: number, retryAfterMs: number | undefined): number {
    const { backoffMs, maxBackoffMs } = this.options;
    const base = Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1));
    // Equal jitter, as webhook delivery: between half and all of the step, so recovering receivers are not stampeded.
    const jittered = base / 2 + Math.random() * (base / 2);
    return Math.round(Math.min(maxBackoffMs, Math.max(jittered, retryAfterMs ?? 0)));
  }

  private sleep(ms: number): Promise<void> {
    const signal = this.abort.signal;
    return new Promise((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const onAbort = (): void => {
        timer.cancel();
        resolve();
      };
      const timer = this.clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async closePlugins(): Promise<void> {
    const results = await Promise.allSettled([...this.channelsByName.values()].map((c) => c.plugin.close()));
    for (const r of results) if (r.status === 'rejected') this.deps.log.warn({ err: r.reason }, 'notifications: a plugin did not close cleanly');
  }

  private idle(): boolean {
    if (this.inbox.length > 0 || this.drainScheduled) return false;
    for (const c of this.channelsByName.values()) if (c.inFlight || c.queue.length > 0) return false;
    return true;
  }

  private wakeIdle(): void {
    if (this.idleWaiters.length === 0 || !(this.idle() || this.stopped)) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}

function statusOf(c: LiveChannel): ChannelStatus {
  return {
    name: c.name,
    kind: c.kind,
    queued: c.queue.length,
    inFlight: c.inFlight,
    ...c.counts,
    consecutiveFailures: c.consecutiveFailures,
    ...(c.lastSuccess === undefined ? {} : { lastSuccess: c.lastSuccess }),
    ...(c.lastError === undefined ? {} : { lastError: c.lastError }),
  };
}
