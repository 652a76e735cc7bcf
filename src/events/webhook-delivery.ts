/**
 * Delivers every event that matches a hook's filters to the hook's URL: a JSON POST of the event
 * envelope, signed (webhook-signature.ts), retried with exponential backoff when the receiver fails,
 * and given up on after a bounded number of attempts. RackHD's hook.js posted once and forgot; this keeps
 * its filters and body and adds what an operator needs to trust it.
 *
 * Never in the event publisher's way: the bus subscriber only appends to an inbox; matching runs on a
 * later turn, each hook has its own bounded queue (oldest dropped and counted when a receiver is down for
 * long) and at most `concurrency` POSTs in flight (1 by default, which keeps a hook's events in order:
 * a failing delivery holds the ones behind it while it is retried). A receiver that does not answer
 * within `timeoutMs` counts as a failed attempt.
 *
 * Status is persisted on the hook document (`delivery.delivered|failed|dropped` with `$inc`,
 * `delivery.lastDelivery` with `$set`), written at most every `statusWriteMs` per hook. Hooks changed
 * through this member's API take effect at once (`saved`/`removed`); hooks changed through another
 * member sharing the store are picked up by the periodic reload.
 *
 * Each POST carries a `traceparent` (W3C Trace Context) in the trace the event was published in, taken in
 * the bus subscriber and kept with the queued delivery; every attempt is a span of its own in that trace,
 * and the attempt's log lines carry it (src/tracing/outbound-trace.ts says why, and what an event published
 * outside any trace gets).
 */
import { randomUUID } from 'node:crypto';
import { routingKeyOf, type DomainEvent, type Subscriber } from '../actors/events/event-bus.ts';
import { systemClock, type Clock, type TimerHandle } from '../actors/runtime/clock.ts';
import type { SecretSealer } from '../actors/secret-port.ts';
import type { Logger } from '../logging/logger.ts';
import type { HookDoc } from '../persistence/collections.ts';
import type { DocumentCollection, UpdateOperators } from '../persistence/document-store.ts';
import { publishedTrace, runAttempt, traceparentHeader } from '../tracing/outbound-trace.ts';
import type { TraceContext } from '../tracing/trace-context.ts';
import { runInSpan, runUntraced } from '../tracing/trace-scope.ts';
import { BoundedQueue } from './bounded-queue.ts';
import { compileFilters } from './hook-filter.ts';
import { hookRecord, type LastDelivery } from './hook-record.ts';
import { createHttpPost, type HttpPost } from './http-post.ts';
import { deliveryHeader, eventHeader, signPayload, signatureHeader, timestampHeader } from './webhook-signature.ts';

export interface WebhookOptions {
  /** Attempts per event before it is given up on (the first one included). */
  readonly attempts: number;
  /** An attempt whose response headers have not arrived by then fails. */
  readonly timeoutMs: number;
  /** Wait before the second attempt; doubled for each further one (with jitter), capped at maxBackoffMs. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  /** POSTs in flight per hook; 1 keeps each hook's events in order. */
  readonly concurrency: number;
  /** Events waiting per hook; beyond it the oldest is dropped and counted. */
  readonly queueSize: number;
  /** How often a hook's delivery status is written to its document, at most. */
  readonly statusWriteMs: number;
  /** How often hooks are reloaded from the store (changes made through other members). */
  readonly refreshSeconds: number;
}

export const defaultWebhookOptions: WebhookOptions = {
  attempts: 6,
  timeoutMs: 10_000,
  backoffMs: 1000,
  maxBackoffMs: 60_000,
  concurrency: 1,
  queueSize: 1000,
  statusWriteMs: 1000,
  refreshSeconds: 30,
};

/** What the hooks API tells the deliverer and asks it. */
export interface HookDeliveries {
  /** A hook was created or changed: deliver to it from now on, with its current URL, filters and secret. */
  saved(doc: HookDoc): void;
  /** A hook was deleted: drop its queue and stop its deliveries. */
  removed(id: string): void;
  /** What is not in the document: events waiting and POSTs in flight (undefined when the hook is not loaded). */
  live(id: string): { readonly queued: number; readonly inFlight: number } | undefined;
}

