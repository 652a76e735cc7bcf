/**
 * `/api/2.0/obms` and `/api/2.0/nodes/{identifier}/obm`: out-of-band management settings (RackHD's obms API).
 * Secrets are sealed before they are stored and never shown (`[redacted]` in every answer); a PATCH re-seals.
 */
import { Type } from '@sinclair/typebox';
import { NotFoundError } from '../../../errors.ts';
import type { ObmDoc } from '../../../persistence/collections.ts';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { AnyObject, IdentifierParams, IdParams, NameParams, pagedQuery } from './common-schemas.ts';
import { definedFields, pagedList } from './list-page.ts';
import { findNode } from './node-routes.ts';
import { ObmServiceSchema, obmDefinitions, obmServiceNames } from './obm-definitions.ts';
import { asService, deleteObm, obmView, patchObm, putObm } from './obm-records.ts';
import type { ObmConfigSealer } from './obm-sealing.ts';

const Config = Type.Record(Type.String(), Type.Unknown(), { description: 'The service\'s settings; see GET /obms/definitions/{service}.' });
const ObmPut = Type.Object({ nodeId: Type.String({ minLength: 1, maxLength: 200 }), service: ObmServiceSchema, config: Config }, { additionalProperties: false, title: 'obm.2.0.put' });
const ObmPatch = Type.Object(
  { nodeId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), service: Type.Optional(ObmServiceSchema), config: Type.Optional(Config) },
  { additionalProperties: false, title: 'obm.2.0.patch' },
);
const NodeObmPut = Type.Object({ service: ObmServiceSchema, config: Config }, { additionalProperties: false, title: 'node.2.0.obm' });

async function findObm(ports: NorthboundPorts, id: string): Promise<ObmDoc> {
  const doc = await ports.documents.collection('obms').get(id);
  if (doc === undefined) throw new NotFoundError('OBM settings', id);
  return doc;
}

function definitionName(name: string): string {
  const service = name.endsWith('.json') ? name.slice(0, -'.json'.length) : name;
  if (!(obmServiceNames as readonly string[]).includes(service)) throw new NotFoundError('OBM service definition', name);
  return service;
}

