/**
 * The in-process entity router: one incarnation per entity id at a time, spawned on the first message,
 * passivated when idle, restarted from its journal after a fault.
 *
 * Passivation follows Akka's protocol: the router marks the entity "passivating", sends it a passivate
 * message (queued behind everything already sent), and buffers whatever arrives meanwhile; the
 * incarnation snapshots and stops, and the buffered messages go to the next incarnation. So a message is
 * never sent to a stopped nact actor, where nact would drop it without a word.
 */
import { describe, EntityRecoveryError, EntityUnavailableError, JournalCorruptError, SystemStoppedError, type MonorailError } from '../../errors.ts';
import type { Logger } from '../../logging/logger.ts';
import type { TraceContext } from '../../tracing/trace-context.ts';
import { currentTrace } from '../../tracing/trace-scope.ts';
import type { EventJournal } from '../../persistence/journal.ts';
import type { Clock, TimerHandle } from './clock.ts';
import type { EntityBehavior, Message } from './entity.ts';
import { persistenceKeyOf, replyAddressOf, spawnEntity, type EntityEnvelope, type EntityKindRuntime, type InboundReceipt, type Queued } from './entity-actor.ts';
import type { EntityRef, EntityRouterStats, HostedEntityRouter, RequestBody, RequestFor, RequestType } from './entity-router.ts';
import { dispatchTo, type NactRef } from './nact.ts';
import type { ReplyOf, ReplyRegistry } from './reply.ts';

export interface LocalEntityRouterOptions<S, C extends Message, E extends Message> {
  readonly behavior: EntityBehavior<S, C, E>;
  /** The supervisor the incarnations are spawned under. */
  readonly parent: NactRef;
  readonly journal: EventJournal;
  readonly replies: ReplyRegistry;
  readonly clock: Clock;
  readonly log: Logger;
  readonly askTimeoutMs: number;
  /** Idle time before an entity is passivated; 0 never passivates. */
  readonly passivateAfterMs: number;
  readonly snapshotEvery: number;
  /** How long a broken entity refuses messages before recovery is tried again. */
  readonly brokenRetryMs?: number;
  readonly onFault?: (fault: EntityFault) => void;
}

/** What the router reports to the entity kind's supervisor. */
export type EntityFault =
  | { readonly type: 'restarted'; readonly kind: string; readonly id: string; readonly error: MonorailError }
  | { readonly type: 'broken'; readonly kind: string; readonly id: string; readonly error: MonorailError }
  /** Recovery failed for a reason that may pass (a read error): retried soon, no operator needed yet. */
  | { readonly type: 'unavailable'; readonly kind: string; readonly id: string; readonly error: MonorailError };

type Entry<C> =
  | { status: 'active'; incarnation: number; ref: NactRef; lastActive: number }
  | { status: 'passivating'; incarnation: number; buffer: Queued<C>[] }
  | { status: 'broken'; error: MonorailError; retryAt: number };

export type { EntityRouterStats } from './entity-router.ts';

export class LocalEntityRouter<S, C extends Message, E extends Message> implements HostedEntityRouter<C> {
  readonly kind: string;
  private readonly entries = new Map<string, Entry<C>>();
  private incarnations = 0;
  private readonly sweeper: TimerHandle | undefined;
  private stopped = false;
  /** While draining, an incarnation spawned for buffered or late messages handles them and passivates. */
  private draining = false;
  private readonly drainWaiters = new Set<() => void>();
  private readonly counters = { spawned: 0, passivated: 0, restarted: 0, recoveryFailures: 0, staleRequestsDropped: 0, droppedTells: 0 };

  private readonly runtime: EntityKindRuntime<S, C, E>;

  constructor(private readonly o: LocalEntityRouterOptions<S, C, E>) {
    this.kind = o.behavior.kind;
    this.runtime = {
      behavior: o.behavior,
      knownEventTypes: new Set<string>(o.behavior.eventTypes),
      parent: o.parent,
      journal: o.journal,
      clock: o.clock,
      snapshotEvery: o.snapshotEvery,
      deliver: (to, reply) => {
        o.replies.deliver(to, reply);
      },
      logFor: (id, incarnation) => this.logFor(id, incarnation),
      logsCommands: () => o.log.isLevelEnabled('trace'),
      hooks: {
        passivated: (id, inc) => this.onPassivated(id, inc),
        crashed: (id, inc, error, queued) => this.onCrashed(id, inc, error, queued, this.logFor(id, inc)),
        recoveryFailed: (id, inc, error, queued) => this.onRecoveryFailed(id, inc, error, queued, this.logFor(id, inc)),
        staleRequestDropped: (id, inc, command) => {
          this.counters.staleRequestsDropped++;
          this.logFor(id, inc).warn({ command: command.type }, 'dropped a request whose asker had already timed out');
        },
      },
    };
    if (o.passivateAfterMs > 0) {
      this.sweeper = o.clock.setInterval(() => this.passivateIdle(), Math.max(1, Math.floor(o.passivateAfterMs / 2)));
    }
  }

