/**
 * The persistent workflow actor: one per graph instance, the single writer of that instance's state. It
 * plans the instance when created, starts every task whose waits are met, records each task's end before
 * acting on it, and finishes the instance when nothing more can run. Because every decision follows a
 * journaled fact, a process killed at any point resumes from the journal: `workflow.resume` re-launches the
 * attempts that were running (when their job says that is safe) and carries on (rackhd.md §8: no polling
 * of a database as a queue, no lost completions).
 */
import { NotFoundError, TaskError, ValidationError, WorkflowNotActiveError } from '../../errors.ts';
import type { WorkflowDoc } from '../../persistence/collections.ts';
import type { DocumentCollection } from '../../persistence/document-store.ts';
import type { EventPublisher } from '../events/event-bus.ts';
import type { EntityBehavior, EntityContext } from '../runtime/entity.ts';
import type { DefinitionLookup } from './definition-library.ts';
import type { GraphDefinition, Options } from './definition-types.ts';
import { planWorkflow, progressOf, schedule } from './graph-plan.ts';
import type { LaunchRequest } from './task-runner.ts';
import type { AgentCommands, TaskInput } from './task-input.ts';
import {
  activeWorkflowStatuses,
  workflowEventTypes,
  type PlannedTask,
  type TaskRun,
  type WorkflowCommand,
  type WorkflowEvent,
  type WorkflowRecord,
  type WorkflowSpec,
  type WorkflowState,
  type WorkflowStatus,
} from './workflow-protocol.ts';

/** What the entity needs from the task runner host. */
export interface TaskLauncher {
  launch(req: LaunchRequest): void;
  abort(workflowId: string, taskId: string, reason: string): void;
  isRunning(workflowId: string, taskId: string, attempt: number): boolean;
  /** Input for the running tasks of a node; how many took it. */
  deliverToNode(nodeId: string, input: TaskInput): number;
  deliverToTask(workflowId: string, taskId: string, input: TaskInput): boolean;
  requestCommands(nodeId: string): AgentCommands | undefined;
}

export interface WorkflowEntityDeps {
  readonly library: DefinitionLookup & { graph(name: string): GraphDefinition | undefined };
  /** Whether an interrupted attempt of this job may run again (job.ts `onResume`); unknown jobs fail. */
  readonly resumePolicy: (runJob: string, options: Options) => 'rerun' | 'fail';
  readonly launcher: TaskLauncher;
  readonly workflows: DocumentCollection<WorkflowDoc>;
  readonly events: EventPublisher;
  /** The instance ended: the node it held is free again (and learns how it went). */
  readonly releaseNode: (nodeId: string, workflowId: string, graphName: string, status: WorkflowStatus) => void;
  /** A sub-graph ended: the task that started it hears about it. */
  readonly tellParent: (parent: { workflowId: string; taskId: string }, workflowId: string, status: WorkflowStatus) => void;
  readonly newTaskId: () => string;
  /** Brings the graph's definition (and its tasks') up to what was stored through the API on any member. */
  readonly refreshDefinitions?: (graphName: string) => Promise<void>;
}

type Ctx = EntityContext<WorkflowState, WorkflowEvent>;

const iso = (ms: number): string => new Date(ms).toISOString();

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Tasks add to the context without erasing each other's entries under a shared key (`catalogs.dmi`, `catalogs.lshw`). */
function mergeContext(ctx: Options, patch: Options | undefined): Options {
  if (patch === undefined) return ctx;
  const out: Record<string, unknown> = { ...ctx };
  for (const [k, v] of Object.entries(patch)) {
    const prev = out[k];
    out[k] = isRecord(prev) && isRecord(v) ? mergeContext(prev, v) : v;
  }
  return out;
}

function withRun(wf: WorkflowRecord, taskId: string, run: TaskRun, at: string): WorkflowRecord {
  return { ...wf, runs: { ...wf.runs, [taskId]: run }, updatedAt: at };
}

