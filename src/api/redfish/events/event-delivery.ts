/**
 * Delivers Redfish events to the EventService's subscriptions (DSP0266 §12.1): each subscription has its
 * own queue, so a slow or dead destination delays only itself, and events reach a destination in the order
 * they happened. A POST that fails (connection refused, timeout, a non-2xx answer) is retried
 * `retryAttempts` times, waiting `retryIntervalMs` doubled after each failure; then the subscription's
 * DeliveryRetryPolicy decides: TerminateAfterRetries deletes it, SuspendRetries suspends it (events are
 * dropped until the ResumeSubscription action), RetryForever keeps trying at the longest interval. Every
 * outcome is counted on the subscription document (visible as its Status and `Oem.Monorail.Delivery`) and
 * logged. Custom HttpHeaders are stored sealed and opened only to send.
 *
 * Every POST carries a `traceparent` (W3C Trace Context §3.2): the trace the event was published in, taken
 * when it is published and kept with it in the queue, each attempt a span of its own in it, with the
 * attempt's log lines (src/tracing/outbound-trace.ts says why, and what an event published outside any
 * trace gets). A subscriber's own `traceparent` or `tracestate` header is not sent: ours names the request
 * and a fixed value would claim every event belongs to one trace.
 */
import type { DomainEvent, EventBus } from '../../../actors/events/event-bus.ts';
import { openSecret, type Sealed, type SecretSealer } from '../../../actors/secret-port.ts';
import type { Logger } from '../../../logging/logger.ts';
import type { SubscriptionDoc } from '../../../persistence/collections.ts';
import type { DocumentCollection } from '../../../persistence/document-store.ts';
import { publishedTrace, runAttempt, traceparentHeader } from '../../../tracing/outbound-trace.ts';
import type { TraceContext } from '../../../tracing/trace-context.ts';
import { runUntraced } from '../../../tracing/trace-scope.ts';
import { eventPayload, redfishEventOf, type RedfishEventRecord } from './event-mapping.ts';

export const RETRY_POLICIES = ['TerminateAfterRetries', 'SuspendRetries', 'RetryForever'] as const;
export type RetryPolicy = (typeof RETRY_POLICIES)[number];

/** What a subscriber chose (EventDestination's writable properties). */
export interface SubscriptionSettings {
  readonly destination: string;
  readonly context: string;
  readonly protocol: 'Redfish';
  readonly registryPrefixes: readonly string[];
  readonly resourceTypes: readonly string[];
  readonly messageIds: readonly string[];
  readonly originResources: readonly string[];
  readonly policy: RetryPolicy;
  /** JSON of the custom headers, sealed. */
  readonly httpHeaders?: Sealed;
}

/** A subscription as stored in the `subscriptions` read model. */
export interface StoredSubscription extends SubscriptionDoc, SubscriptionSettings {
  readonly state: 'Enabled' | 'Suspended';
  readonly createdAt: string;
  readonly delivery: DeliveryStatus;
}

export interface DeliveryStatus {
  readonly delivered: number;
  readonly failedAttempts: number;
  readonly dropped: number;
  readonly lastAttemptAt?: string;
  readonly lastSuccessAt?: string;
  readonly lastFailureAt?: string;
  /** What went wrong last: an HTTP status or a connection error, never a header value. */
  readonly lastError?: string;
}

/** Sends one event body; resolves to the HTTP status, rejects when no answer came. */
export type EventPoster = (url: string, body: string, headers: Readonly<Record<string, string>>, signal: AbortSignal) => Promise<number>;

export interface EventDeliveryOptions {
  readonly subscriptions: DocumentCollection<SubscriptionDoc>;
  readonly sealer: SecretSealer;
  readonly log: Logger;
  /** Retries after the first attempt (EventService.DeliveryRetryAttempts); 3 when left out. */
  readonly retryAttempts?: number;
  /** The first wait between attempts (EventService.DeliveryRetryIntervalSeconds); 30 s when left out. */
  readonly retryIntervalMs?: number;
  /** How long one POST may take; 10 s when left out. */
  readonly timeoutMs?: number;
  /** Events queued per subscription before the oldest is dropped; 1000 when left out. */
  readonly maxQueue?: number;
  readonly post?: EventPoster;
  readonly now?: () => number;
}

