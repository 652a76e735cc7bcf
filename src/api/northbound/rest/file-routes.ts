/**
 * `/api/2.0/files` (RackHD's files API): raw uploads (PUT, 201 with the new file's uuid), downloads by uuid or
 * by name (latest version) with Range and conditional requests, md5 and metadata. Uploads are streamed to
 * disk with their digests computed on the way and refused past the size limit (413).
 */
import { Type } from '@sinclair/typebox';
import type { Response } from 'express';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { AnyObject, pagedQuery } from './common-schemas.ts';
import { fileView, type FileStore } from './file-store.ts';
import { definedFields, pagedList } from './list-page.ts';
import { checkRawRequest } from './raw-body.ts';

/** Raw bytes: what `curl -T` (no type), `curl --data-binary` (form type) and clients that say so send. */
export const fileMediaTypes = ['application/octet-stream', 'application/x-www-form-urlencoded'] as const;
/** Installer ISOs run to several GiB. */
export const defaultFileLimit = 8 * 1024 ** 3;

const FileParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 255, pattern: '^(?!\\.\\.?$)[^/\\\\]+$', description: 'A file name, or a stored file\'s uuid.' }) });

function send(res: Response, file: string, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    res.sendFile(file, { headers, dotfiles: 'allow', acceptRanges: true, lastModified: true }, (err) => {
      if (err === undefined || err === null) resolve();
      else reject(err instanceof Error ? err : new Error(String(err)));
    });
  });
}

export function fileRoutes(ports: NorthboundPorts, store: FileStore, limits: { readonly maxFileBytes?: number } = {}): ApiRoute[] {
  const limit = limits.maxFileBytes ?? defaultFileLimit;
  const tag = 'files';
  return [
    route({
      method: 'get',
      path: '/files',
      summary: 'List stored files (every version), paged, filtered by name',
      tag,
      access: 'ReadOnly',
      query: pagedQuery({ basename: Type.Optional(Type.String({ maxLength: 255 })) }),
      responses: { 200: { description: 'File metadata', schema: Type.Array(AnyObject) } },
      handler: ({ query, req }) => pagedList(ports.documents.collection('files'), definedFields({ basename: query.basename }), query, req, (d) => fileView(d), { basename: 1, version: 1 }),
    }),
    route({
      method: 'put',
      path: '/files/{name}',
      summary: `Store a file under a name (raw body; a new version each time; at most ${limit} bytes); answers its uuid`,
      tag,
      access: 'Operator',
      params: FileParams,
      responses: {
        201: { description: 'The uuid of the stored file', schema: Type.String() },
        413: { description: 'Too large', schema: ErrorBody },
        415: { description: 'Not a raw body', schema: ErrorBody },
      },
      async handler({ params, req, res }) {
        checkRawRequest(req, res, fileMediaTypes, limit);
        let doc;
        try {
          doc = await store.put(params.name, req, limit);
        } catch (e) {
          res.setHeader('Connection', 'close');
          throw e;
        }
        return { status: 201, body: doc.id, headers: { Location: `/api/2.0/files/${doc.id}`, ETag: `"${doc.sha256}"` } };
      },
    }),
    route({
      method: 'get',
      path: '/files/{name}',
      summary: 'Download a file by uuid, or the latest version of a name (Range supported)',
      tag,
      access: 'ReadOnly',
      params: FileParams,
      responses: { 200: { description: 'The bytes' }, 206: { description: 'A range of the bytes' }, 404: { description: 'No such file', schema: ErrorBody } },
      async handler({ params, res }) {
        const doc = await store.find(params.name);
        await send(res, store.pathOf(doc), { 'Content-Type': 'application/octet-stream', 'X-Checksum-Sha256': doc.sha256 });
      },
    }),
    route({
      method: 'delete',
      path: '/files/{name}',
      summary: 'Delete a file: one version by uuid, or every version of a name',
      tag,
      access: 'Operator',
      params: FileParams,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such file', schema: ErrorBody } },
      async handler({ params }) {
        await store.remove(params.name);
        return { status: 204 };
      },
    }),
    route({
      method: 'get',
      path: '/files/{name}/md5',
      summary: 'The md5 of a file (by uuid, or the latest version of a name)',
      tag,
      access: 'ReadOnly',
      params: FileParams,
      responses: { 200: { description: 'The md5, hex', schema: Type.String() }, 404: { description: 'No such file', schema: ErrorBody } },
      handler: async ({ params }) => ({ status: 200, body: (await store.find(params.name)).md5 }),
    }),
    route({
      method: 'get',
      path: '/files/{name}/metadata',
      summary: 'The metadata of a file (by uuid, or the latest version of a name)',
      tag,
      access: 'ReadOnly',
      params: FileParams,
      responses: { 200: { description: 'Metadata', schema: AnyObject }, 404: { description: 'No such file', schema: ErrorBody } },
      handler: async ({ params }) => ({ status: 200, body: fileView(await store.find(params.name)) }),
    }),
  ];
}
