/**
 * `GET /metrics`: the member's registry in Prometheus' text exposition format (version 0.0.4), declared
 * as a northbound route so the registry enforces its access and the auth-rules test covers it.
 *
 * Access: public by default, because that is what a Prometheus scrape config expects out of the box and
 * the page holds counts only (no node ids, MACs, addresses or secrets; labels are kinds, route templates
 * and statuses). A site that wants it closed sets `metrics.access` to a role and gives Prometheus
 * `basic_auth` of a user with that role (over HTTPS, as Basic credentials are refused on plain HTTP unless
 * `auth.allowBasicOverHttp`), or a `Bearer` token from POST /login: one authentication model for the whole
 * API, checked by the same code. No separate static scrape token: it would be a second model beside it.
 */
import type { RouteGroup } from '../api/northbound/api-registry.ts';
import { route, type Access } from '../api/northbound/api-route.ts';

export function metricsRoutes(exposition: () => Promise<{ readonly contentType: string; readonly text: string }>, access: Access): RouteGroup {
  return {
    name: 'metrics',
    bases: [''],
    routes: [
      route({
        method: 'get',
        path: '/metrics',
        summary: 'Prometheus metrics of this member (text exposition format 0.0.4).',
        tag: 'metrics',
        access,
        responses: { 200: { description: 'The metrics, as text/plain; version=0.0.4.' } },
        handler: async () => {
          const page = await exposition();
          // A scrape is a reading of now; caches must not answer the next one.
          return { status: 200, raw: page.text, contentType: page.contentType, headers: { 'Cache-Control': 'no-store' } };
        },
      }),
    ],
  };
}
