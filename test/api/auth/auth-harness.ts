/**
 * Auth on a real embedded store, mounted the way the member mounts it: the users/roles/login routes under
 * the REST bases, `/login` at the root, and probe routes at each access level that say who called. The
 * clock is the test's, so token and session expiry are reached by moving it rather than by waiting.
 */
import { Type } from '@sinclair/typebox';
import express from 'express';
import { openAuth, type Auth } from '../../../src/api/auth/auth-service.ts';
import { authRoutes, loginRoutes } from '../../../src/api/auth/auth-routes.ts';
import { errorHandler } from '../../../src/api/error-handler.ts';
import { ApiRegistry } from '../../../src/api/northbound/api-registry.ts';
import { route } from '../../../src/api/northbound/api-route.ts';
import { loadConfig } from '../../../src/config/load-config.ts';
import type { ConfigLayer } from '../../../src/config/schema.ts';
import type { Store } from '../../../src/persistence/store.ts';
import { tempStore, type TempStore } from '../../support/temp-store.ts';
import { captureLog, type CapturedLog } from '../../support/test-logger.ts';

export interface AuthHarness {
  readonly auth: Auth;
  readonly app: express.Express;
  readonly registry: ApiRegistry;
  readonly store: Store;
  readonly temp: TempStore;
  readonly captured: CapturedLog;
  /** The clock auth runs on (ms); move it with `advance`. */
  now(): number;
  advance(ms: number): void;
  close(): Promise<void>;
}

export const REST_BASES = ['/api/2.0', '/api/current', '/api/common'];

export async function authHarness(options: { auth?: ConfigLayer['auth']; env?: NodeJS.ProcessEnv; temp?: TempStore } = {}): Promise<AuthHarness> {
  const temp = options.temp ?? tempStore('monorail-auth-');
  const config = loadConfig({
    // Cost 12 keeps the many logins of a test quick; the latency test measures the default.
    layers: [{ memberId: 'test', dataDir: temp.dir, store: { path: temp.dir }, auth: { passwordHashCost: 12, allowBasicOverHttp: true, ...options.auth } }],
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  const store = await temp.open();
  const captured = captureLog();
  let clock = Date.now();
  const auth = await openAuth({ documents: store.documents, config, log: captured.log, now: () => clock });
  const registry = new ApiRegistry({ authenticator: auth.authenticator, log: captured.log });
  registry.add({ name: 'rest', bases: REST_BASES, routes: authRoutes(auth) });
  registry.add({ name: 'root', bases: [''], routes: loginRoutes(auth) });
  const whoami = (access: 'ReadOnly' | 'Operator' | 'Administrator') =>
    route({
      method: 'get',
      path: `/${access.toLowerCase()}`,
      summary: `who is calling (${access})`,
      tag: 'probe',
      access,
      query: Type.Object({ x: Type.Optional(Type.String()) }, { additionalProperties: false }),
      responses: { 200: { description: 'the principal' } },
      handler: ({ principal, query }) => ({ status: 200, body: { ...principal, query } }),
    });
  registry.add({
    name: 'probe',
    bases: ['/probe'],
    routes: [
      whoami('ReadOnly'),
      whoami('Operator'),
      whoami('Administrator'),
      route({
        method: 'post',
        path: '/echo',
        summary: 'echo (Operator)',
        tag: 'probe',
        access: 'Operator',
        body: Type.Object({ name: Type.String() }, { additionalProperties: false }),
        responses: { 200: { description: 'the body and principal' } },
        handler: ({ principal, body }) => ({ status: 200, body: { body, username: principal?.username } }),
      }),
      route({
        method: 'get',
        path: '/public',
        summary: 'public probe',
        tag: 'probe',
        access: 'public',
        responses: { 200: { description: 'who, if anyone' } },
        handler: ({ principal }) => ({ status: 200, body: { principal: principal ?? null } }),
      }),
    ],
  });
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  registry.mount(app);
  app.use(errorHandler(captured.log));
  return {
    auth,
    app,
    registry,
    store,
    temp,
    captured,
    now: () => clock,
    advance(ms) {
      clock += ms;
    },
    async close() {
      await store.close();
      if (options.temp === undefined) temp.cleanup();
    },
  };
}
