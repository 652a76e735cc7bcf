/**
 * Monorail's Redfish 1.x service as route groups for the northbound registry: `redfishRoutes` (mounted at
 * `/redfish/v1`) and `redfishVersionRoutes` (at `/redfish`), plus `redfishApi`, which also gives the HTTP
 * rules around them (redfish-http.ts). Every GET answer gets the headers DSP0266 §8.2 asks of it here, in
 * one place: `Allow` (the methods of its URI), `Link: <schema>; rel=describedby` (the versioned schema of its
 * `@odata.type`) and a weak `ETag`. The query parameters of §7.3 are answered here too, for every GET alike
 * (query/): `only` answers a one-member collection with its member; `$filter`, `$skip` and `$top` choose a
 * collection's members; `$expand` puts linked resources in place of their links, read as the caller would
 * read them (its role checked against each route's); `$select` keeps the properties named.
 */
import { readFileSync } from 'node:fs';
import type { Request } from 'express';
import type { Logger } from '../../logging/logger.ts';
import type { Authenticator, RouteGroup } from '../northbound/api-registry.ts';
import type { TSchema } from '@sinclair/typebox';
import { isMonorailError } from '../../errors.ts';
import { roleRank, type Access, type ApiInput, type ApiResult, type ApiRoute, type Principal } from '../northbound/api-route.ts';
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
import type { Json } from './odata.ts';
import { allMemberIds, filterMemberIds, isCollection, pageCollection, pageOfMembers } from './query/collection-query.ts';
import { expandResource } from './query/expand.ts';
import { parseQueryOptions } from './query/query-options.ts';
import { selectResource } from './query/select.ts';
import { fail } from './redfish-error.ts';
import { etagOf } from './route-kit.ts';
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
    ...sessionRoutes({ logins: deps.logins, sessions: deps.sessions, sessionTimeoutSeconds: deps.sessionTimeoutSeconds ?? 1800, users: deps.users }),
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

/**
 * Raises what redfish-http.ts refused once the caller is authenticated; answers the query of every GET
 * (`only`, `$filter`, `$skip`/`$top`, `$expand`, `$select`: query/); adds Allow, Link and ETag to every GET
 * (see the file comment).
 */
export function withRedfishHeaders(routes: readonly ApiRoute[], base: string): ApiRoute[] {
  const table = new RouteTable(routes.map((r) => ({ method: r.method, path: `${base}${r.path}` })));
  const byPath = new Map<string, ApiRoute>();
  /** GET of `uri` as the caller of `input` would make it; undefined when they may not read it or it does not exist. */
  const resolverFor = (input: ApiInput<TSchema, TSchema, TSchema>) => async (uri: string): Promise<Json | undefined> => {
    const found = table.match(uri.split('?')[0] ?? uri);
    const target = found === undefined ? undefined : byPath.get(found.path);
    if (found === undefined || target === undefined || !mayCall(target.access, input.principal)) return undefined;
    try {
      const result = await target.handler({ ...input, params: found.params, query: {}, body: undefined, req: internalRequest(input.req, uri) });
      return result !== undefined && 'body' in result && result.status < 300 && isJsonObject(result.body) ? result.body : undefined;
    } catch (e) {
      // Forbidden, missing or gone since it was linked: the reference stays a reference, the member is left out.
      if (isMonorailError(e) && e.httpStatus < 500) return undefined;
      throw e;
    }
  };
  const wrapped = routes.map((r): ApiRoute => {
    const allow = table.allowOfPattern(`${base}${r.path}`).join(', ');
    const w: ApiRoute = {
      ...r,
      handler: async (input) => {
        const refusal = refusalOf(input.res);
        if (refusal !== undefined) throw refusal;
        if (r.method !== 'get') return r.handler(input);
        const query = input.req.query as Record<string, unknown>;
        const options = parseQueryOptions(query);
        const uri = (input.req.originalUrl.split('?')[0] ?? '').replace(/\/+$/, '') || ROOT;
        // A filtered collection is read whole (the route's own paging would cut it before the filter).
        const result = await r.handler(options.filter === undefined ? input : { ...input, req: internalRequest(input.req, uri) });
        if (result === undefined) return undefined;
        if (options.only) {
          const member = onlyMember(result);
          const found = member === undefined ? undefined : table.match(member);
          const target = found === undefined ? undefined : byPath.get(found.path);
          if (found !== undefined && target !== undefined) return target.handler({ ...input, params: found.params, query: {}, req: internalRequest(input.req, member ?? uri) });
          return decorate(result, allow);
        }
        if (!('body' in result) || !isJsonObject(result.body)) return decorate(result, allow);
        const resolve = resolverFor(input);
        let body: Json = result.body;
        if (options.filter !== undefined) {
          if (!isCollection(body)) throw fail(400, 'QueryNotSupportedOnResource');
          const all = await allMemberIds(body, async (skip) => {
            const page = await r.handler({ ...input, req: internalRequest(input.req, uri, { $skip: String(skip) }) });
            return page !== undefined && 'body' in page && isJsonObject(page.body) ? page.body : undefined;
          });
          body = pageOfMembers(body, await filterMemberIds(all, options.filter.tree, resolve), options, query);
        } else if (isCollection(body)) {
          body = pageCollection(body, options, query);
        }
        if (options.expand !== undefined) body = await expandResource(body, options.expand, resolve);
        if (options.select !== undefined) body = selectResource(body, options.select);
        // The ETag is the resource's, whatever view of it the query asked for, so it still works in If-Match.
        return decorate({ ...result, body }, allow, result.body);
      },
    };
    if (r.method === 'get') byPath.set(`${base}${r.path}`, w);
    return w;
  });
  return wrapped;
}

const isJsonObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const mayCall = (access: Access, principal: Principal | undefined): boolean => access === 'public' || (principal !== undefined && roleRank[principal.role] >= roleRank[access]);

/**
 * The request a route sees when this service reads one of its own resources for a query (a member to
 * expand or filter, the page after the first): the caller's request, at `uri`, with `query` only.
 */
function internalRequest(req: Request, uri: string, query: Record<string, string> = {}): Request {
  const inner: unknown = Object.create(req, {
    url: { value: uri },
    originalUrl: { value: uri },
    baseUrl: { value: '' },
    method: { value: 'GET' },
    query: { value: query },
  });
  return inner as Request;
}

/** `?only` (§7.3.2): the one member of a one-member collection. */
function onlyMember(result: ApiResult): string | undefined {
  if (!('body' in result)) return undefined;
  const members = (result.body as { Members?: unknown } | undefined)?.Members;
  if (!Array.isArray(members) || members.length !== 1) return undefined;
  const id = (members[0] as { '@odata.id'?: unknown } | undefined)?.['@odata.id'];
  return typeof id === 'string' ? id : undefined;
}

function decorate(result: ApiResult, allow: string, resource?: Json): ApiResult {
  const headers: Record<string, string> = { Allow: allow, ...result.headers };
  if ('body' in result && isJsonObject(result.body)) {
    const type = result.body['@odata.type'];
    const link = typeof type === 'string' ? describedBy(type) : undefined;
    if (link !== undefined && headers['Link'] === undefined) headers['Link'] = link;
    if (headers['ETag'] === undefined && typeof result.body['@odata.id'] === 'string') headers['ETag'] = etagOf(resource ?? result.body);
  }
  return { ...result, headers };
}
