/**
 * The node entity: one persistent actor per managed machine. It owns the node's record and lifecycle
 * state, applies the conductor's pure lifecycle transition, keeps the `nodes` read model in step, and
 * reports what happened to the conductor once it is durable.
 */
import { InvalidTransitionError, NotFoundError, ValidationError } from '../../errors.ts';
import type { DocumentCollection } from '../../persistence/document-store.ts';
import type { LogDoc, NodeDoc } from '../../persistence/collections.ts';
import { decideBoot, type BootPolicy } from './boot-policy.ts';
import type { ProtocolObservation } from './boot-protocol.ts';
import type { ConductorMessage } from '../conductor/conductor-protocol.ts';
import { initialLifecycle, transition } from '../conductor/node-lifecycle.ts';
import type { EntityBehavior, EntityContext } from '../runtime/entity.ts';
import { nodeEventTypes, type NodeCommand, type NodeEvent, type NodePatch, type NodeRecord, type NodeSpec, type NodeState } from './node-protocol.ts';

export interface NodeEntityDeps {
  readonly nodes: DocumentCollection<NodeDoc>;
  readonly logs: DocumentCollection<LogDoc>;
  readonly tellConductor: (msg: ConductorMessage) => void;
  readonly bootPolicy: BootPolicy;
  /** Syslog records kept per node; older ones are trimmed. */
  readonly keepLogsPerNode: number;
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

  return {
    kind: 'node',
    eventTypes: nodeEventTypes,
    initialState: () => ({ status: 'absent' }),
    logBindings: (id) => ({ nodeId: id }),
    apply: applyNodeEvent,
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
          const result = transition(node.lifecycle, command.event);
          if (!result.ok) throw new InvalidTransitionError(`node ${ctx.id}`, result.state, result.event);
          const next = await ctx.commit([{ type: 'node.lifecycleChanged', cause: command.event.type, to: result.next, at }]);
          await project(ctx);
          deps.tellConductor({
            type: 'node.transitioned',
            nodeId: ctx.id,
            from: node.lifecycle.state,
            to: result.next,
            cause: command.event.type,
            actions: result.actions,
          });
          ctx.reply(command.replyTo, (next as Extract<NodeState, { status: 'present' }>).node);
          return;
        }
        case 'node.bootDecision': {
          const decision = decideBoot(node, command.request, deps.bootPolicy);
          ctx.log.debug({ request: command.request, decision }, 'boot decision');
          ctx.reply(command.replyTo, decision);
          return;
        }
        case 'node.observe':
          await observe(ctx, command.observation, command.at);
          return;
        case 'node.delete':
          await ctx.commit([{ type: 'node.deleted', at }]);
          await project(ctx);
          deps.tellConductor({ type: 'node.removed', node });
          ctx.reply(command.replyTo, node);
          return;
      }
    },
  };
}
