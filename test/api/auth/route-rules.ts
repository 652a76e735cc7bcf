/**
 * The auth rule, proved for every mounted route (issue 5 point 4): a public route answers without
 * credentials (never 401); every other route answers 401 (with a WWW-Authenticate challenge) without
 * credentials, 403 to a role below its access, and neither 401 nor 403 to its own role and above. Real
 * users of each role are created through the UserDirectory and log in through the real `POST /login`;
 * every route is requested under every base, over a real socket.
 *
 * Requests are probes: path parameters name nothing that exists (`paramValue`), bodies are `{}`, so a
 * reachable route answers 400/404 rather than changing anything, and only the status line is read (a
 * stream or a download is cut off). Routes where a caller acts on itself (changing one's own password)
 * get the caller's own name (`selfParam`), since they answer 403 for anyone else's.
 */
import { randomBytes } from 'node:crypto';
import { createServer, request, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UserDirectory } from '../../../src/api/auth/auth-ports.ts';
import type { ApiRegistry, MountedRoute } from '../../../src/api/northbound/api-registry.ts';
import { roleRank, type Role } from '../../../src/api/northbound/api-route.ts';

export interface RouteRuleOptions {
  readonly registry: ApiRegistry;
  /** The app the registry was mounted on (an express app is a request listener). */
  readonly app: RequestListener;
  readonly users: Pick<UserDirectory, 'create' | 'delete'>;
  /** Where to log in; RackHD's root path by default. */
  readonly loginPath?: string;
  /** The value given to a path parameter; by default one that names nothing. */
  readonly paramValue?: (param: string, route: MountedRoute, path: string) => string;
  /** The path parameter to fill with the caller's own username, for routes a caller may use on itself only. */
  readonly selfParam?: (route: MountedRoute, path: string) => string | undefined;
}

export interface RouteRuleViolation {
  readonly method: string;
  readonly path: string;
  readonly caller: Role | 'anonymous';
  readonly status: number | string;
  readonly expected: string;
}

export interface RouteRuleReport {
  /** Requests made: routes × bases × callers. */
  readonly checked: number;
  readonly routes: number;
  readonly violations: RouteRuleViolation[];
}

const roles: readonly Role[] = ['ReadOnly', 'Operator', 'Administrator'];

/** `PATCH …/users/{name}` (REST) and `PATCH …/Accounts/{id}` (Redfish) are ConfigureSelf: a caller changes its own password there. */
export function defaultSelfParam(route: MountedRoute, path: string): string | undefined {
  if (route.method !== 'patch') return undefined;
  const m = /\/(?:users|AccountService\/Accounts)\/\{([A-Za-z0-9_]+)\}$/.exec(path);
  return m?.[1];
}

export async function checkRouteRules(o: RouteRuleOptions): Promise<RouteRuleReport> {
  const server = createServer(o.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const suffix = randomBytes(4).toString('hex');
  const callers: { role: Role; username: string; token: string }[] = [];
  try {
    for (const role of roles) {
      const username = `rr-${role.toLowerCase()}-${suffix}`;
      const password = randomBytes(18).toString('base64url');
      await o.users.create({ username, password, role });
      const login = await send(port, 'post', o.loginPath ?? '/login', undefined, { username, password });
      if (login.status !== 200 || typeof login.json?.['token'] !== 'string') throw new Error(`route rules: ${username} could not log in (${login.status})`);
      callers.push({ role, username, token: login.json['token'] });
    }
    const violations: RouteRuleViolation[] = [];
    let checked = 0;
    const mounted = o.registry.mounted();
    for (const r of mounted) {
      for (const path of r.paths) {
        const self = (o.selfParam ?? defaultSelfParam)(r, path);
        const url = (username: string | undefined) =>
          path.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) =>
            encodeURIComponent(name === self && username !== undefined ? username : (o.paramValue?.(name, r, path) ?? `no-such-${name}-${suffix}`)),
          );
        const anonymous = await send(port, r.method, url(undefined), undefined);
        checked++;
        if (r.access === 'public') {
          if (anonymous.status === 401 || anonymous.status === 403) violations.push({ method: r.method, path, caller: 'anonymous', status: anonymous.status, expected: 'public: not 401/403' });
        } else if (anonymous.status !== 401 || anonymous.challenge === undefined) {
          violations.push({ method: r.method, path, caller: 'anonymous', status: anonymous.status, expected: '401 with WWW-Authenticate' });
        }
        for (const c of callers) {
          const res = await send(port, r.method, url(c.username), c.token);
          checked++;
          const allowed = r.access === 'public' || roleRank[c.role] >= roleRank[r.access];
          if (allowed && (res.status === 401 || res.status === 403 || typeof res.status === 'string')) {
            violations.push({ method: r.method, path, caller: c.role, status: res.status, expected: `reachable by ${c.role} (not 401/403)` });
          }
          if (!allowed && res.status !== 403) violations.push({ method: r.method, path, caller: c.role, status: res.status, expected: `403: ${r.access} needed` });
        }
      }
    }
    return { checked, routes: mounted.length, violations };
  } finally {
    for (const c of callers) await o.users.delete(c.username).catch(() => undefined);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

interface Answer {
  readonly status: number | string;
  readonly challenge?: string;
  readonly json?: Record<string, unknown>;
}

/** One request; only the status line and headers are waited for (the JSON body too for the login). */
function send(port: number, method: string, path: string, token: string | undefined, body?: unknown): Promise<Answer> {
  const payload = body !== undefined ? JSON.stringify(body) : method === 'get' || method === 'delete' ? undefined : '{}';
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: method.toUpperCase(),
        path,
        agent: false,
        timeout: 10_000,
        headers: {
          ...(token === undefined ? {} : { authorization: `JWT ${token}` }),
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const challenge = res.headers['www-authenticate'];
        if (body === undefined) {
          res.destroy();
          resolve({ status, ...(challenge === undefined ? {} : { challenge }) });
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let json: Record<string, unknown> | undefined;
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          } catch {
            json = undefined;
          }
          resolve({ status, ...(json === undefined ? {} : { json }) });
        });
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve({ status: 'timeout' });
    });
    req.on('error', (e) => resolve({ status: `error: ${e.message}` }));
    req.end(payload);
  });
}
