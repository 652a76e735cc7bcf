/**
 * Monorail's Redfish 1.x service as route groups for the northbound registry: `redfishRoutes` (mounted at
 * `/redfish/v1`) and `redfishVersionRoutes` (at `/redfish`), plus `redfishApi`, which also gives the HTTP
 * rules around them (redfish-http.ts). Every GET answer gets the headers DSP0266 §8.2 asks of it here, in
 * one place: `Allow` (the methods of its URI), `Link: <schema>; rel=describedby` (the versioned schema of its
 * `@odata.type`) and a weak `ETag`; and `?only` (§7.3.3) answers a one-member collection with its member.
 */
import { readFileSync } from 'node:fs';
import type { Request } from 'express';
import type { Logger } from '../../logging/logger.ts';
import type { Authenticator, RouteGroup } from '../northbound/api-registry.ts';
import type { ApiResult, ApiRoute } from '../northbound/api-route.ts';
import type { NorthboundPorts } from '../northbound/northbound-ports.ts';
import { accountRoutes } from './accounts/account-routes.ts';
import { sessionRoutes } from './accounts/session-routes.ts';
import { chassisRoutes } from './chassis/chassis-routes.ts';
import { eventRoutes } from './events/event-routes.ts';
import { managerRoutes } from './managers/manager-routes.ts';
import { ROOT } from './paths.ts';
import { derivedServiceUuid, type RedfishDeps } from './redfish-deps.ts';
import { redfishHttp, refusalOf, type RedfishHttp } from './redfish-http.ts';
import { registryRoutes } from './registry-routes.ts';
import { etagOf, pageParams } from './route-kit.ts';
import { RouteTable } from './route-table.ts';
import { describedBy } from './schema-files.ts';
import { redfishVersionRoutes, serviceRootRoutes } from './service-root-routes.ts';
import { ensureRedfishGraphs } from './systems/power-workflows.ts';
import { systemsRoutes } from './systems/systems-routes.ts';
import { taskRoutes } from './tasks/task-routes.ts';

export { redfishVersionRoutes } from './service-root-routes.ts';

const packageVersion = (): string => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
};

/**
 * The `/redfish/v1` routes. Registers the few graphs Reset and the boot override need when the library
 * lacks them (power-workflows.ts).
 */
export function redfishRoutes(ports: NorthboundPorts, deps: RedfishDeps): ApiRoute[] {
  const added = ensureRedfishGraphs(ports.workflows.library);
  if (added.length > 0) ports.log.debug({ definitions: added }, 'redfish: workflow definitions registered');
  const facts = { serviceUuid: deps.serviceUuid ?? derivedServiceUuid(ports.config), version: deps.version ?? packageVersion() };
  const routes = [
    ...serviceRootRoutes(facts),
    ...systemsRoutes(ports),
    ...chassisRoutes(ports, deps.sensors),
    ...managerRoutes(ports, facts),
    ...sessionRoutes({ logins: deps.logins, sessions: deps.sessions, sessionTimeoutSeconds: deps.sessionTimeoutSeconds ?? 1800 }),
    ...accountRoutes(deps.users, deps.roles),
    ...taskRoutes(ports),
    ...eventRoutes(ports, deps.delivery),
    ...registryRoutes(),
  ];
  return withRedfishHeaders(routes, ROOT);
}

export interface RedfishApi {
  /** Add both to the ApiRegistry. */
  readonly groups: readonly RouteGroup[];
  /** `app.use('/redfish', http.before)` before `registry.mount(app)`; `app.use('/redfish', http.notFound)` and `app.use(http.errors)` after it, ahead of the general error handler. */
  readonly http: RedfishHttp;
}

