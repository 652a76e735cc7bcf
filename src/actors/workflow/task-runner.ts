/**
 * Task actors: one short-lived actor per running task attempt, which renders the task's options, runs its
 * job, enforces its deadline, takes cancellation and inputs through its mailbox, and tells the workflow how
 * the attempt ended. The workflow entity owns every durable fact; a task actor holds only what dies with the
 * process (the job's promise, its AbortController, inputs not yet consumed), which is why a restart resumes
 * from the workflow's journal and asks each job whether running it again is safe (job.ts `onResume`).
 *
 * The host also routes what arrives from outside to the right task actors: microkernel GETs and POSTs by
 * node, notifications and protocol observations by node, and a sub-graph's end to the task that started it.
 */
import { MonorailError, TaskError, ValidationError, type ErrorWire } from '../../errors.ts';
import type { Logger } from '../../logging/logger.ts';
import { derivedTrace, type TraceContext } from '../../tracing/trace-context.ts';
import { currentTrace, runInSpan } from '../../tracing/trace-scope.ts';
import type { Clock, TimerHandle } from '../runtime/clock.ts';
import { dispatchTo, stopActor, type NactRef } from '../runtime/nact.ts';
import type { Message } from '../runtime/entity.ts';
import type { Options } from './definition-types.ts';
import type { Job, JobContext } from './job.ts';
import { renderOptions, type RenderScope } from './option-render.ts';
import type { AgentCommands, AgentReport, TaskInput } from './task-input.ts';
import type { PlannedTask, TaskOutcome, WorkflowCommand } from './workflow-protocol.ts';

export interface LaunchRequest {
  readonly workflowId: string;
  /** The instance holding the node (differs from `workflowId` in a sub-graph). */
  readonly claimId: string;
  readonly graphName: string;
  readonly nodeId?: string;
  readonly task: PlannedTask;
  readonly attempt: number;
  readonly resumed: boolean;
  readonly context: Options;
  /** Epoch ms by which the attempt must end (from the task's `_taskTimeout`); none when undefined. */
  readonly deadline?: number;
}

/** The parts of the render scope that come from outside the workflow: URLs and the node's SKU. */
export type ExternalScope = Pick<RenderScope, 'api' | 'file' | 'sku'>;

export interface TaskRunnerDeps<S> {
  readonly spawn: <M extends Message>(name: string, handle: (msg: M) => void) => NactRef;
  readonly jobs: ReadonlyMap<string, Job<S>>;
  readonly services: S;
  readonly scope: (nodeId: string | undefined) => Promise<ExternalScope>;
  /** Tells the workflow entity (by id) about the attempt: ended or progressed. */
  readonly tellWorkflow: (workflowId: string, command: Extract<WorkflowCommand, { type: 'workflow.taskEnded' | 'workflow.taskProgress' }>) => void;
  readonly clock: Clock;
  readonly log: Logger;
  /** Inputs a task has not consumed yet; beyond this the oldest are dropped (and counted). */
  readonly maxQueuedInputs?: number;
}

type TaskActorMessage =
  | { readonly type: 'task.start' }
  | { readonly type: 'task.cancel'; readonly reason: string; readonly status: 'cancelled' | 'timeout' }
  | { readonly type: 'task.input'; readonly input: TaskInput };

interface Waiter {
  readonly accept: (input: TaskInput) => boolean;
  readonly resolve: (input: TaskInput) => void;
}

/** The live side of one attempt; only the host and its actor touch it. */
class RunningTask {
  readonly abort = new AbortController();
  readonly inputs: TaskInput[] = [];
  readonly waiters = new Set<Waiter>();
  readonly offers = new Set<() => AgentCommands | undefined>();
  /** Why the attempt is being stopped, once it is. */
  stopping?: { readonly status: 'cancelled' | 'timeout'; readonly reason: string };
  timer?: TimerHandle;
  ref?: NactRef;
  ended = false;
  constructor(
    readonly req: LaunchRequest,
    /** The workflow's trace, which the attempt runs in (its logs, and what it tells the workflow). */
    readonly trace: TraceContext,
  ) {}
  get key(): string {
    return taskKey(this.req.workflowId, this.req.task.taskId);
  }
}

const taskKey = (workflowId: string, taskId: string): string => `${workflowId}/${taskId}`;

export interface TaskRunnerStats {
  readonly running: number;
  readonly started: number;
  readonly droppedInputs: number;
}

function wireOf(e: unknown, fallback: string): ErrorWire {
  if (e instanceof MonorailError) return e.toJSON();
  return new TaskError('TASK_FAILED', e instanceof Error ? e.message : fallback).toJSON();
}

export class TaskRunnerHost<S> {
  private readonly running = new Map<string, RunningTask>();
  private readonly byNode = new Map<string, Set<RunningTask>>();
  private started = 0;
  private droppedInputs = 0;
  private closed = false;

  constructor(private readonly d: TaskRunnerDeps<S>) {}

