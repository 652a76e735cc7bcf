/**
 * Tags (RackHD's `/api/2.0/tags`, `/nodes/{identifier}/tags`, `/nodes/tags/{tagName}`): tag definitions with
 * catalog rules that classify nodes, the tags each node carries (rules add them, operators add and remove
 * them), and running a graph on every node carrying a tag with a per-node report.
 */
import { Type } from '@sinclair/typebox';
import { newEntityId } from '../../../actors/ids.ts';
import { validateRules } from '../../../actors/sku/catalog-rule.ts';
import { ConflictError, isMonorailError, NotFoundError } from '../../../errors.ts';
import type { TagDoc } from '../../../persistence/collections.ts';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { AnyObject, IdentifierParams, pagedQuery, query } from './common-schemas.ts';
import { generateTagsGraph, rematchAll } from './catalog-matching.ts';
import { graphNameOf, RunGraphBody, runOnNodes } from './graph-runs.ts';
import { pagedList } from './list-page.ts';
import { findNode, TagName } from './node-routes.ts';
import { nodeView } from './node-view.ts';
import { ignoreNotFound } from './not-found.ts';

export const RulesSchema = Type.Array(
  Type.Object({ path: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: true, description: 'RackHD\'s rule: a catalog path and validators (equals, in, notIn, contains, notContains, greaterThan, lessThan, min, max, regex, notRegex).' }),
  { minItems: 1, maxItems: 256 },
);

const TagPost = Type.Object({ name: TagName, rules: RulesSchema }, { additionalProperties: false, title: 'tags.2.0.post' });
const NodeTagsPatch = Type.Object({ tags: Type.Array(TagName, { minItems: 1, maxItems: 256 }) }, { additionalProperties: false, title: 'node.2.0.tags' });
const TagParams = Type.Object({ tagName: TagName });
const NodeTagParams = Type.Object({ identifier: IdentifierParams.properties.identifier, tagName: TagName });

export const tagView = (t: TagDoc): Record<string, unknown> => ({ id: t.id, name: t.name, rules: t.rules });

/** Takes `tag` off every node carrying it; resolves to how many did. */
async function untagAll(ports: NorthboundPorts, tag: string): Promise<number> {
  const carriers = await ports.documents.collection('nodes').find({ tags: tag });
  for (const n of carriers) await ignoreNotFound(ports.nodes.ask(n.id, { type: 'node.removeTags', tags: [tag] }));
  return carriers.length;
}

