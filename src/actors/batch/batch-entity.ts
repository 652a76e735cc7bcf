/**
 * The batch entity: one persistent actor per batch, the single writer of which of its nodes have been
 * started with which workflow and how each ended. It works in ticks (a timer on the runtime Clock, every
 * `tickMs` while anything is pending or running): read the status of every running item's workflow and
 * journal the ends, stop when the failure threshold is reached, then start as many pending items as the
 * concurrency limit allows.
 *
 * Exactly-once starts across failover: an item's workflow id is journaled ("started with W") before the
 * engine is asked to start W. If the member dies between the two, the next owner finds an item running
 * whose workflow does not exist and starts W again; the engine is idempotent on W (the node's claim names
 * W, creating W twice answers the first), so the node runs the graph once. An item whose workflow exists is
 * never started again. A start the engine refuses (the node runs another workflow, the node is gone) fails
 * that item, which counts toward the threshold; a start whose answer was lost (a timeout) is re-issued on
 * the next ticks, and fails the item after `maxStartAttempts`.
 *
 * Durable: the record (selector resolved to its nodes at creation, every start and end, stop, cancel,
 * finish). In memory (BatchRuntime): the timer, retry counts, cancels already sent.
 */
import { ConflictError, isMonorailError, NotFoundError, ValidationError } from '../../errors.ts';
import { mapLimited } from '../../map-limited.ts';
import type { BatchDoc } from '../../persistence/collections.ts';
import type { DocumentCollection } from '../../persistence/document-store.ts';
import type { DomainEvent } from '../events/event-bus.ts';
import type { EntityBehavior, EntityContext } from '../runtime/entity.ts';
import type { BatchPort, BatchWorkflowState } from './batch-port.ts';
import {
  batchEventTypes,
  DEFAULT_CONCURRENCY,
  progressOf,
  thresholdReached,
  type BatchCommand,
  type BatchEvent,
  type BatchItem,
  type BatchRecord,
  type BatchState,
  type BatchView,
  type ItemEnd,
} from './batch-protocol.ts';
import type { BatchRuntime } from './batch-runtime.ts';
import { MAX_BATCH_NODES, validateBatchSpec } from './batch-spec.ts';

export interface BatchEntityDeps {
  /** The `batches` read model the API lists and filters. */
  readonly batches: DocumentCollection<BatchDoc>;
  readonly port: BatchPort;
  readonly runtime: BatchRuntime;
  /** The batch router's `tell`, bound once the router exists: ticks come back as messages. */
  readonly tellSelf: (id: string, command: BatchCommand) => void;
  /** A fresh workflow id for an item about to start. */
  readonly newWorkflowId: () => string;
  /** Time between ticks of an unfinished batch; 1 s by default. */
  readonly tickMs?: number;
  /** Retryable start failures in a row after which an item fails; 5 by default. */
  readonly maxStartAttempts?: number;
  /** Engine calls (status reads, starts, cancels) a tick makes at once; 16 by default. */
  readonly parallelCalls?: number;
}

type Ctx = EntityContext<BatchState, BatchEvent>;
type Present = Extract<BatchState, { status: 'present' }>;

const iso = (ms: number): string => new Date(ms).toISOString();
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e)).slice(0, 2000);

function mapItems(items: readonly BatchItem[], byNode: ReadonlyMap<string, (item: BatchItem) => BatchItem>): BatchItem[] {
  return items.map((i) => byNode.get(i.nodeId)?.(i) ?? i);
}

export function applyBatchEvent(state: BatchState, event: BatchEvent): BatchState {
  if (event.type === 'batch.created') return { status: 'present', batch: event.batch };
  if (state.status !== 'present') return state;
  const b = state.batch;
  const next = (batch: Partial<BatchRecord> & { readonly updatedAt: string }): BatchState => ({ status: 'present', batch: { ...b, ...batch } });
  switch (event.type) {
    case 'batch.itemsStarted':
      return next({
        items: mapItems(b.items, new Map(event.started.map((s) => [s.nodeId, (i: BatchItem): BatchItem => ({ nodeId: i.nodeId, status: 'running', workflowId: s.workflowId, startedAt: event.at })]))),
        updatedAt: event.at,
      });
    case 'batch.itemsEnded':
      return next({
        items: mapItems(
          b.items,
          new Map(event.ended.map((e) => [e.nodeId, (i: BatchItem): BatchItem => ({ ...i, status: e.status, finishedAt: event.at, ...(e.error === undefined ? {} : { error: e.error }) })])),
        ),
        updatedAt: event.at,
      });
    case 'batch.stopped':
      return next({ status: 'stopped', reason: event.reason, items: b.items.map((i) => (i.status === 'pending' ? { ...i, status: 'skipped' } : i)), updatedAt: event.at });
    case 'batch.cancelled':
      return next({
        status: 'cancelled',
        reason: b.status === 'cancelled' ? (b.reason ?? event.reason) : event.reason,
        cancelRunning: b.cancelRunning || event.cancelRunning,
        items: b.items.map((i) => (i.status === 'pending' ? { ...i, status: 'cancelled' } : i)),
        updatedAt: event.at,
      });
    case 'batch.finished':
      return next({ status: b.status === 'running' ? 'completed' : b.status, finishedAt: event.at, updatedAt: event.at });
  }
}