export interface WebhookDeliveryDeps {
  readonly hooks: DocumentCollection<HookDoc>;
  readonly sealer: SecretSealer;
  readonly log: Logger;
  readonly options?: Partial<WebhookOptions>;
  readonly clock?: Clock;
  /** The HTTP client; a keep-alive node:http client when left out (closed by `stop`). */
  readonly post?: HttpPost;
  /** Sent as User-Agent. */
  readonly userAgent?: string;
}

export interface WebhookStats {
  readonly hooks: number;
  readonly queued: number;
  readonly inFlight: number;
  readonly delivered: number;
  readonly failed: number;
  readonly dropped: number;
  readonly attempts: number;
}

interface Delivery {
  readonly id: string;
  readonly event: string;
  readonly body: string;
  /** The trace the event was published in; each attempt is a child span of it. */
  readonly trace: TraceContext;
}

/** An event between the publisher's turn and matching, with the trace it was published in. */
interface Published {
  readonly event: DomainEvent;
  readonly trace: TraceContext;
}

interface Attempt {
  readonly ok: boolean;
  readonly httpStatus: number | null;
  readonly retryable: boolean;
  readonly error?: string;
  readonly retryAfterMs?: number;
}

interface LiveHook {
  readonly id: string;
  url: string;
  secret: string;
  matches: (e: DomainEvent) => boolean;
  updatedAt: string;
  readonly queue: BoundedQueue<Delivery>;
  inFlight: number;
  readonly abort: AbortController;
  delta: { delivered: number; failed: number; dropped: number };
  last: LastDelivery | undefined;
  lastDropWarning: number;
}

/** Events held between the publisher's turn and matching; only reached if matching falls far behind. */
const maxInbox = 100_000;