export const fetchPoster: EventPoster = async (url, body, headers, signal) => {
  const res = await fetch(url, { method: 'POST', body, headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8' }, signal, redirect: 'manual' });
  await res.body?.cancel();
  return res.status;
};

/** One event waiting for a subscription, with the trace it was published in. */
interface Queued {
  readonly record: RedfishEventRecord;
  readonly trace: TraceContext;
}

interface Queue {
  readonly events: Queued[];
  running: boolean;
}

/** How an attempt ends: the delivery is over (keep: the subscription still takes events), or another attempt follows. */
type AttemptEnd = { readonly kind: 'over'; readonly keep: boolean } | { readonly kind: 'retry'; readonly waitMs: number };

/** Headers the delivery owns (compared in lower case, as HTTP field names are case-insensitive, RFC 9110 §5.1). */
const traceHeaders = new Set(['traceparent', 'tracestate']);

function withoutTraceHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !traceHeaders.has(name.toLowerCase())));
}

export class EventDelivery {
  readonly retryAttempts: number;
  readonly retryIntervalMs: number;
  private readonly queues = new Map<string, Queue>();
  private readonly abort = new AbortController();
  private readonly post: EventPoster;
  private readonly now: () => number;
  private unsubscribe: (() => void) | undefined;
  private serial = 0;
  private readonly idle = new Set<() => void>();

  constructor(private readonly o: EventDeliveryOptions) {
    this.retryAttempts = o.retryAttempts ?? 3;
    this.retryIntervalMs = o.retryIntervalMs ?? 30_000;
    this.post = o.post ?? fetchPoster;
    this.now = o.now ?? Date.now;
  }

