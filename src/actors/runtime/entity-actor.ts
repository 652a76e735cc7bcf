/**
 * One incarnation of an entity as a nact persistent actor, and the supervision policy that goes with it.
 *
 * nact's own behaviour when things go wrong is to drop messages silently: a rejected `persist` stops the
 * actor (or, under `resume`, loses the message), messages queued behind a fault vanish with the stopped
 * actor, and recovery errors are printed to the console. This wrapper makes every such case explicit:
 *
 * - a handler error (domain or bug) is answered to the requester; no event was applied, so the actor
 *   carries on with its last durable state;
 * - a persist failure is answered with `PersistFailedError`, then the incarnation stops, because nact has
 *   already advanced its sequence counter; the messages still queued are handed back to the router, which
 *   replays them into a fresh incarnation recovered from the journal;
 * - a recovery failure (unreadable record, unknown event type, a throwing `apply`) marks the entity
 *   broken with an error naming it; queued requests are answered with that error.
 */
import { DuplicateDeliveryError, EntityHandlerError, JournalCorruptError, MonorailError, PersistFailedError } from '../../errors.ts';
import type { Logger } from '../../logging/logger.ts';
import type { TraceContext } from '../../tracing/trace-context.ts';
import { runInSpan } from '../../tracing/trace-scope.ts';
import type { EventJournal } from '../../persistence/journal.ts';
import type { Clock } from './clock.ts';
import type { EntityBehavior, EntityContext, Message, RequestOf } from './entity.ts';
import type { JournalBatch, PendingBatch, SnapshotData } from './journal-engine.ts';
import { spawnPersistentActor, stopActor, type NactPersistentContext, type NactRef, type NactSupervisionContext } from './nact.ts';
import type { Reply, ReplyTo } from './reply.ts';

/**
 * A command that arrived over the cluster transport: its message id, for de-duplication, and how to settle
 * it with the broker. `handled` acknowledges it (its events are durable, or it was answered with an error);
 * `requeue` gives it back so that it is delivered again, here or on the shard's next owner.
 */
export interface InboundReceipt {
  readonly messageId: string;
  /** The broker may have delivered it before (AMQP 0-9-1 `redelivered`): the journal is checked for its id. */
  readonly redelivered: boolean;
  settle(outcome: 'handled' | 'requeue'): void;
}

/**
 * A command waiting for an incarnation, with its receipt when it came over the transport, and the trace
 * of whoever sent it (W3C Trace Context): the handler runs as a span of that trace, so its logs and the
 * messages it sends in turn carry it. The trace rides on the envelope, not on the command types.
 */
export interface Queued<C> {
  readonly command: C;
  readonly receipt?: InboundReceipt;
  readonly trace?: TraceContext;
}

/** What the router sends an incarnation. */
export type EntityEnvelope<C> =
  | { readonly kind: 'command'; readonly command: C; readonly receipt?: InboundReceipt; readonly trace?: TraceContext }
  | { readonly kind: 'passivate' };

/** How an incarnation reports its end to the router that owns it. */
export interface IncarnationHooks<C> {
  passivated(id: string, incarnation: number): void;
  crashed(id: string, incarnation: number, error: MonorailError, queued: Queued<C>[]): void;
  recoveryFailed(id: string, incarnation: number, error: unknown, queued: Queued<C>[]): void;
  staleRequestDropped(id: string, incarnation: number, command: C): void;
}

/** Journal tag naming the transport message whose command produced a record. */
const messageTag = (messageId: string): string => `msg:${messageId}`;
/** How many recent message ids an incarnation remembers, and how far back a redelivery is looked up. */
const RECENT_MESSAGES = 64;

/**
 * What every incarnation of one entity kind shares. Built once per router, so that an incarnation holds
 * only its id and a reference to this: per-actor closures were most of an idle actor's memory.
 */
export interface EntityKindRuntime<S, C extends Message, E extends Message> {
  readonly behavior: EntityBehavior<S, C, E>;
  readonly knownEventTypes: ReadonlySet<string>;
  /** The supervisor the incarnations are spawned under. */
  readonly parent: NactRef;
  readonly journal: EventJournal;
  readonly clock: Clock;
  readonly snapshotEvery: number;
  readonly deliver: (to: ReplyTo<unknown>, reply: Reply<unknown>) => void;
  readonly hooks: IncarnationHooks<C>;
  /** A logger for one incarnation; called at most once per incarnation, when it first logs. */
  readonly logFor: (id: string, incarnation: number) => Logger;
  /** Whether each handled command is logged (at `trace` level): where a trace shows which entities it passed through. */
  readonly logsCommands: () => boolean;
}