export function batchView(batch: BatchRecord): BatchView {
  return { batch, progress: progressOf(batch.items) };
}

/** The read model: the record, its progress, whether anything is left to follow, and the journal version. */
export function toBatchDoc(batch: BatchRecord, version: number): BatchDoc {
  return { ...batch, progress: progressOf(batch.items), active: batch.finishedAt === undefined, version };
}

type StartOutcome = { readonly kind: 'started' } | { readonly kind: 'refused'; readonly error: string } | { readonly kind: 'lost'; readonly error: string };

export function createBatchBehavior(deps: BatchEntityDeps): EntityBehavior<BatchState, BatchCommand, BatchEvent> {
  const { port, runtime } = deps;
  const tickMs = deps.tickMs ?? 1000;
  const maxStartAttempts = deps.maxStartAttempts ?? 5;
  const parallel = deps.parallelCalls ?? 16;

  /** Commits, then projects: the read model follows every record (a failed projection is rewritten by the next). */
  const commit = async (ctx: Ctx, events: readonly BatchEvent[]): Promise<BatchRecord> => {
    const batch = ((await ctx.commit(events)) as Present).batch;
    try {
      await deps.batches.put(toBatchDoc(batch, ctx.sequenceNumber()));
    } catch (e) {
      ctx.log.error({ err: e }, 'batches read model not updated');
    }
    return batch;
  };

  const publish = (ctx: Ctx, batch: BatchRecord, action: 'started' | 'progress' | 'finished', at: number): void => {
    const progress = progressOf(batch.items);
    const event: DomainEvent = {
      version: '1.0',
      type: 'batch',
      action,
      severity: action === 'finished' && (batch.status !== 'completed' || progress.failed > 0) ? 'warning' : 'information',
      typeId: batch.id,
      createdAt: iso(at),
      data: { batchId: batch.id, name: batch.name, graphName: batch.graphName, status: batch.status, progress, ...(batch.reason === undefined ? {} : { reason: batch.reason }) },
    };
    try {
      port.publish(event);
    } catch (e) {
      ctx.log.error({ err: e, event: `batch.${action}` }, 'event not published');
    }
  };

  const schedule = (id: string, delayMs: number): void => {
    runtime.schedule(id, delayMs, () => deps.tellSelf(id, { type: 'batch.tick' }));
  };

  const start = async (ctx: Ctx, batch: BatchRecord, nodeId: string, workflowId: string): Promise<StartOutcome> => {
    try {
      await port.startWorkflow({ id: workflowId, nodeId, graphName: batch.graphName, ...(batch.graphOptions === undefined ? {} : { options: batch.graphOptions }) });
      runtime.startSettled(workflowId);
      return { kind: 'started' };
    } catch (e) {
      const error = messageOf(e);
      if (isMonorailError(e) && e.retryable) {
        const attempts = runtime.startFailed(workflowId);
        ctx.log.warn({ err: e, nodeId, workflowId, attempts }, 'workflow start not confirmed; re-issued on the next tick');
        if (attempts < maxStartAttempts) return { kind: 'lost', error };
        runtime.startSettled(workflowId);
        return { kind: 'refused', error: `${error} (after ${attempts} attempts)` };
      }
      ctx.log.info({ nodeId, workflowId, error }, 'workflow start refused');
      return { kind: 'refused', error };
    }
  };

  const endOf = (item: BatchItem, state: BatchWorkflowState): ItemEnd | undefined => {
    switch (state.status) {
      case 'running':
        return undefined;
      case 'succeeded':
        return { nodeId: item.nodeId, status: 'succeeded' };
      case 'cancelled':
        return { nodeId: item.nodeId, status: 'cancelled', ...(state.reason === undefined ? {} : { error: state.reason }) };
      case 'failed':
      case 'timeout':
        return { nodeId: item.nodeId, status: 'failed', error: `workflow ${item.workflowId ?? ''} ${state.status === 'timeout' ? 'timed out' : 'failed'}${state.reason === undefined ? '' : `: ${state.reason}`}` };
    }
  };

  /** Follows the running items: ends journaled, lost starts re-issued (same id), cancels sent once. */
  const follow = async (ctx: Ctx, batch: BatchRecord): Promise<{ readonly batch: BatchRecord; readonly changed: boolean }> => {
    const running = batch.items.filter((i): i is BatchItem & { workflowId: string } => i.status === 'running' && i.workflowId !== undefined);
    const ended: ItemEnd[] = [];
    await mapLimited(running, parallel, async (item) => {
      let state: BatchWorkflowState | undefined;
      try {
        state = await port.workflowStatus(item.workflowId);
      } catch (e) {
        ctx.log.warn({ err: e, nodeId: item.nodeId, workflowId: item.workflowId }, 'workflow status not read; asked again on the next tick');
        return;
      }
      if (state === undefined) {
        // Journaled as started, unknown to the engine: the member that journaled it died (or lost the answer)
        // before the start. Started again even if the batch has stopped or been cancelled since: the node may
        // already hold a claim naming this id, which only the start completes (and a cancel then ends).
        const outcome = await start(ctx, batch, item.nodeId, item.workflowId);
        if (outcome.kind === 'refused') ended.push({ nodeId: item.nodeId, status: 'failed', error: outcome.error });
        else if (outcome.kind === 'started') runtime.cancelUnsent(item.workflowId);
        return;
      }
      const end = endOf(item, state);
      if (end !== undefined) ended.push(end);
      else if (batch.cancelRunning && runtime.firstCancel(item.workflowId)) {
        await port.cancelWorkflow(item.workflowId, `batch ${batch.id} cancelled`).catch((e: unknown) => ctx.log.warn({ err: e, workflowId: item.workflowId }, 'workflow not cancelled'));
      }
    });
    if (ended.length === 0) return { batch, changed: false };
    return { batch: await commit(ctx, [{ type: 'batch.itemsEnded', ended: order(batch, ended), at: iso(ctx.now()) }]), changed: true };
  };

  /** Journal order follows the batch's item order, whatever order the parallel reads finished in. */
  const order = (batch: BatchRecord, ends: readonly ItemEnd[]): ItemEnd[] => {
    const rank = new Map(batch.items.map((i, n) => [i.nodeId, n]));
    return [...ends].sort((a, b) => (rank.get(a.nodeId) ?? 0) - (rank.get(b.nodeId) ?? 0));
  };

  /** Stops at the threshold, else starts pending items up to the limit; refusals free their slots for more. */
  const advance = async (ctx: Ctx, from: BatchRecord): Promise<{ readonly batch: BatchRecord; readonly changed: boolean }> => {
    let batch = from;
    let changed = false;
    for (;;) {
      if (batch.status !== 'running') return { batch, changed };
      const progress = progressOf(batch.items);
      if (thresholdReached(batch.failureThreshold, progress)) {
        const reason = `failure threshold reached: ${progress.failed} of ${progress.total} failed`;
        batch = await commit(ctx, [{ type: 'batch.stopped', reason, at: iso(ctx.now()) }]);
        ctx.log.warn({ failed: progress.failed, total: progress.total }, 'batch stopped at its failure threshold');
        return { batch, changed: true };
      }
      const slots = batch.concurrency - progress.running;
      const next = batch.items.filter((i) => i.status === 'pending').slice(0, Math.max(0, slots));
      if (next.length === 0) return { batch, changed };
      const started = next.map((i) => ({ nodeId: i.nodeId, workflowId: deps.newWorkflowId() }));
      // Durable first: a start is only ever issued under an id the journal already holds.
      batch = await commit(ctx, [{ type: 'batch.itemsStarted', started, at: iso(ctx.now()) }]);
      changed = true;
      const outcomes = await mapLimited(started, parallel, (s) => start(ctx, batch, s.nodeId, s.workflowId));
      const refused: ItemEnd[] = [];
      outcomes.forEach((o, n) => {
        const s = started[n];
        if (o.kind === 'refused' && s !== undefined) refused.push({ nodeId: s.nodeId, status: 'failed', error: o.error });
      });
      if (refused.length === 0) return { batch, changed };
      batch = await commit(ctx, [{ type: 'batch.itemsEnded', ended: refused, at: iso(ctx.now()) }]);
    }
  };

  const finishIfDone = async (ctx: Ctx, batch: BatchRecord): Promise<BatchRecord> => {
    if (batch.finishedAt !== undefined) return batch;
    if (batch.items.some((i) => i.status === 'pending' || i.status === 'running')) return batch;
    const finished = await commit(ctx, [{ type: 'batch.finished', at: iso(ctx.now()) }]);
    const p = progressOf(finished.items);
    ctx.log.info({ status: finished.status, succeeded: p.succeeded, failed: p.failed, total: p.total }, 'batch finished');
    publish(ctx, finished, 'finished', ctx.now());
    runtime.forget(finished.id, finished.items.flatMap((i) => (i.workflowId === undefined ? [] : [i.workflowId])));
    return finished;
  };

  const tick = async (ctx: Ctx, from: BatchRecord): Promise<void> => {
    if (from.finishedAt !== undefined) return;
    const followed = await follow(ctx, from);
    const advanced = await advance(ctx, followed.batch);
    const batch = await finishIfDone(ctx, advanced.batch);
    if (batch.finishedAt !== undefined) return;
    if (followed.changed || advanced.changed) publish(ctx, batch, 'progress', ctx.now());
    if (!runtime.isScheduled(batch.id)) schedule(batch.id, tickMs);
  };

  return {
    kind: 'batch',
    eventTypes: batchEventTypes,
    initialState: () => ({ status: 'absent' }),
    logBindings: (id) => ({ batchId: id }),
    apply: applyBatchEvent,
    async handle(state, command, ctx) {
      const at = iso(ctx.now());
      if (command.type === 'batch.create') {
        if (state.status === 'present') {
          ctx.reply(command.replyTo, { batch: batchView(state.batch), created: false });
          return;
        }
        const spec = command.spec;
        validateBatchSpec(spec);
        port.checkGraph(spec.graphName, spec.graphOptions);
        const nodes = await port.selectNodes(spec.selector, MAX_BATCH_NODES + 1);
        if (nodes.length === 0) throw new ValidationError('no node matches the selector', [{ path: 'body.selector', message: 'matches no node' }]);
        if (nodes.length > MAX_BATCH_NODES) throw new ValidationError(`the selector matches more than ${MAX_BATCH_NODES} nodes`, [{ path: 'body.selector', message: `matches more than ${MAX_BATCH_NODES} nodes` }]);
        const batch: BatchRecord = {
          id: ctx.id,
          name: spec.name ?? `${spec.graphName} on ${nodes.length} node${nodes.length === 1 ? '' : 's'}`,
          selector: spec.selector,
          graphName: spec.graphName,
          ...(spec.graphOptions === undefined ? {} : { graphOptions: spec.graphOptions }),
          concurrency: spec.concurrency ?? DEFAULT_CONCURRENCY,
          failureThreshold: spec.failureThreshold ?? {},
          status: 'running',
          cancelRunning: false,
          items: nodes.map((nodeId) => ({ nodeId, status: 'pending' })),
          createdAt: at,
          updatedAt: at,
        };
        await commit(ctx, [{ type: 'batch.created', batch }]);
        ctx.log.info({ graph: batch.graphName, nodes: nodes.length, concurrency: batch.concurrency }, 'batch created');
        publish(ctx, batch, 'started', ctx.now());
        schedule(batch.id, 0);
        ctx.reply(command.replyTo, { batch: batchView(batch), created: true });
        return;
      }
      if (state.status !== 'present') {
        // Timers of a batch that does not exist die quietly; requests are told it does not exist.
        if ('replyTo' in command) throw new NotFoundError('batch', ctx.id);
        return;
      }
      const batch = state.batch;
      switch (command.type) {
        case 'batch.get':
          ctx.reply(command.replyTo, batchView(batch));
          return;
        case 'batch.cancel': {
          if (batch.finishedAt !== undefined && batch.status !== 'cancelled') throw new ConflictError(`batch ${batch.id} is already ${batch.status}`, { status: batch.status });
          let next = batch;
          if (batch.status !== 'cancelled' || (command.cancelRunning && !batch.cancelRunning)) {
            next = await commit(ctx, [{ type: 'batch.cancelled', cancelRunning: command.cancelRunning, reason: 'cancelled by request', at }]);
            ctx.log.info({ cancelRunning: command.cancelRunning }, 'batch cancelled');
          }
          if (next.cancelRunning) {
            const running = next.items.flatMap((i) => (i.status === 'running' && i.workflowId !== undefined && runtime.firstCancel(i.workflowId) ? [i.workflowId] : []));
            await mapLimited(running, parallel, (w) => port.cancelWorkflow(w, `batch ${batch.id} cancelled`).catch((e: unknown) => ctx.log.warn({ err: e, workflowId: w }, 'workflow not cancelled')));
          }
          next = await finishIfDone(ctx, next);
          if (next.finishedAt === undefined) {
            publish(ctx, next, 'progress', ctx.now());
            // The cancelled workflows' ends are journaled by the next tick.
            schedule(next.id, 0);
          }
          ctx.reply(command.replyTo, batchView(next));
          return;
        }
        case 'batch.tick':
          await tick(ctx, batch);
          return;
        case 'batch.wake':
          if (batch.finishedAt === undefined && !runtime.isScheduled(batch.id)) schedule(batch.id, 0);
          return;
      }
    },
  };
}