export class WebhookDelivery implements HookDeliveries {
  private readonly options: WebhookOptions;
  private readonly clock: Clock;
  private readonly post: HttpPost;
  private readonly ownPost: (HttpPost & { close(): void }) | undefined;
  private readonly hooks = new Map<string, LiveHook>();
  /** Hooks that cannot be delivered to (their secret does not open), by the version that was tried: logged once. */
  private readonly unusable = new Map<string, string>();
  private readonly inbox: Published[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly idleWaiters: (() => void)[] = [];
  private drainScheduled = false;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  private timers: TimerHandle[] = [];
  private flushing: Promise<void> | undefined;
  private totals = { delivered: 0, failed: 0, dropped: 0, attempts: 0 };

  constructor(private readonly deps: WebhookDeliveryDeps) {
    this.options = { ...defaultWebhookOptions, ...deps.options };
    this.clock = deps.clock ?? systemClock;
    this.ownPost = deps.post === undefined ? createHttpPost() : undefined;
    this.post = deps.post ?? (this.ownPost as HttpPost);
  }

  /** Loads the stored hooks and starts taking events from `bus`. */
  async start(bus: { subscribe(s: Subscriber): () => void }): Promise<void> {
    await this.reload();
    this.unsubscribe = bus.subscribe(this.onEvent);
    this.timers.push(this.clock.setInterval(() => void this.flush(), Math.max(10, this.options.statusWriteMs)));
    if (this.options.refreshSeconds > 0) {
      this.timers.push(this.clock.setInterval(() => void this.reload().catch((e: unknown) => this.deps.log.warn({ err: e }, 'webhooks: reloading hooks failed')), this.options.refreshSeconds * 1000));
    }
  }

  /** Stops taking events, cancels waiting and running deliveries, and writes the status still unwritten. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of this.timers) t.cancel();
    this.timers = [];
    this.inbox.length = 0;
    for (const hook of this.hooks.values()) {
      hook.queue.clear();
      hook.abort.abort();
    }
    await Promise.allSettled([...this.running]);
    this.ownPost?.close();
    // A write already under way may have missed the last outcomes: let it finish, then write the rest.
    await this.flushing;
    await this.flush();
    this.wakeIdle();
  }

  saved(doc: HookDoc): void {
    const record = hookRecord(doc);
    let secret: string;
    try {
      if (record.secret === undefined) throw new Error('the hook has no signing secret (one stored before Monorail signed deliveries): PATCH it with {"rotateSecret": true}');
      secret = this.deps.sealer.open(record.secret);
    } catch (e) {
      // Without its secret a hook cannot be signed; delivering unsigned would teach receivers to accept that.
      this.deps.log.error({ hookId: record.id, err: e }, 'webhooks: hook secret cannot be opened; nothing is delivered to this hook');
      this.removed(record.id);
      this.unusable.set(record.id, record.updatedAt);
      return;
    }
    this.unusable.delete(record.id);
    const existing = this.hooks.get(record.id);
    if (existing !== undefined) {
      existing.url = record.url;
      existing.secret = secret;
      existing.matches = compileFilters(record.filters);
      existing.updatedAt = record.updatedAt;
      return;
    }
    this.hooks.set(record.id, {
      id: record.id,
      url: record.url,
      secret,
      matches: compileFilters(record.filters),
      updatedAt: record.updatedAt,
      queue: new BoundedQueue(this.options.queueSize),
      inFlight: 0,
      abort: new AbortController(),
      delta: { delivered: 0, failed: 0, dropped: 0 },
      last: undefined,
      lastDropWarning: 0,
    });
  }

  removed(id: string): void {
    const hook = this.hooks.get(id);
    if (hook === undefined) return;
    this.hooks.delete(id);
    hook.queue.clear();
    hook.abort.abort();
    this.wakeIdle();
  }

  live(id: string): { queued: number; inFlight: number } | undefined {
    const hook = this.hooks.get(id);
    return hook === undefined ? undefined : { queued: hook.queue.length, inFlight: hook.inFlight };
  }

  stats(): WebhookStats {
    let queued = 0;
    let inFlight = 0;
    for (const h of this.hooks.values()) {
      queued += h.queue.length;
      inFlight += h.inFlight;
    }
    return { hooks: this.hooks.size, queued, inFlight, ...this.totals };
  }

  /** Resolves once nothing is waiting or in flight (tests and benchmarks). */
  whenIdle(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Writes the delivery status accumulated since the last write. */
  flush(): Promise<void> {
    this.flushing ??= this.writeStatus().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Reconciles the loaded hooks with the store. */
  async reload(): Promise<void> {
    const docs = await this.deps.hooks.find({});
    const seen = new Set<string>();
    for (const doc of docs) {
      seen.add(doc.id);
      const version = hookRecord(doc).updatedAt;
      if ((this.hooks.get(doc.id)?.updatedAt ?? this.unusable.get(doc.id)) !== version) this.saved(doc);
    }
    for (const id of [...this.hooks.keys()]) if (!seen.has(id)) this.removed(id);
    for (const id of [...this.unusable.keys()]) if (!seen.has(id)) this.unusable.delete(id);
  }

  private readonly onEvent = (event: DomainEvent): void => {
    if (this.stopped || this.hooks.size === 0) return;
    // Now or never: by the time the inbox is drained, the publisher's async context is gone.
    this.inbox.push({ event, trace: publishedTrace() });
    if (this.inbox.length > maxInbox) {
      this.inbox.shift();
      this.totals.dropped++;
    }
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      // Not in the context of whichever publisher happened to schedule the drain: each event gets its own below.
      runUntraced(() => setImmediate(this.drain));
    }
  };

  private readonly drain = (): void => {
    this.drainScheduled = false;
    const batch = this.inbox.splice(0);
    for (const { event, trace } of batch) runInSpan(trace, () => this.match(event, trace));
    this.wakeIdle();
  };

  private match(event: DomainEvent, trace: TraceContext): void {
    let delivery: Delivery | undefined;
    for (const hook of this.hooks.values()) {
      let matches = false;
      try {
        matches = hook.matches(event);
      } catch (e) {
        this.deps.log.warn({ hookId: hook.id, err: e }, 'webhooks: filter failed on an event');
      }
      if (!matches) continue;
      try {
        // One body per event, shared by every hook it goes to; one delivery id per hook.
        const body: string = delivery?.body ?? JSON.stringify(event);
        delivery = { id: randomUUID(), event: routingKeyOf(event), body, trace };
      } catch (e) {
        this.deps.log.warn({ err: e, event: `${event.type}.${event.action}` }, 'webhooks: event cannot be serialised');
        break;
      }
      this.enqueue(hook, delivery);
    }
  }

  private enqueue(hook: LiveHook, delivery: Delivery): void {
    if (hook.queue.push(delivery) !== undefined) {
      hook.delta.dropped++;
      this.totals.dropped++;
      const now = this.clock.now();
      if (now - hook.lastDropWarning > 60_000) {
        hook.lastDropWarning = now;
        this.deps.log.warn({ hookId: hook.id, queueSize: this.options.queueSize }, 'webhooks: receiver is not keeping up; oldest events are being dropped');
      }
    }
    this.pump(hook);
  }

  private pump(hook: LiveHook): void {
    while (!this.stopped && hook.inFlight < this.options.concurrency && this.hooks.get(hook.id) === hook) {
      const delivery = hook.queue.shift();
      if (delivery === undefined) break;
      hook.inFlight++;
      // Outside the trace of whatever called pump (a match, the end of the previous delivery): each attempt
      // enters its delivery's trace itself, and the lines logged around it name theirs explicitly.
      const run: Promise<void> = runUntraced(() =>
        this.deliver(hook, delivery)
          .catch((e: unknown) => this.deps.log.error({ hookId: hook.id, traceId: delivery.trace.traceId, err: e }, 'webhooks: delivery failed unexpectedly'))
          .finally(() => {
            hook.inFlight--;
            this.running.delete(run);
            this.pump(hook);
            this.wakeIdle();
          }),
      );
      this.running.add(run);
    }
  }

  private async deliver(hook: LiveHook, delivery: Delivery): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const wait = await runAttempt(delivery.trace, (span) => this.tryOnce(hook, delivery, attempt, span));
      if (wait === undefined) return;
      await this.sleep(wait, hook.abort.signal);
      if (hook.abort.signal.aborted) return;
    }
  }

