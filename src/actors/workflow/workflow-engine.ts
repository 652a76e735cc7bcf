/**
 * The workflow engine of one member: the definition library with the built-in graphs, the workflow
 * entities, the task actors, and the operations the API, the boot path and the microkernel endpoints use.
 * Running a graph on a node claims the node first (the node entity is the single writer of "one active
 * workflow per node", so two simultaneous requests cannot both win), then creates the instance.
 */
import { ValidationError, WorkflowNotActiveError } from '../../errors.ts';
import type { Logger } from '../../logging/logger.ts';
import type { DefinitionDoc, WorkflowDoc } from '../../persistence/collections.ts';
import type { DocumentCollection } from '../../persistence/document-store.ts';
import type { EventPublisher } from '../events/event-bus.ts';
import { newEntityId } from '../ids.ts';
import type { ProtocolObservation } from '../node/boot-protocol.ts';
import type { NodeCommand } from '../node/node-protocol.ts';
import type { ActorSystem } from '../runtime/actor-system.ts';
import type { Clock } from '../runtime/clock.ts';
import type { EntityRouter } from '../runtime/entity-router.ts';
import type { HostedEntityRouter } from '../runtime/entity-router.ts';
import { sealSecrets, type SecretSealer } from '../secret-port.ts';
import { builtinBaseTasks } from './builtin/base-tasks.ts';
import { builtinGraphs, graphPurposes } from './builtin/graphs.ts';
import { builtinTasks } from './builtin/tasks.ts';
import { DefinitionLibrary } from './definition-library.ts';
import { definitionSync, type DefinitionSync } from './definition-sync.ts';
import { planWorkflow } from './graph-plan.ts';
import type { Options } from './definition-types.ts';
import type { Job } from './job.ts';
import type { JobServices } from './job-services.ts';
import type { AgentCommands, AgentReport, TaskInput } from './task-input.ts';
import { TaskRunnerHost, type ExternalScope } from './task-runner.ts';
import { createWorkflowBehavior } from './workflow-entity.ts';
import { activeWorkflowStatuses, type WorkflowCommand, type WorkflowRecord, type WorkflowSpec } from './workflow-protocol.ts';

export interface WorkflowEngineDeps {
  readonly system: ActorSystem;
  readonly nodes: EntityRouter<NodeCommand>;
  readonly workflows: DocumentCollection<WorkflowDoc>;
  readonly events: EventPublisher;
  readonly jobs: ReadonlyMap<string, Job<JobServices>>;
  /** The job services other than the ones the engine itself provides (nodes, workflows). */
  readonly services: Omit<JobServices, 'nodes' | 'workflows'>;
  readonly scope: (nodeId: string | undefined) => Promise<ExternalScope>;
  readonly sealer: SecretSealer;
  readonly clock: Clock;
  readonly log: Logger;
  /** On a cluster member: instances live on their shard's owner, so task input is routed through them. */
  readonly distributed?: boolean;
  /** Definitions stored through the API, shared by every member (definition-sync.ts). */
  readonly definitions?: DocumentCollection<DefinitionDoc>;
}

export interface RunGraphRequest {
  readonly graphName: string;
  readonly nodeId?: string;
  readonly options?: Readonly<Record<string, Options>>;
  /** Give an id to make the request idempotent (a client retrying gets the same instance). */
  readonly id?: string;
}

export class WorkflowEngine {
  readonly library = new DefinitionLibrary();
  readonly router: HostedEntityRouter<WorkflowCommand>;
  readonly tasks: TaskRunnerHost<JobServices>;
  /** Stored definitions: loaded at start, refreshed before each plan. */
  readonly definitions: DefinitionSync | undefined;
  private readonly log: Logger;

