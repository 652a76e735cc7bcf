/**
 * The trace of a delivery that leaves Monorail later than the event it carries: a webhook POST, a Redfish
 * event to a subscription, a notification on a channel. Such a delivery is queued and may be retried long
 * after the publisher's turn, when AsyncLocalStorage no longer knows who raised the event; so the trace is
 * taken where the event is taken from the bus (synchronously, in the subscriber), kept in the queue entry,
 * and every attempt runs as a span of its own in that trace (`runAttempt`).
 *
 * One span per attempt, not one per delivery: `parent-id` is "the ID of this request as known by the
 * caller" (Trace Context Level 1 §3.2.2.4), and each retry is another request — the receiver may record
 * each of them, and our log lines for attempt 3 are then told apart from attempt 1's by the span id the
 * receiver saw. The trace id stays the same on every attempt, so all of them and the publisher's work are
 * one trace.
 *
 * An event published outside any trace gets a trace of its own here, not no header: §4.2 has a vendor
 * that received no `traceparent` create a trace-id and parent-id and set them on its outgoing request, and
 * decision 0008 starts a trace for work that begins in Monorail (a request without a header, a syslog
 * batch). Every attempt of that delivery, its log lines and the receiver then share that one trace id.
 */
import { childOf, formatTraceparent, newTrace, type TraceContext } from './trace-context.ts';
import { currentTrace, runInTrace } from './trace-scope.ts';

/** The trace a delivery of the event being published belongs to. Call it in the bus subscriber, before any `await` or queue. */
export function publishedTrace(): TraceContext {
  return currentTrace() ?? newTrace();
}

/** Runs one attempt of a delivery as a new span of `published`; `fn` gets that span, to put on the wire. */
export function runAttempt<T>(published: TraceContext, fn: (span: TraceContext) => T): T {
  const span = childOf(published);
  return runInTrace(span, () => fn(span));
}

/** The HTTP request header naming `span` as the parent of the receiver's work (§3.2; lower case, §3.2.1). */
export function traceparentHeader(span: TraceContext): { readonly traceparent: string } {
  return { traceparent: formatTraceparent(span) };
}
