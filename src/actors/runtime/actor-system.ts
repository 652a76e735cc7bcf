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
import { LocalEntityRouter, type EntityFault, type EntityRouterStats } from './local-entity-router.ts';
import { mailboxDepths, spawnActor, startNact, stopActor, type NactContext, type NactRef } from './nact.ts';
import { ReplyRegistry, type ReplyStats } from './reply.ts';
import type { HostedEntityRouter } from './entity-router.ts';
import { ShardedEntityRouter } from './sharded-entity-router.ts';
import type { ShardLifecycle, ShardTransport } from './shard-transport.ts';

export interface ActorSystemOptions {
  readonly journal: EventJournal;
  readonly log: Logger;
  readonly clock?: Clock;
  readonly name?: string;
  readonly askTimeoutMs: number;
  readonly passivateAfterMs: number;
  readonly snapshotEvery: number;
  readonly drainTimeoutMs?: number;
  /** Set on a cluster member: entities of `hosted` routers live on the member owning their shard. */
  readonly cluster?: { readonly transport: ShardTransport; readonly newMessageId: () => string };
}

export interface EntityOptions {
  readonly passivateAfterMs?: number;
  readonly brokenRetryMs?: number;
  /** Told whenever an incarnation is restarted or an entity cannot be recovered: its supervisor's view. */
  readonly onFault?: (fault: EntityFault) => void;
}

/**
 * What the runtime tells about itself, read on demand by whoever reports it (src/metrics, status lines):
 * plain counts, so the actors never depend on a metrics library.
 */
export interface ActorRuntimeStats {
  /** One entry per entity kind (routers of one kind summed). */
  readonly entities: readonly ({ readonly kind: string } & EntityRouterStats)[];
  /** Queued messages under each top-level actor; an entity kind's incarnations are counted under `kind`. */
  readonly mailboxes: readonly { readonly actor: string; readonly kind?: string; readonly actors: number; readonly queued: number; readonly deepest: number }[];
  readonly asks: ReplyStats;
}

/** The read side of `ActorSystem.runtimeStats`, for adapters that report it. */
export interface ActorRuntimeProbe {
  runtimeStats(): ActorRuntimeStats;
}

let systems = 0;

export class ActorSystem implements ActorRuntimeProbe {
  readonly root: NactRef;
  readonly replies: ReplyRegistry;
  readonly clock: Clock;
  readonly log: Logger;
  private readonly routers: LocalEntityRouter<unknown, Message, Message>[] = [];
  private readonly sharded: ShardedEntityRouter<unknown, Message, Message>[] = [];
  private readonly shardHooks: ShardLifecycle[] = [];
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
   * A router for an entity kind whose incarnations this member hosts: the local router on a single member,
   * a sharded one on a cluster member (its entities live wherever their shard's owner is).
   */
  hosted<S, C extends Message, E extends Message>(behavior: EntityBehavior<S, C, E>, options: EntityOptions = {}): HostedEntityRouter<C> {
    const local = this.entities(behavior, options);
    const cluster = this.o.cluster;
    if (cluster === undefined) return local;
    const router = new ShardedEntityRouter<S, C, E>({ local, transport: cluster.transport, replies: this.replies, askTimeoutMs: this.o.askTimeoutMs, log: this.log, newMessageId: cluster.newMessageId });
    this.sharded.push(router);
    return router;
  }

  /** Work beyond the entities that follows shard ownership (running tasks, pollers): told on every change. */
  onShards(hooks: ShardLifecycle): void {
    this.shardHooks.push(hooks);
  }

  /** What the transport calls when this member gains or gives up a shard. */
  readonly shardLifecycle: ShardLifecycle = {
    acquired: async (shard) => {
      this.log.info({ shard }, 'shard acquired');
      await Promise.all(this.shardHooks.map((h) => h.acquired(shard)));
    },
    released: async (shard) => {
      // Work that writes through entities stops first, then the entities snapshot and stop.
      await Promise.all(this.shardHooks.map((h) => h.released(shard)));
      await Promise.all(this.sharded.map((r) => r.releaseShard(shard, this.o.drainTimeoutMs ?? 10_000)));
      this.log.info({ shard }, 'shard released');
    },
  };

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

  runtimeStats(): ActorRuntimeStats {
    const byKind = new Map<string, { kind: string } & EntityRouterStats>();
    for (const r of this.routers) {
      const s = r.stats();
      const sum = byKind.get(r.kind);
      if (sum === undefined) byKind.set(r.kind, { kind: r.kind, ...s });
      else for (const k of Object.keys(s) as (keyof EntityRouterStats)[]) sum[k] += s[k];
    }
    const regions = new Map([...byKind.keys()].map((kind) => [`${kind}-region`, kind]));
    const mailboxes = mailboxDepths(this.root).map((m) => {
      const kind = regions.get(m.name);
      return { actor: m.name, ...(kind === undefined ? {} : { kind }), actors: m.actors, queued: m.queued, deepest: m.deepest };
    });
    return { entities: [...byKind.values()], mailboxes, asks: this.replies.stats() };
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
