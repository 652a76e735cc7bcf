/**
 * `/api/2.0/pollers` and `/api/2.0/nodes/{identifier}/pollers` (RackHD's pollers API, on-http
 * lib/api/2.0/pollers.js, schema poller.2.0.json, view poller.2.0.json). Commands reach the poller
 * entities as messages through the PollerService; lists come from the `pollers` read model. Status codes
 * as RackHD: POST 201, DELETE 204, data 204 while a poller has none yet, 404 for an unknown poller or a
 * library entry. Secrets in a config are sealed before any message carries them and shown `[redacted]`.
 */
import { Type } from '@sinclair/typebox';
import { pollerCommands, pollerNames, pollerTypeOf, pollerTypes, type PollerName, type PollerPatch, type PollerRecord } from '../../../actors/poller/poller-protocol.ts';
import type { PollerService } from '../../../actors/poller/poller-service.ts';
import { MAX_POLL_INTERVAL_MS, MIN_POLL_INTERVAL_MS } from '../../../actors/poller/poller-spec.ts';
import { EntityUnavailableError, NotFoundError, ValidationError } from '../../../errors.ts';
import { redactSecrets } from '../../../logging/logger.ts';
import type { PollerDoc } from '../../../persistence/collections.ts';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { pagedArray } from './array-page.ts';
import { AnyObject, IdentifierParams, IdParams, NameParams, pagedQuery, stringEnum } from './common-schemas.ts';
import { definedFields, pagedList } from './list-page.ts';
import { findNode } from './node-routes.ts';

const typeNames = Object.keys(pollerTypes) as (keyof typeof pollerTypes)[];

const Interval = Type.Integer({ minimum: MIN_POLL_INTERVAL_MS, maximum: MAX_POLL_INTERVAL_MS, description: 'Milliseconds between polls.' });
const Config = Type.Object(
  { command: Type.String({ minLength: 1, maxLength: 100, description: 'What to collect; see GET /pollers/library/{name}.' }) },
  { additionalProperties: true, maxProperties: 32, description: 'The source\'s settings (host, credentials, oids…); without them the node\'s OBM settings are used.' },
);
const PollerPost = Type.Object(
  {
    type: Type.Optional(stringEnum(typeNames, { description: 'RackHD\'s poller type; mapped to name.' })),
    name: Type.Optional(stringEnum(pollerNames, { description: 'The workitem name (Pollers.IPMI, …), instead of type.' })),
    node: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Node id or identifier.' })),
    pollInterval: Interval,
    paused: Type.Optional(Type.Boolean()),
    config: Config,
  },
  { additionalProperties: false, title: 'poller.2.0' },
);
const PollerPatchBody = Type.Object(
  { pollInterval: Type.Optional(Interval), paused: Type.Optional(Type.Boolean({ description: 'true pauses, false resumes.' })), config: Type.Optional(Config) },
  { additionalProperties: false, title: 'poller.2.0.patch' },
);

/** RackHD's poller library, with the commands each kind has here. */
const library = [
  {
    name: 'ipmi',
    node: true,
    commands: pollerCommands['Pollers.IPMI'],
    config: [
      { key: 'command', type: 'string', required: true },
      { key: 'host', type: 'string', required: false },
      { key: 'port', type: 'integer', defaultsTo: 623 },
      { key: 'user', type: 'string', defaultsTo: 'admin' },
      { key: 'password', type: 'string', defaultsTo: 'admin' },
      { key: 'cipherSuite', type: 'integer', required: false },
    ],
  },
  {
    name: 'snmp',
    node: false,
    commands: pollerCommands['Pollers.SNMP'],
    config: [
      { key: 'command', type: 'string', required: true },
      { key: 'host', type: 'string', required: true },
      { key: 'port', type: 'integer', defaultsTo: 161 },
      { key: 'communityString', type: 'string', defaultsTo: 'public' },
      { key: 'version', type: 'string', defaultsTo: '2c' },
      { key: 'oids', type: 'string[]', required: false },
    ],
  },
  {
    name: 'redfish',
    node: true,
    commands: pollerCommands['Pollers.Redfish'],
    config: [
      { key: 'command', type: 'string', required: true },
      { key: 'uri', type: 'string', required: false },
      { key: 'username', type: 'string', defaultsTo: 'admin' },
      { key: 'password', type: 'string', defaultsTo: 'admin' },
      { key: 'verifySSL', type: 'boolean', defaultsTo: true },
    ],
  },
];

