/**
 * The node entity: one persistent actor per managed machine. It owns the node's record and lifecycle
 * state, applies the conductor's pure lifecycle transition, keeps the `nodes` read model in step, and
 * reports what happened to the conductor once it is durable.
 */
import { InvalidTransitionError, NotFoundError, ValidationError, WorkflowConflictError, WorkflowNotActiveError } from '../../errors.ts';
import type { DocumentCollection } from '../../persistence/document-store.ts';
import type { ActiveWorkflow, LogDoc, NodeDoc, Relation, WorkflowPurpose } from '../../persistence/collections.ts';
import { decideBoot, type BootPolicy } from './boot-policy.ts';
import type { ProtocolObservation } from './boot-protocol.ts';
import type { ConductorMessage } from '../conductor/conductor-protocol.ts';
import { initialLifecycle, transition, type LifecycleEvent } from '../conductor/node-lifecycle.ts';
import type { EntityBehavior, EntityContext } from '../runtime/entity.ts';
import { nodeEventTypes, type NodeCommand, type NodeEvent, type NodePatch, type NodeRecord, type NodeSpec, type NodeState } from './node-protocol.ts';

export interface NodeEntityDeps {
  readonly nodes: DocumentCollection<NodeDoc>;
  readonly logs: DocumentCollection<LogDoc>;
  readonly tellConductor: (msg: ConductorMessage) => void;
  readonly bootPolicy: BootPolicy;
  /** Syslog records kept per node; older ones are trimmed. */
  readonly keepLogsPerNode: number;
  /**
   * Starts (or re-creates after a crash) the instance a node has claimed; absent when no workflow engine runs,
   * in which case new nodes are only booted into the discovery profile.
   */
  readonly startWorkflow?: (nodeId: string, workflow: ActiveWorkflow) => void;
  /** The graph first contact starts when `bootPolicy.unknownNodes` is `discover` (RackHD's `discoveryGraph`). */
  readonly discoveryGraph?: string;
  /** Request options for that graph (`{defaults: {...}, <label>: {...}}`). */
  readonly discoveryOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Mints workflow instance ids. */
  readonly newWorkflowId?: () => string;
  /** What the machine did on the wire also reaches the tasks of its workflow (waits for DHCP/TFTP/HTTP/syslog). */
  readonly observedByTasks?: (nodeId: string, observation: ProtocolObservation) => void;
}

