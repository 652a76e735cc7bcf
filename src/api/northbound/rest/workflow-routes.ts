/**
 * Workflow instances (RackHD's `/api/2.0/workflows` and `/api/2.0/nodes/{identifier}/workflows`): lists from
 * the read model, runs through the engine (one active graph per node, RackHD's 400 for a second), RackHD's
 * `cancel` action (202), and deletion of a finished instance's record. Secrets in options and context are
 * shown as `REDACTED`.
 */
import { Type } from '@sinclair/typebox';
import { activeWorkflowStatuses } from '../../../actors/workflow/workflow-protocol.ts';
import { isMonorailError, MonorailError, NotFoundError, ValidationError } from '../../../errors.ts';
import type { WorkflowDoc } from '../../../persistence/collections.ts';
import type { Filter } from '../../../persistence/document-store.ts';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { ActionBody, AnyObject, BooleanFlag, IdentifierParams, pagedQuery, query } from './common-schemas.ts';
import { graphNameOf, RunGraphBody, runGraph } from './graph-runs.ts';
import { definedFields, pagedList } from './list-page.ts';
import { findNode } from './node-routes.ts';
import { recordOf, workflowView } from './workflow-view.ts';

const WorkflowParams = Type.Object({ identifier: Type.String({ minLength: 1, maxLength: 64, description: 'The workflow instance id.' }) });
const active = [...activeWorkflowStatuses];
const activeFilter = (flag: boolean | undefined): Filter => (flag === undefined ? {} : { status: flag ? { $in: active } : { $nin: active } });
const view = (d: WorkflowDoc): unknown => workflowView(recordOf(d));

async function findWorkflow(ports: NorthboundPorts, id: string): Promise<WorkflowDoc> {
  const doc = await ports.documents.collection('workflows').get(id);
  if (doc === undefined) throw new NotFoundError('workflow', id);
  return doc;
}

/** RackHD's target of a graph run by `POST /workflows`: `options.defaults.graphOptions.target`, else `options.defaults.nodeId`. */
function targetOf(options: Readonly<Record<string, Readonly<Record<string, unknown>>>> | undefined): string | undefined {
  const defaults = options?.['defaults'];
  const graphOptions = defaults?.['graphOptions'];
  const target = typeof graphOptions === 'object' && graphOptions !== null ? (graphOptions as Record<string, unknown>)['target'] : undefined;
  const chosen = target ?? defaults?.['nodeId'];
  if (chosen === undefined || chosen === null) return undefined;
  if (typeof chosen !== 'string' || chosen === '') {
    throw new ValidationError('the graph\'s target must be a node id', [{ path: target === undefined ? 'body.options.defaults.nodeId' : 'body.options.defaults.graphOptions.target', message: 'must be a node id' }]);
  }
  return chosen;
}

/** Cancels an active instance; a finished or unknown one is RackHD's 404. */
async function cancel(ports: NorthboundPorts, id: string): Promise<WorkflowDoc> {
  const doc = await findWorkflow(ports, id);
  try {
    await ports.workflows.cancel(id, 'cancelled through the API');
  } catch (e) {
    if (isMonorailError(e, 'WORKFLOW_NOT_ACTIVE')) throw new MonorailError('NOT_FOUND', `workflow ${id} is not active (${String(doc.status)})`, { id });
    throw e;
  }
  return findWorkflow(ports, id);
}