  launch(req: LaunchRequest): void {
    if (this.closed) return;
    const existing = this.running.get(taskKey(req.workflowId, req.task.taskId));
    // A newer attempt replaces an older one still winding down (its report will carry the old attempt number).
    if (existing !== undefined) this.finish(existing);
    // The workflow's trace is the one its handler runs in: the request or boot that started the workflow,
    // carried from task to task by `workflow.taskEnded`. A workflow resumed with no message behind it
    // (after a restart or a shard moving) gets a trace derived from its id, the same on every member.
    const rt = new RunningTask(req, currentTrace() ?? derivedTrace('workflow', req.workflowId));
    this.running.set(rt.key, rt);
    if (req.nodeId !== undefined) {
      const set = this.byNode.get(req.nodeId) ?? new Set();
      set.add(rt);
      this.byNode.set(req.nodeId, set);
    }
    this.started++;
    rt.ref = this.d.spawn<TaskActorMessage>(`task-${req.task.taskId}-${req.attempt}`, (msg) => this.receive(rt, msg));
    dispatchTo(rt.ref, { type: 'task.start' } satisfies TaskActorMessage);
  }

  isRunning(workflowId: string, taskId: string, attempt: number): boolean {
    const rt = this.running.get(taskKey(workflowId, taskId));
    return rt !== undefined && rt.req.attempt === attempt && !rt.ended;
  }

  /** Cancels a running attempt; its job is aborted and the workflow hears `cancelled` (or `timeout`). */
  abort(workflowId: string, taskId: string, reason: string, status: 'cancelled' | 'timeout' = 'cancelled'): void {
    const rt = this.running.get(taskKey(workflowId, taskId));
    if (rt?.ref !== undefined) dispatchTo(rt.ref, { type: 'task.cancel', reason, status } satisfies TaskActorMessage);
  }

  /** Hands `input` to every task running for `nodeId`; returns how many took delivery. */
  deliverToNode(nodeId: string, input: TaskInput): number {
    const set = this.byNode.get(nodeId);
    if (set === undefined) return 0;
    for (const rt of set) if (rt.ref !== undefined) dispatchTo(rt.ref, { type: 'task.input', input } satisfies TaskActorMessage);
    return set.size;
  }

  deliverToTask(workflowId: string, taskId: string, input: TaskInput): boolean {
    const rt = this.running.get(taskKey(workflowId, taskId));
    if (rt?.ref === undefined) return false;
    dispatchTo(rt.ref, { type: 'task.input', input } satisfies TaskActorMessage);
    return true;
  }

  /**
   * The microkernel's `GET /api/current/tasks/<node>`: the first running task of the node that offers
   * commands answers. Synchronous and in-process, so a node with work pending never gets a 404 because an
   * RPC was slow (RackHD's 1 s AMQP timeout did exactly that under load, rackhd.md §8).
   */
  requestCommands(nodeId: string): AgentCommands | undefined {
    const set = this.byNode.get(nodeId);
    if (set === undefined) return undefined;
    for (const rt of set) {
      if (rt.ref !== undefined) dispatchTo(rt.ref, { type: 'task.input', input: { type: 'microkernel.polled', nodeId } } satisfies TaskActorMessage);
    }
    for (const rt of set) {
      for (const offer of rt.offers) {
        const commands = offer();
        if (commands !== undefined) return commands;
      }
    }
    return undefined;
  }

  /** The agent's POST: delivered to the node's running tasks; false when none is running. */
  respondCommands(nodeId: string, report: AgentReport): boolean {
    return this.deliverToNode(nodeId, { type: 'microkernel.results', nodeId, report }) > 0;
  }

  /** Stops every task actor without reporting: used on shutdown, after which the journal resumes them. */
  close(): void {
    this.closed = true;
    this.stopWhere(() => true, 'member stopping');
  }

  /** Stops, without reporting, the task actors of the instances `select` picks (their shard is handed over). */
  closeWhere(select: (workflowId: string) => boolean): void {
    this.stopWhere(select, 'shard handed over');
  }

  private stopWhere(select: (workflowId: string) => boolean, reason: string): void {
    for (const rt of [...this.running.values()]) {
      if (!select(rt.req.workflowId)) continue;
      rt.stopping = { status: 'cancelled', reason };
      rt.abort.abort(new TaskError('TASK_CANCELLED', reason));
      this.finish(rt);
    }
  }

  /** Whether a task of the node runs on this member. */
  runsFor(nodeId: string): boolean {
    return (this.byNode.get(nodeId)?.size ?? 0) > 0;
  }

  stats(): TaskRunnerStats {
    return { running: this.running.size, started: this.started, droppedInputs: this.droppedInputs };
  }

  private receive(rt: RunningTask, msg: TaskActorMessage): void {
    if (rt.ended) return;
    switch (msg.type) {
      case 'task.start':
        void runInSpan(rt.trace, () => this.run(rt));
        return;
      case 'task.cancel':
        rt.stopping ??= { status: msg.status, reason: msg.reason };
        rt.abort.abort(new TaskError(msg.status === 'timeout' ? 'TASK_TIMEOUT' : 'TASK_CANCELLED', msg.reason));
        return;
      case 'task.input': {
        for (const w of rt.waiters) {
          if (w.accept(msg.input)) {
            rt.waiters.delete(w);
            w.resolve(msg.input);
            return;
          }
        }
        // Polls are only interesting to a job waiting for one at that moment; keeping them would flood the queue.
        if (msg.input.type === 'microkernel.polled') return;
        rt.inputs.push(msg.input);
        const max = this.d.maxQueuedInputs ?? 1000;
        if (rt.inputs.length > max) {
          rt.inputs.shift();
          this.droppedInputs++;
        }
        return;
      }
    }
  }

