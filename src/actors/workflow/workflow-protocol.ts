/**
 * The workflow entity's vocabulary. One persistent workflow actor per graph instance owns the instance's
 * state; each running task is a short-lived task actor (task-runner.ts) that runs the task's job and tells
 * the workflow how it ended. States are RackHD's (rackhd.md §4.2): pending, running, succeeded, failed,
 * cancelled, timeout; `skipped` marks a task that can no longer run because what it waits on ended otherwise
 * (RackHD leaves such tasks "unreachable" and pending; naming them lets an operator see why).
 */
import type { ErrorWire } from '../../errors.ts';
import type { ReplyTo } from '../runtime/reply.ts';
import type { AgentCommands, TaskInput } from './task-input.ts';
import type { Options, WaitState } from './definition-types.ts';

export type TaskStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'timeout' | 'skipped';
export type WorkflowStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'timeout';

export const terminalTaskStatuses: ReadonlySet<TaskStatus> = new Set(['succeeded', 'failed', 'cancelled', 'timeout', 'skipped']);
export const activeWorkflowStatuses: ReadonlySet<WorkflowStatus> = new Set(['pending', 'running']);

/** A task of an instance as planned when the instance was created; never changes afterwards. */
export interface PlannedTask {
  readonly taskId: string;
  readonly label: string;
  readonly injectableName: string;
  readonly friendlyName: string;
  readonly runJob: string;
  /** Merged (definition ← graph defaults ← label section ← request) but not yet rendered: context may change. */
  readonly options: Options;
  readonly properties: Options;
  readonly waitOn: { readonly all: readonly (readonly [string, WaitState])[]; readonly anyOf: readonly (readonly [string, WaitState])[] };
  readonly ignoreFailure: boolean;
  /** RackHD's `_taskTimeout` in ms; `null` means none (RackHD: 0 or -1). */
  readonly timeoutMs: number | null;
  /** Extra attempts after a failure, from the `_taskRetries` option (ours; RackHD has none). */
  readonly retries: number;
}

export interface TaskRun {
  readonly status: TaskStatus;
  readonly attempt: number;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** When the running attempt must end, so a resumed instance keeps the original deadline. */
  readonly deadline?: string;
  readonly error?: ErrorWire;
  readonly reason?: string;
}

export interface WorkflowRecord {
  readonly id: string;
  readonly injectableName: string;
  readonly friendlyName: string;
  readonly nodeId?: string;
  readonly status: WorkflowStatus;
  /** The graph's options after the request's were merged in (RackHD's `definition.options`). */
  readonly options: Readonly<Record<string, Options>>;
  /** The shared bag tasks read as `{{ context.x }}` and add to as they finish (RackHD's graph context). */
  readonly context: Options;
  readonly tasks: readonly PlannedTask[];
  readonly runs: Readonly<Record<string, TaskRun>>;
  /** Set when this instance was started by a task of another (RackHD's `Task.Graph.Run`). */
  readonly parent?: { readonly workflowId: string; readonly taskId: string };
  /** The instance holding the node's claim: itself, or the top of the chain of sub-graphs it belongs to. */
  readonly root?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt?: string;
  readonly reason?: string;
}

export type WorkflowState = { readonly status: 'absent' } | { readonly status: 'present'; readonly workflow: WorkflowRecord };

/** What a job ended with, as its task actor reports it. */
export type TaskOutcome =
  | { readonly status: 'succeeded'; readonly context?: Options }
  | { readonly status: 'failed' | 'timeout' | 'cancelled'; readonly error: ErrorWire; readonly context?: Options };

export interface WorkflowSpec {
  readonly graphName: string;
  readonly nodeId?: string;
  /** `{ defaults: {...}, <label>: {...} }`, merged over the graph's own options. */
  readonly options?: Readonly<Record<string, Options>>;
  /** Initial graph context (a sub-graph inherits its parent's). */
  readonly context?: Options;
  readonly parent?: { readonly workflowId: string; readonly taskId: string };
  readonly root?: string;
}

export type WorkflowCommand =
  | { readonly type: 'workflow.create'; readonly spec: WorkflowSpec; readonly replyTo: ReplyTo<WorkflowRecord> }
  | { readonly type: 'workflow.get'; readonly replyTo: ReplyTo<WorkflowRecord> }
  | { readonly type: 'workflow.cancel'; readonly reason: string; readonly replyTo: ReplyTo<WorkflowRecord> }
  /** From a task actor; `attempt` lets a late report of an abandoned attempt be recognised and ignored. */
  | { readonly type: 'workflow.taskEnded'; readonly taskId: string; readonly attempt: number; readonly outcome: TaskOutcome }
  | { readonly type: 'workflow.taskProgress'; readonly taskId: string; readonly description: string; readonly value?: number; readonly maximum?: number }
  /** After a restart: pick up running tasks and start what is ready. `spec` recreates an instance a node claimed but that never got created. */
  | { readonly type: 'workflow.resume'; readonly spec?: WorkflowSpec }
  /**
   * Input for the tasks this instance runs, routed through the instance so that it reaches the member running
   * them (on a cluster the microkernel's HTTP request or an installer's notification may arrive anywhere).
   * Nothing is journalled: the task actors are this incarnation's.
   */
  | { readonly type: 'workflow.nodeInput'; readonly nodeId: string; readonly input: TaskInput; readonly replyTo: ReplyTo<number> }
  | { readonly type: 'workflow.taskInput'; readonly taskId: string; readonly input: TaskInput }
  | { readonly type: 'workflow.agentPoll'; readonly nodeId: string; readonly replyTo: ReplyTo<AgentCommands | null> };

export type WorkflowEvent =
  | { readonly type: 'workflow.created'; readonly workflow: WorkflowRecord }
  | { readonly type: 'workflow.taskStarted'; readonly taskId: string; readonly attempt: number; readonly at: string; readonly deadline?: string }
  | { readonly type: 'workflow.taskEnded'; readonly taskId: string; readonly attempt: number; readonly status: TaskStatus; readonly at: string; readonly error?: ErrorWire; readonly reason?: string; readonly context?: Options }
  | { readonly type: 'workflow.finished'; readonly status: WorkflowStatus; readonly at: string; readonly reason?: string };

export const workflowEventTypes: readonly WorkflowEvent['type'][] = ['workflow.created', 'workflow.taskStarted', 'workflow.taskEnded', 'workflow.finished'];
