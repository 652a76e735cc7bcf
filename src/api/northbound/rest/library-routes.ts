/**
 * The template and profile libraries (RackHD's `/api/2.0/templates/library`, `/templates/metadata`,
 * `/profiles/library`, `/profiles/metadata`): the sources the southbound endpoints render (`/templates/{name}`,
 * `/profiles`), stored per scope (`global`, or a SKU id that overrides it). Sources are uploaded as raw text
 * (`text/plain`, `application/octet-stream` or curl's default form type), UTF-8, up to the library's limit.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { Request } from 'express';
import { createHash } from 'node:crypto';
import { NotFoundError } from '../../../errors.ts';
import type { ProfileDoc, TemplateDoc } from '../../../persistence/collections.ts';
import type { DocumentCollection } from '../../../persistence/document-store.ts';
import { profileId } from '../../southbound/profile-library.ts';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { AnyObject, pagedQuery, query } from './common-schemas.ts';
import { definedFields, pagedList } from './list-page.ts';
import { readRawBody, utf8 } from './raw-body.ts';

type Kind = 'templates' | 'profiles';
type SourceDoc = TemplateDoc | ProfileDoc;

export const textMediaTypes = ['text/*', 'application/octet-stream', 'application/x-www-form-urlencoded'] as const;
/** Kickstarts, preseeds and iPXE scripts are kilobytes; a megabyte leaves room without letting anyone fill the store. */
export const defaultSourceLimit = 1024 * 1024;

const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 255, pattern: '^[^/\\\\]+$', description: 'The file name (no slashes).' }) });
const Scope = Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$', default: 'global', description: '`global`, or a SKU id whose nodes get this version.' }));
const ScopeQuery = query({ scope: Scope });

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

function metadata(kind: Kind, d: SourceDoc, base = '/api/2.0'): Record<string, unknown> {
  return {
    id: d.id,
    name: d.name,
    scope: d.scope,
    hash: typeof d['hash'] === 'string' ? d['hash'] : md5(d.contents),
    size: Buffer.byteLength(d.contents),
    ...(typeof d['source'] === 'string' ? { source: d['source'] } : {}),
    ...(typeof d['updatedAt'] === 'string' ? { updatedAt: d['updatedAt'] } : {}),
    href: `${base}/${kind}/library/${encodeURIComponent(d.name)}${d.scope === 'global' ? '' : `?scope=${encodeURIComponent(d.scope)}`}`,
  };
}

export function libraryRoutes(ports: NorthboundPorts, limits: { readonly maxSourceBytes?: number } = {}): ApiRoute[] {
  const limit = limits.maxSourceBytes ?? defaultSourceLimit;
  const routesFor = (kind: Kind, collection: () => DocumentCollection<SourceDoc>): ApiRoute[] => {
    const one = kind === 'templates' ? 'template' : 'profile';
    const find = async (name: string, scope: string | undefined): Promise<SourceDoc> => {
      const doc = await collection().get(profileId(name, scope ?? 'global'));
      if (doc === undefined) throw new NotFoundError(one, `${name}${scope === undefined || scope === 'global' ? '' : ` (scope ${scope})`}`);
      return doc;
    };
    const list = pagedQuery({ scope: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), name: Type.Optional(Type.String({ maxLength: 255 })) });
    // RackHD serves the same metadata list at /library and /metadata.
    const listMetadata = ({ query: q, req }: { readonly query: Static<typeof list>; readonly req: Request }) =>
      pagedList(collection(), definedFields({ scope: q.scope, name: q.name }), q, req, (d) => metadata(kind, d), { name: 1, scope: 1 });
    return [
      route({
        method: 'get',
        path: `/${kind}/library`,
        summary: `List the ${kind} library (metadata), paged`,
        tag: kind,
        access: 'ReadOnly',
        query: list,
        responses: { 200: { description: 'Metadata', schema: Type.Array(AnyObject) } },
        handler: listMetadata,
      }),
      route({
        method: 'get',
        path: `/${kind}/library/{name}`,
        summary: `The source of one ${one}`,
        tag: kind,
        access: 'ReadOnly',
        params: NameParams,
        query: ScopeQuery,
        responses: { 200: { description: 'The source, as text' }, 404: { description: `No such ${one}`, schema: ErrorBody } },
        handler: async ({ params, query: q }) => ({ status: 200, raw: (await find(params.name, q.scope)).contents, contentType: 'text/plain; charset=utf-8' }),
      }),
      route({
        method: 'put',
        path: `/${kind}/library/{name}`,
        summary: `Create or replace a ${one} (raw text body: text/plain, application/octet-stream or x-www-form-urlencoded; at most ${limit} bytes)`,
        tag: kind,
        access: 'Operator',
        params: NameParams,
        query: ScopeQuery,
        responses: {
          201: { description: 'Its metadata', schema: AnyObject },
          400: { description: 'Not UTF-8 text', schema: ErrorBody },
          413: { description: 'Too large', schema: ErrorBody },
          415: { description: 'Not a text body', schema: ErrorBody },
        },
        async handler({ params, query: q, req, res }) {
          const contents = utf8(await readRawBody(req, res, textMediaTypes, limit), 'body');
          const scope = q.scope ?? 'global';
          const doc: SourceDoc = { id: profileId(params.name, scope), name: params.name, scope, contents, source: 'api', hash: md5(contents), updatedAt: new Date(ports.now()).toISOString() };
          await collection().put(doc);
          return { status: 201, body: metadata(kind, doc), headers: { Location: String(metadata(kind, doc)['href']) } };
        },
      }),
      route({
        method: 'delete',
        path: `/${kind}/library/{name}`,
        summary: `Delete a ${one}`,
        tag: kind,
        access: 'Operator',
        params: NameParams,
        query: ScopeQuery,
        responses: { 204: { description: 'Deleted' }, 404: { description: `No such ${one}`, schema: ErrorBody } },
        async handler({ params, query: q }) {
          await collection().delete((await find(params.name, q.scope)).id);
          return { status: 204 };
        },
      }),
      route({
        method: 'get',
        path: `/${kind}/metadata`,
        summary: `Metadata of every ${one}, paged`,
        tag: kind,
        access: 'ReadOnly',
        query: list,
        responses: { 200: { description: 'Metadata', schema: Type.Array(AnyObject) } },
        handler: listMetadata,
      }),
      route({
        method: 'get',
        path: `/${kind}/metadata/{name}`,
        summary: `Metadata of one ${one}`,
        tag: kind,
        access: 'ReadOnly',
        params: NameParams,
        query: ScopeQuery,
        responses: { 200: { description: 'Metadata', schema: AnyObject }, 404: { description: `No such ${one}`, schema: ErrorBody } },
        handler: async ({ params, query: q }) => ({ status: 200, body: metadata(kind, await find(params.name, q.scope)) }),
      }),
    ];
  };
  return [...routesFor('templates', () => ports.documents.collection('templates')), ...routesFor('profiles', () => ports.documents.collection('profiles'))];
}
