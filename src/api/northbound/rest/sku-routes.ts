/**
 * SKUs (RackHD's `/api/2.0/skus`): named sets of catalog rules that classify nodes, with the graph a node of
 * the SKU runs after discovery and the SKU's template values (`skuConfig`). Creating or changing a SKU matches
 * every catalogued node again (Graph.GenerateSku per node; busy nodes are skipped and named in the answer);
 * deleting one clears it from its nodes.
 */
import { Type, type Static } from '@sinclair/typebox';
import { newEntityId } from '../../../actors/ids.ts';
import { validateRules } from '../../../actors/sku/catalog-rule.ts';
import { ConflictError, isMonorailError, NotFoundError, ValidationError } from '../../../errors.ts';
import type { SkuDoc } from '../../../persistence/collections.ts';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { generateSkuGraph, rematchAll } from './catalog-matching.ts';
import { AnyObject, IdParams, pagedQuery } from './common-schemas.ts';
import { definedFields, pagedList } from './list-page.ts';
import { nodeView } from './node-view.ts';
import { ignoreNotFound } from './not-found.ts';
import { RulesSchema } from './tag-routes.ts';

const fields = {
  name: Type.String({ minLength: 1, maxLength: 255 }),
  rules: RulesSchema,
  discoveryGraphName: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'The graph a node of this SKU runs after discovery.' })),
  discoveryGraphOptions: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Options for that graph.' })),
  skuConfig: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Values templates read as {{ sku.x }}.' })),
};
const SkuBody = Type.Object(fields, { additionalProperties: false, title: 'skus.2.0.upsert' });
const SkuPatch = Type.Partial(Type.Object(fields), { additionalProperties: false, title: 'skus.2.0.patch' });
type SkuFields = Partial<Static<typeof SkuBody>>;

export const skuView = (s: SkuDoc): Record<string, unknown> => {
  const { version: _v, ...rest } = s;
  return rest;
};