export function redfishApi(ports: NorthboundPorts, deps: RedfishDeps, options: { readonly authenticator?: Authenticator; readonly log?: Logger } = {}): RedfishApi {
  const groups: RouteGroup[] = [
    { name: 'redfish-version', bases: ['/redfish'], routes: withRedfishHeaders(redfishVersionRoutes(), '/redfish') },
    { name: 'redfish', bases: [ROOT], routes: redfishRoutes(ports, deps) },
  ];
  return { groups, http: redfishHttp({ table: tableOf(groups), log: options.log ?? ports.log, ...(options.authenticator === undefined ? {} : { authenticator: options.authenticator }) }) };
}

export function tableOf(groups: readonly RouteGroup[]): RouteTable {
  return new RouteTable(groups.flatMap((g) => g.routes.map((r) => ({ method: r.method, path: `${g.bases[0] ?? ''}${r.path}` }))));
}

/** Raises what redfish-http.ts refused once the caller is authenticated; adds Allow, Link and ETag to every GET, and answers `?only` (see the file comment). */
export function withRedfishHeaders(routes: readonly ApiRoute[], base: string): ApiRoute[] {
  const table = new RouteTable(routes.map((r) => ({ method: r.method, path: `${base}${r.path}` })));
  const byPath = new Map<string, ApiRoute>();
  const wrapped = routes.map((r): ApiRoute => {
    const allow = table.allowOfPattern(`${base}${r.path}`).join(', ');
    const w: ApiRoute = {
      ...r,
      handler: async (input) => {
        const refusal = refusalOf(input.res);
        if (refusal !== undefined) throw refusal;
        const result = await r.handler(input);
        if (r.method !== 'get') return result;
        if (result === undefined) return undefined;
        const member = onlyMember(input.req, result);
        if (member !== undefined) {
          const found = table.match(member);
          const target = found === undefined ? undefined : byPath.get(found.path);
          if (found !== undefined && target !== undefined) return target.handler({ ...input, params: found.params, query: {} });
        }
        return decorate(pageUnpaged(input.req, result), allow);
      },
    };
    if (r.method === 'get') byPath.set(`${base}${r.path}`, w);
    return w;
  });
  return wrapped;
}

function onlyMember(req: Request, result: ApiResult): string | undefined {
  if (!Object.hasOwn(req.query, 'only') || !('body' in result)) return undefined;
  const members = (result.body as { Members?: unknown } | undefined)?.Members;
  if (!Array.isArray(members) || members.length !== 1) return undefined;
  const id = (members[0] as { '@odata.id'?: unknown } | undefined)?.['@odata.id'];
  return typeof id === 'string' ? id : undefined;
}

/**
 * `$top`/`$skip` for the collections whose handlers list everything (small ones: accounts, sessions, a
 * system's processors…); the large ones (Systems, Chassis, Tasks) page in the store themselves, which shows
 * as fewer Members than Members@odata.count.
 */
function pageUnpaged(req: Request, result: ApiResult): ApiResult {
  if (!('body' in result) || typeof result.body !== 'object' || result.body === null) return result;
  const body = result.body as Record<string, unknown>;
  const members = body['Members'];
  if (!Array.isArray(members) || members.length !== body['Members@odata.count']) return result;
  const { skip, top } = pageParams(req);
  if (skip === 0 && top >= members.length) return result;
  const next = skip + top;
  const path = String(body['@odata.id']);
  return { ...result, body: { ...body, Members: members.slice(skip, next), ...(next < members.length ? { 'Members@odata.nextLink': `${path}?$skip=${next}&$top=${top}` } : {}) } };
}

function decorate(result: ApiResult, allow: string): ApiResult {
  const headers: Record<string, string> = { Allow: allow, ...result.headers };
  if ('body' in result && typeof result.body === 'object' && result.body !== null) {
    const type = (result.body as Record<string, unknown>)['@odata.type'];
    const link = typeof type === 'string' ? describedBy(type) : undefined;
    if (link !== undefined && headers['Link'] === undefined) headers['Link'] = link;
    if (headers['ETag'] === undefined && typeof (result.body as Record<string, unknown>)['@odata.id'] === 'string') headers['ETag'] = etagOf(result.body);
  }
  return { ...result, headers };
}
