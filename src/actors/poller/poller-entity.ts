/**
 * The poller entity: one persistent actor per poller. It decides when its source is polled (a timer on
 * the runtime Clock, never a loop over the store), starts the poll through the PollerSource port without
 * waiting for it in its handler (so an API call is answered while a slow BMC is being polled), and on the
 * result keeps the sample, publishes RackHD's poller alerts, counts failures with a capped exponential
 * backoff, and publishes `node.inaccessible` after `inaccessibleAfter` consecutive failures and
 * `node.accessible` when the node answers again (RackHD's IPMI requester did this per node; rackhd.md
 * §4.2, §6).
 *
 * Durable: the record and its transitions (created, updated, deleted, failed, recovered, state changed).
 * In memory (PollerRuntime): timers, the poll in flight, start/finish times and the sample history.
 */
import { NotFoundError } from '../../errors.ts';
import type { PollerDoc } from '../../persistence/collections.ts';
import type { DocumentCollection } from '../../persistence/document-store.ts';
import type { DomainEvent, EventPublisher, Severity } from '../events/event-bus.ts';
import type { EntityBehavior, EntityContext } from '../runtime/entity.ts';
import { pollerAlerts } from './poller-alerts.ts';
import type { PollerSource } from './poller-port.ts';
import { pollerEventTypes, type PollerCommand, type PollerEvent, type PollerRecord, type PollerState, type PollerView } from './poller-protocol.ts';
import type { PollerRuntime } from './poller-runtime.ts';
import { validatePollerPatch, validatePollerSpec } from './poller-spec.ts';