  /** One attempt and its outcome, in the attempt's span: undefined when the delivery is over, else the wait before the next. */
  private async tryOnce(hook: LiveHook, delivery: Delivery, attempt: number, span: TraceContext): Promise<number | undefined> {
    const result = await this.attempt(hook, delivery, span);
    this.totals.attempts++;
    if (hook.abort.signal.aborted) return undefined;
    if (result.ok) {
      this.record(hook, delivery, 'delivered', result, attempt);
      return undefined;
    }
    if (!result.retryable || attempt >= this.options.attempts) {
      this.record(hook, delivery, 'failed', result, attempt);
      return undefined;
    }
    return this.backoff(attempt, result.retryAfterMs);
  }

  private async attempt(hook: LiveHook, delivery: Delivery, span: TraceContext): Promise<Attempt> {
    const timestamp = Math.floor(this.clock.now() / 1000);
    // One signal for both ends of an attempt: the receiver's time is up, or the hook is gone.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.options.timeoutMs);
    const cancel = (): void => controller.abort();
    hook.abort.signal.addEventListener('abort', cancel, { once: true });
    try {
      const res = await this.post(hook.url, {
        headers: {
          'content-type': 'application/json',
          'user-agent': this.deps.userAgent ?? 'Monorail-Webhook',
          [timestampHeader]: String(timestamp),
          [signatureHeader]: signPayload(hook.secret, timestamp, delivery.body),
          [deliveryHeader]: delivery.id,
          [eventHeader]: delivery.event,
          ...traceparentHeader(span),
        },
        body: delivery.body,
        signal: controller.signal,
      });
      if (res.status >= 200 && res.status < 300) return { ok: true, httpStatus: res.status, retryable: false };
      const retryAfterMs = retryAfter(res.retryAfter ?? null, this.clock.now());
      return {
        ok: false,
        httpStatus: res.status,
        // 5xx, 408 and 429 are the receiver's passing trouble; other answers (400, 404, a redirect) will not change by retrying.
        retryable: res.status >= 500 || res.status === 408 || res.status === 429,
        error: `the receiver answered HTTP ${res.status}`,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    } catch (e) {
      if (timedOut) return { ok: false, httpStatus: null, retryable: true, error: `no answer within ${this.options.timeoutMs} ms` };
      if (hook.abort.signal.aborted) return { ok: false, httpStatus: null, retryable: false, error: 'cancelled' };
      return { ok: false, httpStatus: null, retryable: true, error: networkError(e) };
    } finally {
      clearTimeout(timer);
      hook.abort.signal.removeEventListener('abort', cancel);
    }
  }

  private backoff(attempt: number, retryAfterMs: number | undefined): number {
    const base = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** (attempt - 1));
    // Equal jitter: between half and all of the exponential step, so receivers coming back are not stampeded.
    const jittered = base / 2 + Math.random() * (base / 2);
    return Math.round(Math.min(this.options.maxBackoffMs, Math.max(jittered, retryAfterMs ?? 0)));
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const timer = this.clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        timer.cancel();
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private record(hook: LiveHook, delivery: Delivery, status: 'delivered' | 'failed', result: Attempt, attempts: number): void {
    hook.delta[status]++;
    this.totals[status]++;
    hook.last = {
      at: new Date(this.clock.now()).toISOString(),
      event: delivery.event,
      status,
      httpStatus: result.httpStatus,
      attempts,
      ...(result.error === undefined ? {} : { error: result.error }),
    };
    if (status === 'failed') this.deps.log.warn({ hookId: hook.id, event: delivery.event, attempts, error: result.error }, 'webhooks: event not delivered; giving up on it');
  }

  private async writeStatus(): Promise<void> {
    for (const hook of [...this.hooks.values()]) {
      const { delta, last } = hook;
      if (delta.delivered === 0 && delta.failed === 0 && delta.dropped === 0 && last === undefined) continue;
      hook.delta = { delivered: 0, failed: 0, dropped: 0 };
      hook.last = undefined;
      const inc: Record<string, number> = {};
      for (const [k, n] of Object.entries(delta)) if (n > 0) inc[`delivery.${k}`] = n;
      const update: UpdateOperators = {
        ...(Object.keys(inc).length > 0 ? { $inc: inc } : {}),
        ...(last === undefined ? {} : { $set: { 'delivery.lastDelivery': last } }),
      };
      try {
        await this.deps.hooks.update(hook.id, update);
      } catch (e) {
        // Kept for the next write: status is worth a retry, and the counters must add up.
        hook.delta.delivered += delta.delivered;
        hook.delta.failed += delta.failed;
        hook.delta.dropped += delta.dropped;
        hook.last ??= last;
        this.deps.log.warn({ hookId: hook.id, err: e }, 'webhooks: delivery status could not be written; retrying later');
      }
    }
  }

  private idle(): boolean {
    if (this.inbox.length > 0 || this.drainScheduled) return false;
    for (const h of this.hooks.values()) if (h.queue.length > 0 || h.inFlight > 0) return false;
    return true;
  }

  private wakeIdle(): void {
    if (this.idleWaiters.length === 0 || !(this.idle() || this.stopped)) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}

/** RFC 9110 §10.2.3: seconds, or an HTTP date. */
function retryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** A short, secret-free description of why a request did not get an answer (never the URL, which may hold credentials). */
function networkError(e: unknown): string {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  if (typeof code === 'string') return `connection failed: ${code}`;
  return 'connection failed';
}
