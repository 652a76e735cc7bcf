/**
 * The query parameters that act on a collection's Members (DSP0266 §7.3): `$filter` keeps the members whose
 * resource satisfies it (each read as the caller would read it), then `$skip` and `$top` cut the page, and
 * `Members@odata.count` is the number of members that matched — the total across pages (§9.6,
 * REQ_GET_COLLECTION_COUNT_PROP_TOTAL). A page that is not the last carries `Members@odata.nextLink`, which
 * repeats the query (`$filter`, `$expand`, `$select`) so the next page answers the same question.
 */
import { matchesFilter, type FilterNode } from './filter-expression.ts';
import type { Resolve } from './expand.ts';
import { TOP_SKIP_MAX, type QueryOptions } from './query-options.ts';

type Json = Record<string, unknown>;

/** Members read at once while filtering: enough to overlap store reads, few enough not to flood the store. */
const FILTER_CONCURRENCY = 32;
/** A collection listed in more pages than this is not a collection this service has: stop following. */
const MAX_PAGES = 1000;

export const isCollection = (body: Json): boolean => Array.isArray(body['Members']);

const memberIds = (body: Json): string[] =>
  (body['Members'] as unknown[]).map((m) => (typeof m === 'object' && m !== null ? (m as Json)['@odata.id'] : undefined)).filter((id): id is string => typeof id === 'string');

/**
 * Every member of a collection whose route answers in pages (`page(skip)` is the route's answer from
 * `skip` on): the first answer, then the following pages while fewer than `Members@odata.count` are in hand.
 */
export async function allMemberIds(first: Json, page: (skip: number) => Promise<Json | undefined>): Promise<string[]> {
  const ids = memberIds(first);
  const total = typeof first['Members@odata.count'] === 'number' ? first['Members@odata.count'] : ids.length;
  for (let pages = 1; ids.length < total && pages < MAX_PAGES; pages++) {
    const next = await page(ids.length);
    const more = next === undefined || !isCollection(next) ? [] : memberIds(next);
    if (more.length === 0) break;
    ids.push(...more);
  }
  return ids;
}

/** The members whose resource satisfies the filter, in collection order; unreadable members are left out. */
export async function filterMemberIds(ids: readonly string[], tree: FilterNode, resolve: Resolve): Promise<string[]> {
  const keep: boolean[] = new Array<boolean>(ids.length).fill(false);
  for (let start = 0; start < ids.length; start += FILTER_CONCURRENCY) {
    const batch = ids.slice(start, start + FILTER_CONCURRENCY);
    const resources = await Promise.all(batch.map((id) => resolve(id)));
    resources.forEach((r, i) => {
      keep[start + i] = r !== undefined && matchesFilter(tree, r);
    });
  }
  return ids.filter((_, i) => keep[i] === true);
}

/** Characters a query value keeps as they are in a next link; the rest are percent-encoded (RFC 3986 §3.4). */
const encodeValue = (v: string): string => encodeURIComponent(v).replace(/%24/g, '$').replace(/%2C/g, ',').replace(/%2F/g, '/').replace(/%3D/g, '=');

/** The query a next link repeats besides `$skip`/`$top`, as the client sent it. */
function carriedQuery(query: Readonly<Record<string, unknown>>): string {
  return ['$filter', '$expand', '$select']
    .filter((k) => typeof query[k] === 'string')
    .map((k) => `&${k}=${encodeValue(String(query[k]))}`)
    .join('');
}

export function nextLinkOf(path: string, skip: number, top: number, query: Readonly<Record<string, unknown>>): string {
  return `${path}?$skip=${skip}&$top=${top}${carriedQuery(query)}`;
}

/**
 * One page of `ids` (all the members that answer the query) in the collection `body`: `$skip`/`$top` from
 * `options`, the count of `ids`, and a next link when more follow.
 */
export function pageOfMembers(body: Json, ids: readonly string[], options: QueryOptions, query: Readonly<Record<string, unknown>>): Json {
  const skip = options.skip ?? 0;
  const top = options.top ?? TOP_SKIP_MAX;
  const next = skip + top;
  const { 'Members@odata.nextLink': _dropped, ...rest } = body;
  return {
    ...rest,
    Members: ids.slice(skip, next).map((id) => ({ '@odata.id': id })),
    'Members@odata.count': ids.length,
    ...(next < ids.length ? { 'Members@odata.nextLink': nextLinkOf(String(body['@odata.id']), next, top, query) } : {}),
  };
}

/**
 * `$skip`/`$top` for a collection without `$filter`. Routes of large collections (Systems, Chassis, Tasks)
 * page in the store themselves, which shows as fewer Members than Members@odata.count: their page stands,
 * and only their next link learns the rest of the query. Routes that list everything are paged here.
 */
export function pageCollection(body: Json, options: QueryOptions, query: Readonly<Record<string, unknown>>): Json {
  const members = body['Members'] as unknown[];
  if (members.length !== body['Members@odata.count']) {
    const link = body['Members@odata.nextLink'];
    if (typeof link !== 'string') return body;
    const at = new URLSearchParams(link.slice(link.indexOf('?') + 1));
    return { ...body, 'Members@odata.nextLink': nextLinkOf(String(body['@odata.id']), Number(at.get('$skip') ?? 0), Number(at.get('$top') ?? TOP_SKIP_MAX), query) };
  }
  if ((options.skip ?? 0) === 0 && (options.top ?? TOP_SKIP_MAX) >= members.length) return body;
  return pageOfMembers(body, memberIds(body), options, query);
}