  private async run(rt: RunningTask): Promise<void> {
    const { req } = rt;
    const log = this.d.log.child({ workflowId: req.workflowId, taskId: req.task.taskId, task: req.task.label, ...(req.nodeId === undefined ? {} : { nodeId: req.nodeId }) });
    if (req.deadline !== undefined) {
      const left = Math.max(0, req.deadline - this.d.clock.now());
      rt.timer = this.d.clock.setTimeout(() => {
        if (rt.ref !== undefined) dispatchTo(rt.ref, { type: 'task.cancel', status: 'timeout', reason: `task timed out after ${req.task.timeoutMs} ms` } satisfies TaskActorMessage);
      }, left);
    }
    let outcome: TaskOutcome;
    try {
      const job = this.d.jobs.get(req.task.runJob);
      if (job === undefined) throw new ValidationError(`task ${req.task.label}: no job named ${req.task.runJob}`, [{ path: 'runJob', message: `unknown job ${req.task.runJob}` }]);
      const external = await this.d.scope(req.nodeId);
      const options = renderOptions(req.task.options, {
        ...external,
        context: req.context,
        task: { nodeId: req.nodeId ?? null, id: req.task.taskId, label: req.task.label, graphId: req.workflowId },
      });
      log.info({ job: job.name, attempt: req.attempt, resumed: req.resumed }, 'task started');
      const result = await job.run(this.contextFor(rt, options, log));
      if (rt.stopping !== undefined) throw rt.abort.signal.reason;
      outcome = { status: 'succeeded', ...(result?.context === undefined ? {} : { context: result.context }) };
    } catch (e) {
      const stopping = rt.stopping;
      if (stopping !== undefined) {
        outcome = { status: stopping.status, error: new TaskError(stopping.status === 'timeout' ? 'TASK_TIMEOUT' : 'TASK_CANCELLED', stopping.reason).toJSON() };
      } else {
        outcome = { status: 'failed', error: wireOf(e, 'job failed') };
      }
    }
    if (rt.ended) return;
    log.info({ status: outcome.status, ...(outcome.status === 'succeeded' ? {} : { error: outcome.error }) }, 'task ended');
    this.finish(rt);
    this.d.tellWorkflow(req.workflowId, { type: 'workflow.taskEnded', taskId: req.task.taskId, attempt: req.attempt, outcome });
  }

  private contextFor(rt: RunningTask, options: Record<string, unknown>, log: Logger): JobContext<S> {
    const { req } = rt;
    return {
      workflowId: req.workflowId,
      claimId: req.claimId,
      graphName: req.graphName,
      taskId: req.task.taskId,
      label: req.task.label,
      injectableName: req.task.injectableName,
      ...(req.nodeId === undefined ? {} : { nodeId: req.nodeId }),
      attempt: req.attempt,
      resumed: req.resumed,
      options,
      properties: req.task.properties,
      context: req.context,
      signal: rt.abort.signal,
      log,
      services: this.d.services,
      progress: (description, value, maximum) => {
        if (rt.ended) return;
        this.d.tellWorkflow(req.workflowId, {
          type: 'workflow.taskProgress',
          taskId: req.task.taskId,
          description,
          ...(value === undefined ? {} : { value }),
          ...(maximum === undefined ? {} : { maximum }),
        });
      },
      next: <T extends TaskInput>(accept: (input: TaskInput) => input is T): Promise<T> => {
        const queued = rt.inputs.findIndex(accept);
        if (queued >= 0) return Promise.resolve(rt.inputs.splice(queued, 1)[0] as T);
        if (rt.abort.signal.aborted) return Promise.reject(rt.abort.signal.reason as Error);
        return new Promise<T>((resolve, reject) => {
          const waiter: Waiter = { accept, resolve: (i) => resolve(i as T) };
          rt.waiters.add(waiter);
          rt.abort.signal.addEventListener(
            'abort',
            () => {
              rt.waiters.delete(waiter);
              reject(rt.abort.signal.reason as Error);
            },
            { once: true },
          );
        });
      },
      offerCommands: (provide) => {
        rt.offers.add(provide);
        return () => rt.offers.delete(provide);
      },
    };
  }

  private finish(rt: RunningTask): void {
    if (rt.ended) return;
    rt.ended = true;
    rt.timer?.cancel();
    rt.offers.clear();
    if (this.running.get(rt.key) === rt) this.running.delete(rt.key);
    if (rt.req.nodeId !== undefined) {
      const set = this.byNode.get(rt.req.nodeId);
      set?.delete(rt);
      if (set?.size === 0) this.byNode.delete(rt.req.nodeId);
    }
    if (rt.ref !== undefined) stopActor(rt.ref);
  }
}
