/**
 * `/api/2.0/batches`: batch operations over a set of nodes (issue 6 point 6; RackHD had none, so the
 * shape is ours, in RackHD's conventions). `POST /batches` runs one graph on every node a selector names
 * (tags, SKU, node ids, type), `concurrency` at a time, stopping when `failureThreshold` is reached;
 * `GET /batches[/{id}]` shows the progress and each node's item; `POST /batches/{id}/cancel` cancels the
 * pending items (and the running workflows with `cancelRunning`). Commands reach the batch entities
 * through the BatchService; lists come from the `batches` read model. Secrets in graph options are
 * sealed before any message carries them and shown `[redacted]`.
 */
import { Type } from '@sinclair/typebox';
import type { BatchItem, BatchProgress, BatchRecord } from '../../../actors/batch/batch-protocol.ts';
import { MAX_CONCURRENCY } from '../../../actors/batch/batch-protocol.ts';
import type { BatchService } from '../../../actors/batch/batch-service.ts';
import { MAX_BATCH_NODES } from '../../../actors/batch/batch-spec.ts';
import { EntityUnavailableError } from '../../../errors.ts';
import { redactSecrets } from '../../../logging/logger.ts';
import type { BatchDoc } from '../../../persistence/collections.ts';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { AnyObject, IdParams, pagedQuery, stringEnum } from './common-schemas.ts';
import { GraphOptions } from './graph-runs.ts';
import { definedFields, pagedList } from './list-page.ts';
import { nodeTypes, TagName } from './node-routes.ts';

const batchStatuses = ['running', 'completed', 'stopped', 'cancelled'] as const;

const Selector = Type.Object(
  {
    tags: Type.Optional(Type.Array(TagName, { minItems: 1, maxItems: 64, uniqueItems: true, description: 'The node carries every one of these tags.' })),
    sku: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'The node\'s SKU, by id or name.' })),
    nodeIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: MAX_BATCH_NODES, uniqueItems: true, description: 'These nodes, started in this order.' })),
    type: Type.Optional(stringEnum(nodeTypes, { description: 'RackHD\'s node type.' })),
  },
  { additionalProperties: false, description: 'Which nodes: every given criterion must hold; resolved once, when the batch is created.' },
);

const BatchPost = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    selector: Selector,
    graphName: Type.String({ minLength: 1, maxLength: 255, description: 'The graph run on each node (injectableName).' }),
    graphOptions: Type.Optional(GraphOptions),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CONCURRENCY, description: 'Workflows running at once; 5 by default.' })),
    failureThreshold: Type.Optional(
      Type.Object(
        {
          percent: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'Stop once this share of all the nodes has failed (0: at the first failure).' })),
          count: Type.Optional(Type.Integer({ minimum: 1, description: 'Stop once this many nodes have failed.' })),
        },
        { additionalProperties: false, description: 'When to stop starting workflows; whichever is reached first. None: run every node.' },
      ),
    ),
  },
  { additionalProperties: false, title: 'batch.2.0.post' },
);

const CancelBody = Type.Object(
  { cancelRunning: Type.Optional(Type.Boolean({ description: 'Cancel the running workflows too; otherwise they are followed to their end.' })) },
  { additionalProperties: false, title: 'batch.2.0.cancel' },
);

const itemView = (i: BatchItem) => ({
  node: i.nodeId,
  status: i.status,
  workflowId: i.workflowId ?? null,
  startedAt: i.startedAt ?? null,
  finishedAt: i.finishedAt ?? null,
  ...(i.error === undefined ? {} : { error: i.error }),
});

/** A batch as the API shows it; lists leave the per-node items out (a batch may hold thousands). */
export function batchView(b: BatchRecord | BatchDoc, progress: BatchProgress, withItems: boolean): Record<string, unknown> {
  const r = b as BatchRecord;
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    ...(r.reason === undefined ? {} : { reason: r.reason }),
    graphName: r.graphName,
    graphOptions: redactSecrets(r.graphOptions ?? {}),
    selector: r.selector,
    concurrency: r.concurrency,
    failureThreshold: r.failureThreshold,
    cancelRunning: r.cancelRunning,
    progress,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    finishedAt: r.finishedAt ?? null,
    ...(withItems ? { items: r.items.map(itemView) } : {}),
  };
}

