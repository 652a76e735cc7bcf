/**
 * One pending timer per key on the runtime Clock (so tests drive it with a ManualClock): what pollers and
 * batches keep in memory for their next tick. Scheduling a key again replaces its timer; a timer that fires
 * after it was replaced or cancelled does nothing. Timers outlive entity incarnations and are never journaled:
 * a member that takes a shard over schedules them again (`wake`), and hands them back with `stopWhere`.
 */
import type { Clock, TimerHandle } from './clock.ts';

export class KeyedTimers {
  // ES-private: runtimes extend this class with state of their own (a `closed` flag among it).
  readonly #timers = new Map<string, { readonly handle: TimerHandle; readonly at: number }>();
  #closed = false;

  constructor(readonly clock: Clock) {}

  /** Replaces `key`'s timer: at most one pending per key. Nothing is scheduled once closed. */
  schedule(key: string, delayMs: number, fire: () => void): void {
    if (this.#closed) return;
    this.#timers.get(key)?.handle.cancel();
    const delay = Math.max(0, Math.round(delayMs));
    const handle = this.clock.setTimeout(() => {
      if (this.#timers.get(key)?.handle !== handle) return;
      this.#timers.delete(key);
      fire();
    }, delay);
    this.#timers.set(key, { handle, at: this.clock.now() + delay });
  }

  isScheduled(key: string): boolean {
    return this.#timers.has(key);
  }

  /** When `key`'s timer fires (clock time), undefined when none is pending. */
  dueAt(key: string): number | undefined {
    return this.#timers.get(key)?.at;
  }

  unschedule(key: string): void {
    this.#timers.get(key)?.handle.cancel();
    this.#timers.delete(key);
  }

  /** Cancels the timers of the keys `select` picks (their shard is handed to another member). */
  stopWhere(select: (key: string) => boolean): void {
    for (const [key, t] of this.#timers) {
      if (!select(key)) continue;
      t.handle.cancel();
      this.#timers.delete(key);
    }
  }

  /** Keys with a pending timer. */
  get size(): number {
    return this.#timers.size;
  }

  /** Cancels every timer; nothing is scheduled after. */
  close(): void {
    this.#closed = true;
    for (const t of this.#timers.values()) t.handle.cancel();
    this.#timers.clear();
  }
}
