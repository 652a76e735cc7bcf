/**
 * `/hooks` — RackHD's webhook registrations (on-http lib/api/2.0/hooks.js, rackhd.md §6): list, create
 * (201; a second hook for the same URL is a 409, as RackHD answered), read, patch and delete (204). Every
 * event matching a hook's filters is delivered to its URL by the deliverer (src/events/webhook-delivery.ts).
 *
 * Added to RackHD's contract: bodies are validated (a filter whose pattern is not a usable regular
 * expression is a 400 naming `body.filters.<i>.<key>`; the URL must be http or https), each hook gets a
 * signing secret that is shown once, in the 201, and can be replaced with `PATCH {rotateSecret: true}`
 * (shown once again), and a hook shows its delivery status.
 */
import { Type } from '@sinclair/typebox';
import { newEntityId } from '../../actors/ids.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts';
import { filterProblems, type HookFilter } from '../../events/hook-filter.ts';
import type { HookDeliveries } from '../../events/webhook-delivery.ts';
import { newHookSecret } from '../../events/webhook-signature.ts';
import type { HookDoc } from '../../persistence/collections.ts';
import { ErrorBody } from '../northbound/api-registry.ts';
import { route, type ApiRoute } from '../northbound/api-route.ts';
import type { NorthboundPorts } from '../northbound/northbound-ports.ts';
import { PagingQuery, pageOf, pagingHeaders } from '../northbound/paging.ts';
import { hookView } from './hook-view.ts';

const AuthToken = { auth_token: Type.Optional(Type.String({ maxLength: 8192, description: 'A login token, for clients that cannot set the Authorization header (RackHD).' })) };

const Filters = Type.Array(Type.Record(Type.String(), Type.String()), {
  maxItems: 50,
  description: 'OR-ed list of filters; each is `{payloadKey: regexString}` with its keys AND-ed. A payload key is a field of the event (type, action, severity, typeId, nodeId) or a dotted path into it (data.status). Empty or absent: every event.',
});
const Url = Type.String({ minLength: 1, maxLength: 2048, description: 'Where events are POSTed (http or https).' });
const Name = Type.String({ maxLength: 255, description: 'A name for people.' });

const HookCreate = Type.Object({ url: Url, name: Type.Optional(Name), filters: Type.Optional(Filters) }, { additionalProperties: false, title: 'hooks.2.0.post' });
const HookPatch = Type.Object(
  {
    url: Type.Optional(Url),
    name: Type.Optional(Name),
    filters: Type.Optional(Filters),
    rotateSecret: Type.Optional(Type.Boolean({ description: 'Replace the signing secret; the answer shows the new one, once.' })),
  },
  { additionalProperties: false, minProperties: 1, title: 'hooks.2.0.patch' },
);
const HookBody = Type.Object(
  {
    id: Type.String(),
    name: Type.Optional(Type.String()),
    url: Type.String(),
    filters: Filters,
    lastDelivery: Type.Union([
      Type.Object({ at: Type.String(), event: Type.String(), status: Type.Union([Type.Literal('delivered'), Type.Literal('failed')]), httpStatus: Type.Union([Type.Integer(), Type.Null()]), attempts: Type.Integer(), error: Type.Optional(Type.String()) }),
      Type.Null(),
    ]),
    delivered: Type.Integer(),
    failed: Type.Integer(),
    dropped: Type.Integer({ description: 'Events dropped because the queue was full (the receiver down or too slow for long).' }),
    queued: Type.Integer(),
    inFlight: Type.Integer(),
    secret: Type.Optional(Type.String({ description: 'Only in the answer that created or rotated it: the HMAC-SHA256 key of X-Monorail-Signature.' })),
  },
  { additionalProperties: true },
);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'The hook id.' }) });

function urlProblems(url: string | undefined): { path: string; message: string }[] {
  if (url === undefined) return [];
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return [{ path: 'body.url', message: 'body.url is not a URL' }];
  }
  return protocol === 'http:' || protocol === 'https:' ? [] : [{ path: 'body.url', message: `body.url must be an http or https URL, not ${protocol}` }];
}

function check(body: { url?: string; filters?: readonly HookFilter[] }): void {
  const problems = [...urlProblems(body.url), ...filterProblems(body.filters ?? [])];
  if (problems.length > 0) throw new ValidationError(`invalid request: ${problems.map((p) => p.message).join('; ')}`, problems);
}