export function batchRoutes(ports: NorthboundPorts): ApiRoute[] {
  const tag = 'batches';
  const service = (): BatchService => {
    if (ports.batches === undefined) throw new EntityUnavailableError('batches', 'this member runs no batches');
    return ports.batches;
  };
  const location = (id: string) => `/api/2.0/batches/${id}`;
  return [
    route({
      method: 'get',
      path: '/batches',
      summary: 'List batches, paged, filtered by status or by whether anything is still pending or running',
      tag,
      access: 'ReadOnly',
      query: pagedQuery({
        status: Type.Optional(stringEnum(batchStatuses)),
        active: Type.Optional(Type.Boolean({ description: 'Only batches with items still pending or running (true), or only finished ones (false).' })),
      }),
      responses: { 200: { description: 'Batches, without their items', schema: Type.Array(AnyObject) }, 400: { description: 'Bad query', schema: ErrorBody } },
      handler: ({ query, req }) => pagedList(service().documents, definedFields({ status: query.status, active: query.active }), query, req, (d) => batchView(d, d['progress'] as BatchProgress, false)),
    }),
    route({
      method: 'post',
      path: '/batches',
      summary: 'Run a graph on every node a selector names, concurrency at a time, stopping at a failure threshold',
      tag,
      access: 'Operator',
      body: BatchPost,
      responses: {
        201: { description: 'The batch, with one pending item per selected node', schema: AnyObject },
        400: { description: 'Bad batch: no node matches, unknown node ids, unknown graph, bad options', schema: ErrorBody },
      },
      async handler({ body }) {
        const s = body.selector;
        const t = body.failureThreshold;
        const { batch } = await service().create({
          ...(body.name === undefined ? {} : { name: body.name }),
          selector: {
            ...(s.tags === undefined ? {} : { tags: s.tags }),
            ...(s.sku === undefined ? {} : { sku: s.sku }),
            ...(s.nodeIds === undefined ? {} : { nodeIds: s.nodeIds }),
            ...(s.type === undefined ? {} : { type: s.type }),
          },
          graphName: body.graphName,
          ...(body.graphOptions === undefined ? {} : { graphOptions: body.graphOptions }),
          ...(body.concurrency === undefined ? {} : { concurrency: body.concurrency }),
          ...(t === undefined ? {} : { failureThreshold: { ...(t.percent === undefined ? {} : { percent: t.percent }), ...(t.count === undefined ? {} : { count: t.count }) } }),
        });
        return { status: 201, body: batchView(batch.batch, batch.progress, true), headers: { Location: location(batch.batch.id) } };
      },
    }),
    route({
      method: 'get',
      path: '/batches/{id}',
      summary: 'One batch: its status, progress, and each node\'s item (status, workflow, error)',
      tag,
      access: 'ReadOnly',
      params: IdParams,
      responses: { 200: { description: 'The batch', schema: AnyObject }, 404: { description: 'No such batch', schema: ErrorBody } },
      async handler({ params }) {
        // From the read model (written before every answer the entity gives), so a long tick never delays a read.
        const doc = await service().documents.get(params.id);
        if (doc !== undefined) return { status: 200, body: batchView(doc, doc['progress'] as BatchProgress, true) };
        const v = await service().get(params.id);
        return { status: 200, body: batchView(v.batch, v.progress, true) };
      },
    }),
    route({
      method: 'post',
      path: '/batches/{id}/cancel',
      summary: 'Cancel a batch: pending items at once; running workflows too with cancelRunning, else followed to their end',
      tag,
      access: 'Operator',
      params: IdParams,
      body: CancelBody,
      responses: {
        202: { description: 'Cancelled; running workflows end on their own time', schema: AnyObject },
        400: { description: 'Bad body', schema: ErrorBody },
        404: { description: 'No such batch', schema: ErrorBody },
        409: { description: 'The batch has already finished', schema: ErrorBody },
      },
      async handler({ params, body }) {
        const v = await service().cancel(params.id, body.cancelRunning ?? false);
        return { status: 202, body: batchView(v.batch, v.progress, true) };
      },
    }),
  ];
}
