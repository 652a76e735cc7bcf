/**
 * `/api/2.0/lookups`: which node a MAC address belongs to and the IP it was last seen with (RackHD's lookups
 * API). Each MAC is its own lookup entity, the single writer of that binding, so every change goes through
 * the entity's messages; lists and reads come from the `lookups` read model. A lookup's id is its MAC
 * (accepted in any notation).
 */
import { Type } from '@sinclair/typebox';
import { isMac, normalizeMac } from '../../../actors/lookup/mac-address.ts';
import { isMonorailError, NotFoundError, ValidationError } from '../../../errors.ts';
import type { LookupDoc, NodeDoc } from '../../../persistence/collections.ts';
import type { Filter } from '../../../persistence/document-store.ts';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { AnyObject, IdParams, pagedQuery } from './common-schemas.ts';
import { pagedList } from './list-page.ts';
import { findNode } from './node-routes.ts';
import { ignoreNotFound } from './not-found.ts';

const MAC_PATTERN = '^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{4}\\.[0-9A-Fa-f]{4}\\.[0-9A-Fa-f]{4}$|^[0-9A-Fa-f]{12}$';
const IPV4_PATTERN = '^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$';
const MacAddress = Type.String({ pattern: MAC_PATTERN, description: 'A MAC address (aa:bb:cc:dd:ee:ff or another common notation).' });
const IpAddress = Type.String({ pattern: IPV4_PATTERN, description: 'An IPv4 address.' });

const LookupPost = Type.Object(
  { macAddress: MacAddress, node: Type.String({ minLength: 1, maxLength: 200 }), ipAddress: Type.Optional(IpAddress) },
  { additionalProperties: false, title: 'lookups.2.0.post' },
);
const LookupPatch = Type.Object(
  { macAddress: Type.Optional(MacAddress), node: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), ipAddress: Type.Optional(IpAddress) },
  { additionalProperties: false, title: 'lookups.2.0.patch' },
);

export function lookupView(l: LookupDoc, base = '/api/2.0'): Record<string, unknown> {
  return {
    id: l.id,
    macAddress: l.macAddress,
    node: l.node,
    nodeRef: `${base}/nodes/${l.node}`,
    ...(l.ipAddress === undefined ? {} : { ipAddress: l.ipAddress }),
    ...(l.proxy === undefined ? {} : { proxy: l.proxy }),
    updatedAt: l.updatedAt,
  };
}

function macOf(id: string, where: string): string {
  if (!isMac(id)) throw new ValidationError(`${JSON.stringify(id)} is not a MAC address`, [{ path: where, message: 'must be a MAC address' }]);
  return normalizeMac(id);
}

/** The node a body names; a missing one is the body's fault (400), not the URL's. */
async function bodyNode(ports: NorthboundPorts, identifier: string): Promise<NodeDoc> {
  try {
    return await findNode(ports, identifier);
  } catch (e) {
    if (isMonorailError(e, 'NOT_FOUND')) throw new ValidationError(`no node ${identifier}`, [{ path: 'body.node', message: 'no such node' }]);
    throw e;
  }
}

async function findLookup(ports: NorthboundPorts, id: string): Promise<LookupDoc> {
  const doc = isMac(id) ? await ports.documents.collection('lookups').get(normalizeMac(id)) : undefined;
  if (doc === undefined) throw new NotFoundError('lookup', id);
  return doc;
}

/** Reads the projection the entity wrote before it answered. */
async function projected(ports: NorthboundPorts, mac: string): Promise<LookupDoc> {
  return findLookup(ports, mac);
}