  /** Listens to the bus; every event with a Redfish meaning goes to the subscriptions that want it. */
  start(bus: EventBus): void {
    this.unsubscribe?.();
    this.unsubscribe = bus.subscribe((e: DomainEvent) => {
      const record = redfishEventOf(e, this.nextEventId());
      if (record !== undefined) void this.publish(record);
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.abort.abort(new Error('event delivery stopped'));
    this.queues.clear();
  }

  nextEventId(): string {
    this.serial += 1;
    return `${this.now().toString(36)}-${this.serial}`;
  }

  /** Queues `record` for every enabled subscription that wants it (or only `to`); resolves to how many. */
  async publish(record: RedfishEventRecord, to?: string): Promise<number> {
    // Before the first await: the bus subscriber and SubmitTestEvent call this in the publisher's trace.
    const trace = publishedTrace();
    if (this.abort.signal.aborted) return 0;
    let targets: StoredSubscription[];
    try {
      const all = (await this.o.subscriptions.find(to === undefined ? {} : { id: to })) as StoredSubscription[];
      targets = all.filter((s) => s.state === 'Enabled' && wants(s, record));
    } catch (e) {
      this.o.log.error({ err: e }, 'redfish events: subscriptions could not be read; event not delivered');
      return 0;
    }
    for (const s of targets) this.enqueue(s.id, { record, trace });
    return targets.length;
  }

  /** Resolves once every queue is empty (tests, orderly shutdown). */
  async drained(): Promise<void> {
    if ([...this.queues.values()].every((q) => !q.running && q.events.length === 0)) return;
    await new Promise<void>((resolve) => this.idle.add(resolve));
  }

  private enqueue(subscriptionId: string, queued: Queued): void {
    let q = this.queues.get(subscriptionId);
    if (q === undefined) {
      q = { events: [], running: false };
      this.queues.set(subscriptionId, q);
    }
    q.events.push(queued);
    const max = this.o.maxQueue ?? 1000;
    if (q.events.length > max) {
      const lost = q.events.splice(0, q.events.length - max).length;
      this.o.log.warn({ subscriptionId, lost }, 'redfish events: queue full, oldest events dropped');
      void this.record(subscriptionId, { $inc: { 'delivery.dropped': lost } });
    }
    if (!q.running) {
      q.running = true;
      // Not in the trace of the event that happened to start the queue: each attempt enters its event's own.
      void runUntraced(() => this.drain(subscriptionId, q));
    }
  }

  private async drain(subscriptionId: string, q: Queue): Promise<void> {
    try {
      for (let next = q.events.shift(); next !== undefined && !this.abort.signal.aborted; next = q.events.shift()) {
        const s = (await this.o.subscriptions.get(subscriptionId)) as StoredSubscription | undefined;
        if (s === undefined || s.state !== 'Enabled') {
          q.events.length = 0;
          break;
        }
        const keep = await this.deliver(s, next);
        if (!keep) {
          q.events.length = 0;
          break;
        }
      }
    } catch (e) {
      this.o.log.error({ err: e, subscriptionId }, 'redfish events: delivery loop failed');
    } finally {
      q.running = false;
      if (q.events.length === 0) this.queues.delete(subscriptionId);
      else if (!this.abort.signal.aborted) {
        q.running = true;
        void this.drain(subscriptionId, q);
      }
      if ([...this.queues.values()].every((x) => !x.running)) {
        for (const resolve of this.idle) resolve();
        this.idle.clear();
      }
    }
  }

  /**
   * Sends one event with retries; false when the subscription is gone or suspended afterwards. The
   * subscription is read again before every retry, so a DELETE, a suspension or a new policy applies at once.
   */
  private async deliver(first: StoredSubscription, { record, trace }: Queued): Promise<boolean> {
    const body = JSON.stringify(eventPayload([record], first.context, record.eventId));
    const log = this.o.log.child({ subscriptionId: first.id, eventId: record.eventId });
    let s: StoredSubscription | undefined = first;
    for (let attempt = 1; ; attempt++) {
      const current: StoredSubscription = s;
      const end = await runAttempt(trace, (span) => this.tryOnce(current, body, attempt, span, log));
      if (end.kind === 'over') return end.keep;
      if (!(await sleep(end.waitMs, this.abort.signal))) return false;
      s = (await this.o.subscriptions.get(first.id)) as StoredSubscription | undefined;
      if (s === undefined || s.state !== 'Enabled') return false;
    }
  }

  /** One POST and what follows from its outcome, in the attempt's span. */
  private async tryOnce(s: StoredSubscription, body: string, attempt: number, span: TraceContext, log: Logger): Promise<AttemptEnd> {
    const at = new Date(this.now()).toISOString();
    let error: string;
    try {
      const headers = { ...withoutTraceHeaders(this.headersOf(s)), ...traceparentHeader(span) };
      const status = await this.post(s.destination, body, headers, AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.o.timeoutMs ?? 10_000)]));
      if (status >= 200 && status < 300) {
        await this.record(s.id, { $set: { 'delivery.lastAttemptAt': at, 'delivery.lastSuccessAt': at }, $inc: { 'delivery.delivered': 1 } });
        log.debug({ attempt, status }, 'redfish event delivered');
        return { kind: 'over', keep: true };
      }
      error = `HTTP ${status}`;
    } catch (e) {
      if (this.abort.signal.aborted) return { kind: 'over', keep: false };
      error = e instanceof Error ? (e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message) : String(e);
    }
    await this.record(s.id, { $set: { 'delivery.lastAttemptAt': at, 'delivery.lastFailureAt': at, 'delivery.lastError': error }, $inc: { 'delivery.failedAttempts': 1 } });
    const exhausted = attempt > this.retryAttempts;
    if (exhausted && s.policy !== 'RetryForever') {
      if (s.policy === 'TerminateAfterRetries') {
        await this.o.subscriptions.delete(s.id);
        log.warn({ destination: s.destination, attempts: attempt, error }, 'redfish event not delivered; subscription terminated (TerminateAfterRetries)');
      } else {
        await this.record(s.id, { $set: { state: 'Suspended' }, $inc: { 'delivery.dropped': 1 } });
        log.warn({ destination: s.destination, attempts: attempt, error }, 'redfish event not delivered; subscription suspended (SuspendRetries)');
      }
      return { kind: 'over', keep: false };
    }
    log.info({ attempt, error }, 'redfish event delivery failed; retrying');
    return { kind: 'retry', waitMs: this.retryIntervalMs * 2 ** Math.min(attempt - 1, Math.max(0, this.retryAttempts - 1)) };
  }

  private headersOf(s: StoredSubscription): Record<string, string> {
    if (s.httpHeaders === undefined) return {};
    try {
      const parsed = JSON.parse(openSecret(s.httpHeaders, this.o.sealer) ?? '{}') as unknown;
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, string>) : {};
    } catch (e) {
      this.o.log.error({ err: e, subscriptionId: s.id }, 'redfish events: stored headers could not be opened; sending without them');
      return {};
    }
  }

  private async record(id: string, update: Parameters<DocumentCollection<SubscriptionDoc>['update']>[1]): Promise<void> {
    try {
      await this.o.subscriptions.update(id, update);
    } catch (e) {
      this.o.log.error({ err: e, subscriptionId: id }, 'redfish events: delivery status not recorded');
    }
  }
}

/** The subscription's filters (EventDestination RegistryPrefixes, ResourceTypes, MessageIds, OriginResources); empty means all. */
export function wants(s: StoredSubscription, r: RedfishEventRecord): boolean {
  if (s.registryPrefixes.length > 0 && !s.registryPrefixes.includes(r.registry)) return false;
  if (s.resourceTypes.length > 0 && (r.resourceType === undefined || !s.resourceTypes.includes(r.resourceType))) return false;
  if (s.messageIds.length > 0 && !s.messageIds.some((id) => r.message.MessageId === id || r.message.MessageId.endsWith(`.${id}`) || r.message.MessageId.startsWith(`${id}.`))) return false;
  if (s.originResources.length > 0 && (r.origin === undefined || !s.originResources.includes(r.origin))) return false;
  return true;
}

/** Waits `ms`; false when aborted first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve(false);
      return;
    }
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
