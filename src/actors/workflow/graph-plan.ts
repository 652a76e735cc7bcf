/**
 * Pure planning and scheduling of a graph instance. `planWorkflow` turns a graph, the request's options and
 * the library into the fixed list of tasks an instance runs; `schedule` reads the instance's task states and
 * says what may start, what can never run, and whether the instance is over. The workflow entity calls
 * `schedule` after every task ends, so the engine is driven by completions and never polls (RackHD's
 * scheduler polled Mongo every 500 ms, rackhd.md §8).
 */
import { ValidationError } from '../../errors.ts';
import { resolveGraphTasks, validateGraph, withRequestOptions, type DefinitionLookup } from './definition-library.ts';
import { waitOnEntries, type GraphDefinition, type Options, type WaitState } from './definition-types.ts';
import type { PlannedTask, TaskRun, TaskStatus, WorkflowStatus } from './workflow-protocol.ts';
import { terminalTaskStatuses } from './workflow-protocol.ts';

/** RackHD's default task timeout (on-tasks `task.js`: 24 h). */
export const defaultTaskTimeoutMs = 24 * 60 * 60 * 1000;

export interface Plan {
  readonly graph: GraphDefinition;
  readonly tasks: readonly PlannedTask[];
}

function timeoutOf(options: Options, label: string): number | null {
  const raw = options['_taskTimeout'];
  if (raw === undefined || raw === null) return defaultTaskTimeoutMs;
  if (typeof raw !== 'number' || !Number.isFinite(raw)) {
    throw new ValidationError(`task ${label}: _taskTimeout must be a number of milliseconds`, [{ path: `options.${label}._taskTimeout`, message: 'must be a number' }]);
  }
  // RackHD: 0 or a negative value means the task never times out.
  return raw <= 0 ? null : raw;
}

function retriesOf(options: Options, label: string): number {
  const raw = options['_taskRetries'];
  if (raw === undefined || raw === null) return 0;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0 || raw > 100) {
    throw new ValidationError(`task ${label}: _taskRetries must be an integer from 0 to 100`, [{ path: `options.${label}._taskRetries`, message: 'must be an integer from 0 to 100' }]);
  }
  return raw;
}

/**
 * The tasks an instance of `graph` runs with `requestOptions`. Throws a `ValidationError` naming the field
 * when the graph, merged with the request, is not runnable (a required option still missing, for example).
 */
export function planWorkflow(
  graph: GraphDefinition,
  requestOptions: Readonly<Record<string, Options>> | undefined,
  library: DefinitionLookup,
  newTaskId: () => string,
): Plan {
  for (const key of Object.keys(requestOptions ?? {})) {
    if (key !== 'defaults' && !graph.tasks.some((t) => t.label === key)) {
      throw new ValidationError(`options.${key}: graph ${graph.injectableName} has no task labelled "${key}"`, [{ path: `options.${key}`, message: `no task is labelled "${key}"` }]);
    }
  }
  const merged = withRequestOptions(graph, requestOptions);
  validateGraph(merged, library);
  const tasks = resolveGraphTasks(merged, library).map((r): PlannedTask => {
    const waitOn = waitOnEntries(r.entry.waitOn);
    return {
      taskId: newTaskId(),
      label: r.label,
      injectableName: r.task.injectableName,
      friendlyName: r.task.friendlyName,
      runJob: r.base.runJob,
      options: r.options,
      properties: { ...(r.base.properties ?? {}), ...(r.task.properties ?? {}) },
      waitOn: { all: waitOn.all, anyOf: waitOn.anyOf },
      ignoreFailure: r.entry.ignoreFailure === true,
      timeoutMs: timeoutOf(r.options, r.label),
      retries: retriesOf(r.options, r.label),
    };
  });
  return { graph: merged, tasks };
}

export interface Schedule {
  /** Pending tasks whose every wait is met: start them now. */
  readonly ready: readonly PlannedTask[];
  /** Pending tasks that can never run because something they wait on ended otherwise. */
  readonly unreachable: readonly PlannedTask[];
  /** Set when nothing is running and nothing more can start: the instance's final status. */
  readonly finished?: WorkflowStatus;
}

