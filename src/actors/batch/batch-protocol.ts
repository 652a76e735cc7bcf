/**
 * The batch entity's messages and record: one workflow graph run on each node of a set, `concurrency` at a
 * time, stopped when too many fail — the conductor's multi-node policy ("reboot every node tagged rack-7,
 * 5 at a time, stop when 10 % fail"; issue 6 point 6).
 *
 * The node set is resolved once, at creation, and journaled with the batch: a node added later does not
 * join it, and a failover does not change it. Every item's workflow id is journaled before the workflow
 * is started, so whichever member owns the batch next re-issues the same id (the engine is idempotent on
 * it) and no node runs the batch's graph twice.
 */
import type { Options } from '../workflow/definition-types.ts';
import type { ReplyTo } from '../runtime/reply.ts';

/** Which nodes a batch runs on; every given criterion must hold (an empty selector is refused). */
export interface BatchSelector {
  /** The node carries every one of these tags. */
  readonly tags?: readonly string[];
  /** The node's SKU, by id or by name. */
  readonly sku?: string;
  /** Exactly these nodes (each must exist); with other criteria, those of them that also match. */
  readonly nodeIds?: readonly string[];
  /** RackHD's node type (`compute`, `switch`, …). */
  readonly type?: string;
}

/**
 * When a batch stops starting workflows: once `failed >= count`, or once `failed * 100 >= percent * total`
 * (and at least one item failed, so `percent: 0` means "at the first failure"). Neither: never.
 */
export interface FailureThreshold {
  readonly percent?: number;
  readonly count?: number;
}

export interface BatchSpec {
  readonly name?: string;
  readonly selector: BatchSelector;
  readonly graphName: string;
  /** The run's options (`{defaults: {...}, <task label>: {...}}`), secrets sealed before the entity sees them. */
  readonly graphOptions?: Readonly<Record<string, Options>>;
  /** Workflows running at once; 5 when left out. */
  readonly concurrency?: number;
  readonly failureThreshold?: FailureThreshold;
}

export const DEFAULT_CONCURRENCY = 5;
export const MAX_CONCURRENCY = 1000;

/**
 * `running` until every item has run (`completed`), the failure threshold is reached (`stopped`: nothing
 * new starts, the pending items are skipped) or an operator cancels (`cancelled`: the pending items are
 * cancelled). Workflows already running when a batch stops or is cancelled are followed to their end (or
 * cancelled with `cancelRunning`); `finishedAt` is set when none is left.
 */
export type BatchStatus = 'running' | 'completed' | 'stopped' | 'cancelled';

export type BatchItemStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export interface BatchItem {
  readonly nodeId: string;
  readonly status: BatchItemStatus;
  /** Journaled before the workflow is started: the id every later start of this item re-issues. */
  readonly workflowId?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Why the item failed: the engine's refusal (node busy or gone) or how its workflow ended. */
  readonly error?: string;
}

export interface BatchProgress {
  readonly total: number;
  readonly pending: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  readonly cancelled: number;
}

export interface BatchRecord {
  readonly id: string;
  readonly name: string;
  readonly selector: BatchSelector;
  readonly graphName: string;
  readonly graphOptions?: Readonly<Record<string, Options>>;
  readonly concurrency: number;
  readonly failureThreshold: FailureThreshold;
  readonly status: BatchStatus;
  /** Why a batch stopped or was cancelled. */
  readonly reason?: string;
  /** A cancel asked for the running workflows to be cancelled too (re-issued after a failover). */
  readonly cancelRunning: boolean;
  /** In the order they are started: the selector's `nodeIds` order, else node id order. */
  readonly items: readonly BatchItem[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt?: string;
}

export interface BatchView {
  readonly batch: BatchRecord;
  readonly progress: BatchProgress;
}

/** How an item's workflow ended, as the batch counts it. */
export type ItemEnd = { readonly nodeId: string; readonly status: 'succeeded' | 'failed' | 'cancelled'; readonly error?: string };

export type BatchCommand =
  /** Idempotent on the id: an existing batch is answered as it is (`created: false`). */
  | { readonly type: 'batch.create'; readonly spec: BatchSpec; readonly replyTo: ReplyTo<{ readonly batch: BatchView; readonly created: boolean }> }
  | { readonly type: 'batch.get'; readonly replyTo: ReplyTo<BatchView> }
  /** Pending items are cancelled; running workflows are cancelled too with `cancelRunning`, else followed to their end. */
  | { readonly type: 'batch.cancel'; readonly cancelRunning: boolean; readonly replyTo: ReplyTo<BatchView> }
  /** The batch's timer fired: follow running workflows, apply the threshold, start what the limit allows. */
  | { readonly type: 'batch.tick' }
  /** Member start or a shard taken over: schedule the next tick of an unfinished batch. */
  | { readonly type: 'batch.wake' };

export type BatchEvent =
  | { readonly type: 'batch.created'; readonly batch: BatchRecord }
  | { readonly type: 'batch.itemsStarted'; readonly started: readonly { readonly nodeId: string; readonly workflowId: string }[]; readonly at: string }
  | { readonly type: 'batch.itemsEnded'; readonly ended: readonly ItemEnd[]; readonly at: string }
  | { readonly type: 'batch.stopped'; readonly reason: string; readonly at: string }
  | { readonly type: 'batch.cancelled'; readonly cancelRunning: boolean; readonly reason: string; readonly at: string }
  | { readonly type: 'batch.finished'; readonly at: string };

export const batchEventTypes: readonly BatchEvent['type'][] = ['batch.created', 'batch.itemsStarted', 'batch.itemsEnded', 'batch.stopped', 'batch.cancelled', 'batch.finished'];

export type BatchState = { readonly status: 'absent' } | { readonly status: 'present'; readonly batch: BatchRecord };

export function progressOf(items: readonly BatchItem[]): BatchProgress {
  const p = { total: items.length, pending: 0, running: 0, succeeded: 0, failed: 0, skipped: 0, cancelled: 0 };
  for (const i of items) p[i.status]++;
  return p;
}

/** Whether the batch has failed enough to stop starting workflows. */
export function thresholdReached(threshold: FailureThreshold, progress: BatchProgress): boolean {
  if (progress.failed === 0) return false;
  if (threshold.count !== undefined && progress.failed >= threshold.count) return true;
  return threshold.percent !== undefined && progress.failed * 100 >= threshold.percent * progress.total;
}
