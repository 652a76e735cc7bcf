/**
 * `/api/2.0/nodes` — the pattern every REST resource follows: lists from the read model with RackHD's
 * paging and field filters, single resources by id or by any identifier (a MAC, a serial), commands sent
 * to the node's actor. (The rest of the nodes API joins this file.)
 */
import { Type } from '@sinclair/typebox';
import { isMac, normalizeMac } from '../../../actors/lookup/mac-address.ts';
import { entityIdPattern } from '../../../actors/ids.ts';
import { NotFoundError } from '../../../errors.ts';
import type { NodeDoc } from '../../../persistence/collections.ts';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { PagingQuery, pageOf, pagingHeaders } from '../paging.ts';
import { nodeView } from './node-view.ts';

const NodeBody = Type.Object({}, { additionalProperties: true, description: 'A node (RackHD 2.0 view).' });
const Identifier = Type.Object({ identifier: Type.String({ minLength: 1, maxLength: 200, description: 'Node id, or any of its identifiers (a MAC address, a serial).' }) });

/** The node an API path names: by id, else by identifier (MACs in any notation). */
export async function findNode(ports: NorthboundPorts, identifier: string): Promise<NodeDoc> {
  const nodes = ports.documents.collection('nodes');
  const byId = entityIdPattern.test(identifier) ? await nodes.get(identifier) : undefined;
  const found = byId ?? (await nodes.findOne({ identifiers: isMac(identifier) ? normalizeMac(identifier) : identifier }));
  if (found === undefined) throw new NotFoundError('node', identifier);
  return found;
}

export function nodeRoutes(ports: NorthboundPorts): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/nodes',
      summary: 'List nodes, paged ($skip, $top) and filtered by field (name, type, sku, tags, identifiers, lifecycle state)',
      tag: 'nodes',
      access: 'ReadOnly',
      query: Type.Object(
        {
          ...PagingQuery,
          name: Type.Optional(Type.String()),
          type: Type.Optional(Type.String()),
          sku: Type.Optional(Type.String()),
          tags: Type.Optional(Type.String()),
          identifiers: Type.Optional(Type.String()),
          state: Type.Optional(Type.String({ description: 'Lifecycle state, e.g. available.' })),
        },
        { additionalProperties: false },
      ),
      responses: { 200: { description: 'The page of nodes', schema: Type.Array(NodeBody) }, 400: { description: 'Bad query', schema: ErrorBody } },
      async handler({ query, req }) {
        const { $skip: _s, $top: _t, state, ...fields } = query;
        const filter = { ...fields, ...(state === undefined ? {} : { 'lifecycle.state': state }) };
        const page = pageOf(query);
        const nodes = ports.documents.collection('nodes');
        const [items, total] = await Promise.all([nodes.find(filter, { skip: page.skip, limit: page.top, sort: { createdAt: 1 } }), nodes.count(filter)]);
        return { status: 200, body: items.map((n) => nodeView(n)), headers: pagingHeaders(req, page, total) };
      },
    }),
    route({
      method: 'get',
      path: '/nodes/{identifier}',
      summary: 'One node, by id or by any identifier',
      tag: 'nodes',
      access: 'ReadOnly',
      params: Identifier,
      responses: { 200: { description: 'The node', schema: NodeBody }, 404: { description: 'No such node', schema: ErrorBody } },
      async handler({ params }) {
        return { status: 200, body: nodeView(await findNode(ports, params.identifier)) };
      },
    }),
  ];
}