/** The lifecycle step a workflow's start or end means for its node, given why the workflow holds it. */
function lifecycleStep(purpose: WorkflowPurpose, phase: 'start' | 'end', status: string, graphName: string, workflowId: string): LifecycleEvent {
  const failed = `${graphName} ${status}`;
  switch (purpose) {
    case 'discovery':
      return phase === 'start' ? { type: 'discovery.started', workflowId } : status === 'succeeded' ? { type: 'inventory.completed' } : { type: 'inventory.failed', reason: failed };
    case 'provisioning':
      return phase === 'start' ? { type: 'provisioning.started', workflowId } : status === 'succeeded' ? { type: 'provisioning.completed' } : { type: 'provisioning.failed', reason: failed };
    case 'decommission':
      return phase === 'start' ? { type: 'decommission.started', workflowId } : status === 'succeeded' ? { type: 'decommission.completed' } : { type: 'decommission.failed', reason: failed };
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();
const unique = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

export function buildNodeRecord(id: string, spec: NodeSpec, nowMs: number): NodeRecord {
  const at = iso(nowMs);
  const identifiers = unique(spec.identifiers ?? []);
  return {
    id,
    name: spec.name ?? identifiers[0] ?? id,
    type: spec.type ?? 'compute',
    identifiers,
    obms: [],
    tags: unique(spec.tags ?? []),
    relations: spec.relations ?? [],
    ...(spec.bootSettings === undefined ? {} : { bootSettings: spec.bootSettings }),
    sku: null,
    autoDiscover: spec.autoDiscover ?? false,
    lifecycle: { ...initialLifecycle, since: at },
    createdAt: at,
    updatedAt: at,
  };
}

function applyPatch(node: NodeRecord, patch: NodePatch, at: string): NodeRecord {
  const { bootSettings, ...rest } = patch;
  const next: NodeRecord = { ...node, ...rest, updatedAt: at };
  if (bootSettings === null) {
    const { bootSettings: _drop, ...withoutBoot } = next;
    return withoutBoot;
  }
  return bootSettings === undefined ? next : { ...next, bootSettings };
}

/** One relation edited: targets added once each, or removed; a relation left without targets is dropped (RackHD's nodes API). */
function editRelations(relations: readonly Relation[], edit: { readonly op: 'add' | 'remove'; readonly relationType: string; readonly targets: readonly string[] }): Relation[] {
  const existing = relations.find((r) => r.relationType === edit.relationType);
  if (edit.op === 'add') {
    if (existing === undefined) return [...relations, { relationType: edit.relationType, targets: unique(edit.targets) }];
    return relations.map((r) => (r === existing ? { ...r, targets: unique([...r.targets, ...edit.targets]) } : r));
  }
  if (existing === undefined) return [...relations];
  const targets = existing.targets.filter((t) => !edit.targets.includes(t));
  return targets.length === 0 ? relations.filter((r) => r !== existing) : relations.map((r) => (r === existing ? { ...r, targets } : r));
}

export function applyNodeEvent(state: NodeState, event: NodeEvent): NodeState {
  switch (event.type) {
    case 'node.created':
      return { status: 'present', node: event.node };
    case 'node.updated':
      return state.status === 'present' ? { status: 'present', node: applyPatch(state.node, event.patch, event.at) } : state;
    case 'node.tagsAdded':
      return state.status === 'present'
        ? { status: 'present', node: { ...state.node, tags: unique([...state.node.tags, ...event.tags]), updatedAt: event.at } }
        : state;
    case 'node.tagsRemoved':
      return state.status === 'present'
        ? { status: 'present', node: { ...state.node, tags: state.node.tags.filter((t) => !event.tags.includes(t)), updatedAt: event.at } }
        : state;
    case 'node.relationsEdited':
      return state.status === 'present' ? { status: 'present', node: { ...state.node, relations: editRelations(state.node.relations, event), updatedAt: event.at } } : state;
    case 'node.identifiersAdded':
      return state.status === 'present'
        ? { status: 'present', node: { ...state.node, identifiers: unique([...state.node.identifiers, ...event.identifiers]), updatedAt: event.at } }
        : state;
    case 'node.lifecycleChanged':
      return state.status === 'present'
        ? { status: 'present', node: { ...state.node, lifecycle: { ...event.to, since: event.at }, updatedAt: event.at } }
        : state;
    case 'node.deleted':
      return state.status === 'present' ? { status: 'deleted', node: state.node } : state;
    case 'node.workflowClaimed':
      return state.status === 'present' ? { status: 'present', node: { ...state.node, activeWorkflow: event.workflow, updatedAt: event.at } } : state;
    case 'node.workflowReleased': {
      if (state.status !== 'present' || state.node.activeWorkflow?.id !== event.workflowId) return state;
      const { activeWorkflow: _done, ...rest } = state.node;
      return { status: 'present', node: { ...rest, updatedAt: event.at } };
    }
    case 'node.workflowBootSet': {
      const active = state.status === 'present' ? state.node.activeWorkflow : undefined;
      if (state.status !== 'present' || active?.id !== event.workflowId) return state;
      const { boot: _old, ...withoutBoot } = active;
      return { status: 'present', node: { ...state.node, activeWorkflow: event.boot === null ? withoutBoot : { ...withoutBoot, boot: event.boot }, updatedAt: event.at } };
    }
  }
}

export function toNodeDoc(node: NodeRecord, version: number): NodeDoc {
  const { lifecycle, ...rest } = node;
  return {
    ...rest,
    lifecycle: {
      state: lifecycle.state,
      since: lifecycle.since,
      ...(lifecycle.previous === undefined ? {} : { previous: lifecycle.previous }),
      ...(lifecycle.reason === undefined ? {} : { reason: lifecycle.reason }),
    },
    version,
  };
}

function validatePatch(patch: NodePatch): void {
  if (patch.name !== undefined && patch.name.trim() === '') {
    throw new ValidationError('node name must not be empty', [{ path: 'name', message: 'must not be empty' }]);
  }
}

export function createNodeBehavior(deps: NodeEntityDeps): EntityBehavior<NodeState, NodeCommand, NodeEvent> {
  // The read model trails the journal; a failed projection write is logged and overwritten by the next one.
  const project = async (ctx: EntityContext<NodeState, NodeEvent>): Promise<void> => {
    const s = ctx.state();
    try {
      if (s.status === 'present') await deps.nodes.put(toNodeDoc(s.node, ctx.sequenceNumber()));
      else if (s.status === 'deleted') await deps.nodes.delete(s.node.id);
    } catch (e) {
      ctx.log.error({ err: e }, 'nodes read model not updated');
    }
  };

  let logSerial = 0;
  const observe = async (ctx: EntityContext<NodeState, NodeEvent>, o: ProtocolObservation, at: string): Promise<void> => {
    ctx.log.debug({ observation: o }, 'observed');
    if (o.type !== 'syslog' || deps.keepLogsPerNode === 0) return;
    const { type: _type, ...record } = o;
    try {
      // Ids sort by arrival (time, then a per-process serial), so trimming keeps the newest.
      await deps.logs.insert({ id: `${ctx.id}:${at}:${(++logSerial).toString(36).padStart(8, '0')}`, node: ctx.id, source: 'syslog', receivedAt: at, ...record });
      // Trimming costs a count; doing it on ~2 % of inserts bounds the excess to a few dozen records.
      if (Math.random() < 0.02) {
        const excess = (await deps.logs.count({ node: ctx.id })) - deps.keepLogsPerNode;
        if (excess > 0) {
          const oldest = await deps.logs.find({ node: ctx.id }, { sort: { id: 1 }, limit: excess });
          for (const d of oldest) await deps.logs.delete(d.id);
        }
      }
    } catch (e) {
      ctx.log.warn({ err: e }, 'syslog record not kept');
    }
  };

  /**
   * Commits `events` and, when given, a lifecycle step in one journal record, projects, and tells the
   * conductor about the step once it is durable. Refuses a step the lifecycle does not allow.
   */
  const commitWith = async (ctx: EntityContext<NodeState, NodeEvent>, node: NodeRecord, events: readonly NodeEvent[], step: LifecycleEvent | undefined, at: string): Promise<NodeRecord> => {
    const result = step === undefined ? undefined : transition(node.lifecycle, step);
    if (result !== undefined && !result.ok) throw new InvalidTransitionError(`node ${ctx.id}`, result.state, result.event);
    const all: NodeEvent[] = [...events];
    if (result?.ok === true && step !== undefined) all.push({ type: 'node.lifecycleChanged', cause: step.type, to: result.next, at });
    const next = await ctx.commit(all);
    await project(ctx);
    if (result?.ok === true && step !== undefined) {
      deps.tellConductor({ type: 'node.transitioned', nodeId: ctx.id, from: node.lifecycle.state, to: result.next, cause: step.type, actions: result.actions });
    }
    return (next as Extract<NodeState, { status: 'present' }>).node;
  };

  /** The claim first contact makes, when it should start discovery (RackHD's on-http profiles path, rackhd.md §3.3). */
  const startsDiscovery = (node: NodeRecord, firmware: string, at: string): ActiveWorkflow | undefined => {
    if (deps.startWorkflow === undefined || deps.discoveryGraph === undefined || deps.newWorkflowId === undefined) return undefined;
    // A node nothing has inventoried, or whose inventory failed (the microkernel never came up, say): RackHD
    // rediscovers undiscovered nodes whenever they boot.
    const lifecycle = node.lifecycle;
    const undiscovered = lifecycle.state === 'discovered' || (lifecycle.state === 'failed' && lifecycle.previous === 'inventorying');
    if (deps.bootPolicy.unknownNodes !== 'discover' || node.activeWorkflow !== undefined || !undiscovered) return undefined;
    // The microkernel's own DHCP must not start a second discovery of the machine it is inventorying.
    if (firmware === 'microkernel') return undefined;
    // The claim carries the discovery profile from the start, so the very first answer boots the microkernel
    // instead of a wait loop until the graph's bootstrap task asks for it.
    return {
      id: deps.newWorkflowId(),
      graphName: deps.discoveryGraph,
      purpose: 'discovery',
      ...(deps.discoveryOptions === undefined ? {} : { options: deps.discoveryOptions }),
      boot: { profile: deps.bootPolicy.discoveryProfile, options: {} },
      since: at,
    };
  };

  return {
    kind: 'node',
    eventTypes: nodeEventTypes,
    initialState: () => ({ status: 'absent' }),
    logBindings: (id) => ({ nodeId: id }),
    apply: applyNodeEvent,
    // Every request that changes a node answers with the node as it then is. A redelivered one was applied
    // already; the current node is the answer its asker would have had asking a moment later (later records
    // may have changed it since, as they could have before the asker read it). A create answers
    // created: true, as its first delivery did.
    answerDuplicate(state, command) {
      if (state.status === 'absent') return undefined;
      switch (command.type) {
        case 'node.create':
          return { value: { node: state.node, created: true } };
        case 'node.bootDecision':
          return undefined;
        default:
          return { value: state.node };
      }
    },
    async handle(state, command, ctx) {
      const at = iso(ctx.now());
      if (command.type === 'node.create') {
        if (state.status === 'present') {
          ctx.reply(command.replyTo, { node: state.node, created: false });
          return;
        }
        // A deleted node's id is never reused: its history stays in the journal.
        if (state.status === 'deleted') throw new NotFoundError('node', ctx.id);
        const node = buildNodeRecord(ctx.id, command.spec, ctx.now());
        await ctx.commit([{ type: 'node.created', node }]);
        await project(ctx);
        deps.tellConductor({ type: 'node.added', node });
        ctx.reply(command.replyTo, { node, created: true });
        return;
      }
      if (state.status !== 'present') throw new NotFoundError('node', ctx.id);
      const node = state.node;
      switch (command.type) {
        case 'node.get':
          ctx.reply(command.replyTo, node);
          return;
        case 'node.update': {
          validatePatch(command.patch);
          const next = await ctx.commit([{ type: 'node.updated', patch: command.patch, at }]);
          await project(ctx);
          ctx.reply(command.replyTo, (next as Extract<NodeState, { status: 'present' }>).node);
          return;
        }
        case 'node.addTags': {
          const next = await ctx.commit([{ type: 'node.tagsAdded', tags: command.tags, at }]);
          await project(ctx);
          ctx.reply(command.replyTo, (next as Extract<NodeState, { status: 'present' }>).node);
          return;
        }
        case 'node.removeTags': {
          if (!command.tags.some((t) => node.tags.includes(t))) {
            ctx.reply(command.replyTo, node);
            return;
          }
          const next = await ctx.commit([{ type: 'node.tagsRemoved', tags: command.tags, at }]);
          await project(ctx);
          ctx.reply(command.replyTo, (next as Extract<NodeState, { status: 'present' }>).node);
          return;
        }
        case 'node.editRelations': {
          const next = await ctx.commit([{ type: 'node.relationsEdited', op: command.op, relationType: command.relationType, targets: command.targets, at }]);
          await project(ctx);
          ctx.reply(command.replyTo, (next as Extract<NodeState, { status: 'present' }>).node);
          return;
        }
        case 'node.addIdentifiers': {
          const fresh = command.identifiers.filter((i) => !node.identifiers.includes(i));
          if (fresh.length === 0) {
            ctx.reply(command.replyTo, node);
            return;
          }
          const next = await ctx.commit([{ type: 'node.identifiersAdded', identifiers: fresh, at }]);
          await project(ctx);
          ctx.reply(command.replyTo, (next as Extract<NodeState, { status: 'present' }>).node);
          return;
        }
        case 'node.lifecycle': {
          const next = await commitWith(ctx, node, [], command.event, at);
          ctx.reply(command.replyTo, next);
          return;
        }
        case 'node.bootDecision': {
          const discover = startsDiscovery(node, command.request.firmware, at);
          if (discover !== undefined) {
            // First contact of a node nothing has inventoried: claim it for discovery in the same journal record
            // as the lifecycle step, then start the instance. A crash in between leaves the claim, which the
            // resume sweep turns into the instance (workflow.resume with this claim's spec).
            const claimed = await commitWith(ctx, node, [{ type: 'node.workflowClaimed', workflow: discover, at }], lifecycleStep('discovery', 'start', '', discover.graphName, discover.id), at);
            deps.startWorkflow?.(ctx.id, discover);
            ctx.log.info({ workflowId: discover.id, graph: discover.graphName }, 'discovery started on first contact');
            ctx.reply(command.replyTo, decideBoot(claimed, command.request, deps.bootPolicy));
            return;
          }
          const decision = decideBoot(node, command.request, deps.bootPolicy);
          ctx.log.debug({ request: command.request, decision }, 'boot decision');
          ctx.reply(command.replyTo, decision);
          return;
        }
        case 'node.observe':
          deps.observedByTasks?.(ctx.id, command.observation);
          await observe(ctx, command.observation, command.at);
          return;
        case 'node.claimWorkflow': {
          const active = node.activeWorkflow;
          if (active !== undefined) {
            if (active.id !== command.workflow.id) throw new WorkflowConflictError(ctx.id, active.id);
            ctx.reply(command.replyTo, node);
            return;
          }
          const claim: ActiveWorkflow = { ...command.workflow, since: at };
          const events: NodeEvent[] = [{ type: 'node.workflowClaimed', workflow: claim, at }];
          const next = claim.purpose === undefined
            ? await commitWith(ctx, node, events, undefined, at)
            : await commitWith(ctx, node, events, lifecycleStep(claim.purpose, 'start', '', claim.graphName, claim.id), at);
          ctx.reply(command.replyTo, next);
          return;
        }
        case 'node.releaseWorkflow': {
          const active = node.activeWorkflow;
          if (active?.id !== command.workflowId) return;
          const released: NodeEvent[] = [{ type: 'node.workflowReleased', workflowId: command.workflowId, status: command.status, at }];
          // Only a node still in the state the workflow put it in moves on (an operator may have put it in maintenance).
          const step = active.purpose === undefined ? undefined : lifecycleStep(active.purpose, 'end', command.status, active.graphName, active.id);
          const applicable = step !== undefined && transition(node.lifecycle, step).ok ? step : undefined;
          await commitWith(ctx, node, released, applicable, at);
          ctx.log.info({ workflowId: command.workflowId, status: command.status }, 'workflow released the node');
          return;
        }
        case 'node.setWorkflowBoot': {
          if (node.activeWorkflow?.id !== command.workflowId) throw new WorkflowNotActiveError(command.workflowId, 'not the node\'s active workflow');
          const next = await commitWith(ctx, node, [{ type: 'node.workflowBootSet', workflowId: command.workflowId, boot: command.boot, at }], undefined, at);
          ctx.reply(command.replyTo, next);
          return;
        }
        case 'node.delete':
          // RackHD refuses to remove a node a graph is running on; checked here so no claim can slip in between.
          if (node.activeWorkflow !== undefined) throw new WorkflowConflictError(ctx.id, node.activeWorkflow.id);
          await ctx.commit([{ type: 'node.deleted', at }]);
          await project(ctx);
          deps.tellConductor({ type: 'node.removed', node });
          ctx.reply(command.replyTo, node);
          return;
      }
    },
  };
}
