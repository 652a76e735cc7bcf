/**
 * `/api/2.0/ibms` and `/api/2.0/nodes/{identifier}/ssh`: in-band management settings (RackHD's ibms API and
 * the node's SSH settings, which RackHD keeps as its `ssh-ibm-service` record). One record per node and
 * service (RackHD's upsertByNode); secrets are sealed before they are stored and answered as `[redacted]`.
 */
import { Type } from '@sinclair/typebox';
import { newEntityId } from '../../../actors/ids.ts';
import { NotFoundError, ValidationError } from '../../../errors.ts';
import type { IbmDoc } from '../../../persistence/collections.ts';
import { redactObm } from '../../../secrets/obm-credentials.ts';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { AnyObject, IdentifierParams, IdParams, NameParams, pagedQuery } from './common-schemas.ts';
import { asIbmService, checkIbmConfig, ibmDefinitions, IbmServiceSchema, ibmServiceNames, type IbmServiceName } from './ibm-definitions.ts';
import type { IbmConfigSealer } from './ibm-sealing.ts';
import { definedFields, pagedList } from './list-page.ts';
import { findNode } from './node-routes.ts';

const Config = Type.Record(Type.String(), Type.Unknown(), { description: 'The service\'s settings; see GET /ibms/definitions/{service}.' });
const IbmPut = Type.Object({ nodeId: Type.String({ minLength: 1, maxLength: 200 }), service: IbmServiceSchema, config: Config }, { additionalProperties: false, title: 'ibm.2.0.put' });
const IbmPatch = Type.Object(
  { nodeId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), service: Type.Optional(IbmServiceSchema), config: Type.Optional(Config) },
  { additionalProperties: false, title: 'ibm.2.0.patch' },
);
// RackHD's ssh-ibm-service_Ibm: the service is implied by the path, but RackHD clients send it; only ssh is taken.
const NodeSshPost = Type.Object(
  { service: Type.Optional(Type.Literal('ssh-ibm-service')), config: Config },
  { additionalProperties: false, title: 'node.2.0.ssh' },
);

export function ibmView(doc: IbmDoc, base = '/api/2.0'): Record<string, unknown> {
  return redactObm({ id: doc.id, node: `${base}/nodes/${doc.node}`, service: doc.service, config: doc.config });
}

function definitionName(name: string): IbmServiceName {
  const service = name.endsWith('.json') ? name.slice(0, -'.json'.length) : name;
  if (!(ibmServiceNames as readonly string[]).includes(service)) throw new NotFoundError('IBM service definition', name);
  return service as IbmServiceName;
}

