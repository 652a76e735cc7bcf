/**
 * The route rule (route-rules.ts) on a real member: every users, roles, login and nodes route under every
 * base, for anonymous callers and real users of each role. And the checker itself must catch a route that
 * breaks the rule, or it proves nothing.
 */
import { Type } from '@sinclair/typebox';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAuth, type Auth } from '../../../src/api/auth/auth-service.ts';
import { authRoutes, loginRoutes } from '../../../src/api/auth/auth-routes.ts';
import { errorHandler } from '../../../src/api/error-handler.ts';
import { ApiRegistry } from '../../../src/api/northbound/api-registry.ts';
import { route } from '../../../src/api/northbound/api-route.ts';
import type { NorthboundPorts } from '../../../src/api/northbound/northbound-ports.ts';
import { nodeRoutes } from '../../../src/api/northbound/rest/node-routes.ts';
import { ForbiddenError, UnauthorizedError } from '../../../src/errors.ts';
import { startFixture, type MonorailFixture } from '../../support/monorail-fixture.ts';
import { checkRouteRules } from './route-rules.ts';

let f: MonorailFixture;
let auth: Auth;
let ports: NorthboundPorts;

function app(registry: ApiRegistry): express.Express {
  const a = express();
  a.set('query parser', 'simple');
  registry.mount(a);
  a.use(errorHandler(f.monorail.log));
  return a;
}

beforeAll(async () => {
  f = await startFixture({ layer: { auth: { passwordHashCost: 12, initialAdmin: { username: 'admin', password: 'admin-secret-1' } } } });
  const m = f.monorail;
  ports = { nodes: m.nodes, lookups: m.lookups, workflows: m.workflows, documents: m.store.documents, events: m.events, sealer: { seal: () => ({ $sealed: '' }), open: () => '' }, config: m.config, log: m.log, now: () => Date.now() };
  auth = await openAuth({ documents: m.store.documents, config: m.config, log: m.log });
});
afterAll(async () => {
  await f.stop();
});

describe('the route rule', () => {
  it('holds for every users, roles, login and nodes route under every base', async () => {
    const registry = new ApiRegistry({ authenticator: auth.authenticator, log: f.monorail.log });
    registry.add({ name: 'rest', bases: ['/api/2.0', '/api/current', '/api/common'], routes: [...nodeRoutes(ports), ...authRoutes(auth)] });
    registry.add({ name: 'root', bases: [''], routes: loginRoutes(auth) });
    const report = await checkRouteRules({ registry, app: app(registry), users: auth.users });
    expect(report.violations).toEqual([]);
    const paths = registry.mounted().reduce((n, r) => n + r.paths.length, 0);
    expect(report.checked).toBe(paths * 4);
    expect(report.routes).toBe(registry.mounted().length);
    // The probe users are gone again.
    expect((await auth.users.list()).map((u) => u.username)).toEqual(['admin']);
  });

  it('catches routes that break it', async () => {
    const registry = new ApiRegistry({ authenticator: auth.authenticator, log: f.monorail.log });
    registry.add({
      name: 'broken',
      bases: ['/broken'],
      routes: [
        route({ method: 'get', path: '/public-but-guarded', summary: 's', tag: 't', access: 'public', responses: {}, handler: () => Promise.reject(new UnauthorizedError()) }),
        route({ method: 'get', path: '/readonly-but-admin-only', summary: 's', tag: 't', access: 'ReadOnly', responses: {}, handler: ({ principal }) => {
          if (principal?.role !== 'Administrator') throw new ForbiddenError('Administrator', principal?.role ?? '');
          return { status: 200, body: {} };
        } }),
        route({ method: 'post', path: '/fine', summary: 's', tag: 't', access: 'Operator', body: Type.Object({ a: Type.String() }), responses: {}, handler: () => ({ status: 204 }) }),
      ],
    });
    registry.add({ name: 'root', bases: [''], routes: loginRoutes(auth) });
    const report = await checkRouteRules({ registry, app: app(registry), users: auth.users });
    expect(report.violations.map((v) => `${v.method} ${v.path} ${v.caller} ${v.status}`).sort()).toEqual([
      'get /broken/public-but-guarded Administrator 401',
      'get /broken/public-but-guarded Operator 401',
      'get /broken/public-but-guarded ReadOnly 401',
      'get /broken/public-but-guarded anonymous 401',
      'get /broken/readonly-but-admin-only Operator 403',
      'get /broken/readonly-but-admin-only ReadOnly 403',
    ]);
  });
});
