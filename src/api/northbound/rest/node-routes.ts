/**
 * `/api/2.0/nodes` — the pattern every REST resource follows: lists from the read model with RackHD's
 * paging and field filters, single resources by id or by any identifier (a MAC, a serial), commands sent
 * to the node's actor. Creating a node claims its MACs at their lookup entities; deleting one follows
 * RackHD's cascade (node-deletion.ts). The node's sub-resources live beside this file (catalogs, obm,
 * tags, relations, workflows).
 */
import { Type } from '@sinclair/typebox';
import { newEntityId } from '../../../actors/ids.ts';
import { isMac, normalizeMac } from '../../../actors/lookup/mac-address.ts';
import { entityIdPattern } from '../../../actors/ids.ts';
import type { NodePatch } from '../../../actors/node/node-protocol.ts';
import { NotFoundError, ValidationError } from '../../../errors.ts';
import type { NodeDoc, NodeType } from '../../../persistence/collections.ts';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { pageOf, pagingHeaders } from '../paging.ts';
import { IdentifierParams, pagedQuery, stringEnum } from './common-schemas.ts';
import { deleteNode } from './node-deletion.ts';
import { claimMacs, ensureMacsFree, macsOf, normalizeIdentifiers, releaseMacs } from './node-identifiers.ts';
import { nodeView } from './node-view.ts';
import { checkObmConfig, ObmServiceSchema } from './obm-definitions.ts';
import { asService, putObm } from './obm-records.ts';
import type { ObmConfigSealer } from './obm-sealing.ts';

const NodeBody = Type.Object({}, { additionalProperties: true, description: 'A node (RackHD 2.0 view).' });

export const nodeTypes = [
  'compute', 'compute-container', 'switch', 'dae', 'pdu', 'mgmt', 'enclosure', 'rack', 'storage', 'iom', 'cooling', 'power', 'redfish', 'redfishManager',
] as const satisfies readonly NodeType[];

const NodeTypeSchema = stringEnum(nodeTypes, { description: 'RackHD\'s node types.' });
export const TagName = Type.String({ minLength: 1, maxLength: 255, pattern: '^[^/\\s][^/]*$', description: 'A tag (no slashes).' });
const Identifiers = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 64, description: 'MAC addresses (any notation), serials, other names of the machine.' });
const BootSettings = Type.Object(
  { profile: Type.String({ minLength: 1, maxLength: 255 }), options: Type.Record(Type.String(), Type.Unknown()) },
  { additionalProperties: false, description: 'The iPXE profile the node boots when no workflow says otherwise.' },
);
// RackHD's PartialNode types autoDiscover as a string; its model as a boolean. Both are taken.
const AutoDiscover = Type.Union([Type.Boolean(), Type.Literal('true'), Type.Literal('false')]);
const asBoolean = (v: boolean | 'true' | 'false' | undefined): boolean | undefined => (v === undefined ? undefined : v === true || v === 'true');

const NodePost = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    type: NodeTypeSchema,
    identifiers: Type.Optional(Identifiers),
    tags: Type.Optional(Type.Array(TagName, { maxItems: 256 })),
    bootSettings: Type.Optional(BootSettings),
    autoDiscover: Type.Optional(AutoDiscover),
    obms: Type.Optional(Type.Array(Type.Object({ service: ObmServiceSchema, config: Type.Record(Type.String(), Type.Unknown()) }, { additionalProperties: false }), { maxItems: 8 })),
  },
  { additionalProperties: false, title: 'node.2.0.post' },
);

const NodePatchBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    type: Type.Optional(NodeTypeSchema),
    identifiers: Type.Optional(Identifiers),
    tags: Type.Optional(Type.Array(TagName, { maxItems: 256 })),
    bootSettings: Type.Optional(Type.Union([BootSettings, Type.Null()])),
    autoDiscover: Type.Optional(AutoDiscover),
  },
  { additionalProperties: false, title: 'node.2.0.patch' },
);

/** The node an API path names: by id, else by identifier (MACs in any notation). */
export async function findNode(ports: NorthboundPorts, identifier: string): Promise<NodeDoc> {
  const nodes = ports.documents.collection('nodes');
  const byId = entityIdPattern.test(identifier) ? await nodes.get(identifier) : undefined;
  const found = byId ?? (await nodes.findOne({ identifiers: isMac(identifier) ? normalizeMac(identifier) : identifier }));
  if (found === undefined) throw new NotFoundError('node', identifier);
  return found;
}

/** The node's read model after its actor answered (the actor projects before it replies). */
async function current(ports: NorthboundPorts, id: string): Promise<NodeDoc> {
  const doc = await ports.documents.collection('nodes').get(id);
  if (doc === undefined) throw new NotFoundError('node', id);
  return doc;
}

/**
 * The nodes collection and single nodes. `obmSealer` stores the OBM settings a POST may carry; without it
 * such a POST is refused.
 */