  ref(id: string): EntityRef<C> {
    return {
      id,
      tell: (command) => this.tell(id, command),
      ask: (request, timeoutMs) => this.ask(id, request, timeoutMs),
    };
  }

  /** The sender's trace (the caller's AsyncLocalStorage context) travels with the command. */
  tell(id: string, command: C): void {
    const trace = currentTrace();
    this.enqueue(id, trace === undefined ? { command } : { command, trace });
  }

  /**
   * A command that came over the cluster transport: handled like a tell, and its receipt settled once the
   * command's events are durable (or it was refused), so the broker acknowledges only what is safe. Its
   * trace is the one the sending member put on the message, not whatever this call happens to run in.
   */
  deliver(id: string, command: C, receipt: InboundReceipt, trace?: TraceContext): void {
    this.enqueue(id, trace === undefined ? { command, receipt } : { command, receipt, trace });
  }

  private enqueue(id: string, queued: Queued<C>): void {
    if (this.stopped) {
      this.refuse(id, queued, new SystemStoppedError(`${this.kind} ${id}`));
      return;
    }
    const entry = this.entries.get(id);
    const now = this.o.clock.now();
    if (!entry) {
      this.spawn(id, [queued]);
      return;
    }
    switch (entry.status) {
      case 'active':
        entry.lastActive = now;
        dispatchTo(entry.ref, { kind: 'command', ...queued } satisfies EntityEnvelope<C>);
        // A message for an entity that was not active when the drain began: handle it, then passivate.
        if (this.draining) this.passivate(id, entry);
        return;
      case 'passivating':
        entry.buffer.push(queued);
        return;
      case 'broken':
        if (now < entry.retryAt) this.refuse(id, queued, entry.error);
        else this.spawn(id, [queued]);
        return;
    }
  }

  ask<T extends RequestType<C>>(id: string, request: RequestBody<C, T>, timeoutMs = this.o.askTimeoutMs): Promise<ReplyOf<RequestFor<C, T>>> {
    type R = ReplyOf<RequestFor<C, T>>;
    const { address, reply } = this.o.replies.expect<R>(timeoutMs, `${this.kind} ${id}`, request.type);
    // The union member for `T` is exactly the request plus its reply address.
    this.tell(id, { ...request, replyTo: address } as unknown as C);
    return reply;
  }

  /** Passivates every entity idle for at least `passivateAfterMs`. Runs on the clock; exposed for tests. */
  passivateIdle(): number {
    const cutoff = this.o.clock.now() - this.o.passivateAfterMs;
    let n = 0;
    for (const [id, entry] of this.entries) {
      if (entry.status === 'active' && entry.lastActive <= cutoff) {
        this.passivate(id, entry);
        n++;
      }
    }
    return n;
  }

