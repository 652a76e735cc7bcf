/**
 * The one module that touches nact. nact 7.6.2 ships hand-written typings that lack `ctx.persist` and
 * `ctx.recovering` on a persistent actor's context, type that context with a DOM type by mistake, and
 * type an engine's event stream as a synchronous array. Rather than spread casts around, this module
 * declares the surface Monorail relies on, as measured against nact's lib/*.js, and casts once.
 */
import { createRequire } from 'node:module';
import * as nactModule from 'nact';
import type { TraceContext } from '../../tracing/trace-context.ts';
import { currentTrace, runInSpan } from '../../tracing/trace-scope.ts';

/** An opaque actor reference. */
export interface NactRef {
  readonly type: string;
}

export interface NactContext {
  readonly self: NactRef;
  readonly name: string;
  readonly path: { toString(): string };
}

export interface NactPersistentContext extends NactContext {
  /** True while nact replays journal events into the actor function. */
  readonly recovering?: boolean;
  /** Writes through the configured engine with sequence number = nact's counter + 1 (incremented before the write). */
  persist(msg: unknown, tags?: string[]): Promise<void>;
}

export interface NactMailboxEntry {
  readonly message: unknown;
  readonly sender: unknown;
}

/** The supervision context: nact passes the messages still queued in the faulted actor's mailbox. */
export interface NactSupervisionContext extends NactContext {
  readonly mailbox: readonly NactMailboxEntry[];
  readonly stop: symbol;
  readonly resume: symbol;
  readonly reset: symbol;
  readonly escalate: symbol;
}

export type NactCrashHandler = (msg: unknown, error: unknown, ctx: NactSupervisionContext) => symbol | Promise<symbol>;

export interface NactPersistedEvent {
  readonly data: unknown;
  readonly sequenceNumber: number;
  readonly key: string;
  readonly createdAt: number;
  readonly isDeleted: boolean;
  readonly tags: readonly string[];
}

export interface NactPersistedSnapshot {
  readonly data: unknown;
  readonly sequenceNumber: number;
  readonly key: string;
  readonly createdAt: number;
}

/**
 * nact's recovery calls `events(key, offset).reduce(asyncReducer, initial)` and awaits the result, so the
 * stream must have a `reduce` that may return a promise. A bare Promise has no `.reduce` and faults the actor.
 */
export interface NactEventStream {
  reduce<U>(reducer: (acc: U, event: NactPersistedEvent, index: number) => U, initial: U): Promise<U>;
}

export interface NactPersistenceEngine {
  events(persistenceKey: string, offset?: number, limit?: number, tags?: string[]): NactEventStream;
  latestSnapshot(persistenceKey: string): Promise<NactPersistedSnapshot | undefined>;
  takeSnapshot(snapshot: NactPersistedSnapshot): Promise<void>;
  persist(event: NactPersistedEvent): Promise<void>;
}

interface NactApi {
  start(...plugins: unknown[]): NactRef;
  configurePersistence(engine: NactPersistenceEngine): unknown;
  spawn<S>(
    parent: NactRef,
    f: (state: S, msg: unknown, ctx: NactContext) => S | Promise<S>,
    name?: string,
    props?: { initialState?: S; onCrash?: NactCrashHandler },
  ): NactRef;
  spawnPersistent<S>(
    parent: NactRef,
    f: (state: S, msg: unknown, ctx: NactPersistentContext) => S | Promise<S>,
    key: string,
    name: string,
    props: {
      initialState: S;
      onCrash: NactCrashHandler;
      decoder?: (data: unknown) => unknown;
      snapshotDecoder?: (data: unknown) => S;
    },
  ): NactRef;
  dispatch(ref: NactRef, msg: unknown): void;
  stop(ref: NactRef): void;
}

// nact is CommonJS; its exports arrive on the namespace. The cast is the boundary described above.
const nact = ((nactModule as { default?: unknown }).default ?? nactModule) as unknown as NactApi;