export function skuRoutes(ports: NorthboundPorts): ApiRoute[] {
  const skus = () => ports.documents.collection('skus');

  /** The body's rules and graph, checked; the field named on failure. */
  const checked = (body: SkuFields): SkuFields => {
    if (body.rules !== undefined) validateRules(body.rules, 'body.rules');
    if (body.discoveryGraphName !== undefined && ports.workflows.library.graph(body.discoveryGraphName) === undefined) {
      throw new ValidationError(`no graph named ${body.discoveryGraphName}`, [{ path: 'body.discoveryGraphName', message: 'unknown graph' }]);
    }
    return body;
  };

  const byIdOrName = async (id: string): Promise<SkuDoc> => {
    const doc = (await skus().get(id)) ?? (await skus().findOne({ name: id }));
    if (doc === undefined) throw new NotFoundError('SKU', id);
    return doc;
  };

  const store = async (doc: SkuDoc, insert: boolean): Promise<void> => {
    try {
      await (insert ? skus().insert(doc) : skus().put(doc));
    } catch (e) {
      if (isMonorailError(e, 'DUPLICATE_KEY')) throw new ConflictError(`a SKU named ${doc.name} exists`, { name: doc.name });
      throw e;
    }
  };

  const answer = async (status: number, doc: SkuDoc) => {
    const matching = await rematchAll(ports, generateSkuGraph.injectableName);
    return { status, body: { ...skuView(doc), matching }, headers: { Location: `/api/2.0/skus/${doc.id}` } };
  };

  const created = (body: Static<typeof SkuBody>, id: string, createdAt: string): SkuDoc => {
    const at = new Date(ports.now()).toISOString();
    return { ...body, id, createdAt, updatedAt: at };
  };

  return [
    route({
      method: 'get',
      path: '/skus',
      summary: 'List SKUs, paged, filtered by name',
      tag: 'skus',
      access: 'ReadOnly',
      query: pagedQuery({ name: Type.Optional(Type.String({ maxLength: 255 })) }),
      responses: { 200: { description: 'SKUs', schema: Type.Array(AnyObject) } },
      handler: ({ query, req }) => pagedList(skus(), definedFields({ name: query.name }), query, req, skuView),
    }),
    route({
      method: 'post',
      path: '/skus',
      summary: 'Create a SKU; every catalogued node is matched again',
      tag: 'skus',
      access: 'Operator',
      body: SkuBody,
      responses: { 201: { description: 'The SKU, with the matching report', schema: AnyObject }, 400: { description: 'Bad rules, naming the field', schema: ErrorBody }, 409: { description: 'A SKU of that name exists', schema: ErrorBody } },
      async handler({ body }) {
        checked(body);
        const doc = created(body, newEntityId(ports.now()), new Date(ports.now()).toISOString());
        await store(doc, true);
        return answer(201, doc);
      },
    }),
    route({
      method: 'put',
      path: '/skus',
      summary: 'Create a SKU, or replace the one of the same name; every catalogued node is matched again',
      tag: 'skus',
      access: 'Operator',
      body: SkuBody,
      responses: { 201: { description: 'The SKU, with the matching report', schema: AnyObject }, 400: { description: 'Bad rules, naming the field', schema: ErrorBody } },
      async handler({ body }) {
        checked(body);
        const existing = await skus().findOne({ name: body.name });
        const doc = created(body, existing?.id ?? newEntityId(ports.now()), typeof existing?.['createdAt'] === 'string' ? existing['createdAt'] : new Date(ports.now()).toISOString());
        await store(doc, false);
        return answer(201, doc);
      },
    }),
    route({
      method: 'get',
      path: '/skus/{id}',
      summary: 'One SKU, by id or name',
      tag: 'skus',
      access: 'ReadOnly',
      params: IdParams,
      responses: { 200: { description: 'The SKU', schema: AnyObject }, 404: { description: 'No such SKU', schema: ErrorBody } },
      handler: async ({ params }) => ({ status: 200, body: skuView(await byIdOrName(params.id)) }),
    }),
    route({
      method: 'patch',
      path: '/skus/{id}',
      summary: 'Change a SKU; every catalogued node is matched again',
      tag: 'skus',
      access: 'Operator',
      params: IdParams,
      body: SkuPatch,
      responses: {
        200: { description: 'The SKU, with the matching report', schema: AnyObject },
        400: { description: 'Bad rules, naming the field', schema: ErrorBody },
        404: { description: 'No such SKU', schema: ErrorBody },
        409: { description: 'Another SKU has that name', schema: ErrorBody },
      },
      async handler({ params, body }) {
        const doc = await byIdOrName(params.id);
        checked(body);
        if (body.name !== undefined && body.name !== doc.name && (await skus().findOne({ name: body.name })) !== undefined) {
          throw new ConflictError(`a SKU named ${body.name} exists`, { name: body.name });
        }
        const next: SkuDoc = { ...doc, ...body, id: doc.id, updatedAt: new Date(ports.now()).toISOString() };
        await store(next, false);
        return answer(200, next);
      },
    }),
    route({
      method: 'delete',
      path: '/skus/{id}',
      summary: 'Delete a SKU; its nodes no longer have one',
      tag: 'skus',
      access: 'Operator',
      params: IdParams,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such SKU', schema: ErrorBody } },
      async handler({ params }) {
        const doc = await byIdOrName(params.id);
        await skus().delete(doc.id);
        for (const n of await ports.documents.collection('nodes').find({ sku: doc.id })) {
          await ignoreNotFound(ports.nodes.ask(n.id, { type: 'node.update', patch: { sku: null } }));
        }
        return { status: 204 };
      },
    }),
    route({
      method: 'get',
      path: '/skus/{id}/nodes',
      summary: 'The nodes of a SKU, paged',
      tag: 'skus',
      access: 'ReadOnly',
      params: IdParams,
      query: pagedQuery({}),
      responses: { 200: { description: 'Nodes', schema: Type.Array(AnyObject) }, 404: { description: 'No such SKU', schema: ErrorBody } },
      async handler({ params, query, req }) {
        const doc = await byIdOrName(params.id);
        return pagedList(ports.documents.collection('nodes'), { sku: doc.id }, query, req, (n) => nodeView(n));
      },
    }),
  ];
}
