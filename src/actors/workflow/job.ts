/**
 * What a job is (RackHD's `Job.*`, the code behind a base task) and what it may use. A job runs inside its
 * task actor with the task's rendered options; it ends by returning (succeeded, optionally adding to the
 * graph context) or by throwing (failed). It must honour `signal`: cancellation and timeouts abort it, and
 * an OBM call or a wait in progress stops at once.
 */
import type { Logger } from '../../logging/logger.ts';
import type { Options } from './definition-types.ts';
import type { AgentCommands, TaskInput } from './task-input.ts';

export interface JobContext<S = unknown> {
  readonly workflowId: string;
  /** The instance that holds the node: use it for node requests that name the workflow (boot choice). */
  readonly claimId: string;
  readonly graphName: string;
  readonly taskId: string;
  readonly label: string;
  readonly injectableName: string;
  readonly nodeId?: string;
  readonly attempt: number;
  /** True when this attempt was started because the process restarted while the task ran. */
  readonly resumed: boolean;
  readonly options: Readonly<Record<string, unknown>>;
  readonly properties: Options;
  /** The graph context when the task started. */
  readonly context: Options;
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly services: S;
  progress(description: string, value?: number, maximum?: number): void;
  /**
   * The next input for this task (a microkernel request, a notification, a protocol observation, a sub-graph
   * ending) that `accept` takes; inputs it does not take are left for later calls. Rejects when `signal` aborts.
   */
  next<T extends TaskInput>(accept: (input: TaskInput) => input is T): Promise<T>;
  /**
   * Offers microkernel commands for this task's node: the agent's next `GET /api/current/tasks/<id>` is answered
   * with what `provide` returns (undefined: nothing from this task). Withdrawn by the returned function, and
   * when the task ends.
   */
  offerCommands(provide: () => AgentCommands | undefined): () => void;
}

export interface JobOutcome {
  /** Merged into the graph context when the task succeeds (RackHD jobs write `this.context`). */
  readonly context?: Options;
}

export interface Job<S = unknown> {
  readonly name: string;
  /**
   * What to do with an attempt the process was killed in the middle of: `rerun` when running it again is
   * harmless (catalogs, waits, power on), `fail` when it could do something twice that must happen once.
   */
  readonly onResume: 'rerun' | 'fail' | ((options: Options) => 'rerun' | 'fail');
  run(ctx: JobContext<S>): Promise<JobOutcome | void>;
}
