/**
 * A paged list answer from a read model: RackHD's `$skip`/`$top`, the total in `X-Total-Count` and the RFC 8288
 * `Link` header, each item shaped by the resource's view.
 */
import type { Request } from 'express';
import type { Document, DocumentCollection, Filter, FindOptions } from '../../../persistence/document-store.ts';
import type { ApiResult } from '../api-route.ts';
import { pageOf, pagingHeaders } from '../paging.ts';

export async function pagedList<T extends Document>(
  collection: DocumentCollection<T>,
  filter: Filter,
  query: { readonly $skip?: number; readonly $top?: number },
  req: Request,
  view: (doc: T) => unknown,
  sort: FindOptions['sort'] = { createdAt: 1 },
): Promise<ApiResult> {
  const page = pageOf(query);
  const [items, total] = await Promise.all([collection.find(filter, { skip: page.skip, limit: page.top, ...(sort === undefined ? {} : { sort }) }), collection.count(filter)]);
  return { status: 200, body: items.map(view), headers: pagingHeaders(req, page, total) };
}

/** `filter` without the fields left undefined (absent query parameters). */
export function definedFields(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}