export function hookRoutes(ports: NorthboundPorts, deliveries: HookDeliveries): ApiRoute[] {
  const hooks = ports.documents.collection('hooks');
  const find = async (id: string): Promise<HookDoc> => {
    const doc = await hooks.get(id);
    if (doc === undefined) throw new NotFoundError('hook', id);
    return doc;
  };
  const refuseTakenUrl = async (url: string, self?: string): Promise<void> => {
    const other = await hooks.findOne({ url });
    if (other !== undefined && other.id !== self) throw new ConflictError(`a hook for ${url} exists already (${other.id})`, { id: other.id });
  };
  return [
    route({
      method: 'get',
      path: '/hooks',
      summary: 'List webhooks, paged ($skip, $top) and filtered by url or name, with their delivery status',
      tag: 'hooks',
      access: 'ReadOnly',
      query: Type.Object({ ...PagingQuery, ...AuthToken, url: Type.Optional(Type.String()), name: Type.Optional(Type.String()) }, { additionalProperties: false }),
      responses: { 200: { description: 'The page of hooks', schema: Type.Array(HookBody) }, 400: { description: 'Bad query', schema: ErrorBody } },
      async handler({ query, req }) {
        const filter = { ...(query.url === undefined ? {} : { url: query.url }), ...(query.name === undefined ? {} : { name: query.name }) };
        const page = pageOf(query);
        const [items, total] = await Promise.all([hooks.find(filter, { skip: page.skip, limit: page.top, sort: { createdAt: 1 } }), hooks.count(filter)]);
        return { status: 200, body: items.map((h) => hookView(h, deliveries)), headers: pagingHeaders(req, page, total) };
      },
    }),
    route({
      method: 'post',
      path: '/hooks',
      summary: 'Register a webhook; the answer carries its signing secret, shown this once',
      tag: 'hooks',
      access: 'Operator',
      body: HookCreate,
      maxBodyBytes: 64 * 1024,
      query: Type.Object(AuthToken, { additionalProperties: false }),
      responses: {
        201: { description: 'The hook, with `secret`', schema: HookBody },
        400: { description: 'Bad body: the field is named', schema: ErrorBody },
        409: { description: 'A hook for this URL exists', schema: ErrorBody },
      },
      async handler({ body, req }) {
        check(body);
        await refuseTakenUrl(body.url);
        const now = ports.now();
        const at = new Date(now).toISOString();
        const secret = newHookSecret();
        const doc: HookDoc = {
          id: newEntityId(now),
          url: body.url,
          ...(body.name === undefined ? {} : { name: body.name }),
          filters: body.filters ?? [],
          secret: ports.sealer.seal(secret),
          createdAt: at,
          updatedAt: at,
          delivery: { delivered: 0, failed: 0, dropped: 0 },
        };
        await hooks.insert(doc);
        deliveries.saved(doc);
        const path = req.originalUrl.split('?')[0] ?? '/api/2.0/hooks';
        return { status: 201, body: { ...hookView(doc, deliveries), secret }, headers: { Location: `${path.replace(/\/$/, '')}/${doc.id}` } };
      },
    }),
    route({
      method: 'get',
      path: '/hooks/{id}',
      summary: 'One webhook, with its delivery status',
      tag: 'hooks',
      access: 'ReadOnly',
      params: IdParams,
      query: Type.Object(AuthToken, { additionalProperties: false }),
      responses: { 200: { description: 'The hook', schema: HookBody }, 404: { description: 'No such hook', schema: ErrorBody } },
      async handler({ params }) {
        return { status: 200, body: hookView(await find(params.id), deliveries) };
      },
    }),
    route({
      method: 'patch',
      path: '/hooks/{id}',
      summary: 'Change a webhook\'s url, name or filters, or rotate its secret',
      tag: 'hooks',
      access: 'Operator',
      params: IdParams,
      body: HookPatch,
      maxBodyBytes: 64 * 1024,
      query: Type.Object(AuthToken, { additionalProperties: false }),
      responses: {
        200: { description: 'The hook as changed (with `secret` when rotated)', schema: HookBody },
        400: { description: 'Bad body: the field is named', schema: ErrorBody },
        404: { description: 'No such hook', schema: ErrorBody },
        409: { description: 'Another hook has this URL', schema: ErrorBody },
      },
      async handler({ params, body }) {
        check(body);
        await find(params.id);
        if (body.url !== undefined) await refuseTakenUrl(body.url, params.id);
        const secret = body.rotateSecret === true ? newHookSecret() : undefined;
        const updated = await hooks.update(params.id, {
          $set: {
            ...(body.url === undefined ? {} : { url: body.url }),
            ...(body.name === undefined ? {} : { name: body.name }),
            ...(body.filters === undefined ? {} : { filters: body.filters }),
            ...(secret === undefined ? {} : { secret: ports.sealer.seal(secret) }),
            updatedAt: new Date(ports.now()).toISOString(),
          },
        });
        if (updated === undefined) throw new NotFoundError('hook', params.id);
        deliveries.saved(updated);
        return { status: 200, body: { ...hookView(updated, deliveries), ...(secret === undefined ? {} : { secret }) } };
      },
    }),
    route({
      method: 'delete',
      path: '/hooks/{id}',
      summary: 'Delete a webhook; events waiting for it are dropped',
      tag: 'hooks',
      access: 'Operator',
      params: IdParams,
      query: Type.Object(AuthToken, { additionalProperties: false }),
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such hook', schema: ErrorBody } },
      async handler({ params }) {
        if (!(await hooks.delete(params.id))) throw new NotFoundError('hook', params.id);
        deliveries.removed(params.id);
        return { status: 204 };
      },
    }),
  ];
}