const statusOf = (runs: Readonly<Record<string, TaskRun>>, t: PlannedTask): TaskStatus => runs[t.taskId]?.status ?? 'pending';

/** Whether a dependency in `status` satisfies a wait for `wanted`; `undefined` while it may still. */
function waitMet(status: TaskStatus, wanted: WaitState): boolean | undefined {
  if (status === 'pending' || status === 'running') return undefined;
  // A skipped task never ran, so it satisfies no wait, not even `finished` (RackHD: unreachable stays unreachable).
  if (status === 'skipped') return false;
  return wanted === 'finished' ? true : status === wanted;
}

const failureRank: Readonly<Record<TaskStatus, number>> = { failed: 3, timeout: 2, cancelled: 1, pending: 0, running: 0, succeeded: 0, skipped: 0 };

/** A task's own failure ends the instance unless the graph said to ignore it. */
const failedHard = (t: PlannedTask, status: TaskStatus): boolean =>
  !t.ignoreFailure && (status === 'failed' || status === 'timeout' || status === 'cancelled');

export function schedule(tasks: readonly PlannedTask[], runs: Readonly<Record<string, TaskRun>>): Schedule {
  const byLabel = new Map(tasks.map((t) => [t.label, t]));
  const ready: PlannedTask[] = [];
  const unreachable: PlannedTask[] = [];
  let running = 0;
  let hardFailure: TaskStatus | undefined;

  for (const t of tasks) {
    const status = statusOf(runs, t);
    if (status === 'running') running++;
    // The cause outranks its consequences: tasks cancelled because another failed must not name the outcome.
    if (failedHard(t, status) && failureRank[status] > (hardFailure === undefined ? -1 : failureRank[hardFailure])) hardFailure = status;
  }
  // RackHD fails the graph as soon as a task fails without ignoreFailure: nothing new starts after that.
  if (hardFailure !== undefined) {
    return running > 0 ? { ready: [], unreachable: [] } : { ready: [], unreachable: [], finished: hardFailure === 'timeout' ? 'timeout' : hardFailure === 'cancelled' ? 'cancelled' : 'failed' };
  }

  for (const t of tasks) {
    if (statusOf(runs, t) !== 'pending') continue;
    const verdict = (label: string, wanted: WaitState): boolean | undefined => {
      const dep = byLabel.get(label);
      // validateGraph guarantees labels exist; a missing one can never be met.
      return dep === undefined ? false : waitMet(statusOf(runs, dep), wanted);
    };
    const all = t.waitOn.all.map(([label, wanted]) => verdict(label, wanted));
    const anyOfVerdicts = t.waitOn.anyOf.map(([label, wanted]) => verdict(label, wanted));
    const allMet = all.every((v) => v === true);
    const allBroken = all.some((v) => v === false);
    const anyMet = anyOfVerdicts.length === 0 || anyOfVerdicts.some((v) => v === true);
    const anyBroken = anyOfVerdicts.length > 0 && anyOfVerdicts.every((v) => v === false);
    if (allBroken || anyBroken) unreachable.push(t);
    else if (allMet && anyMet) ready.push(t);
  }
  if (ready.length > 0 || running > 0) return { ready, unreachable };

  // Skipping may make further tasks unreachable; `schedule` is called again after they are recorded, so only
  // declare the end once nothing pending is left that could still change.
  const pendingLeft = tasks.filter((t) => statusOf(runs, t) === 'pending' && !unreachable.includes(t));
  if (unreachable.length > 0 || pendingLeft.length > 0) {
    return pendingLeft.length > 0 && unreachable.length === 0 ? { ready, unreachable, finished: 'failed' } : { ready, unreachable };
  }
  return { ready, unreachable, finished: 'succeeded' };
}

/** Tasks done out of tasks that will run, for RackHD's `graph.progress.updated` events. */
export function progressOf(tasks: readonly PlannedTask[], runs: Readonly<Record<string, TaskRun>>): { value: number; maximum: number; percentage: string } {
  const counted = tasks.filter((t) => statusOf(runs, t) !== 'skipped');
  const value = counted.filter((t) => terminalTaskStatuses.has(statusOf(runs, t))).length;
  const maximum = counted.length;
  return { value, maximum, percentage: `${maximum === 0 ? 100 : Math.round((value / maximum) * 100)}%` };
}
