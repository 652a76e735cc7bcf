/**
 * `GET /api/2.0/files/static/list` (RackHD's static-files API): the files the member serves under `/common`
 * from its static root (`http.staticRoot`: kernels, initrds, images), as `{uri}` relative to it — what an
 * operator points a graph's `repo` or a profile at. Symbolic links are not followed and dot-files are left
 * out (the server refuses to serve them); the walk stops at `maxStaticFiles` entries and a depth of 16.
 * RackHD also listed SKU packs' static directories; Monorail's SKU packs carry no static files (sku-pack.ts).
 */
import { Type } from '@sinclair/typebox';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { pagedArray } from './array-page.ts';
import { pagedQuery } from './common-schemas.ts';

export const maxStaticFiles = 10_000;
const maxDepth = 16;

/** Relative paths (with `/`) of the regular files under `root`, sorted; a root that does not exist is empty. */
export async function listStaticFiles(root: string, limit = maxStaticFiles): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, rel: string, depth: number): Promise<void> => {
    if (depth > maxDepth || found.length >= limit) return;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw e;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (found.length >= limit) return;
      if (entry.name.startsWith('.')) continue;
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) await walk(path.join(dir, entry.name), childRel, depth + 1);
      else if (entry.isFile()) found.push(childRel);
    }
  };
  await walk(root, '', 0);
  return found;
}

export function staticFileRoutes(ports: NorthboundPorts, root: string = ports.config.http.staticRoot): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/files/static/list',
      summary: `The files served under /common from the static root, paged (at most ${maxStaticFiles} listed)`,
      tag: 'files',
      access: 'ReadOnly',
      query: pagedQuery({}),
      responses: { 200: { description: '`{uri}` per file, relative to /common', schema: Type.Array(Type.Object({ uri: Type.String() })) } },
      handler: async ({ query, req }) => pagedArray((await listStaticFiles(root)).map((uri) => ({ uri })), query, req),
    }),
  ];
}