  constructor(private readonly d: WorkflowEngineDeps) {
    this.log = d.log.child({ component: 'workflows' });
    for (const b of builtinBaseTasks) this.library.register('baseTask', b);
    for (const t of builtinTasks) this.library.register('task', t);
    for (const g of builtinGraphs) this.library.register('graph', g);
    const sync = d.definitions === undefined ? undefined : definitionSync(this.library, d.definitions, (doc, e) => this.log.error({ err: e, definition: doc.id }, 'a stored definition no longer registers; left out'));
    this.definitions = sync;

    const services: JobServices = {
      ...d.services,
      nodes: d.nodes,
      workflows: {
        create: (id, spec) => this.router.ask(id, { type: 'workflow.create', spec }),
        get: (id) => this.router.ask(id, { type: 'workflow.get' }),
      },
    };
    let serial = 0;
    this.tasks = new TaskRunnerHost<JobServices>({
      // Task actors are children of the actor system's root, one per attempt.
      spawn: (name, handle) => d.system.spawn<null, Parameters<typeof handle>[0]>(`${name}-${(++serial).toString(36)}`, null, (_s, msg) => {
        handle(msg);
        return null;
      }),
      jobs: d.jobs,
      services,
      scope: d.scope,
      tellWorkflow: (id, command) => this.router.tell(id, command),
      clock: d.clock,
      log: this.log,
    });
    this.router = d.system.hosted(
      createWorkflowBehavior({
        library: this.library,
        resumePolicy: (runJob, options) => {
          const job = d.jobs.get(runJob);
          if (job === undefined) return 'fail';
          return typeof job.onResume === 'function' ? job.onResume(options) : job.onResume;
        },
        launcher: this.tasks,
        workflows: d.workflows,
        events: d.events,
        releaseNode: (nodeId, workflowId, _graph, status) => d.nodes.tell(nodeId, { type: 'node.releaseWorkflow', workflowId, status }),
        tellParent: (parent, workflowId, status) => {
          const input = { type: 'graph.finished', workflowId, status } as const;
          // On a cluster the parent's task runs wherever the parent instance lives.
          if (this.d.distributed !== true) this.tasks.deliverToTask(parent.workflowId, parent.taskId, input);
          else this.router.tell(parent.workflowId, { type: 'workflow.taskInput', taskId: parent.taskId, input });
        },
        newTaskId: () => newEntityId(d.clock.now()),
        ...(sync === undefined ? {} : { refreshDefinitions: (graphName: string) => sync.refresh(graphName) }),
      }),
    );
  }

  /**
   * Runs a graph, on a node when `nodeId` is given: refused with RackHD's 400 when the node already runs one.
   * Secrets in the options are sealed before the node or the workflow journals them.
   */
  async run(req: RunGraphRequest): Promise<WorkflowRecord> {
    const id = req.id ?? newEntityId(this.d.clock.now());
    const options = req.options === undefined ? undefined : sealSecrets(req.options, this.d.sealer);
    await this.definitions?.refresh(req.graphName);
    const graph = this.library.graph(req.graphName);
    if (graph === undefined) throw new ValidationError(`no graph named ${req.graphName}`, [{ path: 'name', message: `unknown graph ${req.graphName}` }]);
    // Checked before the node is claimed, so a bad request leaves the node exactly as it was.
    planWorkflow(graph, options, this.library, () => 'dry-run');
    const purpose = graphPurposes[graph.injectableName];
    if (req.nodeId !== undefined) {
      await this.d.nodes.ask(req.nodeId, {
        type: 'node.claimWorkflow',
        workflow: { id, graphName: req.graphName, ...(purpose === undefined ? {} : { purpose }), ...(options === undefined ? {} : { options }) },
      });
    }
    const spec: WorkflowSpec = { graphName: req.graphName, ...(req.nodeId === undefined ? {} : { nodeId: req.nodeId }), ...(options === undefined ? {} : { options }) };
    try {
      return await this.router.ask(id, { type: 'workflow.create', spec });
    } catch (e) {
      // The instance could not be created (a bad option, say): the claim must not outlive it.
      if (req.nodeId !== undefined) this.d.nodes.tell(req.nodeId, { type: 'node.releaseWorkflow', workflowId: id, status: 'failed' });
      throw e;
    }
  }

  get(id: string): Promise<WorkflowRecord> {
    return this.router.ask(id, { type: 'workflow.get' });
  }

  cancel(id: string, reason = 'cancelled by request'): Promise<WorkflowRecord> {
    return this.router.ask(id, { type: 'workflow.cancel', reason });
  }

  /** Cancels the node's active workflow (RackHD's `PUT /nodes/:id/workflows/action {command: cancel}`). */
  async cancelActive(nodeId: string, reason = 'cancelled by request'): Promise<WorkflowRecord> {
    const node = await this.d.nodes.ask(nodeId, { type: 'node.get' });
    if (node.activeWorkflow === undefined) throw new WorkflowNotActiveError(`(none on node ${nodeId})`, 'none');
    return this.cancel(node.activeWorkflow.id, reason);
  }