export function workflowRoutes(ports: NorthboundPorts): ApiRoute[] {
  const tag = 'workflows';
  const workflows = () => ports.documents.collection('workflows');
  return [
    route({
      method: 'get',
      path: '/workflows',
      summary: 'List workflow instances, paged, filtered by active, node, graph or status',
      tag,
      access: 'ReadOnly',
      query: pagedQuery({
        active: BooleanFlag('Only running (true) or only finished (false) instances.'),
        node: Type.Optional(Type.String({ maxLength: 200 })),
        injectableName: Type.Optional(Type.String({ maxLength: 255 })),
        status: Type.Optional(Type.String({ maxLength: 32 })),
      }),
      responses: { 200: { description: 'Workflow instances', schema: Type.Array(AnyObject) }, 400: { description: 'Bad query', schema: ErrorBody } },
      handler: ({ query: q, req }) =>
        pagedList(workflows(), { ...definedFields({ node: q.node, injectableName: q.injectableName, status: q.status }), ...activeFilter(q.active) }, q, req, view),
    }),
    route({
      method: 'post',
      path: '/workflows',
      summary: 'Run a graph; its node (if any) is options.defaults.graphOptions.target or options.defaults.nodeId',
      tag,
      access: 'Operator',
      query: query({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }),
      body: RunGraphBody,
      responses: {
        201: { description: 'The instance', schema: AnyObject },
        400: { description: 'Bad request, unknown graph, unknown target, or the node already runs a graph', schema: ErrorBody },
      },
      async handler({ query: q, body }) {
        const name = graphNameOf(ports, q, body);
        const target = targetOf(body.options);
        let nodeId: string | undefined;
        if (target !== undefined) {
          try {
            nodeId = (await findNode(ports, target)).id;
          } catch (e) {
            if (isMonorailError(e, 'NOT_FOUND')) throw new ValidationError(`no node ${target}`, [{ path: 'body.options.defaults.graphOptions.target', message: 'no such node' }]);
            throw e;
          }
        }
        const wf = await runGraph(ports, name, nodeId, body.options);
        return { status: 201, body: workflowView(wf), headers: { Location: `/api/2.0/workflows/${wf.id}` } };
      },
    }),
    route({
      method: 'get',
      path: '/workflows/{identifier}',
      summary: 'One workflow instance',
      tag,
      access: 'ReadOnly',
      params: WorkflowParams,
      responses: { 200: { description: 'The instance', schema: AnyObject }, 404: { description: 'No such instance', schema: ErrorBody } },
      handler: async ({ params }) => ({ status: 200, body: view(await findWorkflow(ports, params.identifier)) }),
    }),
    route({
      method: 'put',
      path: '/workflows/{identifier}/action',
      summary: 'Cancel a running instance ({command: "cancel"})',
      tag,
      access: 'Operator',
      params: WorkflowParams,
      body: ActionBody,
      responses: {
        202: { description: 'Cancelled', schema: AnyObject },
        400: { description: 'Bad action', schema: ErrorBody },
        404: { description: 'No such instance, or it is not active', schema: ErrorBody },
      },
      async handler({ params }) {
        return { status: 202, body: view(await cancel(ports, params.identifier)) };
      },
    }),
    route({
      method: 'delete',
      path: '/workflows/{identifier}',
      summary: 'Delete a finished instance\'s record; an active one is refused (403)',
      tag,
      access: 'Operator',
      params: WorkflowParams,
      responses: { 204: { description: 'Deleted' }, 403: { description: 'The instance is active', schema: ErrorBody }, 404: { description: 'No such instance', schema: ErrorBody } },
      async handler({ params }) {
        const doc = await findWorkflow(ports, params.identifier);
        if ((active as readonly string[]).includes(doc.status)) {
          throw new MonorailError('FORBIDDEN', `workflow ${doc.id} is ${doc.status}: cancel it before deleting it`, { id: doc.id });
        }
        await workflows().delete(doc.id);
        await ports.documents.collection('tasks').deleteMany({ workflow: doc.id });
        return { status: 204 };
      },
    }),
    route({
      method: 'get',
      path: '/nodes/{identifier}/workflows',
      summary: 'The workflow instances that ran or run on a node',
      tag: 'nodes',
      access: 'ReadOnly',
      params: IdentifierParams,
      query: pagedQuery({ active: BooleanFlag('Only running (true) or only finished (false) instances.') }),
      responses: { 200: { description: 'Workflow instances', schema: Type.Array(AnyObject) }, 404: { description: 'No such node', schema: ErrorBody } },
      async handler({ params, query: q, req }) {
        const node = await findNode(ports, params.identifier);
        return pagedList(workflows(), { node: node.id, ...activeFilter(q.active) }, q, req, view);
      },
    }),
    route({
      method: 'post',
      path: '/nodes/{identifier}/workflows',
      summary: 'Run a graph on a node (?name= or {name, options}); RackHD\'s 400 when it already runs one',
      tag: 'nodes',
      access: 'Operator',
      params: IdentifierParams,
      query: query({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }),
      body: RunGraphBody,
      responses: {
        201: { description: 'The instance', schema: AnyObject },
        400: { description: 'Bad request, unknown graph, or the node already runs a graph', schema: ErrorBody },
        404: { description: 'No such node', schema: ErrorBody },
      },
      async handler({ params, query: q, body }) {
        const node = await findNode(ports, params.identifier);
        const wf = await runGraph(ports, graphNameOf(ports, q, body), node.id, body.options);
        return { status: 201, body: workflowView(wf), headers: { Location: `/api/2.0/workflows/${wf.id}` } };
      },
    }),
    route({
      method: 'put',
      path: '/nodes/{identifier}/workflows/action',
      summary: 'Cancel the node\'s active workflow ({command: "cancel"}); 404 when none is active',
      tag: 'nodes',
      access: 'Operator',
      params: IdentifierParams,
      body: ActionBody,
      responses: {
        202: { description: 'Cancelled', schema: AnyObject },
        400: { description: 'Bad action', schema: ErrorBody },
        404: { description: 'No such node, or no active workflow', schema: ErrorBody },
      },
      async handler({ params }) {
        const node = await findNode(ports, params.identifier);
        const activeId = node.activeWorkflow?.id;
        if (activeId === undefined) throw new NotFoundError('active workflow of node', node.id);
        const doc = await cancel(ports, activeId);
        return { status: 202, body: view(doc), headers: { Location: `/api/2.0/workflows/${activeId}` } };
      },
    }),
  ];
}