export function applyWorkflowEvent(state: WorkflowState, event: WorkflowEvent): WorkflowState {
  if (event.type === 'workflow.created') return { status: 'present', workflow: event.workflow };
  if (state.status !== 'present') return state;
  const wf = state.workflow;
  switch (event.type) {
    case 'workflow.taskStarted':
      return {
        status: 'present',
        workflow: {
          ...withRun(wf, event.taskId, { status: 'running', attempt: event.attempt, startedAt: event.at, ...(event.deadline === undefined ? {} : { deadline: event.deadline }) }, event.at),
          status: 'running',
        },
      };
    case 'workflow.taskEnded': {
      const prev = wf.runs[event.taskId];
      const run: TaskRun = {
        status: event.status,
        attempt: event.attempt,
        ...(prev?.startedAt === undefined ? {} : { startedAt: prev.startedAt }),
        finishedAt: event.at,
        ...(event.error === undefined ? {} : { error: event.error }),
        ...(event.reason === undefined ? {} : { reason: event.reason }),
      };
      return { status: 'present', workflow: { ...withRun(wf, event.taskId, run, event.at), context: mergeContext(wf.context, event.context) } };
    }
    case 'workflow.finished':
      return {
        status: 'present',
        workflow: { ...wf, status: event.status, updatedAt: event.at, finishedAt: event.at, ...(event.reason === undefined ? {} : { reason: event.reason }) },
      };
  }
}

export function toWorkflowDoc(wf: WorkflowRecord): WorkflowDoc {
  return {
    ...wf,
    ...(wf.nodeId === undefined ? {} : { node: wf.nodeId }),
    // RackHD's graphobjects carry `_status` and `instanceId`; API shapes are built from this read model.
    instanceId: wf.id,
  };
}

