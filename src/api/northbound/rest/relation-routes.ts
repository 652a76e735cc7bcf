/**
 * A node's relations (RackHD's `/api/2.0/nodes/{identifier}/relations`): the body maps relation types to
 * target nodes; PUT adds them, DELETE removes them, and the inverse side is written on every target
 * (`encloses` ↔ `enclosedBy`, `contains` ↔ `containedBy`, …). Each side is edited by its node's actor, so
 * concurrent edits of one node cannot lose each other.
 */
import { Type } from '@sinclair/typebox';
import { isMonorailError, ValidationError } from '../../../errors.ts';
import type { NodeDoc } from '../../../persistence/collections.ts';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { AnyObject, IdentifierParams } from './common-schemas.ts';
import { relationKinds, relationTypeNames } from './node-relations.ts';
import { findNode } from './node-routes.ts';
import { nodeView } from './node-view.ts';

const RelationsBody = Type.Object(
  Object.fromEntries(relationTypeNames.map((t) => [t, Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 1000 }))])),
  { additionalProperties: false, minProperties: 1, title: 'relations.2.0', description: `Relation types (${relationTypeNames.join(', ')}) to the ids or identifiers of target nodes.` },
);

interface Edit {
  readonly relationType: string;
  readonly targets: readonly NodeDoc[];
}

/** The body's relation types with their target nodes; an unknown target or the node itself is a 400 naming the entry. */
async function editsOf(ports: NorthboundPorts, node: NodeDoc, body: Readonly<Record<string, readonly string[] | undefined>>): Promise<Edit[]> {
  const edits: Edit[] = [];
  for (const [relationType, identifiers] of Object.entries(body)) {
    if (identifiers === undefined) continue;
    const targets: NodeDoc[] = [];
    for (const [i, identifier] of identifiers.entries()) {
      let target: NodeDoc;
      try {
        target = await findNode(ports, identifier);
      } catch (e) {
        if (isMonorailError(e, 'NOT_FOUND')) throw new ValidationError(`no node ${identifier}`, [{ path: `body.${relationType}.${i}`, message: 'no such node' }]);
        throw e;
      }
      if (target.id === node.id) throw new ValidationError('a node cannot be related to itself', [{ path: `body.${relationType}.${i}`, message: 'is the node itself' }]);
      if (!targets.some((t) => t.id === target.id)) targets.push(target);
    }
    edits.push({ relationType, targets });
  }
  return edits;
}

async function apply(ports: NorthboundPorts, node: NodeDoc, edits: readonly Edit[], op: 'add' | 'remove'): Promise<Set<string>> {
  const touched = new Set<string>([node.id]);
  for (const { relationType, targets } of edits) {
    const inverse = relationKinds[relationType]?.inverse ?? relationType;
    await ports.nodes.ask(node.id, { type: 'node.editRelations', op, relationType, targets: targets.map((t) => t.id) });
    for (const t of targets) {
      await ports.nodes.ask(t.id, { type: 'node.editRelations', op, relationType: inverse, targets: [node.id] });
      touched.add(t.id);
    }
  }
  return touched;
}

export function relationRoutes(ports: NorthboundPorts): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/nodes/{identifier}/relations',
      summary: 'The node\'s relations',
      tag: 'nodes',
      access: 'ReadOnly',
      params: IdentifierParams,
      responses: { 200: { description: 'Relations', schema: Type.Array(AnyObject) }, 404: { description: 'No such node', schema: ErrorBody } },
      handler: async ({ params }) => ({ status: 200, body: (await findNode(ports, params.identifier)).relations }),
    }),
    route({
      method: 'put',
      path: '/nodes/{identifier}/relations',
      summary: 'Add relations to other nodes; each target gets the inverse relation',
      tag: 'nodes',
      access: 'Operator',
      params: IdentifierParams,
      body: RelationsBody,
      responses: {
        200: { description: 'The node and its targets, as they are now', schema: Type.Array(AnyObject) },
        400: { description: 'Bad body, unknown target', schema: ErrorBody },
        404: { description: 'No such node', schema: ErrorBody },
      },
      async handler({ params, body }) {
        const node = await findNode(ports, params.identifier);
        const touched = await apply(ports, node, await editsOf(ports, node, body), 'add');
        const nodes = await ports.documents.collection('nodes').find({ id: { $in: [...touched] } });
        const order = [...touched];
        return { status: 200, body: nodes.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id)).map((n) => nodeView(n)) };
      },
    }),
    route({
      method: 'delete',
      path: '/nodes/{identifier}/relations',
      summary: 'Remove relations to other nodes, and the targets\' inverse relations',
      tag: 'nodes',
      access: 'Operator',
      params: IdentifierParams,
      body: RelationsBody,
      responses: { 204: { description: 'Removed' }, 400: { description: 'Bad body, unknown target', schema: ErrorBody }, 404: { description: 'No such node', schema: ErrorBody } },
      async handler({ params, body }) {
        const node = await findNode(ports, params.identifier);
        await apply(ports, node, await editsOf(ports, node, body), 'remove');
        return { status: 204 };
      },
    }),
  ];
}