export function tagRoutes(ports: NorthboundPorts): ApiRoute[] {
  const tags = () => ports.documents.collection('tags');
  const tagged = (name: string) => ({ tags: name });
  /** A tag is known if it is defined or any node carries it (operators tag nodes without defining rules). */
  const known = async (name: string): Promise<TagDoc | undefined> => {
    const doc = await tags().findOne({ name });
    if (doc === undefined && (await ports.documents.collection('nodes').count(tagged(name))) === 0) throw new NotFoundError('tag', name);
    return doc;
  };
  return [
    // Literal paths before `/nodes/{identifier}/…` ones, so express never takes `tags` for a node.
    route({
      method: 'delete',
      path: '/nodes/tags/{tagName}',
      summary: 'Take a tag off every node',
      tag: 'nodes',
      access: 'Operator',
      params: TagParams,
      responses: { 204: { description: 'Removed' }, 404: { description: 'No node carries the tag', schema: ErrorBody } },
      async handler({ params }) {
        if ((await untagAll(ports, params.tagName)) === 0) throw new NotFoundError('tag on any node', params.tagName);
        return { status: 204 };
      },
    }),
    route({
      method: 'get',
      path: '/nodes/{identifier}/tags',
      summary: 'The node\'s tags',
      tag: 'nodes',
      access: 'ReadOnly',
      params: IdentifierParams,
      responses: { 200: { description: 'Tag names', schema: Type.Array(Type.String()) }, 404: { description: 'No such node', schema: ErrorBody } },
      handler: async ({ params }) => ({ status: 200, body: (await findNode(ports, params.identifier)).tags }),
    }),
    route({
      method: 'patch',
      path: '/nodes/{identifier}/tags',
      summary: 'Add tags to the node ({tags: [...]})',
      tag: 'nodes',
      access: 'Operator',
      params: IdentifierParams,
      body: NodeTagsPatch,
      responses: { 200: { description: 'The node', schema: AnyObject }, 400: { description: 'Bad body', schema: ErrorBody }, 404: { description: 'No such node', schema: ErrorBody } },
      async handler({ params, body }) {
        const node = await findNode(ports, params.identifier);
        await ports.nodes.ask(node.id, { type: 'node.addTags', tags: body.tags });
        return { status: 200, body: nodeView(await findNode(ports, node.id)) };
      },
    }),
    route({
      method: 'delete',
      path: '/nodes/{identifier}/tags/{tagName}',
      summary: 'Take a tag off the node',
      tag: 'nodes',
      access: 'Operator',
      params: NodeTagParams,
      responses: { 204: { description: 'Removed' }, 404: { description: 'No such node', schema: ErrorBody } },
      async handler({ params }) {
        const node = await findNode(ports, params.identifier);
        await ports.nodes.ask(node.id, { type: 'node.removeTags', tags: [params.tagName] });
        return { status: 204 };
      },
    }),
    route({
      method: 'get',
      path: '/tags',
      summary: 'List tag definitions, paged',
      tag: 'tags',
      access: 'ReadOnly',
      query: pagedQuery({}),
      responses: { 200: { description: 'Tags', schema: Type.Array(AnyObject) } },
      handler: ({ query: q, req }) => pagedList(tags(), {}, q, req, tagView, { name: 1 }),
    }),
    route({
      method: 'post',
      path: '/tags',
      summary: 'Define a tag by catalog rules; every catalogued node is matched again (busy nodes are skipped and named)',
      tag: 'tags',
      access: 'Operator',
      body: TagPost,
      responses: { 201: { description: 'The tag, with the matching report', schema: AnyObject }, 400: { description: 'Bad rules, naming the field', schema: ErrorBody }, 409: { description: 'A tag of that name exists', schema: ErrorBody } },
      async handler({ body }) {
        const rules = validateRules(body.rules, 'body.rules');
        if ((await tags().findOne({ name: body.name })) !== undefined) throw new ConflictError(`tag ${body.name} exists`, { name: body.name });
        const doc: TagDoc = { id: newEntityId(ports.now()), name: body.name, rules };
        try {
          await tags().insert(doc);
        } catch (e) {
          if (isMonorailError(e, 'DUPLICATE_KEY')) throw new ConflictError(`tag ${body.name} exists`, { name: body.name });
          throw e;
        }
        const matching = await rematchAll(ports, generateTagsGraph.injectableName);
        return { status: 201, body: { ...tagView(doc), matching }, headers: { Location: `/api/2.0/tags/${encodeURIComponent(doc.name)}` } };
      },
    }),
    route({
      method: 'get',
      path: '/tags/{tagName}',
      summary: 'One tag definition',
      tag: 'tags',
      access: 'ReadOnly',
      params: TagParams,
      responses: { 200: { description: 'The tag', schema: AnyObject }, 404: { description: 'No such tag', schema: ErrorBody } },
      async handler({ params }) {
        const doc = await tags().findOne({ name: params.tagName });
        if (doc === undefined) throw new NotFoundError('tag', params.tagName);
        return { status: 200, body: tagView(doc) };
      },
    }),
    route({
      method: 'delete',
      path: '/tags/{tagName}',
      summary: 'Delete a tag definition and take the tag off every node',
      tag: 'tags',
      access: 'Operator',
      params: TagParams,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such tag', schema: ErrorBody } },
      async handler({ params }) {
        const doc = await tags().findOne({ name: params.tagName });
        if (doc === undefined) throw new NotFoundError('tag', params.tagName);
        await tags().delete(doc.id);
        await untagAll(ports, doc.name);
        return { status: 204 };
      },
    }),
    route({
      method: 'get',
      path: '/tags/{tagName}/nodes',
      summary: 'The nodes carrying a tag, paged',
      tag: 'tags',
      access: 'ReadOnly',
      params: TagParams,
      query: pagedQuery({}),
      responses: { 200: { description: 'Nodes', schema: Type.Array(AnyObject) }, 404: { description: 'No such tag', schema: ErrorBody } },
      async handler({ params, query: q, req }) {
        await known(params.tagName);
        return pagedList(ports.documents.collection('nodes'), tagged(params.tagName), q, req, (n) => nodeView(n));
      },
    }),
    route({
      method: 'post',
      path: '/tags/{tagName}/nodes/workflows',
      summary: 'Run a graph on every node carrying a tag; answers which nodes accepted and which refused (busy)',
      tag: 'tags',
      access: 'Operator',
      params: TagParams,
      query: query({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }),
      body: RunGraphBody,
      responses: {
        202: { description: 'Per node: the workflow started, or why not', schema: AnyObject },
        400: { description: 'Bad request or unknown graph', schema: ErrorBody },
        404: { description: 'No such tag', schema: ErrorBody },
      },
      async handler({ params, query: q, body }) {
        const graph = graphNameOf(ports, q, body);
        await known(params.tagName);
        const nodes = await ports.documents.collection('nodes').find(tagged(params.tagName), { sort: { createdAt: 1 } });
        const report = await runOnNodes(ports, nodes.map((n) => n.id), graph, body.options);
        return { status: 202, body: { tag: params.tagName, graph, ...report } };
      },
    }),
  ];
}