export function obmRoutes(ports: NorthboundPorts, sealer: ObmConfigSealer): ApiRoute[] {
  const tag = 'obms';
  return [
    route({
      method: 'get',
      path: '/obms',
      summary: 'List OBM settings (secrets redacted), paged and filtered by node or service',
      tag,
      access: 'ReadOnly',
      query: pagedQuery({ node: Type.Optional(Type.String({ maxLength: 200 })), service: Type.Optional(Type.String({ maxLength: 100 })) }),
      responses: { 200: { description: 'OBM settings', schema: Type.Array(AnyObject) }, 400: { description: 'Bad query', schema: ErrorBody } },
      handler: ({ query, req }) => pagedList(ports.documents.collection('obms'), definedFields({ node: query.node, service: query.service }), query, req, (d) => obmView(d), { id: 1 }),
    }),
    route({
      method: 'put',
      path: '/obms',
      summary: 'Create or replace the OBM settings of a node for a service (one record per node and service)',
      tag,
      access: 'Operator',
      body: ObmPut,
      responses: { 201: { description: 'The stored settings (secrets redacted)', schema: AnyObject }, 400: { description: 'Bad settings', schema: ErrorBody }, 404: { description: 'No such node', schema: ErrorBody } },
      async handler({ body }) {
        const node = await findNode(ports, body.nodeId);
        const { doc } = await putObm(ports, sealer, node.id, asService(body.service, 'body.service'), body.config, 'body.config');
        return { status: 201, body: obmView(doc), headers: { Location: `/api/2.0/obms/${doc.id}` } };
      },
    }),
    route({
      method: 'get',
      path: '/obms/definitions',
      summary: 'The OBM services and where their settings schemas are',
      tag,
      access: 'ReadOnly',
      responses: { 200: { description: 'Schema locations', schema: Type.Array(Type.String()) } },
      handler: () => ({ status: 200, body: obmServiceNames.map((s) => `/api/2.0/obms/definitions/${s}.json`) }),
    }),
    route({
      method: 'get',
      path: '/obms/definitions/{name}',
      summary: 'The JSON schema of one OBM service\'s settings',
      tag,
      access: 'ReadOnly',
      params: NameParams,
      responses: { 200: { description: 'A JSON schema', schema: AnyObject }, 404: { description: 'No such service', schema: ErrorBody } },
      handler: ({ params }) => ({ status: 200, body: JSON.parse(JSON.stringify(obmDefinitions[definitionName(params.name) as keyof typeof obmDefinitions])) as unknown }),
    }),
    route({
      method: 'get',
      path: '/obms/{id}',
      summary: 'One OBM record (secrets redacted)',
      tag,
      access: 'ReadOnly',
      params: IdParams,
      responses: { 200: { description: 'The record', schema: AnyObject }, 404: { description: 'No such record', schema: ErrorBody } },
      handler: async ({ params }) => ({ status: 200, body: obmView(await findObm(ports, params.id)) }),
    }),
    route({
      method: 'patch',
      path: '/obms/{id}',
      summary: 'Change an OBM record; new secrets are sealed, stored ones kept',
      tag,
      access: 'Operator',
      params: IdParams,
      body: ObmPatch,
      responses: { 200: { description: 'The record (secrets redacted)', schema: AnyObject }, 400: { description: 'Bad settings', schema: ErrorBody }, 404: { description: 'No such record or node', schema: ErrorBody } },
      async handler({ params, body }) {
        const doc = await findObm(ports, params.id);
        const nodeId = body.nodeId === undefined ? undefined : (await findNode(ports, body.nodeId)).id;
        const next = await patchObm(ports, sealer, doc, { ...body, ...(nodeId === undefined ? {} : { nodeId }) });
        return { status: 200, body: obmView(next) };
      },
    }),
    route({
      method: 'delete',
      path: '/obms/{id}',
      summary: 'Delete an OBM record and the node\'s reference to it',
      tag,
      access: 'Operator',
      params: IdParams,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such record', schema: ErrorBody } },
      async handler({ params }) {
        await deleteObm(ports, await findObm(ports, params.id));
        return { status: 204 };
      },
    }),
    route({
      method: 'get',
      path: '/nodes/{identifier}/obm',
      summary: 'The node\'s OBM settings (secrets redacted)',
      tag: 'nodes',
      access: 'ReadOnly',
      params: IdentifierParams,
      responses: { 200: { description: 'OBM records', schema: Type.Array(AnyObject) }, 404: { description: 'No such node', schema: ErrorBody } },
      async handler({ params }) {
        const node = await findNode(ports, params.identifier);
        const docs = await ports.documents.collection('obms').find({ node: node.id }, { sort: { id: 1 } });
        return { status: 200, body: docs.map((d) => obmView(d)) };
      },
    }),
    route({
      method: 'put',
      path: '/nodes/{identifier}/obm',
      summary: 'Create or replace the node\'s OBM settings for a service',
      tag: 'nodes',
      access: 'Operator',
      params: IdentifierParams,
      body: NodeObmPut,
      responses: { 201: { description: 'The stored settings (secrets redacted)', schema: AnyObject }, 400: { description: 'Bad settings', schema: ErrorBody }, 404: { description: 'No such node', schema: ErrorBody } },
      async handler({ params, body }) {
        const node = await findNode(ports, params.identifier);
        const { doc } = await putObm(ports, sealer, node.id, asService(body.service, 'body.service'), body.config, 'body.config');
        return { status: 201, body: obmView(doc), headers: { Location: `/api/2.0/obms/${doc.id}` } };
      },
    }),
  ];
}
