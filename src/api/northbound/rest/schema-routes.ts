/**
 * The API describing itself: `GET /openapi.json` (also RackHD's `/swagger`) is the OpenAPI 3 document the
 * registry builds from the same route declarations it mounts, and `GET /schemas[/{id}]` serves the JSON
 * schemas of the request bodies in it (RackHD's schemas API), named by their `title` or, untitled, by the
 * operation that takes them. Built once, on first request, when every group has been added.
 */
import { Type } from '@sinclair/typebox';
import { NotFoundError } from '../../../errors.ts';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiRoute } from '../api-route.ts';
import { AnyObject } from './common-schemas.ts';

export interface OpenApiSource {
  openapi(info: { readonly title: string; readonly version: string }): Record<string, unknown>;
}

interface SchemaEntry {
  readonly id: string;
  readonly schema: unknown;
  readonly operations: string[];
}

type Operation = { readonly operationId?: string; readonly requestBody?: { readonly content?: Record<string, { readonly schema?: unknown }> } };

function bodySchemas(doc: Record<string, unknown>): Map<string, SchemaEntry> {
  const entries = new Map<string, SchemaEntry>();
  const paths = (doc['paths'] ?? {}) as Record<string, Record<string, Operation>>;
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const schema = op.requestBody?.content?.['application/json']?.schema;
      if (schema === undefined) continue;
      const title = (schema as { title?: unknown }).title;
      const id = typeof title === 'string' ? title : (op.operationId ?? `${method} ${path}`).replace(/[^A-Za-z0-9._-]+/g, '_');
      const entry = entries.get(id) ?? { id, schema, operations: [] };
      entry.operations.push(`${method.toUpperCase()} ${path}`);
      entries.set(id, entry);
    }
  }
  return entries;
}

export function schemaRoutes(registry: OpenApiSource, info: { readonly title: string; readonly version: string } = { title: 'Monorail', version: '2.0' }): ApiRoute[] {
  let cached: { doc: Record<string, unknown>; schemas: Map<string, SchemaEntry> } | undefined;
  const built = () => {
    if (cached === undefined) {
      const doc = registry.openapi(info);
      cached = { doc, schemas: bodySchemas(doc) };
    }
    return cached;
  };
  const document = (path: string, summary: string) =>
    route({
      method: 'get',
      path,
      summary,
      tag: 'schemas',
      access: 'ReadOnly',
      responses: { 200: { description: 'The OpenAPI 3 document', schema: AnyObject } },
      handler: () => ({ status: 200, body: built().doc }),
    });
  return [
    document('/openapi.json', 'The OpenAPI 3 document of this API'),
    document('/swagger', 'The OpenAPI 3 document of this API (RackHD\'s path)'),
    route({
      method: 'get',
      path: '/schemas',
      summary: 'The JSON schemas of the API\'s request bodies',
      tag: 'schemas',
      access: 'ReadOnly',
      responses: { 200: { description: 'Schema ids with the operations that take them', schema: Type.Array(AnyObject) } },
      handler: () => ({
        status: 200,
        body: [...built().schemas.values()].sort((a, b) => a.id.localeCompare(b.id)).map((e) => ({ id: e.id, href: `/api/2.0/schemas/${encodeURIComponent(e.id)}`, operations: e.operations })),
      }),
    }),
    route({
      method: 'get',
      path: '/schemas/{id}',
      summary: 'One request body\'s JSON schema',
      tag: 'schemas',
      access: 'ReadOnly',
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 255 }) }),
      responses: { 200: { description: 'A JSON schema', schema: AnyObject }, 404: { description: 'No such schema', schema: ErrorBody } },
      handler: ({ params }) => {
        const entry = built().schemas.get(params.id.endsWith('.json') ? params.id.slice(0, -5) : params.id);
        if (entry === undefined) throw new NotFoundError('schema', params.id);
        return { status: 200, body: entry.schema };
      },
    }),
  ];
}