export interface PollerEntityDeps {
  /** The `pollers` read model the API lists and filters. */
  readonly pollers: DocumentCollection<PollerDoc>;
  readonly source: PollerSource;
  readonly runtime: PollerRuntime;
  /** The poller router's `tell`, bound once the router exists: timers and finished polls come back as messages. */
  readonly tellSelf: (id: string, command: PollerCommand) => void;
  readonly events: EventPublisher;
  /** Consecutive failures after which the node is published inaccessible; 3 by default. */
  readonly inaccessibleAfter?: number;
  /** The longest wait between polls of a failing source; 10 minutes by default (never shorter than the interval). */
  readonly maxBackoffMs?: number;
  /** Spreads the first polls after a start over up to this long, so a restarted member does not poll every BMC at once; 10 s by default. */
  readonly wakeSpreadMs?: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Delay before the next poll after `failures` consecutive failures: interval × 2^failures, capped. */
export function backoffDelay(pollInterval: number, failures: number, maxBackoffMs: number): number {
  if (failures <= 0) return pollInterval;
  const cap = Math.max(pollInterval, maxBackoffMs);
  return Math.min(cap, pollInterval * 2 ** Math.min(failures, 20));
}

/** A stable spread in [0, limit) from the poller id: the same poller wakes at the same offset every start. */
function spreadOf(id: string, limit: number): number {
  if (limit <= 0) return 0;
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % limit;
}

export function applyPollerEvent(state: PollerState, event: PollerEvent): PollerState {
  if (event.type === 'poller.created') return { status: 'present', poller: event.poller };
  if (state.status !== 'present') return state;
  const p = state.poller;
  switch (event.type) {
    case 'poller.updated':
      return { status: 'present', poller: { ...p, ...event.patch, updatedAt: event.at } };
    case 'poller.deleted':
      return { status: 'deleted', poller: { ...p, updatedAt: event.at } };
    case 'poller.failed':
      return { status: 'present', poller: { ...p, failureCount: p.failureCount + 1, lastError: event.error, updatedAt: event.at } };
    case 'poller.recovered': {
      const { lastError: _cleared, ...rest } = p;
      return { status: 'present', poller: { ...rest, failureCount: 0, updatedAt: event.at } };
    }
    case 'poller.stateChanged':
      return { status: 'present', poller: { ...p, state: event.state, updatedAt: event.at } };
  }
}

/** The read model: the record, when it last ran (RackHD's workitem `lastStarted`/`lastFinished`), and the journal version. */
export function toPollerDoc(p: PollerRecord, version: number, status?: { readonly lastStarted: string | null; readonly lastFinished: string | null }): PollerDoc {
  return { ...p, lastStarted: status?.lastStarted ?? null, lastFinished: status?.lastFinished ?? null, version };
}

export function createPollerBehavior(deps: PollerEntityDeps): EntityBehavior<PollerState, PollerCommand, PollerEvent> {
  const runtime = deps.runtime;
  const inaccessibleAfter = deps.inaccessibleAfter ?? 3;
  const maxBackoffMs = deps.maxBackoffMs ?? 10 * 60_000;
  const wakeSpreadMs = deps.wakeSpreadMs ?? 10_000;

  const project = async (ctx: EntityContext<PollerState, PollerEvent>): Promise<void> => {
    const s = ctx.state();
    try {
      if (s.status === 'present') await deps.pollers.put(toPollerDoc(s.poller, ctx.sequenceNumber(), runtime.status(s.poller.id)));
      else if (s.status === 'deleted') await deps.pollers.delete(s.poller.id);
    } catch (e) {
      // The journal is the truth; the next change of this poller rewrites its projection.
      ctx.log.error({ err: e }, 'pollers read model not updated');
    }
  };

  const schedule = (id: string, delayMs: number): void => {
    runtime.schedule(id, delayMs, () => deps.tellSelf(id, { type: 'poller.tick' }));
  };

  const view = (poller: PollerRecord): PollerView => ({ poller, status: runtime.status(poller.id) });

  const nodeEvent = (poller: PollerRecord, action: 'accessible' | 'inaccessible', at: number, severity: Severity, error?: string): DomainEvent | undefined =>
    poller.node === undefined
      ? undefined
      : {
          version: '1.0',
          type: 'node',
          action,
          severity,
          typeId: poller.node,
          nodeId: poller.node,
          createdAt: iso(at),
          data: { nodeId: poller.node, pollerId: poller.id, pollerName: poller.name, command: poller.config.command, ...(error === undefined ? {} : { error }) },
        };

  const publish = (ctx: EntityContext<PollerState, PollerEvent>, event: DomainEvent | undefined): void => {
    if (event === undefined) return;
    try {
      deps.events.publish(event);
    } catch (e) {
      ctx.log.error({ err: e, event: `${event.type}.${event.action}` }, 'event not published');
    }
  };

  /** Starts a poll outside the handler; its end comes back as `poller.finished`. */
  const startPoll = (ctx: EntityContext<PollerState, PollerEvent>, poller: PollerRecord): void => {
    const abort = runtime.begin(poller.id);
    if (abort === undefined) return;
    const startedAt = ctx.now();
    const id = poller.id;
    const finished = (outcome: Extract<PollerCommand, { type: 'poller.finished' }>['outcome']) =>
      deps.tellSelf(id, { type: 'poller.finished', outcome, startedAt, finishedAt: runtime.clock.now() });
    let polling: Promise<Awaited<ReturnType<PollerSource['poll']>>>;
    try {
      polling = deps.source.poll({ pollerId: id, name: poller.name, ...(poller.node === undefined ? {} : { node: poller.node }), config: poller.config }, { signal: abort.signal });
    } catch (e) {
      polling = Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    polling.then(
      (sample) => finished({ ok: true, sample: { ...sample, timestamp: iso(runtime.clock.now()) } }),
      (e: unknown) => finished({ ok: false, error: e instanceof Error ? e.message : String(e) }),
    );
  };

  const onFinished = async (ctx: EntityContext<PollerState, PollerEvent>, poller: PollerRecord, command: Extract<PollerCommand, { type: 'poller.finished' }>): Promise<void> => {
    runtime.end(poller.id, command.finishedAt);
    const at = iso(command.finishedAt);
    const outcome = command.outcome;
    let next = poller;
    if (outcome.ok) {
      const previous = runtime.latest(poller.id);
      runtime.record(poller.id, outcome.sample);
      for (const alert of pollerAlerts(poller, previous, outcome.sample)) {
        publish(ctx, {
          version: '1.0',
          type: 'polleralert',
          action: alert.action,
          severity: alert.severity,
          typeId: poller.id,
          ...(poller.node === undefined ? {} : { nodeId: poller.node }),
          createdAt: at,
          data: { pollerId: poller.id, pollerName: poller.name, command: poller.config.command, ...(poller.node === undefined ? {} : { nodeId: poller.node }), ...alert.data },
        });
      }
      const events: PollerEvent[] = [];
      if (poller.failureCount > 0) events.push({ type: 'poller.recovered', at });
      if (poller.state !== 'accessible') events.push({ type: 'poller.stateChanged', state: 'accessible', at });
      if (events.length > 0) {
        next = ((await ctx.commit(events)) as Extract<PollerState, { status: 'present' }>).poller;
        if (poller.failureCount > 0) ctx.log.info({ failures: poller.failureCount }, 'poller recovered');
      }
      if (poller.state === 'inaccessible') publish(ctx, nodeEvent(poller, 'accessible', command.finishedAt, 'information'));
    } else {
      const failures = poller.failureCount + 1;
      const events: PollerEvent[] = [{ type: 'poller.failed', error: outcome.error.slice(0, 2000), at }];
      const goesInaccessible = failures >= inaccessibleAfter && poller.state !== 'inaccessible';
      if (goesInaccessible) events.push({ type: 'poller.stateChanged', state: 'inaccessible', at });
      next = ((await ctx.commit(events)) as Extract<PollerState, { status: 'present' }>).poller;
      ctx.log.warn({ failures, error: outcome.error }, 'poll failed');
      if (goesInaccessible) publish(ctx, nodeEvent(poller, 'inaccessible', command.finishedAt, 'warning', outcome.error));
    }
    // Every finished poll updates lastStarted/lastFinished in the read model, as RackHD's workitems did.
    await project(ctx);
    if (!next.paused && !runtime.isScheduled(next.id)) {
      const elapsed = runtime.clock.now() - command.startedAt;
      const delay = next.failureCount === 0 ? next.pollInterval - elapsed : backoffDelay(next.pollInterval, next.failureCount, maxBackoffMs);
      schedule(next.id, Math.max(0, delay));
    }
  };

  return {
    kind: 'poller',
    eventTypes: pollerEventTypes,
    initialState: () => ({ status: 'absent' }),
    logBindings: (id) => ({ pollerId: id }),
    apply: applyPollerEvent,
    async handle(state, command, ctx) {
      const now = ctx.now();
      const at = iso(now);
      if (command.type === 'poller.create') {
        if (state.status === 'present') {
          ctx.reply(command.replyTo, { poller: state.poller, created: false });
          return;
        }
        validatePollerSpec(command.spec);
        const spec = command.spec;
        const poller: PollerRecord = {
          id: ctx.id,
          name: spec.name,
          ...(spec.node === undefined ? {} : { node: spec.node }),
          config: spec.config,
          pollInterval: spec.pollInterval,
          paused: spec.paused ?? false,
          failureCount: 0,
          state: 'unknown',
          createdAt: at,
          updatedAt: at,
        };
        await ctx.commit([{ type: 'poller.created', poller }]);
        await project(ctx);
        // RackHD runs a new workitem at once (nextScheduled = now).
        if (!poller.paused) schedule(poller.id, 0);
        ctx.reply(command.replyTo, { poller, created: true });
        return;
      }
      if (state.status !== 'present') {
        // Timers and results of a deleted poller die quietly; requests are told it does not exist.
        if ('replyTo' in command) throw new NotFoundError('poller', ctx.id);
        if (command.type === 'poller.finished') runtime.end(ctx.id, command.finishedAt);
        return;
      }
      const poller = state.poller;
      switch (command.type) {
        case 'poller.get':
          ctx.reply(command.replyTo, view(poller));
          return;
        case 'poller.data': {
          const samples = runtime.samples(poller.id);
          ctx.reply(command.replyTo, command.latestOnly ? samples.slice(0, 1) : samples);
          return;
        }
        case 'poller.update': {
          validatePollerPatch(poller.name, poller.node !== undefined, command.patch);
          const s = (await ctx.commit([{ type: 'poller.updated', patch: command.patch, at }])) as Extract<PollerState, { status: 'present' }>;
          await project(ctx);
          const next = s.poller;
          if (next.paused) runtime.unschedule(next.id);
          else if (poller.paused) schedule(next.id, 0); // resumed: poll now
          else if (command.patch.pollInterval !== undefined && command.patch.pollInterval !== poller.pollInterval && !runtime.inFlight(next.id)) schedule(next.id, next.pollInterval);
          ctx.reply(command.replyTo, view(next));
          return;
        }
        case 'poller.delete':
          await ctx.commit([{ type: 'poller.deleted', at }]);
          await project(ctx);
          runtime.forget(poller.id);
          ctx.reply(command.replyTo, poller);
          return;
        case 'poller.wake':
          if (!poller.paused && !runtime.isScheduled(poller.id) && !runtime.inFlight(poller.id)) schedule(poller.id, spreadOf(poller.id, Math.min(poller.pollInterval, wakeSpreadMs)));
          return;
        case 'poller.tick':
          if (!poller.paused) startPoll(ctx, poller);
          return;
        case 'poller.finished':
          await onFinished(ctx, poller, command);
          return;
      }
    },
  };
}