interface Incarnate<S> {
  readonly sequenceNumber: number;
  readonly state: S;
  readonly sinceSnapshot: number;
  /** Ids of the transport messages behind the latest records (replayed ones and this incarnation's). */
  readonly messageIds: readonly string[];
}

const remember = (ids: readonly string[], tags: readonly string[]): readonly string[] => {
  const fresh = tags.filter((t) => t.startsWith('msg:')).map((t) => t.slice(4));
  if (fresh.length === 0) return ids;
  const all = [...ids, ...fresh];
  return all.length > RECENT_MESSAGES ? all.slice(all.length - RECENT_MESSAGES) : all;
};

/**
 * Thrown inside the actor function when this incarnation's memory can no longer be trusted to match its
 * journal (a refused persist, or an `apply` that threw after a durable write): supervision restarts it.
 */
class PersistFailure extends Error {
  constructor(readonly error: MonorailError) {
    super(error.message);
  }
}

/**
 * nact names must be URI-path safe (MACs have colons); the incarnation number, unique per router, keeps
 * names distinct even where sanitising maps two ids to one string.
 */
const actorNameOf = (kind: string, id: string, incarnation: number): string =>
  `${kind}-${id.replace(/[^A-Za-z0-9_.-]/g, '_')}-${incarnation}`;

export const persistenceKeyOf = (kind: string, id: string): string => `${kind}:${id}`;

export function replyAddressOf(command: unknown): ReplyTo<unknown> | undefined {
  if (typeof command !== 'object' || command === null || !('replyTo' in command)) return undefined;
  const r = command.replyTo;
  if (typeof r !== 'object' || r === null) return undefined;
  const kind = (r as { kind?: unknown }).kind;
  return kind === 'local' || kind === 'remote' ? (r as ReplyTo<unknown>) : undefined;
}

const decodeSnapshot = <S>(data: unknown): Incarnate<S> => {
  const s = data as SnapshotData;
  return { sequenceNumber: s.sequenceNumber, state: s.state as S, sinceSnapshot: 0, messageIds: [] };
};

class EntityIncarnation<S, C extends Message, E extends Message> {
  readonly key: string;
  private logger: Logger | undefined;

  constructor(
    private readonly k: EntityKindRuntime<S, C, E>,
    readonly id: string,
    readonly incarnation: number,
  ) {
    this.key = persistenceKeyOf(k.behavior.kind, id);
  }

  log(): Logger {
    return (this.logger ??= this.k.logFor(this.id, this.incarnation));
  }

