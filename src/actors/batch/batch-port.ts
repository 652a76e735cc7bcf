/**
 * What a batch needs from outside itself: which nodes a selector names, the workflow engine (start,
 * status, cancel), and the event bus. The member's implementation (workflow-batch-port.ts) sits on the
 * WorkflowEngine and the read models; tests give a scripted one.
 *
 * A batch follows its workflows by asking for their status on every tick rather than by listening to
 * `graph.finished`: on a cluster the workflow may run on another member than the batch, and the event bus
 * is per member, while a status read reaches the instance wherever it lives.
 */
import type { EventPublisher } from '../events/event-bus.ts';
import type { Options } from '../workflow/definition-types.ts';
import type { BatchSelector } from './batch-protocol.ts';

/** The engine's statuses as a batch sees them (`pending` is reported as `running`). */
export type BatchWorkflowStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'timeout';

export interface BatchWorkflowState {
  readonly status: BatchWorkflowStatus;
  /** Why it ended, when the engine says. */
  readonly reason?: string;
}

export interface BatchStartRequest {
  /** Chosen and journaled by the batch first: starting again with the same id is a no-op for the engine. */
  readonly id: string;
  readonly nodeId: string;
  readonly graphName: string;
  readonly options?: Readonly<Record<string, Options>>;
}

export interface BatchPort extends EventPublisher {
  /** Throws a ValidationError when the graph is unknown or the options do not fit it. */
  checkGraph(graphName: string, options: Readonly<Record<string, Options>> | undefined): void;
  /**
   * The ids of the nodes the selector names, in the order they will be started: the selector's `nodeIds`
   * order, else by id; at most `limit`. A ValidationError names `nodeIds` that do not exist.
   */
  selectNodes(selector: BatchSelector, limit: number): Promise<readonly string[]>;
  /**
   * Starts the graph on the node under `id`; idempotent on `id`. Rejects with a non-retryable MonorailError
   * when the engine refuses (the node runs another workflow, the node is gone), with a retryable one when
   * the answer was lost (a timeout: the start may or may not have happened, and is re-issued).
   */
  startWorkflow(request: BatchStartRequest): Promise<void>;
  /** The workflow's status; undefined when no workflow of that id exists (its start never reached the engine). */
  workflowStatus(id: string): Promise<BatchWorkflowState | undefined>;
  cancelWorkflow(id: string, reason: string): Promise<void>;
}
