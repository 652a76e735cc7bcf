/**
 * Small pieces the Redfish routes share: the permissive body schema (the registry checks that a body is a
 * JSON object; each route then checks its properties itself, because Redfish names every problem with its
 * own Base message — PropertyValueNotInList, ActionParameterMissing… — where a schema error could not),
 * weak ETags (RFC 7232 §2.3), If-Match, collection paging, and the privilege checks the routes' access
 * levels cannot express (ConfigureSelf: one's own session and account).
 */
import { createHash } from 'node:crypto';
import { Type, type TObject, type TProperties, type TString } from '@sinclair/typebox';
import type { Request } from 'express';
import type { Principal } from '../northbound/api-route.ts';
import { fail } from './redfish-error.ts';
import { TOP_SKIP_MAX } from './query/query-options.ts';

/**
 * A JSON object body. The properties listed are documentation only (their schema shows in OpenAPI as
 * `x-redfish-schema`); the route checks each itself, so that a wrong value gets its Redfish message.
 */
export function redfishBody(description: string, properties: TProperties = {}): TObject {
  const documented = Object.fromEntries(
    Object.entries(properties).map(([k, v]) => [k, Type.Optional(Type.Unknown({ description: `Checked by the route: ${String(v.description ?? v.type ?? 'see x-redfish-schema')}`, 'x-redfish-schema': JSON.parse(JSON.stringify(v)) as unknown }))]),
  );
  return Type.Object(documented, { additionalProperties: true, description });
}

/** A path parameter object with one string id, typed by its name. */
export function IdParam<K extends string>(name: K, description: string): TObject<Record<K, TString>> {
  return Type.Object({ [name]: Type.String({ minLength: 1, maxLength: 256, description }) } as Record<K, TString>);
}

export type JsonObject = Record<string, unknown>;

/** The body as an object (the registry already refused anything else; a missing body is an empty one). */
export function objectBody(body: unknown): JsonObject {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw fail(400, 'UnrecognizedRequestBody');
  return body as JsonObject;
}

/** OData annotations (`@odata.etag`, `X@Redfish.AllowableValues`) are not properties a client sets (DSP0266 §7.6). */
export const isAnnotation = (key: string): boolean => key.includes('@');

export function etagOf(value: unknown): string {
  return `W/"${createHash('sha1').update(JSON.stringify(value)).digest('base64url').slice(0, 22)}"`;
}

/** RFC 7232 §3.1: If-Match `*` or a list of entity tags; weak comparison, as Redfish's weak ETags need. */
export function checkIfMatch(req: Request, current: string): void {
  const header = req.headers['if-match'];
  if (header === undefined || header.trim() === '*') return;
  const tags = header.split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (!tags.includes(current.replace(/^W\//, ''))) throw fail(412, 'PreconditionFailed');
}

export function principalOf(p: Principal | undefined): Principal {
  if (p === undefined) throw fail(401, 'NoValidSession');
  return p;
}

export interface PageParams {
  readonly skip: number;
  readonly top: number;
}

/** `$skip`/`$top` (already checked by redfish-http.ts); without `$top`, pages of TOP_SKIP_MAX. */
export function pageParams(req: Request): PageParams {
  const q = req.query as Record<string, unknown>;
  const skip = typeof q['$skip'] === 'string' ? Number(q['$skip']) : 0;
  const top = typeof q['$top'] === 'string' ? Number(q['$top']) : TOP_SKIP_MAX;
  return { skip, top };
}

/** A page of an in-memory list, with where the next one starts. */
export function pageOfList<T>(items: readonly T[], page: PageParams): { members: T[]; total: number; nextSkip?: number; top: number } {
  const members = items.slice(page.skip, page.skip + page.top);
  const next = page.skip + page.top;
  return { members, total: items.length, top: page.top, ...(next < items.length ? { nextSkip: next } : {}) };
}