  async receive(current: Incarnate<S>, msg: unknown, ctx: NactPersistentContext): Promise<Incarnate<S>> {
    if (ctx.recovering) {
      const { sequenceNumber, events, tags } = this.decodeBatch(msg);
      let state = current.state;
      try {
        for (const e of events) state = this.k.behavior.apply(state, e);
      } catch (e) {
        throw new JournalCorruptError(this.key, sequenceNumber, `applying it failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      return { sequenceNumber, state, sinceSnapshot: current.sinceSnapshot + 1, messageIds: remember(current.messageIds, tags) };
    }
    const envelope = msg as EntityEnvelope<C>;
    switch (envelope.kind) {
      case 'command': {
        const { receipt } = envelope;
        if (receipt === undefined) return runInSpan(envelope.trace, () => this.handleCommand(current, envelope.command, ctx, undefined));
        let settled: 'handled' | 'requeue' = 'handled';
        try {
          return await runInSpan(envelope.trace, () => this.handleCommand(current, envelope.command, ctx, receipt, (outcome) => (settled = outcome)));
        } finally {
          receipt.settle(settled);
        }
      }
      case 'passivate': {
        const saved = await this.snapshot(current);
        stopActor(ctx.self);
        this.k.hooks.passivated(this.id, this.incarnation);
        return saved;
      }
    }
  }

  onCrash(error: unknown, sctx: NactSupervisionContext): symbol {
    const queued = sctx.mailbox
      .map((m) => m.message as EntityEnvelope<C>)
      .flatMap((m): Queued<C>[] =>
        m.kind === 'command'
          ? [{ command: m.command, ...(m.receipt === undefined ? {} : { receipt: m.receipt }), ...(m.trace === undefined ? {} : { trace: m.trace }) }]
          : [],
      );
    if (error instanceof PersistFailure) this.k.hooks.crashed(this.id, this.incarnation, error.error, queued);
    else this.k.hooks.recoveryFailed(this.id, this.incarnation, error, queued);
    return sctx.stop;
  }

  private decodeBatch(data: unknown): { sequenceNumber: number; events: E[]; tags: readonly string[] } {
    const batch = data as JournalBatch;
    const payload = batch.payload;
    if (!Array.isArray(payload)) throw new JournalCorruptError(this.key, batch.sequenceNumber, 'payload is not an array of events');
    for (const e of payload as unknown[]) {
      const type = typeof e === 'object' && e !== null ? (e as { type?: unknown }).type : undefined;
      if (typeof type !== 'string') throw new JournalCorruptError(this.key, batch.sequenceNumber, 'an event has no type');
      if (!this.k.knownEventTypes.has(type)) {
        throw new JournalCorruptError(this.key, batch.sequenceNumber, `unknown event type "${type}" for ${this.k.behavior.kind}`);
      }
    }
    return { sequenceNumber: batch.sequenceNumber, events: payload as E[], tags: batch.tags ?? [] };
  }

  /**
   * Whether the transport message behind a command was already applied: a member that persisted it and
   * died before acknowledging leaves it to be delivered again. Remembered ids cover this incarnation and
   * the records replayed at recovery; a redelivery is also looked up in the journal's latest records,
   * which a snapshot may have hidden from replay.
   */
  private async alreadyApplied(current: Incarnate<S>, receipt: InboundReceipt): Promise<boolean> {
    if (current.messageIds.includes(receipt.messageId)) return true;
    if (!receipt.redelivered || current.sequenceNumber === 0) return false;
    const recent = await this.k.journal.read(this.key, Math.max(0, current.sequenceNumber - RECENT_MESSAGES));
    return recent.some((r) => r.tags.includes(messageTag(receipt.messageId)));
  }

  private async handleCommand(
    current0: Incarnate<S>,
    command: C,
    ctx: NactPersistentContext,
    receipt: InboundReceipt | undefined,
    settleAs: (outcome: 'handled' | 'requeue') => void = () => undefined,
  ): Promise<Incarnate<S>> {
    const { behavior, clock } = this.k;
    const key = this.key;
    let current = current0;
    const requester = replyAddressOf(command);
    if (requester && requester.deadline <= clock.now()) {
      // The asker has already been told "timeout"; acting now would surprise it (nact leaves timed-out
      // queries in the mailbox).
      this.k.hooks.staleRequestDropped(this.id, this.incarnation, command);
      return current;
    }
    if (receipt !== undefined && (await this.alreadyApplied(current, receipt))) {
      this.log().warn({ command: command.type, messageId: receipt.messageId }, 'duplicate delivery ignored: its events are already in the journal');
      if (requester) {
        const answer = behavior.answerDuplicate?.(current.state, command as RequestOf<C>);
        this.k.deliver(requester, answer === undefined ? { ok: false, error: new DuplicateDeliveryError(key, command.type, receipt.messageId) } : { ok: true, value: answer.value });
      }
      return current;
    }
    const tags = receipt === undefined ? [] : [messageTag(receipt.messageId)];
    const replied = new Set<number>();
    const send = (to: ReplyTo<unknown>, reply: Reply<unknown>): void => {
      if (replied.has(to.id)) return;
      replied.add(to.id);
      this.k.deliver(to, reply);
    };
    const log = (): Logger => this.log();
    // Once a write has failed, nact's sequence counter is ahead of ours: no further commit may happen in
    // this incarnation, even if the handler catches the error or never awaited it.
    let poisoned: PersistFailure | undefined;
    let finished = false;
    const ectx: EntityContext<S, E> = {
      id: this.id,
      get log() {
        return log();
      },
      now: () => clock.now(),
      state: () => current.state,
      sequenceNumber: () => current.sequenceNumber,
      commit: async (events) => {
        if (poisoned) throw poisoned;
        if (finished) throw (poisoned = new PersistFailure(new EntityHandlerError(key, command.type, 'commit after the handler returned')));
        if (events.length === 0) return current.state;
        const batch: PendingBatch = { eventType: events.map((e) => e.type).join('+'), payload: events };
        try {
          await ctx.persist(batch, tags);
        } catch (e) {
          // A typed journal error (a conflict with another writer) reaches the requester as it is.
          throw (poisoned = new PersistFailure(e instanceof MonorailError ? e : new PersistFailedError(key, command.type, e)));
        }
        let state = current.state;
        try {
          for (const e of events) state = behavior.apply(state, e);
        } catch (e) {
          // The record is durable but memory did not follow it: only a replay from the journal is trustworthy.
          throw (poisoned = new PersistFailure(new EntityHandlerError(key, command.type, e)));
        }
        current = { sequenceNumber: current.sequenceNumber + 1, state, sinceSnapshot: current.sinceSnapshot + 1, messageIds: remember(current.messageIds, tags) };
        return state;
      },
      reply: (to, value) => send(to as ReplyTo<unknown>, { ok: true, value }),
      fail: (to, error) => send(to, { ok: false, error }),
    };
    try {
      await behavior.handle(current.state, command, ectx);
      finished = true;
      if (poisoned) throw poisoned;
    } catch (e) {
      finished = true;
      const failure = e instanceof PersistFailure ? e : poisoned;
      if (failure) {
        if (requester) send(requester, { ok: false, error: failure.error });
        else if (receipt !== undefined) {
          // The broker still holds it: delivered again, it gets another chance on a fresh incarnation.
          settleAs('requeue');
          this.log().warn({ err: failure.error, command: command.type }, 'a told command could not be persisted; given back to the broker');
        } else this.log().error({ err: failure.error, command: command.type }, 'a told command was lost: its events could not be persisted');
        throw failure;
      }
      const error = e instanceof MonorailError ? e : new EntityHandlerError(key, command.type, e);
      if (e instanceof MonorailError) this.log().warn({ err: e, command: command.type }, 'request refused');
      else this.log().error({ err: e, command: command.type }, 'handler failed; state left at the last committed event');
      if (requester) send(requester, { ok: false, error });
    }
    if (requester && !replied.has(requester.id)) {
      this.log().error({ command: command.type }, 'handler finished without replying to a request');
      send(requester, { ok: false, error: new EntityHandlerError(key, command.type, 'no reply') });
    }
    if (this.k.logsCommands()) this.log().trace({ command: command.type, sequenceNumber: current.sequenceNumber }, 'command handled');
    if (current.sinceSnapshot >= this.k.snapshotEvery) current = await this.snapshot(current);
    return current;
  }

  private async snapshot(current: Incarnate<S>): Promise<Incarnate<S>> {
    if (current.sinceSnapshot === 0 || current.sequenceNumber === 0) return current;
    try {
      await this.k.journal.saveSnapshot({ persistenceKey: this.key, sequenceNumber: current.sequenceNumber, state: current.state, createdAt: this.k.clock.now() });
      return { ...current, sinceSnapshot: 0 };
    } catch (e) {
      // A missing snapshot only costs a longer replay; the journal still has every event.
      this.log().warn({ err: e }, 'snapshot failed');
      return current;
    }
  }
}

export function spawnEntity<S, C extends Message, E extends Message>(k: EntityKindRuntime<S, C, E>, id: string, incarnation: number): NactRef {
  const inc = new EntityIncarnation(k, id, incarnation);
  return spawnPersistentActor<Incarnate<S>>(k.parent, (state, msg, ctx) => inc.receive(state, msg, ctx), inc.key, actorNameOf(k.behavior.kind, id, incarnation), {
    initialState: { sequenceNumber: 0, state: k.behavior.initialState(id), sinceSnapshot: 0, messageIds: [] },
    onCrash: (_msg, error, sctx) => inc.onCrash(error, sctx),
    snapshotDecoder: decodeSnapshot<S>,
  });
}