/** RackHD's poller view; `state`/`lastError` added (why a poller fails, whether its node answers). */
export function pollerView(p: PollerRecord | PollerDoc, status?: { readonly lastStarted: string | null; readonly lastFinished: string | null }, base = '/api/2.0'): Record<string, unknown> {
  const ran = status ?? { lastStarted: (p as PollerDoc)['lastStarted'] ?? null, lastFinished: (p as PollerDoc)['lastFinished'] ?? null };
  const name = p.name as PollerName;
  return {
    id: p.id,
    type: pollerTypeOf(name),
    name,
    pollInterval: p['pollInterval'],
    node: typeof p.node === 'string' ? `${base}/nodes/${p.node}` : null,
    config: redactSecrets(p['config']),
    lastStarted: ran.lastStarted,
    lastFinished: ran.lastFinished,
    paused: p.paused,
    failureCount: p['failureCount'],
    state: p['state'],
    ...(typeof p['lastError'] === 'string' ? { lastError: p['lastError'] } : {}),
  };
}

export function pollerRoutes(ports: NorthboundPorts): ApiRoute[] {
  const tag = 'pollers';
  const service = (): PollerService => {
    if (ports.pollers === undefined) throw new EntityUnavailableError('pollers', 'this member runs no pollers');
    return ports.pollers;
  };
  const get = async (id: string) => {
    const v = await service().get(id);
    return pollerView(v.poller, v.status);
  };
  return [
    route({
      method: 'get',
      path: '/pollers',
      summary: 'List pollers, paged and filtered by node, name or type',
      tag,
      access: 'ReadOnly',
      query: pagedQuery({
        node: Type.Optional(Type.String({ maxLength: 200 })),
        name: Type.Optional(stringEnum(pollerNames)),
        type: Type.Optional(stringEnum(typeNames)),
        paused: Type.Optional(Type.Boolean()),
      }),
      responses: { 200: { description: 'Pollers', schema: Type.Array(AnyObject) }, 400: { description: 'Bad query', schema: ErrorBody } },
      handler: ({ query, req }) =>
        pagedList(service().documents, definedFields({ node: query.node, name: query.name ?? (query.type === undefined ? undefined : pollerTypes[query.type]), paused: query.paused }), query, req, (d) => pollerView(d), { id: 1 }),
    }),
    route({
      method: 'post',
      path: '/pollers',
      summary: 'Create a poller (RackHD `type` ipmi/snmp/redfish, or `name`)',
      tag,
      access: 'Operator',
      body: PollerPost,
      responses: { 201: { description: 'The poller', schema: AnyObject }, 400: { description: 'Bad poller', schema: ErrorBody }, 404: { description: 'No such node', schema: ErrorBody } },
      async handler({ body }) {
        const name = body.name ?? (body.type === undefined ? undefined : pollerTypes[body.type]);
        if (name === undefined) throw new ValidationError('a poller needs a type (ipmi, snmp, redfish) or a name', [{ path: 'body.type', message: 'is required' }]);
        if (body.type !== undefined && body.name !== undefined && pollerTypes[body.type] !== body.name) {
          throw new ValidationError(`type ${body.type} is not ${body.name}`, [{ path: 'body.name', message: `does not match type ${body.type}` }]);
        }
        const node = body.node === undefined ? undefined : (await findNode(ports, body.node)).id;
        const { poller } = await service().create({ name, ...(node === undefined ? {} : { node }), config: body.config, pollInterval: body.pollInterval, ...(body.paused === undefined ? {} : { paused: body.paused }) });
        return { status: 201, body: pollerView(poller, { lastStarted: null, lastFinished: null }), headers: { Location: `/api/2.0/pollers/${poller.id}` } };
      },
    }),
    route({
      method: 'get',
      path: '/pollers/library',
      summary: 'The kinds of poller and their settings',
      tag,
      access: 'ReadOnly',
      responses: { 200: { description: 'Poller library', schema: Type.Array(AnyObject) } },
      handler: () => ({ status: 200, body: library }),
    }),
    route({
      method: 'get',
      path: '/pollers/library/{name}',
      summary: 'One kind of poller and its settings',
      tag,
      access: 'ReadOnly',
      params: NameParams,
      responses: { 200: { description: 'Library entry', schema: AnyObject }, 404: { description: 'No such poller kind', schema: ErrorBody } },
      handler: ({ params }) => {
        const entry = library.find((l) => l.name === params.name);
        if (entry === undefined) throw new NotFoundError('poller library entry', params.name);
        return { status: 200, body: entry };
      },
    }),
    route({
      method: 'get',
      path: '/pollers/{id}',
      summary: 'One poller',
      tag,
      access: 'ReadOnly',
      params: IdParams,
      responses: { 200: { description: 'The poller', schema: AnyObject }, 404: { description: 'No such poller', schema: ErrorBody } },
      handler: async ({ params }) => ({ status: 200, body: await get(params.id) }),
    }),
    route({
      method: 'patch',
      path: '/pollers/{id}',
      summary: 'Change a poller: pause (paused: true), resume (false), interval or config',
      tag,
      access: 'Operator',
      params: IdParams,
      body: PollerPatchBody,
      responses: { 200: { description: 'The poller', schema: AnyObject }, 400: { description: 'Bad change', schema: ErrorBody }, 404: { description: 'No such poller', schema: ErrorBody } },
      async handler({ params, body }) {
        const patch: PollerPatch = {
          ...(body.pollInterval === undefined ? {} : { pollInterval: body.pollInterval }),
          ...(body.paused === undefined ? {} : { paused: body.paused }),
          ...(body.config === undefined ? {} : { config: body.config }),
        };
        const v = await service().update(params.id, patch);
        return { status: 200, body: pollerView(v.poller, v.status) };
      },
    }),
    route({
      method: 'delete',
      path: '/pollers/{id}',
      summary: 'Delete a poller (its timer stops, its history goes)',
      tag,
      access: 'Operator',
      params: IdParams,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such poller', schema: ErrorBody } },
      async handler({ params }) {
        await service().delete(params.id);
        return { status: 204 };
      },
    }),
    route({
      method: 'get',
      path: '/pollers/{id}/data',
      summary: 'The poller\'s recent samples, newest first (a bounded history), paged; 204 before the first poll',
      tag,
      access: 'ReadOnly',
      params: IdParams,
      query: pagedQuery({}),
      responses: { 200: { description: 'Samples', schema: Type.Array(AnyObject) }, 204: { description: 'No data yet' }, 404: { description: 'No such poller', schema: ErrorBody } },
      async handler({ params, query, req }) {
        const samples = await service().data(params.id, false);
        return samples.length === 0 ? { status: 204 } : pagedArray(samples, query, req);
      },
    }),
    route({
      method: 'get',
      path: '/pollers/{id}/data/current',
      summary: 'The poller\'s latest sample (in a one-item list, as RackHD); 204 before the first poll',
      tag,
      access: 'ReadOnly',
      params: IdParams,
      responses: { 200: { description: 'The latest sample', schema: Type.Array(AnyObject) }, 204: { description: 'No data yet' }, 404: { description: 'No such poller', schema: ErrorBody } },
      async handler({ params }) {
        const samples = await service().data(params.id, true);
        return samples.length === 0 ? { status: 204 } : { status: 200, body: samples };
      },
    }),
    route({
      method: 'get',
      path: '/nodes/{identifier}/pollers',
      summary: 'The node\'s pollers',
      tag: 'nodes',
      access: 'ReadOnly',
      params: IdentifierParams,
      query: pagedQuery({}),
      responses: { 200: { description: 'Pollers', schema: Type.Array(AnyObject) }, 404: { description: 'No such node', schema: ErrorBody } },
      async handler({ params, query, req }) {
        const node = await findNode(ports, params.identifier);
        return pagedList(service().documents, { node: node.id }, query, req, (d) => pollerView(d), { id: 1 });
      },
    }),
  ];
}