  /**
   * Passivates everything and resolves when every incarnation has snapshotted and stopped, or after
   * `timeoutMs` (real time: shutdown must end even under a manual clock) with the stragglers logged.
   */
  async drain(timeoutMs = 10_000): Promise<void> {
    this.draining = true;
    for (const [id, entry] of this.entries) if (entry.status === 'active') this.passivate(id, entry);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.drainWaiters.delete(check);
        const stuck = [...this.entries].filter(([, e]) => e.status !== 'broken').map(([id]) => id);
        this.o.log.warn({ entity: this.kind, stuck: stuck.slice(0, 20), count: stuck.length }, 'drain timed out; entities abandoned unsnapshotted');
        resolve();
      }, timeoutMs);
      const check = (): void => {
        if (![...this.entries.values()].some((e) => e.status !== 'broken')) {
          clearTimeout(timer);
          this.drainWaiters.delete(check);
          resolve();
        }
      };
      this.drainWaiters.add(check);
      check();
    });
  }

  /**
   * Passivates the entities `select` picks (a shard being handed to another member) and resolves when
   * every one of them has snapshotted and stopped, or after `timeoutMs` with the stragglers logged. The
   * caller stops routing their messages here first, so none is spawned again meanwhile.
   */
  async passivateWhere(select: (id: string) => boolean, timeoutMs = 10_000): Promise<void> {
    for (const [id, entry] of this.entries) if (entry.status === 'active' && select(id)) this.passivate(id, entry);
    const remaining = (): string[] => [...this.entries].filter(([id, e]) => e.status !== 'broken' && select(id)).map(([id]) => id);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.drainWaiters.delete(check);
        const stuck = remaining();
        this.o.log.warn({ entity: this.kind, stuck: stuck.slice(0, 20), count: stuck.length }, 'hand-off timed out; entities abandoned unsnapshotted');
        resolve();
      }, timeoutMs);
      const check = (): void => {
        if (remaining().length === 0) {
          clearTimeout(timer);
          this.drainWaiters.delete(check);
          resolve();
        }
      };
      this.drainWaiters.add(check);
      check();
    });
    // Broken entries of the shard are forgotten: the next owner tries recovery itself.
    for (const [id, e] of [...this.entries]) if (e.status === 'broken' && select(id)) this.entries.delete(id);
  }

  async stop(timeoutMs?: number): Promise<void> {
    await this.drain(timeoutMs);
    this.stopped = true;
    this.sweeper?.cancel();
  }

  stats(): EntityRouterStats {
    let active = 0;
    let passivating = 0;
    let broken = 0;
    for (const e of this.entries.values()) {
      if (e.status === 'active') active++;
      else if (e.status === 'passivating') passivating++;
      else broken++;
    }
    return { active, passivating, broken, ...this.counters };
  }

  /** The id of every entity with a live incarnation. */
  activeIds(): string[] {
    return [...this.entries].filter(([, e]) => e.status === 'active').map(([id]) => id);
  }

  private passivate(id: string, entry: Extract<Entry<C>, { status: 'active' }>): void {
    this.entries.set(id, { status: 'passivating', incarnation: entry.incarnation, buffer: [] });
    dispatchTo(entry.ref, { kind: 'passivate' } satisfies EntityEnvelope<C>);
  }

  private spawn(id: string, commands: readonly Queued<C>[]): void {
    const incarnation = ++this.incarnations;
    let ref: NactRef;
    try {
      ref = spawnEntity<S, C, E>(this.runtime, id, incarnation);
    } catch (e) {
      // Only a bug or a stopped system gets here; answer rather than lose the messages.
      const error = new EntityUnavailableError(`${this.kind} ${id}`, describe(e));
      this.logFor(id, incarnation).error({ err: e }, 'could not start entity');
      for (const command of commands) this.refuse(id, command, error);
      return;
    }
    this.counters.spawned++;
    const entry = { status: 'active' as const, incarnation, ref, lastActive: this.o.clock.now() };
    this.entries.set(id, entry);
    for (const queued of commands) dispatchTo(ref, { kind: 'command', ...queued } satisfies EntityEnvelope<C>);
    if (this.draining) this.passivate(id, entry);
  }

  private logFor(id: string, incarnation: number): Logger {
    return this.o.log.child({ entity: this.kind, entityId: id, incarnation, ...this.o.behavior.logBindings?.(id) });
  }

  private onPassivated(id: string, incarnation: number): void {
    const entry = this.entries.get(id);
    if (!entry || entry.status !== 'passivating' || entry.incarnation !== incarnation) return;
    this.counters.passivated++;
    this.entries.delete(id);
    if (entry.buffer.length > 0) {
      if (this.stopped) for (const queued of entry.buffer) this.refuse(id, queued, new SystemStoppedError(`${this.kind} ${id}`));
      else this.spawn(id, entry.buffer);
    }
    this.notifyDrain();
  }

  private onCrashed(id: string, incarnation: number, error: MonorailError, queued: Queued<C>[], log: Logger): void {
    const entry = this.entries.get(id);
    if (!entry || entry.status === 'broken' || entry.incarnation !== incarnation) return;
    this.counters.restarted++;
    log.error({ err: error, queued: queued.length }, 'incarnation stopped; restarting from the journal');
    const pending = entry.status === 'passivating' ? [...queued, ...entry.buffer] : queued;
    this.entries.delete(id);
    if (pending.length > 0) this.spawn(id, pending);
    this.notifyDrain();
    this.o.onFault?.({ type: 'restarted', kind: this.kind, id, error });
  }

  private onRecoveryFailed(id: string, incarnation: number, cause: unknown, queued: Queued<C>[], log: Logger): void {
    const entry = this.entries.get(id);
    if (!entry || entry.status === 'broken' || entry.incarnation !== incarnation) return;
    this.counters.recoveryFailures++;
    // A journal that cannot be read back as this entity's history needs an operator; a failed read
    // (I/O, a dropped database connection) is retried shortly and reported as retryable.
    const corrupt = cause instanceof JournalCorruptError;
    const key = persistenceKeyOf(this.kind, id);
    const error = corrupt ? new EntityRecoveryError(key, cause) : new EntityUnavailableError(key, `recovery failed: ${describe(cause)}`);
    log.error({ err: error }, corrupt ? 'entity could not be recovered; refusing its messages' : 'entity recovery failed; retrying soon');
    const pending = entry.status === 'passivating' ? [...queued, ...entry.buffer] : queued;
    const retryIn = corrupt ? (this.o.brokenRetryMs ?? 30_000) : 1_000;
    this.entries.set(id, { status: 'broken', error, retryAt: this.o.clock.now() + retryIn });
    for (const command of pending) this.refuse(id, command, error);
    this.notifyDrain();
    this.o.onFault?.({ type: corrupt ? 'broken' : 'unavailable', kind: this.kind, id, error });
  }

  private refuse(id: string, { command, receipt }: Queued<C>, error: MonorailError): void {
    const to = replyAddressOf(command);
    // A stopping member has not handled it: the broker gives it to the shard's next owner.
    if (receipt !== undefined && error instanceof SystemStoppedError) {
      receipt.settle('requeue');
      return;
    }
    receipt?.settle('handled');
    if (to) {
      this.o.replies.deliver(to, { ok: false, error });
      return;
    }
    this.counters.droppedTells++;
    this.o.log.error({ entity: this.kind, entityId: id, command: command.type, err: error }, 'message dropped');
  }

  private notifyDrain(): void {
    for (const w of [...this.drainWaiters]) w();
  }
}