  /** A node claimed an instance (first contact): create it, or pick it up again after a crash. */
  startClaimed(nodeId: string, claim: { readonly id: string; readonly graphName: string; readonly options?: Readonly<Record<string, Options>> }): void {
    this.router.tell(claim.id, { type: 'workflow.resume', spec: { graphName: claim.graphName, nodeId, ...(claim.options === undefined ? {} : { options: claim.options }) } });
  }

  /**
   * After a start: every instance the read model says is active resumes (its interrupted attempts are started
   * again or failed, by their jobs' rule), and every node claim whose instance was never created gets it.
   */
  async resumeAll(claims: readonly { readonly nodeId: string; readonly claim: { readonly id: string; readonly graphName: string; readonly options?: Readonly<Record<string, Options>> } }[]): Promise<{ readonly workflows: number; readonly claims: number }> {
    const active = await this.d.workflows.find({ status: { $in: [...activeWorkflowStatuses] } });
    for (const wf of active) this.router.tell(wf.id, { type: 'workflow.resume' });
    for (const c of claims) this.startClaimed(c.nodeId, c.claim);
    if (active.length + claims.length > 0) this.log.info({ workflows: active.length, claims: claims.length }, 'resuming workflows');
    return { workflows: active.length, claims: claims.length };
  }

  /**
   * On a cluster member: the instances of a shard this member just acquired resume here, and node claims
   * whose instance (in that shard) was never created get it.
   */
  async resumeShard(inShard: (workflowId: string) => boolean): Promise<number> {
    const active = (await this.d.workflows.find({ status: { $in: [...activeWorkflowStatuses] } })).filter((wf) => inShard(wf.id));
    for (const wf of active) this.router.tell(wf.id, { type: 'workflow.resume' });
    if (active.length > 0) this.log.info({ workflows: active.length }, 'resuming the workflows of an acquired shard');
    return active.length;
  }

  /** A shard is being handed over: its running task actors stop without reporting; the next owner resumes them. */
  closeShard(inShard: (workflowId: string) => boolean): void {
    this.tasks.closeWhere(inShard);
  }

  // ---- what the southbound endpoints hand to running tasks --------------------------------------
  // On a single member the task actors are here; on a cluster they run on the member owning the node's
  // instance, which the request reaches through the instance (`workflow.nodeInput`, `workflow.agentPoll`).

  async requestCommands(nodeId: string): Promise<AgentCommands | undefined> {
    const local = this.tasks.requestCommands(nodeId);
    if (local !== undefined || this.d.distributed !== true || this.tasks.runsFor(nodeId)) return local;
    const workflowId = await this.activeWorkflowOf(nodeId);
    if (workflowId === undefined) return undefined;
    return (await this.router.ask(workflowId, { type: 'workflow.agentPoll', nodeId })) ?? undefined;
  }

  async respondCommands(nodeId: string, report: AgentReport): Promise<boolean> {
    return (await this.deliverToNode(nodeId, { type: 'microkernel.results', nodeId, report })) > 0;
  }

  notify(nodeId: string, data: Options): Promise<number> {
    return this.deliverToNode(nodeId, { type: 'notification', nodeId, data });
  }

  agentStarted(nodeId: string): void {
    this.deliverToNode(nodeId, { type: 'microkernel.started', nodeId }).catch((e: unknown) => this.log.debug({ err: e, nodeId }, 'agent start not delivered'));
  }

  observe(nodeId: string, observation: ProtocolObservation): void {
    this.deliverToNode(nodeId, { type: 'protocol', nodeId, observation }).catch((e: unknown) => this.log.debug({ err: e, nodeId }, 'observation not delivered'));
  }

  private async deliverToNode(nodeId: string, input: TaskInput): Promise<number> {
    if (this.d.distributed !== true || this.tasks.runsFor(nodeId)) return this.tasks.deliverToNode(nodeId, input);
    const workflowId = await this.activeWorkflowOf(nodeId);
    if (workflowId === undefined) return 0;
    return this.router.ask(workflowId, { type: 'workflow.nodeInput', nodeId, input });
  }

  private async activeWorkflowOf(nodeId: string): Promise<string | undefined> {
    try {
      return (await this.d.nodes.ask(nodeId, { type: 'node.get' })).activeWorkflow?.id;
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.tasks.close();
  }
}