export function lookupRoutes(ports: NorthboundPorts): ApiRoute[] {
  const tag = 'lookups';
  return [
    route({
      method: 'get',
      path: '/lookups',
      summary: 'List lookups, paged; q= matches a MAC address, an IP address or a node id',
      tag,
      access: 'ReadOnly',
      query: pagedQuery({ q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'A MAC address, IP address or node id.' })) }),
      responses: { 200: { description: 'Lookups', schema: Type.Array(AnyObject) }, 400: { description: 'Bad query', schema: ErrorBody } },
      handler({ query, req }) {
        const q = query.q;
        const filter: Filter = q === undefined ? {} : { $or: [...(isMac(q) ? [{ macAddress: normalizeMac(q) }] : []), { ipAddress: q }, { node: q }] };
        return pagedList(ports.documents.collection('lookups'), filter, query, req, (l) => lookupView(l), { id: 1 });
      },
    }),
    route({
      method: 'post',
      path: '/lookups',
      summary: 'Bind a MAC address to a node (and an IP address); a MAC that already has a lookup is a 400',
      tag,
      access: 'Operator',
      body: LookupPost,
      responses: { 201: { description: 'The lookup', schema: AnyObject }, 400: { description: 'Bad body, unknown node, or the MAC already has a lookup', schema: ErrorBody } },
      async handler({ body }) {
        const mac = macOf(body.macAddress, 'body.macAddress');
        const node = await bodyNode(ports, body.node);
        const state = await ports.lookups.ask(mac, { type: 'lookup.get' });
        if (state.nodeId !== undefined) {
          throw new ValidationError(`MAC address ${mac} already has a lookup (node ${state.nodeId})`, [{ path: 'body.macAddress', message: 'already has a lookup' }]);
        }
        await ports.lookups.ask(mac, { type: 'lookup.claim', nodeId: node.id });
        if (body.ipAddress !== undefined) await ports.lookups.ask(mac, { type: 'lookup.resolve', ipAddress: body.ipAddress });
        // The node is found by its MACs (GET /nodes/<mac>), as RackHD resolves lookups to nodes.
        await ports.nodes.ask(node.id, { type: 'node.addIdentifiers', identifiers: [mac] });
        return { status: 201, body: lookupView(await projected(ports, mac)), headers: { Location: `/api/2.0/lookups/${mac}` } };
      },
    }),
    route({
      method: 'get',
      path: '/lookups/{id}',
      summary: 'One lookup, by its MAC address',
      tag,
      access: 'ReadOnly',
      params: IdParams,
      responses: { 200: { description: 'The lookup', schema: AnyObject }, 404: { description: 'No such lookup', schema: ErrorBody } },
      handler: async ({ params }) => ({ status: 200, body: lookupView(await findLookup(ports, params.id)) }),
    }),
    route({
      method: 'patch',
      path: '/lookups/{id}',
      summary: 'Move a lookup to another node or record a new IP address',
      tag,
      access: 'Operator',
      params: IdParams,
      body: LookupPatch,
      responses: { 200: { description: 'The lookup', schema: AnyObject }, 400: { description: 'Bad body or unknown node', schema: ErrorBody }, 404: { description: 'No such lookup', schema: ErrorBody } },
      async handler({ params, body }) {
        const doc = await findLookup(ports, params.id);
        if (body.macAddress !== undefined && macOf(body.macAddress, 'body.macAddress') !== doc.macAddress) {
          throw new ValidationError('a lookup\'s MAC address is its id and cannot change', [{ path: 'body.macAddress', message: 'cannot change' }]);
        }
        if (body.node !== undefined) {
          const node = await bodyNode(ports, body.node);
          if (node.id !== doc.node) {
            await ports.lookups.ask(doc.id, { type: 'lookup.release', nodeId: doc.node });
            await ports.lookups.ask(doc.id, { type: 'lookup.claim', nodeId: node.id });
            await ports.nodes.ask(node.id, { type: 'node.addIdentifiers', identifiers: [doc.id] });
            const previous = await ports.documents.collection('nodes').get(doc.node);
            if (previous?.identifiers.includes(doc.id) === true) {
              await ignoreNotFound(ports.nodes.ask(previous.id, { type: 'node.update', patch: { identifiers: previous.identifiers.filter((i) => i !== doc.id) } }));
            }
          }
        }
        if (body.ipAddress !== undefined) await ports.lookups.ask(doc.id, { type: 'lookup.resolve', ipAddress: body.ipAddress });
        return { status: 200, body: lookupView(await projected(ports, doc.id)) };
      },
    }),
    route({
      method: 'delete',
      path: '/lookups/{id}',
      summary: 'Unbind a MAC address from its node (the machine is discovered anew next time)',
      tag,
      access: 'Operator',
      params: IdParams,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such lookup', schema: ErrorBody } },
      async handler({ params }) {
        const doc = await findLookup(ports, params.id);
        await ports.lookups.ask(doc.id, { type: 'lookup.release', nodeId: doc.node });
        return { status: 204 };
      },
    }),
  ];
}
