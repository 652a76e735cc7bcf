/**
 * The northbound API's routes in one place. Each route (api-route.ts) is mounted under its group's bases
 * (RackHD serves `/api/2.0`, `/api/current` and `/api/common` alike), authenticated and authorised by its
 * declared access, its parameters, query and body validated against its schemas (ajv; query and path
 * values are coerced from strings, bodies are not), and described in the OpenAPI 3 document that
 * `openapi()` builds from the same declarations.
 *
 * Errors are RackHD's body `{message, status, errors?}`: 400 naming the field, 401 with a
 * `WWW-Authenticate` challenge, 403 naming the role needed, 413 for a body over the route's limit, 415 for a
 * body that is not JSON.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import express, { type Express, type Request, type RequestHandler, type Response } from 'express';
import { ForbiddenError, MonorailError, UnauthorizedError, ValidationError } from '../../errors.ts';
import type { Logger } from '../../logging/logger.ts';
import { roleRank, type Access, type ApiResult, type ApiRoute, type Principal } from './api-route.ts';

/** Finds who is calling. Resolves undefined when the request carries no credentials; rejects with UnauthorizedError for bad ones. */
export interface Authenticator {
  authenticate(req: Request): Promise<Principal | undefined>;
}

export interface RouteGroup {
  /** e.g. 'rest' or 'redfish'. */
  readonly name: string;
  /** Mount points; the first is the one the OpenAPI document names. */
  readonly bases: readonly string[];
  readonly routes: readonly ApiRoute[];
}

export interface MountedRoute {
  readonly group: string;
  readonly method: string;
  /** The route's path under every base, OpenAPI style. */
  readonly paths: readonly string[];
  readonly access: Access;
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;

const toExpressPath = (p: string): string => p.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');

function problems(errors: readonly ErrorObject[] | null | undefined, where: string): { path: string; message: string }[] {
  return (errors ?? []).slice(0, 20).map((e) => {
    const params: Record<string, unknown> = e.params;
    const segments = e.instancePath.split('/').slice(1);
    if (e.keyword === 'required') segments.push(String(params['missingProperty']));
    if (e.keyword === 'additionalProperties') segments.push(String(params['additionalProperty']));
    const path = [where, ...segments].filter((s) => s !== '').join('.');
    const message = e.keyword === 'additionalProperties' ? 'is not a known field' : e.keyword === 'required' ? 'is required' : (e.message ?? 'is invalid');
    return { path, message: `${path} ${message}` };
  });
}

interface Compiled {
  readonly params?: ValidateFunction;
  readonly query?: ValidateFunction;
  readonly body?: ValidateFunction;
}

export class ApiRegistry {
  private readonly groups: RouteGroup[] = [];
  // Query strings and path segments are text; coercion turns `$top=10` into 10 as the schema asks.
  private readonly coercing = new Ajv({ allErrors: true, coerceTypes: 'array', useDefaults: true, strict: false });
  private readonly strictAjv = new Ajv({ allErrors: true, useDefaults: true, strict: false });

  constructor(private readonly o: { readonly authenticator: Authenticator; readonly log: Logger }) {}

  add(group: RouteGroup): void {
    const seen = new Set<string>();
    for (const g of [...this.groups, group]) for (const r of g.routes) {
      const key = `${g.name} ${r.method} ${r.path}`;
      if (seen.has(key)) throw new Error(`route declared twice: ${key}`);
      seen.add(key);
    }
    this.groups.push(group);
  }

  /** Every route under every base, for tests that must cover them all (auth rules, OpenAPI). */
  mounted(): MountedRoute[] {
    return this.groups.flatMap((g) => g.routes.map((r) => ({ group: g.name, method: r.method, paths: g.bases.map((b) => `${b}${r.path}`), access: r.access })));
  }

  mount(app: Express): void {
    for (const group of this.groups) {
      for (const r of group.routes) {
        const handler = this.handlerFor(r);
        const parse = express.json({ limit: r.maxBodyBytes ?? DEFAULT_BODY_LIMIT, strict: false, type: () => true });
        // Credentials first: an anonymous caller learns it must authenticate (401) before anything about its
        // body. RackHD also accepts `auth_token` inside a JSON body, so a body route without credentials in its
        // headers or query looks again once the body is parsed — and a body that cannot be parsed is then a 401.
        const authorize: RequestHandler = async (req, res, next) => {
          const found = await this.authenticate(r.access, req, res, r.body !== undefined);
          res.locals['principal'] = found.principal;
          res.locals['deferredAuth'] = found.deferred;
          next();
        };
        const body: RequestHandler = (req, res, next) => {
          const deferred = res.locals['deferredAuth'] === true;
          const fail = (e: unknown): void => {
            if (deferred) {
              challenge(res);
              next(new UnauthorizedError());
            } else next(e);
          };
          try {
            requireJson(req, res, () => {
              parse(req, res, (e?: unknown) => {
                if (e !== undefined) {
                  fail(e);
                  return;
                }
                if (!deferred) {
                  next();
                  return;
                }
                this.authenticate(r.access, req, res, false).then((found) => {
                  res.locals['principal'] = found.principal;
                  next();
                }, next);
              });
            });
          } catch (e) {
            fail(e);
          }
        };
        for (const base of group.bases) {
          const path = `${base}${toExpressPath(r.path)}`;
          const pipeline: RequestHandler[] = r.body === undefined ? [authorize, handler] : [authorize, body, handler];
          app[r.method](path, ...pipeline);
        }
      }
    }
  }

