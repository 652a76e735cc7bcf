/**
 * What the pollers of one member keep in memory and never journal: each poller's timer (on the runtime
 * Clock, so tests drive it with a ManualClock), the poll in flight and its abort handle, when polls
 * started and finished, and the bounded history of samples (a ring of `historySize` per poller, newest
 * first), which is what RackHD's in-memory poller cache served to `GET /pollers/{id}/data`.
 *
 * The entity is the only writer for its id; the runtime only stores what the entity tells it. A member
 * that stops (or passivates nothing: timers outlive incarnations) cancels every timer and aborts every
 * poll with `close()`.
 */
import type { Clock } from '../runtime/clock.ts';
import { KeyedTimers } from '../runtime/keyed-timers.ts';
import type { PollerSample, PollerStatus } from './poller-protocol.ts';

interface Slot {
  inFlight?: AbortController;
  lastStarted?: number;
  lastFinished?: number;
  /** Newest first, at most `historySize` long. */
  samples: PollerSample[];
}

export class PollerRuntime extends KeyedTimers {
  private readonly slots = new Map<string, Slot>();
  private closed = false;

  constructor(
    clock: Clock,
    readonly historySize = 60,
  ) {
    super(clock);
    if (!Number.isInteger(historySize) || historySize < 1) throw new RangeError(`historySize must be a positive integer, not ${historySize}`);
  }

  private slot(id: string): Slot {
    let s = this.slots.get(id);
    if (s === undefined) {
      s = { samples: [] };
      this.slots.set(id, s);
    }
    return s;
  }

  /** Marks a poll as started; undefined when one is already in flight (or the runtime is closed). */
  begin(id: string): AbortController | undefined {
    if (this.closed) return undefined;
    const s = this.slot(id);
    if (s.inFlight !== undefined) return undefined;
    s.inFlight = new AbortController();
    s.lastStarted = this.clock.now();
    return s.inFlight;
  }

  end(id: string, finishedAt: number): void {
    const s = this.slots.get(id);
    if (s === undefined) return;
    delete s.inFlight;
    s.lastFinished = finishedAt;
  }

  inFlight(id: string): boolean {
    return this.slots.get(id)?.inFlight !== undefined;
  }

  record(id: string, sample: PollerSample): void {
    const s = this.slot(id);
    s.samples.unshift(sample);
    if (s.samples.length > this.historySize) s.samples.length = this.historySize;
  }

  latest(id: string): PollerSample | undefined {
    return this.slots.get(id)?.samples[0];
  }

  samples(id: string): readonly PollerSample[] {
    return [...(this.slots.get(id)?.samples ?? [])];
  }

  status(id: string): PollerStatus {
    const s = this.slots.get(id);
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    return { lastStarted: iso(s?.lastStarted), lastFinished: iso(s?.lastFinished), nextScheduled: iso(this.dueAt(id)), inFlight: s?.inFlight !== undefined };
  }

  /** A deleted poller: its timer cancelled, its poll aborted, its history dropped. */
  forget(id: string): void {
    this.unschedule(id);
    const s = this.slots.get(id);
    if (s === undefined) return;
    s.inFlight?.abort(new Error('poller deleted'));
    this.slots.delete(id);
  }

  /** Pollers with a pending timer or a poll in flight: for metrics and tests. */
  active(): { readonly scheduled: number; readonly inFlight: number } {
    let inFlight = 0;
    for (const s of this.slots.values()) if (s.inFlight !== undefined) inFlight++;
    return { scheduled: this.size, inFlight };
  }

  override close(): void {
    this.closed = true;
    super.close();
    for (const s of this.slots.values()) s.inFlight?.abort(new Error('member stopping'));
  }

  /**
   * Cancels the timers and polls of the pollers `select` picks, whose shard is handed to another member
   * (which wakes them there). Their history goes with this member: it is a cache, like RackHD's.
   */
  override stopWhere(select: (pollerId: string) => boolean, reason = 'shard handed over'): void {
    super.stopWhere(select);
    for (const [id, s] of this.slots) if (select(id)) s.inFlight?.abort(new Error(reason));
  }
}
