/**
 * What the batches of one member keep in memory and never journal: each unfinished batch's next tick (a
 * timer on the runtime Clock, so tests drive it with a ManualClock), how many times in a row a start was
 * answered with a retryable error, and which workflows this member has already asked to cancel.
 *
 * All of it is rebuilt by the next owner of a batch's shard: `wake` sets the timer again, counts start
 * from zero, and cancels are re-issued once (cancelling is idempotent for the batch: an ended workflow
 * answers "not active", which is ignored).
 */
import { KeyedTimers } from '../runtime/keyed-timers.ts';

export class BatchRuntime extends KeyedTimers {
  private readonly startFailures = new Map<string, number>();
  private readonly cancelsSent = new Set<string>();

  /** Counts a start of `workflowId` that failed with a retryable error; resolves to how many in a row. */
  startFailed(workflowId: string): number {
    const n = (this.startFailures.get(workflowId) ?? 0) + 1;
    this.startFailures.set(workflowId, n);
    return n;
  }

  startSettled(workflowId: string): void {
    this.startFailures.delete(workflowId);
  }

  /** True the first time this member is about to cancel `workflowId`, false after. */
  firstCancel(workflowId: string): boolean {
    if (this.cancelsSent.has(workflowId)) return false;
    this.cancelsSent.add(workflowId);
    return true;
  }

  /** A cancel sent before the workflow existed did nothing: the next one must go out. */
  cancelUnsent(workflowId: string): void {
    this.cancelsSent.delete(workflowId);
  }

  /** A finished batch: nothing of it needs remembering. */
  forget(id: string, workflowIds: readonly string[]): void {
    this.unschedule(id);
    for (const w of workflowIds) {
      this.startFailures.delete(w);
      this.cancelsSent.delete(w);
    }
  }

  /** Batches with a pending tick: for metrics and tests. */
  scheduled(): number {
    return this.size;
  }
}
