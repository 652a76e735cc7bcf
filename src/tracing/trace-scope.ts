/**
 * The trace the current piece of work belongs to, held in AsyncLocalStorage so that it follows `await`,
 * timers and callbacks without being passed around: the logger reads it for every line (logger.ts
 * `mixin`), and whatever sends a message (entity routers, the shard transport, the AMQP event publisher)
 * reads it to put it on the message. Where a message is received, the receiver runs its handling in the
 * trace the message carried, as a new span (`runInSpan`), or in none (`runUntraced`): an actor's mailbox
 * is drained in the continuation of its previous message, so without an explicit scope one message's
 * trace would leak into the next.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { childOf, newTrace, type TraceContext } from './trace-context.ts';

const storage = new AsyncLocalStorage<TraceContext>();

export function currentTrace(): TraceContext | undefined {
  return storage.getStore();
}

/** Runs `fn` in exactly `context` (no new span). */
export function runInTrace<T>(context: TraceContext, fn: () => T): T {
  return storage.run(context, fn);
}

/**
 * Runs `fn` as a new span of `parent`'s trace, or outside any trace when there is no parent: `exit` is
 * deliberate, so that a message without a trace does not inherit whatever trace the caller's async context
 * happened to carry (nact runs a busy actor's next message straight after the previous one).
 */
export function runInSpan<T>(parent: TraceContext | undefined, fn: () => T): T {
  return parent === undefined ? storage.exit(fn) : storage.run(childOf(parent), fn);
}

/** Runs `fn` in a trace of its own (work that starts here: a timer, a packet nobody sent us a trace for). */
export function runInNewTrace<T>(fn: () => T): T {
  return storage.run(newTrace(), fn);
}

/** Runs `fn` outside any trace. */
export function runUntraced<T>(fn: () => T): T {
  return storage.exit(fn);
}

/** The fields a log line carries for the current trace (the logger's mixin): none outside a trace. */
export function traceLogFields(): { traceId?: string; spanId?: string } {
  const t = storage.getStore();
  return t === undefined ? {} : { traceId: t.traceId, spanId: t.spanId };
}
