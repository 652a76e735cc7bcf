/** RackHD's paging over a list held in memory (the definition library), with the same headers as read-model lists. */
import type { Request } from 'express';
import type { ApiResult } from '../api-route.ts';
import { pageOf, pagingHeaders } from '../paging.ts';

export function pagedArray(items: readonly unknown[], query: { readonly $skip?: number; readonly $top?: number }, req: Request): ApiResult {
  const page = pageOf(query);
  return { status: 200, body: items.slice(page.skip, page.skip + page.top), headers: pagingHeaders(req, page, items.length) };
}
