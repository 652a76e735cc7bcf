/**
 * `/api/2.0/catalogs` and a node's catalogs (RackHD's catalogs API): what the microkernel's tools reported,
 * `{id, node, source, data, createdAt}`. A node keeps every catalog it was given; its per-node view is the
 * latest of each source, which is also what SKU and tag rules match against.
 */
import { Type } from '@sinclair/typebox';
import { NotFoundError } from '../../../errors.ts';
import type { CatalogDoc } from '../../../persistence/collections.ts';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { AnyObject, IdentifierParams, IdParams, pagedQuery } from './common-schemas.ts';
import { definedFields, pagedList } from './list-page.ts';
import { findNode } from './node-routes.ts';

export function catalogView(c: CatalogDoc, base = '/api/2.0'): Record<string, unknown> {
  return { id: c.id, node: `${base}/nodes/${c.node}`, source: c.source, data: c.data, createdAt: c.createdAt, updatedAt: c.createdAt };
}

/** The newest catalog of every source the node has, sorted by source. */
async function latestPerSource(ports: NorthboundPorts, nodeId: string): Promise<CatalogDoc[]> {
  const all = await ports.documents.collection('catalogs').find({ node: nodeId }, { sort: { createdAt: 1 } });
  const latest = new Map<string, CatalogDoc>();
  for (const c of all) latest.set(c.source, c);
  return [...latest.values()].sort((a, b) => a.source.localeCompare(b.source));
}

export function catalogRoutes(ports: NorthboundPorts): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/catalogs',
      summary: 'List catalogs, paged, filtered by node id and source',
      tag: 'catalogs',
      access: 'ReadOnly',
      query: pagedQuery({ node: Type.Optional(Type.String({ maxLength: 200 })), source: Type.Optional(Type.String({ maxLength: 200 })) }),
      responses: { 200: { description: 'Catalogs', schema: Type.Array(AnyObject) }, 400: { description: 'Bad query', schema: ErrorBody } },
      handler: ({ query, req }) => pagedList(ports.documents.collection('catalogs'), definedFields({ node: query.node, source: query.source }), query, req, (c) => catalogView(c)),
    }),
    route({
      method: 'get',
      path: '/catalogs/{id}',
      summary: 'One catalog',
      tag: 'catalogs',
      access: 'ReadOnly',
      params: IdParams,
      responses: { 200: { description: 'The catalog', schema: AnyObject }, 404: { description: 'No such catalog', schema: ErrorBody } },
      async handler({ params }) {
        const c = await ports.documents.collection('catalogs').get(params.id);
        if (c === undefined) throw new NotFoundError('catalog', params.id);
        return { status: 200, body: catalogView(c) };
      },
    }),
    route({
      method: 'get',
      path: '/nodes/{identifier}/catalogs',
      summary: 'The node\'s latest catalog of each source',
      tag: 'nodes',
      access: 'ReadOnly',
      params: IdentifierParams,
      responses: { 200: { description: 'Catalogs', schema: Type.Array(AnyObject) }, 404: { description: 'No such node', schema: ErrorBody } },
      async handler({ params }) {
        const node = await findNode(ports, params.identifier);
        return { status: 200, body: (await latestPerSource(ports, node.id)).map((c) => catalogView(c)) };
      },
    }),
    route({
      method: 'get',
      path: '/nodes/{identifier}/catalogs/{source}',
      summary: 'The node\'s latest catalog of one source',
      tag: 'nodes',
      access: 'ReadOnly',
      params: Type.Object({ identifier: IdentifierParams.properties.identifier, source: Type.String({ minLength: 1, maxLength: 200 }) }),
      responses: { 200: { description: 'The catalog', schema: AnyObject }, 404: { description: 'No such node, or no catalog of that source', schema: ErrorBody } },
      async handler({ params }) {
        const node = await findNode(ports, params.identifier);
        const [latest] = await ports.documents.collection('catalogs').find({ node: node.id, source: params.source }, { sort: { createdAt: -1 }, limit: 1 });
        if (latest === undefined) throw new NotFoundError(`catalog ${params.source} of node`, node.id);
        return { status: 200, body: catalogView(latest) };
      },
    }),
  ];
}
