/**
 * Webhook channel: the hooks API's delivery (src/events/webhook-delivery.ts) on the wire — the event
 * envelope as JSON, POSTed with the same HTTP client (src/events/http-post.ts: keep-alive, no redirects,
 * bounded answers) and signed the same way (src/events/webhook-signature.ts: X-Monorail-Timestamp,
 * X-Monorail-Signature, X-Monorail-Delivery constant across the retries of one delivery,
 * X-Monorail-Event), so one receiver can take hooks and notification channels alike. Retrying is the
 * dispatcher's; this only says which answers are worth a retry. Each attempt carries its span as
 * `traceparent` (W3C Trace Context §3.2), a child of the trace the event was published in.
 */
import { createHttpPost, type HttpPost } from '../events/http-post.ts';
import { traceparentHeader } from '../tracing/outbound-trace.ts';
import { currentTrace } from '../tracing/trace-scope.ts';
import { deliveryHeader, eventHeader, signPayload, signatureHeader, timestampHeader } from '../events/webhook-signature.ts';
import { delivered, describeError, failed, type DeliveryOutcome, type Notification, type NotificationPlugin } from './notification-plugin.ts';
import type { WebhookChannelConfig } from './notifications-schema.ts';

export class WebhookPlugin implements NotificationPlugin {
  readonly kind = 'webhook';
  private readonly post: HttpPost & { close(): void };

  constructor(
    private readonly config: WebhookChannelConfig,
    private readonly options: { readonly userAgent?: string; readonly now?: () => number } = {},
  ) {
    this.post = createHttpPost();
  }

  async deliver(n: Notification, signal: AbortSignal): Promise<DeliveryOutcome> {
    const body = JSON.stringify(n.event);
    const timestamp = Math.floor((this.options.now ?? Date.now)() / 1000);
    // The dispatcher runs every attempt in a span of the event's trace; called on its own, there is none to send.
    const span = currentTrace();
    try {
      const res = await this.post(this.config.url, {
        headers: {
          'content-type': 'application/json',
          'user-agent': this.options.userAgent ?? 'Monorail-Notification',
          [timestampHeader]: String(timestamp),
          [signatureHeader]: signPayload(this.config.secret, timestamp, body),
          [deliveryHeader]: n.id,
          [eventHeader]: n.routingKey,
          ...(span === undefined ? {} : traceparentHeader(span)),
        },
        body,
        signal,
      });
      if (res.status >= 200 && res.status < 300) return delivered;
      // As webhook delivery: 5xx, 408 and 429 are passing trouble; other answers (400, 404, a redirect) will not change.
      const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
      return failed(`the receiver answered HTTP ${res.status}`, retryable, retryAfterMs(res.retryAfter, Date.now()));
    } catch (e) {
      if (signal.aborted) return failed('no answer in time (or stopping)');
      // Never the URL: it may carry credentials. The code (ECONNREFUSED…) is what an operator needs.
      const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
      return failed(typeof code === 'string' ? `connection failed: ${code}` : `request failed: ${describeError(e, [this.config.url, this.config.secret])}`);
    }
  }

  async close(): Promise<void> {
    this.post.close();
  }
}

/** RFC 9110 §10.2.3 Retry-After: delay-seconds, or an HTTP-date. */
function retryAfterMs(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const v = header.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