export function nodeRoutes(ports: NorthboundPorts, obmSealer?: ObmConfigSealer): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/nodes',
      summary: 'List nodes, paged ($skip, $top) and filtered by field (name, type, sku, tags, identifiers, lifecycle state)',
      tag: 'nodes',
      access: 'ReadOnly',
      query: pagedQuery({
        name: Type.Optional(Type.String()),
        type: Type.Optional(Type.String()),
        sku: Type.Optional(Type.String()),
        tags: Type.Optional(Type.String()),
        identifiers: Type.Optional(Type.String()),
        state: Type.Optional(Type.String({ description: 'Lifecycle state, e.g. available.' })),
      }),
      responses: { 200: { description: 'The page of nodes', schema: Type.Array(NodeBody) }, 400: { description: 'Bad query', schema: ErrorBody } },
      async handler({ query, req }) {
        const { $skip: _s, $top: _t, auth_token: _a, state, identifiers, ...fields } = query;
        const filter = {
          ...fields,
          ...(identifiers === undefined ? {} : { identifiers: isMac(identifiers) ? normalizeMac(identifiers) : identifiers }),
          ...(state === undefined ? {} : { 'lifecycle.state': state }),
        };
        const page = pageOf(query);
        const nodes = ports.documents.collection('nodes');
        // In id order: the store pages it without decoding the rest (ids Monorail mints start with their creation time).
        const [items, total] = await Promise.all([nodes.find(filter, { skip: page.skip, limit: page.top }), nodes.count(filter)]);
        return { status: 200, body: items.map((n) => nodeView(n)), headers: pagingHeaders(req, page, total) };
      },
    }),
    route({
      method: 'post',
      path: '/nodes',
      summary: 'Create a node (name and type required); its MACs are claimed so the machine is never discovered twice',
      tag: 'nodes',
      access: 'Operator',
      body: NodePost,
      responses: {
        201: { description: 'The node', schema: NodeBody },
        400: { description: 'Bad body', schema: ErrorBody },
        409: { description: 'A MAC already belongs to another node', schema: ErrorBody },
      },
      async handler({ body }) {
        const identifiers = normalizeIdentifiers(body.identifiers ?? []);
        const obms = (body.obms ?? []).map((o, i) => {
          const service = asService(o.service, `body.obms.${i}.service`);
          checkObmConfig(service, o.config, `body.obms.${i}.config`);
          return { service, config: o.config };
        });
        if (obms.length > 0 && obmSealer === undefined) throw new ValidationError('this API stores no OBM settings', [{ path: 'body.obms', message: 'not accepted here' }]);
        const macs = macsOf(identifiers);
        await ensureMacsFree(ports, macs);
        const id = newEntityId(ports.now());
        const autoDiscover = asBoolean(body.autoDiscover);
        await ports.nodes.ask(id, {
          type: 'node.create',
          spec: { name: body.name, type: body.type, identifiers, ...(body.tags === undefined ? {} : { tags: body.tags }), ...(body.bootSettings === undefined ? {} : { bootSettings: body.bootSettings }), ...(autoDiscover === undefined ? {} : { autoDiscover }) },
        });
        try {
          await claimMacs(ports, id, macs);
        } catch (e) {
          // Lost a race for a MAC: the node must not stay half-made.
          await releaseMacs(ports, id, macs).catch(() => undefined);
          await ports.nodes.ask(id, { type: 'node.delete' }).catch(() => undefined);
          throw e;
        }
        for (const o of obms) if (obmSealer !== undefined) await putObm(ports, obmSealer, id, o.service, o.config, 'body.obms');
        return { status: 201, body: nodeView(await current(ports, id)), headers: { Location: `/api/2.0/nodes/${id}` } };
      },
    }),
    route({
      method: 'get',
      path: '/nodes/{identifier}',
      summary: 'One node, by id or by any identifier',
      tag: 'nodes',
      access: 'ReadOnly',
      params: IdentifierParams,
      responses: { 200: { description: 'The node', schema: NodeBody }, 404: { description: 'No such node', schema: ErrorBody } },
      async handler({ params }) {
        return { status: 200, body: nodeView(await findNode(ports, params.identifier)) };
      },
    }),
    route({
      method: 'patch',
      path: '/nodes/{identifier}',
      summary: 'Change a node\'s name, type, identifiers, tags, boot settings or autoDiscover',
      tag: 'nodes',
      access: 'Operator',
      params: IdentifierParams,
      body: NodePatchBody,
      responses: {
        200: { description: 'The node', schema: NodeBody },
        400: { description: 'Bad body', schema: ErrorBody },
        404: { description: 'No such node', schema: ErrorBody },
        409: { description: 'A MAC already belongs to another node', schema: ErrorBody },
      },
      async handler({ params, body }) {
        const node = await findNode(ports, params.identifier);
        const identifiers = body.identifiers === undefined ? undefined : normalizeIdentifiers(body.identifiers);
        const added = identifiers === undefined ? [] : macsOf(identifiers).filter((m) => !node.identifiers.includes(m));
        const removed = identifiers === undefined ? [] : macsOf(node.identifiers).filter((m) => !identifiers.includes(m));
        await ensureMacsFree(ports, added, node.id);
        const autoDiscover = asBoolean(body.autoDiscover);
        const patch: NodePatch = {
          ...(body.name === undefined ? {} : { name: body.name }),
          ...(body.type === undefined ? {} : { type: body.type }),
          ...(identifiers === undefined ? {} : { identifiers }),
          ...(body.tags === undefined ? {} : { tags: [...new Set(body.tags)] }),
          ...(body.bootSettings === undefined ? {} : { bootSettings: body.bootSettings }),
          ...(autoDiscover === undefined ? {} : { autoDiscover }),
        };
        await claimMacs(ports, node.id, added);
        await ports.nodes.ask(node.id, { type: 'node.update', patch });
        await releaseMacs(ports, node.id, removed);
        return { status: 200, body: nodeView(await current(ports, node.id)) };
      },
    }),
    route({
      method: 'delete',
      path: '/nodes/{identifier}',
      summary: 'Delete a node with its catalogs, OBM records, MAC lookups and enclosed components; refused while a workflow runs on it',
      tag: 'nodes',
      access: 'Operator',
      params: IdentifierParams,
      responses: {
        204: { description: 'Deleted' },
        400: { description: 'A workflow is running on the node or one of its components', schema: ErrorBody },
        404: { description: 'No such node', schema: ErrorBody },
      },
      async handler({ params }) {
        await deleteNode(ports, await findNode(ports, params.identifier));
        return { status: 204 };
      },
    }),
  ];
}
