/**
 * RackHD's list paging: `$skip` and `$top` query parameters, and an RFC 8288 (formerly 5988) `Link`
 * header with `first`, `prev`, `next` and `last` relations, plus `X-Total-Count`. Without `$top` a list is
 * capped at `maxPage` items and the `Link` header says where the rest is, so no request returns an
 * unbounded body.
 */
import { Type } from '@sinclair/typebox';
import type { Request } from 'express';

export const maxPage = 1000;

export const PagingQuery = {
  $skip: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'Items to skip.' })),
  $top: Type.Optional(Type.Integer({ minimum: 1, maximum: maxPage, description: `Items to return (at most ${maxPage}).` })),
};

export interface Page {
  readonly skip: number;
  readonly top: number;
}

export function pageOf(query: { readonly $skip?: number; readonly $top?: number }): Page {
  return { skip: query.$skip ?? 0, top: query.$top ?? maxPage };
}

/** The `Link` and `X-Total-Count` headers for `page` of `total` items at the request's own URL. */
export function pagingHeaders(req: Request, page: Page, total: number): Record<string, string> {
  const url = new URL(req.originalUrl, 'http://x');
  const at = (skip: number): string => {
    url.searchParams.set('$skip', String(skip));
    url.searchParams.set('$top', String(page.top));
    return `<${url.pathname}${url.search}>`;
  };
  const last = total === 0 ? 0 : Math.floor((total - 1) / page.top) * page.top;
  const links = [`${at(0)}; rel="first"`];
  if (page.skip > 0) links.push(`${at(Math.max(0, page.skip - page.top))}; rel="prev"`);
  if (page.skip + page.top < total) links.push(`${at(page.skip + page.top)}; rel="next"`);
  links.push(`${at(last)}; rel="last"`);
  return { Link: links.join(', '), 'X-Total-Count': String(total) };
}