  private handlerFor(r: ApiRoute): RequestHandler {
    const compiled: Compiled = {
      ...(r.params === undefined ? {} : { params: this.coercing.compile(r.params) }),
      ...(r.query === undefined ? {} : { query: this.coercing.compile(r.query) }),
      ...(r.body === undefined ? {} : { body: this.strictAjv.compile(r.body) }),
    };
    return async (req: Request, res: Response) => {
      const principal = res.locals['principal'] as Principal | undefined;
      const params: Record<string, unknown> = { ...req.params };
      // Express 5 makes req.query a getter; validate a copy so coercion and defaults stick.
      const query: Record<string, unknown> = { ...(req.query as Record<string, unknown>) };
      const body: unknown = req.body;
      const errors = [
        ...(compiled.params && !compiled.params(params) ? problems(compiled.params.errors, 'params') : []),
        ...(compiled.query && !compiled.query(query) ? problems(compiled.query.errors, 'query') : []),
        ...(compiled.body && !compiled.body(body) ? problems(compiled.body.errors, 'body') : []),
      ];
      if (errors.length > 0) throw new ValidationError(`invalid request: ${errors.map((e) => e.message).join('; ')}`, errors);
      const result = await r.handler({ params, query, body, principal, req, res });
      if (result === undefined || res.headersSent) return;
      write(res, result);
    };
  }

  /**
   * The caller, checked against `access`. With `mayDefer`, a request without credentials on a non-public
   * route is let through as `deferred` (its body may carry RackHD's `auth_token`); it is checked again after
   * the body is parsed.
   */
  private async authenticate(access: Access, req: Request, res: Response, mayDefer: boolean): Promise<{ principal: Principal | undefined; deferred: boolean }> {
    let principal: Principal | undefined;
    try {
      principal = await this.o.authenticator.authenticate(req);
    } catch (e) {
      if (access === 'public' && e instanceof UnauthorizedError) return { principal: undefined, deferred: false };
      if (e instanceof UnauthorizedError) challenge(res);
      throw e;
    }
    if (access === 'public') return { principal, deferred: false };
    if (principal === undefined) {
      if (mayDefer) return { principal: undefined, deferred: true };
      challenge(res);
      throw new UnauthorizedError();
    }
    if (roleRank[principal.role] < roleRank[access]) throw new ForbiddenError(access, principal.role);
    return { principal, deferred: false };
  }

  /** The OpenAPI 3 document of every route, built from the same declarations that are mounted. */
  openapi(info: { readonly title: string; readonly version: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const group of this.groups) {
      const base = group.bases[0] ?? '';
      for (const r of group.routes) {
        const parameters = [
          ...schemaParameters(r.params, 'path'),
          ...schemaParameters(r.query, 'query'),
        ];
        const operation: Record<string, unknown> = {
          summary: r.summary,
          tags: [r.tag],
          operationId: `${group.name}.${r.method}.${r.path}`,
          ...(parameters.length === 0 ? {} : { parameters }),
          ...(r.body === undefined ? {} : { requestBody: { required: true, content: { 'application/json': { schema: plain(r.body) } } } }),
          responses: Object.fromEntries(
            Object.entries(r.responses).map(([status, resp]) => [
              status,
              { description: resp.description, ...(resp.schema === undefined ? {} : { content: { 'application/json': { schema: plain(resp.schema) } } }) },
            ]),
          ),
          ...(r.access === 'public' ? { security: [] } : { 'x-required-role': r.access }),
        };
        const key = `${base}${r.path}`;
        paths[key] = { ...(paths[key] ?? {}), [r.method]: operation };
      }
    }
    return {
      openapi: '3.0.3',
      info,
      components: {
        securitySchemes: {
          jwt: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'RackHD: `Authorization: JWT <token>` (also `Bearer <token>` or `?auth_token=`)' },
          redfishSession: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' },
          basic: { type: 'http', scheme: 'basic' },
        },
      },
      security: [{ jwt: [] }, { redfishSession: [] }, { basic: [] }],
      paths,
    };
  }
}

/** A body route accepts JSON only: anything else is a 415 naming what was sent. */
const requireJson: RequestHandler = (req, _res, next) => {
  const length = Number(req.headers['content-length'] ?? '0');
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if ((length > 0 || chunked) && !req.is(['application/json', 'application/*+json'])) {
    throw new MonorailError('UNSUPPORTED_MEDIA_TYPE', `expected a JSON body (Content-Type: application/json), got ${JSON.stringify(req.headers['content-type'] ?? 'none')}`);
  }
  next();
};

function challenge(res: Response): void {
  res.setHeader('WWW-Authenticate', 'Bearer realm="monorail", Basic realm="monorail"');
}

function write(res: Response, result: ApiResult): void {
  for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
  if ('raw' in result) {
    res.status(result.status).type(result.contentType).send(result.raw);
    return;
  }
  if (result.body === undefined) res.status(result.status).end();
  else res.status(result.status).json(result.body);
}

/** A TypeBox schema as plain JSON Schema (TypeBox keeps its own markers under symbols, which JSON drops). */
function plain(schema: TSchema): unknown {
  return JSON.parse(JSON.stringify(schema)) as unknown;
}

function schemaParameters(schema: TSchema | undefined, where: 'path' | 'query'): Record<string, unknown>[] {
  if (schema === undefined) return [];
  const s = plain(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, prop]) => ({
    name,
    in: where,
    required: where === 'path' || (s.required ?? []).includes(name),
    schema: prop,
  }));
}

/** Schemas shared by routes. */
export const ErrorBody = Type.Object(
  {
    message: Type.String(),
    status: Type.Integer(),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
);