export function createWorkflowBehavior(d: WorkflowEntityDeps): EntityBehavior<WorkflowState, WorkflowCommand, WorkflowEvent> {
  const present = (ctx: Ctx): WorkflowRecord => {
    const s = ctx.state();
    if (s.status !== 'present') throw new NotFoundError('workflow', ctx.id);
    return s.workflow;
  };

  const project = async (ctx: Ctx): Promise<void> => {
    const s = ctx.state();
    if (s.status !== 'present') return;
    try {
      await d.workflows.put(toWorkflowDoc(s.workflow));
    } catch (e) {
      // The journal is the truth; the next transition rewrites the read model.
      ctx.log.error({ err: e }, 'workflows read model not updated');
    }
  };

  const publish = (wf: WorkflowRecord, action: string, data: Record<string, unknown>, at: string): void => {
    d.events.publish({
      version: '1.0',
      type: 'graph',
      action,
      severity: action === 'finished' && wf.status !== 'succeeded' ? 'warning' : 'information',
      typeId: wf.id,
      ...(wf.nodeId === undefined ? {} : { nodeId: wf.nodeId }),
      createdAt: at,
      data: { graphId: wf.id, graphName: wf.injectableName, ...(wf.nodeId === undefined ? {} : { nodeId: wf.nodeId }), ...data },
    });
  };

  const publishTask = (wf: WorkflowRecord, task: PlannedTask, at: string, extra: Record<string, unknown> = {}): void => {
    const run = wf.runs[task.taskId];
    publish(
      wf,
      'progress.updated',
      {
        progress: { ...progressOf(wf.tasks, wf.runs), description: `${task.label}: ${run?.status ?? 'pending'}` },
        taskProgress: { taskId: task.taskId, taskName: task.injectableName, label: task.label, state: run?.status ?? 'pending', attempt: run?.attempt ?? 0, ...extra },
      },
      at,
    );
  };

  const launch = (wf: WorkflowRecord, task: PlannedTask, run: TaskRun, resumed: boolean): void => {
    d.launcher.launch({
      workflowId: wf.id,
      claimId: wf.root ?? wf.id,
      graphName: wf.injectableName,
      ...(wf.nodeId === undefined ? {} : { nodeId: wf.nodeId }),
      task,
      attempt: run.attempt,
      resumed,
      context: wf.context,
      ...(run.deadline === undefined ? {} : { deadline: Date.parse(run.deadline) }),
    });
  };

  const finish = async (ctx: Ctx, status: WorkflowStatus, reason?: string): Promise<void> => {
    const at = iso(ctx.now());
    await ctx.commit([{ type: 'workflow.finished', status, at, ...(reason === undefined ? {} : { reason }) }]);
    const wf = present(ctx);
    // The read model shows the end before anyone hears of it (the node's release, graph.finished).
    await project(ctx);
    ctx.log.info({ status, reason }, 'workflow finished');
    publish(wf, 'finished', { status, ...(reason === undefined ? {} : { reason }) }, at);
    announceEnd(wf);
  };

  const announceEnd = (wf: WorkflowRecord): void => {
    if (wf.parent !== undefined) d.tellParent(wf.parent, wf.id, wf.status);
    else if (wf.nodeId !== undefined) d.releaseNode(wf.nodeId, wf.id, wf.injectableName, wf.status);
  };

  /** Starts what is ready, skips what cannot run, finishes the instance when nothing is left; repeats until stable. */
  const advance = async (ctx: Ctx): Promise<void> => {
    for (;;) {
      const wf = present(ctx);
      if (!activeWorkflowStatuses.has(wf.status)) return;
      const plan = schedule(wf.tasks, wf.runs);
      const at = iso(ctx.now());
      if (plan.unreachable.length > 0) {
        await ctx.commit(plan.unreachable.map((t) => ({ type: 'workflow.taskEnded', taskId: t.taskId, attempt: 0, status: 'skipped', at, reason: 'what it waits on ended otherwise' }) as const));
        continue;
      }
      if (plan.ready.length > 0) {
        const now = ctx.now();
        await ctx.commit(
          plan.ready.map((t) => ({
            type: 'workflow.taskStarted',
            taskId: t.taskId,
            attempt: 1,
            at,
            ...(t.timeoutMs === null ? {} : { deadline: iso(now + t.timeoutMs) }),
          }) as const),
        );
            const next = present(ctx);
        for (const t of plan.ready) {
          const run = next.runs[t.taskId];
          if (run !== undefined) launch(next, t, run, false);
          publishTask(next, t, at);
        }
        continue;
      }
      if (plan.finished !== undefined) {
        // A hard failure may leave tasks running in parallel branches: they are cancelled, not abandoned.
        await finish(ctx, plan.finished);
      }
      return;
    }
  };

  const create = async (ctx: Ctx, spec: WorkflowSpec): Promise<WorkflowRecord> => {
    await d.refreshDefinitions?.(spec.graphName);
    const graph = d.library.graph(spec.graphName);
    if (graph === undefined) throw new ValidationError(`no graph named ${spec.graphName}`, [{ path: 'name', message: `unknown graph ${spec.graphName}` }]);
    const plan = planWorkflow(graph, spec.options, d.library, d.newTaskId);
    const at = iso(ctx.now());
    const workflow: WorkflowRecord = {
      id: ctx.id,
      injectableName: graph.injectableName,
      friendlyName: graph.friendlyName,
      ...(spec.nodeId === undefined ? {} : { nodeId: spec.nodeId }),
      status: 'pending',
      options: plan.graph.options ?? {},
      context: { ...(spec.context ?? {}), graphId: ctx.id, ...(spec.nodeId === undefined ? {} : { target: spec.nodeId }) },
      tasks: plan.tasks,
      runs: {},
      ...(spec.parent === undefined ? {} : { parent: spec.parent }),
      ...(spec.root === undefined ? {} : { root: spec.root }),
      createdAt: at,
      updatedAt: at,
    };
    await ctx.commit([{ type: 'workflow.created', workflow }]);
    ctx.log.info({ graph: graph.injectableName, nodeId: spec.nodeId, tasks: plan.tasks.length }, 'workflow created');
    publish(workflow, 'started', {}, at);
    await advance(ctx);
    return present(ctx);
  };

  const taskEnded = async (ctx: Ctx, cmd: Extract<WorkflowCommand, { type: 'workflow.taskEnded' }>): Promise<void> => {
    const state = ctx.state();
    if (state.status !== 'present') return;
    const wf = state.workflow;
    const run = wf.runs[cmd.taskId];
    const task = wf.tasks.find((t) => t.taskId === cmd.taskId);
    // Reports of an attempt that was superseded, cancelled or already recorded change nothing.
    if (task === undefined || run === undefined || run.status !== 'running' || run.attempt !== cmd.attempt || !activeWorkflowStatuses.has(wf.status)) {
      ctx.log.debug({ taskId: cmd.taskId, attempt: cmd.attempt }, 'stale task report ignored');
      return;
    }
    const at = iso(ctx.now());
    const { outcome } = cmd;
    if (outcome.status === 'failed' && cmd.attempt <= task.retries) {
      ctx.log.warn({ task: task.label, attempt: cmd.attempt, error: outcome.error }, 'task failed; retrying');
      await ctx.commit([
        { type: 'workflow.taskEnded', taskId: task.taskId, attempt: cmd.attempt, status: 'failed', at, error: outcome.error, reason: 'will retry' },
        { type: 'workflow.taskStarted', taskId: task.taskId, attempt: cmd.attempt + 1, at, ...(run.deadline === undefined ? {} : { deadline: run.deadline }) },
      ]);
        const next = present(ctx);
      const retry = next.runs[task.taskId];
      if (retry !== undefined) launch(next, task, retry, false);
      publishTask(next, task, at, { retrying: true });
      return;
    }
    await ctx.commit([
      {
        type: 'workflow.taskEnded',
        taskId: task.taskId,
        attempt: cmd.attempt,
        status: outcome.status,
        at,
        ...(outcome.status === 'succeeded' ? {} : { error: outcome.error }),
        ...(outcome.context === undefined ? {} : { context: outcome.context }),
      },
    ]);
    const next = present(ctx);
    publishTask(next, task, at);
    if (outcome.status !== 'succeeded' && !task.ignoreFailure) {
      for (const t of next.tasks) {
        if (next.runs[t.taskId]?.status === 'running') d.launcher.abort(next.id, t.taskId, `task ${task.label} ${outcome.status}`);
      }
    }
    await advance(ctx);
  };

  const cancel = async (ctx: Ctx, reason: string): Promise<WorkflowRecord> => {
    const wf = present(ctx);
    if (!activeWorkflowStatuses.has(wf.status)) throw new WorkflowNotActiveError(wf.id, wf.status);
    const at = iso(ctx.now());
    const error = new TaskError('TASK_CANCELLED', reason).toJSON();
    const running = wf.tasks.filter((t) => wf.runs[t.taskId]?.status === 'running');
    const events: WorkflowEvent[] = running.map((t) => ({ type: 'workflow.taskEnded', taskId: t.taskId, attempt: wf.runs[t.taskId]?.attempt ?? 0, status: 'cancelled', at, error }));
    await ctx.commit(events);
    // Cancellation reaches running jobs: their AbortSignal fires (an ipmitool call is killed, a wait ends).
    for (const t of running) d.launcher.abort(wf.id, t.taskId, reason);
    await finish(ctx, 'cancelled', reason);
    return present(ctx);
  };

  const resume = async (ctx: Ctx, spec: WorkflowSpec | undefined): Promise<void> => {
    const state = ctx.state();
    if (state.status !== 'present') {
      if (spec === undefined) return;
      try {
        await create(ctx, spec);
      } catch (e) {
        // The node claimed an instance that cannot be created (its graph was removed, say): free the node.
        ctx.log.error({ err: e, graph: spec.graphName }, 'claimed workflow could not be created');
        if (spec.nodeId !== undefined) d.releaseNode(spec.nodeId, ctx.id, spec.graphName, 'failed');
      }
      return;
    }
    const wf = state.workflow;
    if (!activeWorkflowStatuses.has(wf.status)) {
      // The end may not have reached the node or the parent before the process died; telling again is harmless.
      announceEnd(wf);
      return;
    }
    const at = iso(ctx.now());
    for (const task of wf.tasks) {
      const run = wf.runs[task.taskId];
      if (run?.status !== 'running' || d.launcher.isRunning(wf.id, task.taskId, run.attempt)) continue;
      if (d.resumePolicy(task.runJob, task.options) === 'rerun') {
        await ctx.commit([{ type: 'workflow.taskStarted', taskId: task.taskId, attempt: run.attempt + 1, at, ...(run.deadline === undefined ? {} : { deadline: run.deadline }) }]);
        const next = present(ctx);
        const again = next.runs[task.taskId];
        ctx.log.info({ task: task.label, attempt: again?.attempt }, 'interrupted task started again');
        if (again !== undefined) launch(next, task, again, true);
      } else {
        const reason = `interrupted by a restart; ${task.runJob} is not safe to run twice`;
        ctx.log.warn({ task: task.label }, reason);
        await ctx.commit([{ type: 'workflow.taskEnded', taskId: task.taskId, attempt: run.attempt, status: 'failed', at, reason, error: new TaskError('TASK_FAILED', reason).toJSON() }]);
      }
    }
    await advance(ctx);
  };

  return {
    kind: 'workflow',
    eventTypes: workflowEventTypes,
    initialState: () => ({ status: 'absent' }),
    logBindings: (id) => ({ workflowId: id }),
    apply: applyWorkflowEvent,
    async handle(state, command, ctx) {
      // One read-model write per command, after all its journal records: a task ending and the next ones
      // starting is one projection, not three.
      const before = ctx.sequenceNumber();
      const settle = async (): Promise<void> => {
        const s = ctx.state();
        // A finished instance was projected by `finish` already.
        if (ctx.sequenceNumber() !== before && s.status === 'present' && activeWorkflowStatuses.has(s.workflow.status)) await project(ctx);
      };
      switch (command.type) {
        case 'workflow.create': {
          if (state.status === 'present') {
            // Creating is idempotent on the id, so a retried request does not start a second instance.
            if (state.workflow.injectableName === command.spec.graphName || state.workflow.friendlyName === command.spec.graphName) {
              ctx.reply(command.replyTo, state.workflow);
              return;
            }
            throw new ValidationError(`workflow ${ctx.id} already exists as ${state.workflow.injectableName}`, [{ path: 'id', message: 'already exists' }]);
          }
          const created = await create(ctx, command.spec);
          await settle();
          ctx.reply(command.replyTo, created);
          return;
        }
        case 'workflow.get':
          ctx.reply(command.replyTo, present(ctx));
          return;
        case 'workflow.cancel': {
          const cancelled = await cancel(ctx, command.reason);
          await settle();
          ctx.reply(command.replyTo, cancelled);
          return;
        }
        case 'workflow.taskEnded':
          await taskEnded(ctx, command);
          await settle();
          return;
        case 'workflow.taskProgress': {
          if (state.status !== 'present') return;
          const task = state.workflow.tasks.find((t) => t.taskId === command.taskId);
          if (task === undefined) return;
          publishTask(state.workflow, task, iso(ctx.now()), {
            description: command.description,
            ...(command.value === undefined ? {} : { value: command.value }),
            ...(command.maximum === undefined ? {} : { maximum: command.maximum }),
          });
          return;
        }
        case 'workflow.resume':
          await resume(ctx, command.spec);
          await settle();
          return;
        case 'workflow.nodeInput':
          ctx.reply(command.replyTo, d.launcher.deliverToNode(command.nodeId, command.input));
          return;
        case 'workflow.taskInput':
          d.launcher.deliverToTask(ctx.id, command.taskId, command.input);
          return;
        case 'workflow.agentPoll':
          ctx.reply(command.replyTo, d.launcher.requestCommands(command.nodeId) ?? null);
          return;
      }
    },
  };
}
