/**
 * The one small interface every notification plugin implements (issue 7 point 3): take one event, try
 * once to hand it to the plugin's receiver, and say how that went. Plugins never retry, queue or keep
 * status themselves: the dispatcher (notification-dispatcher.ts) does that the same way for all of them,
 * so an operator reads one kind of status whatever the transport.
 */
import type { DomainEvent } from '../actors/events/event-bus.ts';
import type { TraceContext } from '../tracing/trace-context.ts';

/** One event on its way to one channel. */
export interface Notification {
  /** Stable across the attempts of one delivery (receivers that can, drop duplicates by it). */
  readonly id: string;
  /** RackHD's routing key of the event (`<type>.<action>.<severity>.<typeId>[.<nodeId>]`). */
  readonly routingKey: string;
  readonly event: DomainEvent;
  /**
   * The trace the event was published in. Plugins do not send this: `deliver` runs in a span of its own
   * in it (`currentTrace()`), and that span is what a plugin puts on the wire.
   */
  readonly trace: TraceContext;
}

export type DeliveryOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** False when trying again cannot help (a receiver that refuses the message for good). */
      readonly retryable: boolean;
      /** Short and secret-free: it is shown in the delivery status and logged. */
      readonly error: string;
      /** The receiver asked us to wait at least this long (HTTP Retry-After). */
      readonly retryAfterMs?: number;
    };

export interface NotificationPlugin {
  /** The plugin kind (`webhook`, `amqp`, `syslog`, `email`). */
  readonly kind: string;
  /**
   * One attempt. Never throws for the receiver's trouble: that is an outcome. `signal` aborts when the
   * attempt's time is up or the dispatcher stops; the plugin gives up promptly then. Called in the
   * attempt's span (`currentTrace()`), which a plugin whose protocol has room for it sends along.
   */
  deliver(notification: Notification, signal: AbortSignal): Promise<DeliveryOutcome>;
  /** Releases connections and sockets; no delivery is attempted afterwards. */
  close(): Promise<void>;
}

/** A failed outcome. */
export function failed(error: string, retryable = true, retryAfterMs?: number): DeliveryOutcome {
  return { ok: false, retryable, error, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}

export const delivered: DeliveryOutcome = { ok: true };

/**
 * A short, secret-free description of a thrown error: its code when it has one (ECONNREFUSED), else its
 * message with every known secret blanked out, bounded in length. Libraries sometimes echo what they were
 * given (a URL, a login) into messages; the plugins pass their secrets here so those never reach a status
 * or a log line, whatever a library does.
 */
export function describeError(e: unknown, secrets: readonly string[] = []): string {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  let text = e instanceof Error ? e.message : String(e);
  for (const s of secrets) if (s.length > 0) text = text.split(s).join('[redacted]');
  if (text.length > 300) text = `${text.slice(0, 300)}…`;
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}