export const startNact = (engine: NactPersistenceEngine, name: string): NactRef =>
  nact.start({ name }, nact.configurePersistence(engine));

/**
 * A message to a plain (non-persistent) actor, with the sender's trace. nact runs a message in the
 * continuation of the previous one when the actor is busy, so the receiver would otherwise log (and
 * publish events) in another message's trace. Entities carry their trace on the router's envelope instead.
 */
class Traced {
  constructor(
    readonly message: unknown,
    readonly trace: TraceContext | undefined,
  ) {}
}
const plainActors = new WeakSet<NactRef>();
const unwrap = (msg: unknown): unknown => (msg instanceof Traced ? msg.message : msg);

/** A plain actor: `f` and `onCrash` see the messages as sent, `f` runs as a span of the sender's trace. */
export const spawnActor: NactApi['spawn'] = (parent, f, name, props) => {
  const onCrash = props?.onCrash;
  const ref = nact.spawn(
    parent,
    (state, msg, ctx) => (msg instanceof Traced ? runInSpan(msg.trace, () => f(state, msg.message, ctx)) : f(state, msg, ctx)),
    name,
    props === undefined
      ? undefined
      : {
          ...props,
          ...(onCrash === undefined
            ? {}
            : { onCrash: (msg, error, sctx) => onCrash(unwrap(msg), error, { ...sctx, mailbox: sctx.mailbox.map((e) => ({ ...e, message: unwrap(e.message) })) }) }),
        },
  );
  plainActors.add(ref);
  return ref;
};
export const spawnPersistentActor: NactApi['spawnPersistent'] = (parent, f, key, name, props) => nact.spawnPersistent(parent, f, key, name, props);
export const dispatchTo = (ref: NactRef, msg: unknown): void => nact.dispatch(ref, plainActors.has(ref) ? new Traced(msg, currentTrace()) : msg);
export const stopActor = (ref: NactRef): void => nact.stop(ref);

/** Messages waiting under one child of the root: the child's own mailbox and those of its children. */
export interface NactMailboxDepth {
  /** The child's name (an entity kind's region is `${kind}-region`). */
  readonly name: string;
  /** Actors counted: the child and its children. */
  readonly actors: number;
  /** Messages queued in all their mailboxes. */
  readonly queued: number;
  /** The longest single mailbox among them. */
  readonly deepest: number;
}

/** nact's internal actor tree as lib/actor.js and lib/system.js build it (7.6.2): children by name, a denque mailbox. */
interface NactInternalActor {
  readonly children: ReadonlyMap<string, NactInternalActor>;
  readonly mailbox?: { readonly length: number };
}
interface NactSystemMap {
  find(systemName: string, reference: unknown): NactInternalActor | undefined;
}
// nact has no public way to read a mailbox's length; lib/system-map.js is where it keeps its systems.
const nactSystems = createRequire(import.meta.url)('nact/lib/system-map.js') as NactSystemMap;

/**
 * Mailbox depths under each child of the system `root` (metrics): read from nact's internals, walking two
 * levels (supervisor, then the entities it supervises), which is where Monorail spawns actors. O(actors).
 */
export function mailboxDepths(root: NactRef): NactMailboxDepth[] {
  const name = (root as unknown as { readonly system?: { readonly name?: string } }).system?.name;
  const system = name === undefined ? undefined : nactSystems.find(name, root);
  if (system === undefined) return [];
  const depths: NactMailboxDepth[] = [];
  for (const [childName, child] of system.children) {
    let actors = 1;
    let queued = child.mailbox?.length ?? 0;
    let deepest = queued;
    for (const grandchild of child.children.values()) {
      const n = grandchild.mailbox?.length ?? 0;
      actors++;
      queued += n;
      if (n > deepest) deepest = n;
    }
    depths.push({ name: childName, actors, queued, deepest });
  }
  return depths;
}
