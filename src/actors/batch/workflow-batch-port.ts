/**
 * The batch port of a member: nodes selected from the `nodes` read model (tags, SKU by id or name, ids,
 * type), workflows started, read and cancelled through the WorkflowEngine (which reaches the instance on
 * whichever member owns it), events onto the member's bus.
 *
 * A workflow's status is read from the `workflows` read model first (one indexed read, and every instance
 * projects its end before it tells anyone), and asked of the instance only when the read model has no
 * record of it: "no such workflow" makes the batch start it again, which must not happen to an instance
 * that exists but whose projection was lost (it would claim its node a second time).
 */
import { isMonorailError, ValidationError } from '../../errors.ts';
import type { NodeDoc, SkuDoc, WorkflowDoc } from '../../persistence/collections.ts';
import type { DocumentCollection, Filter } from '../../persistence/document-store.ts';
import type { EventPublisher } from '../events/event-bus.ts';
import type { WorkflowEngine } from '../workflow/workflow-engine.ts';
import { planWorkflow } from '../workflow/graph-plan.ts';
import type { BatchSelector } from './batch-protocol.ts';
import type { BatchPort, BatchWorkflowState, BatchWorkflowStatus } from './batch-port.ts';

export interface WorkflowBatchPortDeps {
  readonly engine: Pick<WorkflowEngine, 'run' | 'get' | 'cancel' | 'library'>;
  readonly nodes: DocumentCollection<NodeDoc>;
  readonly skus: DocumentCollection<SkuDoc>;
  readonly workflows: DocumentCollection<WorkflowDoc>;
  readonly events: EventPublisher;
}

const statuses: Readonly<Record<string, BatchWorkflowStatus>> = { pending: 'running', running: 'running', succeeded: 'succeeded', failed: 'failed', cancelled: 'cancelled', timeout: 'timeout' };

function stateOf(status: string, reason: unknown): BatchWorkflowState {
  return { status: statuses[status] ?? 'running', ...(typeof reason === 'string' ? { reason } : {}) };
}

export function workflowBatchPort(d: WorkflowBatchPortDeps): BatchPort {
  return {
    publish: (event) => d.events.publish(event),

    checkGraph(graphName, options) {
      const graph = d.engine.library.graph(graphName);
      if (graph === undefined) throw new ValidationError(`no graph named ${graphName}`, [{ path: 'body.graphName', message: `unknown graph ${graphName}` }]);
      try {
        planWorkflow(graph, options, d.engine.library, () => 'dry-run');
      } catch (e) {
        // The planner names `options.x`; the batch's caller sent them as `graphOptions`.
        if (e instanceof ValidationError) throw new ValidationError(e.message.replace(/^options\./, 'graphOptions.'), e.errors.map((p) => ({ path: `body.graph${p.path.charAt(0).toUpperCase()}${p.path.slice(1)}`, message: p.message })));
        throw e;
      }
    },

    async selectNodes(selector: BatchSelector, limit) {
      const filter: Record<string, unknown> = {};
      if (selector.tags !== undefined) filter['tags'] = { $all: [...selector.tags] };
      if (selector.type !== undefined) filter['type'] = selector.type;
      if (selector.sku !== undefined) {
        const sku = (await d.skus.get(selector.sku)) ?? (await d.skus.findOne({ name: selector.sku }));
        filter['sku'] = sku?.id ?? selector.sku;
      }
      if (selector.nodeIds === undefined) return (await d.nodes.find(filter, { sort: { id: 1 }, limit })).map((n) => n.id);
      const wanted = [...new Set(selector.nodeIds)];
      const existing = new Set((await d.nodes.find({ id: { $in: wanted } })).map((n) => n.id));
      const missing = wanted.filter((id) => !existing.has(id));
      if (missing.length > 0) {
        throw new ValidationError(`no node ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` (and ${missing.length - 10} more)` : ''}`, [{ path: 'body.selector.nodeIds', message: `${missing.length} unknown node id(s)` }]);
      }
      const matching = new Set((await d.nodes.find({ ...filter, id: { $in: wanted } } satisfies Filter)).map((n) => n.id));
      return wanted.filter((id) => matching.has(id)).slice(0, limit);
    },

    async startWorkflow(r) {
      await d.engine.run({ id: r.id, graphName: r.graphName, nodeId: r.nodeId, ...(r.options === undefined ? {} : { options: r.options }) });
    },

    async workflowStatus(id) {
      const doc = await d.workflows.get(id);
      if (doc !== undefined) return stateOf(doc.status, doc['reason']);
      try {
        const wf = await d.engine.get(id);
        return stateOf(wf.status, wf.reason);
      } catch (e) {
        if (isMonorailError(e, 'NOT_FOUND')) return undefined;
        throw e;
      }
    },

    async cancelWorkflow(id, reason) {
      try {
        await d.engine.cancel(id, reason);
      } catch (e) {
        // Already ended (or never started): nothing left to cancel; the next status read tells the batch.
        if (isMonorailError(e, 'WORKFLOW_NOT_ACTIVE') || isMonorailError(e, 'NOT_FOUND')) return;
        throw e;
      }
    },
  };
}
