/**
 * The actor system of one Monorail member: nact started on a journal-backed persistence engine, the
 * reply registry for asks, the clock, and the entity routers. Explicit supervision: entity incarnations
 * follow the policy in `entity-actor.ts`; supervisors spawned here stop a faulted child and log it, never
 * printing to the console as nact's default does.
 */
import type { Logger } from '../../logging/logger.ts';
import type { EventJournal } from '../../persistence/journal.ts';
import { SystemStoppedError } from '../../errors.ts';
import { systemClock, type Clock } from './clock.ts';
import type { EntityBehavior, Message } from './entity.ts';
import { JournalPersistenceEngine } from './journal-engine.ts';
import { LocalEntityRouter, type EntityFault } from './local-entity-router.ts';
import { spawnActor, startNact, stopActor, type NactContext, type NactRef } from './nact.ts';
import { ReplyRegistry } from './reply.ts';

export interface ActorSystemOptions {
  readonly journal: EventJournal;
  readonly log: Logger;
  readonly clock?: Clock;
  readonly name?: string;
  readonly askTimeoutMs: number;
  readonly passivateAfterMs: number;
  readonly snapshotEvery: number;
  readonly drainTimeoutMs?: number;
}

export interface EntityOptions {
  readonly passivateAfterMs?: number;
  readonly brokenRetryMs?: number;
  /** Told whenever an incarnation is restarted or an entity cannot be recovered: its supervisor's view. */
  readonly onFault?: (fault: EntityFault) => void;
}

let systems = 0;

export class ActorSystem {
  readonly root: NactRef;
  readonly replies: ReplyRegistry;
  readonly clock: Clock;
  readonly log: Logger;
  private readonly routers: LocalEntityRouter<unknown, Message, Message>[] = [];
  private stopping = false;

  constructor(private readonly o: ActorSystemOptions) {
    this.clock = o.clock ?? systemClock;
    this.log = o.log;
    this.replies = new ReplyRegistry(this.clock);
    this.root = startNact(new JournalPersistenceEngine(o.journal), `${o.name ?? 'monorail'}-${process.pid}-${++systems}`);
  }

  /**
   * A router for one kind of entity. Its incarnations are nact children of a region actor that never
   * receives messages: nact copies an actor's whole children map into the context of every message it
   * handles, so a parent that both supervised 100,000 entities and handled messages would pay O(entities)
   * per message. Supervision decisions are the router's, reported through `onFault`.
   */
  entities<S, C extends Message, E extends Message>(behavior: EntityBehavior<S, C, E>, options: EntityOptions = {}): LocalEntityRouter<S, C, E> {
    const router = new LocalEntityRouter<S, C, E>({
      behavior,
      parent: this.spawn(`${behavior.kind}-region`, null, () => null),
      journal: this.o.journal,
      replies: this.replies,
      clock: this.clock,
      log: this.log,
      askTimeoutMs: this.o.askTimeoutMs,
      passivateAfterMs: options.passivateAfterMs ?? this.o.passivateAfterMs,
      snapshotEvery: this.o.snapshotEvery,
      ...(options.brokenRetryMs === undefined ? {} : { brokenRetryMs: options.brokenRetryMs }),
      ...(options.onFault === undefined ? {} : { onFault: options.onFault }),
    });
    this.routers.push(router);
    return router;
  }

  /**
   * A plain (non-persistent) actor, used as a supervisor and for singletons such as the conductor. A fault
   * in `handle` is logged with the message type and the actor carries on with its previous state.
   */
  spawn<S, M extends Message>(name: string, initialState: S, handle: (state: S, msg: M, self: NactRef) => S | Promise<S>): NactRef {
    const log = this.log.child({ actor: name });
    return spawnActor<S>(this.root, (state, msg, ctx: NactContext) => handle(state, msg as M, ctx.self), name, {
      initialState,
      onCrash: (msg, error, ctx) => {
        log.error({ err: error, message: (msg as Partial<Message> | undefined)?.type }, 'actor fault; message skipped');
        return ctx.resume;
      },
    });
  }

  /**
   * Passivates every entity (snapshots taken), fails outstanding asks and stops nact. An entity stuck in a
   * handler longer than `drainTimeoutMs` is abandoned: its journal is intact, only its snapshot is skipped.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await Promise.all(this.routers.map((r) => r.stop(this.o.drainTimeoutMs ?? 10_000)));
    this.replies.failAll(new SystemStoppedError('ask'));
    stopActor(this.root);
  }
}