export function ibmRoutes(ports: NorthboundPorts, sealer: IbmConfigSealer): ApiRoute[] {
  const ibms = () => ports.documents.collection('ibms');
  const tag = 'ibms';

  const find = async (id: string): Promise<IbmDoc> => {
    const doc = await ibms().get(id);
    if (doc === undefined) throw new NotFoundError('IBM settings', id);
    return doc;
  };

  /** Creates or replaces the node's record for `service` (one per node and service, as RackHD's upsertByNode). */
  const put = async (nodeId: string, service: IbmServiceName, config: Readonly<Record<string, unknown>>): Promise<IbmDoc> => {
    checkIbmConfig(service, config, 'body.config');
    const existing = await ibms().findOne({ node: nodeId, service });
    const doc: IbmDoc = { id: existing?.id ?? newEntityId(ports.now()), node: nodeId, service, config: sealer.seal(service, config) };
    await ibms().put(doc);
    return doc;
  };

  const created = (doc: IbmDoc) => ({ status: 201, body: ibmView(doc), headers: { Location: `/api/2.0/ibms/${doc.id}` } });

  return [
    route({
      method: 'get',
      path: '/ibms',
      summary: 'List IBM settings (secrets redacted), paged and filtered by node or service',
      tag,
      access: 'ReadOnly',
      query: pagedQuery({ node: Type.Optional(Type.String({ maxLength: 200 })), service: Type.Optional(Type.String({ maxLength: 100 })) }),
      responses: { 200: { description: 'IBM settings', schema: Type.Array(AnyObject) }, 400: { description: 'Bad query', schema: ErrorBody } },
      handler: ({ query, req }) => pagedList(ibms(), definedFields({ node: query.node, service: query.service }), query, req, (d) => ibmView(d), { id: 1 }),
    }),
    route({
      method: 'put',
      path: '/ibms',
      summary: 'Create or replace the IBM settings of a node for a service (one record per node and service)',
      tag,
      access: 'Operator',
      body: IbmPut,
      responses: { 201: { description: 'The stored settings (secrets redacted)', schema: AnyObject }, 400: { description: 'Bad settings', schema: ErrorBody }, 404: { description: 'No such node', schema: ErrorBody } },
      async handler({ body }) {
        const node = await findNode(ports, body.nodeId);
        return created(await put(node.id, asIbmService(body.service, 'body.service'), body.config));
      },
    }),
    route({
      method: 'get',
      path: '/ibms/definitions',
      summary: 'The IBM services and where their settings schemas are',
      tag,
      access: 'ReadOnly',
      responses: { 200: { description: 'Schema locations', schema: Type.Array(Type.String()) } },
      handler: () => ({ status: 200, body: ibmServiceNames.map((s) => `/api/2.0/ibms/definitions/${s}.json`) }),
    }),
    route({
      method: 'get',
      path: '/ibms/definitions/{name}',
      summary: 'The JSON schema of one IBM service\'s settings',
      tag,
      access: 'ReadOnly',
      params: NameParams,
      responses: { 200: { description: 'A JSON schema', schema: AnyObject }, 404: { description: 'No such service', schema: ErrorBody } },
      handler: ({ params }) => ({ status: 200, body: JSON.parse(JSON.stringify(ibmDefinitions[definitionName(params.name)])) as unknown }),
    }),
    route({
      method: 'get',
      path: '/ibms/{id}',
      summary: 'One IBM record (secrets redacted)',
      tag,
      access: 'ReadOnly',
      params: IdParams,
      responses: { 200: { description: 'The record', schema: AnyObject }, 404: { description: 'No such record', schema: ErrorBody } },
      handler: async ({ params }) => ({ status: 200, body: ibmView(await find(params.id)) }),
    }),
    route({
      method: 'patch',
      path: '/ibms/{id}',
      summary: 'Change an IBM record; new secrets are sealed, stored ones kept',
      tag,
      access: 'Operator',
      params: IdParams,
      body: IbmPatch,
      responses: { 200: { description: 'The record (secrets redacted)', schema: AnyObject }, 400: { description: 'Bad settings', schema: ErrorBody }, 404: { description: 'No such record or node', schema: ErrorBody } },
      async handler({ params, body }) {
        const doc = await find(params.id);
        const nodeId = body.nodeId === undefined ? doc.node : (await findNode(ports, body.nodeId)).id;
        const service = asIbmService(body.service ?? doc.service, body.service === undefined ? 'service' : 'body.service');
        // A sealed value is bound to its service: a new service starts from the given config alone.
        const config = service === doc.service ? { ...doc.config, ...(body.config ?? {}) } : { ...(body.config ?? {}) };
        checkIbmConfig(service, config, 'body.config');
        const clash = await ibms().findOne({ node: nodeId, service, id: { $ne: doc.id } });
        if (clash !== undefined) throw new ValidationError(`node ${nodeId} already has ${service} settings (${clash.id})`, [{ path: 'body.service', message: 'one record per node and service' }]);
        const next: IbmDoc = { id: doc.id, node: nodeId, service, config: sealer.seal(service, config) };
        await ibms().put(next);
        return { status: 200, body: ibmView(next) };
      },
    }),
    route({
      method: 'delete',
      path: '/ibms/{id}',
      summary: 'Delete an IBM record',
      tag,
      access: 'Operator',
      params: IdParams,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such record', schema: ErrorBody } },
      async handler({ params }) {
        await ibms().delete((await find(params.id)).id);
        return { status: 204 };
      },
    }),
    route({
      method: 'get',
      path: '/nodes/{identifier}/ssh',
      summary: 'The node\'s SSH settings (its ssh-ibm-service records, secrets redacted)',
      tag: 'nodes',
      access: 'ReadOnly',
      params: IdentifierParams,
      responses: { 200: { description: 'SSH settings', schema: Type.Array(AnyObject) }, 404: { description: 'No such node', schema: ErrorBody } },
      async handler({ params }) {
        const node = await findNode(ports, params.identifier);
        const docs = await ibms().find({ node: node.id, service: 'ssh-ibm-service' }, { sort: { id: 1 } });
        return { status: 200, body: docs.map((d) => ibmView(d)) };
      },
    }),
    route({
      method: 'post',
      path: '/nodes/{identifier}/ssh',
      summary: 'Create or replace the node\'s SSH settings',
      tag: 'nodes',
      access: 'Operator',
      params: IdentifierParams,
      body: NodeSshPost,
      responses: { 201: { description: 'The stored settings (secrets redacted)', schema: AnyObject }, 400: { description: 'Bad settings', schema: ErrorBody }, 404: { description: 'No such node', schema: ErrorBody } },
      async handler({ params, body }) {
        const node = await findNode(ports, params.identifier);
        return created(await put(node.id, 'ssh-ibm-service', body.config));
      },
    }),
  ];
}
