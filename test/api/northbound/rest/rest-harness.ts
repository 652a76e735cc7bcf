/**
 * A real member (startFixture: embedded store on a temp directory) with the REST 2.0 routes mounted on an
 * express app the way the member mounts them, behind the test authenticator (`x-test-role` names the
 * caller's role), for supertest to drive over real HTTP.
 */
import express from 'express';
import request from 'supertest';
import type { ConfigLayer } from '../../../../src/config/schema.ts';
import { errorHandler } from '../../../../src/api/error-handler.ts';
import { ApiRegistry, type Authenticator } from '../../../../src/api/northbound/api-registry.ts';
import type { Role } from '../../../../src/api/northbound/api-route.ts';
import type { NorthboundPorts } from '../../../../src/api/northbound/northbound-ports.ts';
import { restRouteDeps, restRoutes } from '../../../../src/api/northbound/rest/rest-routes.ts';
import { UnauthorizedError } from '../../../../src/errors.ts';
import type { SecretBox } from '../../../../src/secrets/secret-box.ts';
import { openSecretBox } from '../../../../src/secrets/secret-key.ts';
import { secretSealer } from '../../../../src/secrets/secret-sealer.ts';
import { startFixture, type MonorailFixture } from '../../../support/monorail-fixture.ts';
import type { TempStore } from '../../../support/temp-store.ts';

export const testAuth: Authenticator = {
  async authenticate(req) {
    const role = req.headers['x-test-role'];
    if (role === undefined) return undefined;
    if (role === 'bad') throw new UnauthorizedError('bad credentials');
    return { username: 'tester', role: role as Role, via: 'token' };
  },
};

export interface RestHarness {
  readonly f: MonorailFixture;
  readonly app: express.Express;
  readonly registry: ApiRegistry;
  readonly ports: NorthboundPorts;
  readonly box: SecretBox;
  /** supertest calls as `role` (Administrator unless said). */
  readonly as: (role?: Role) => {
    get(url: string): request.Test;
    post(url: string): request.Test;
    put(url: string): request.Test;
    patch(url: string): request.Test;
    delete(url: string): request.Test;
  };
  stop(): Promise<void>;
}

export async function startRest(options: { readonly layer?: ConfigLayer; readonly temp?: TempStore; readonly limits?: { maxFileBytes?: number; maxSourceBytes?: number; maxPackBytes?: number } } = {}): Promise<RestHarness> {
  const f = await startFixture({ ...(options.layer === undefined ? {} : { layer: options.layer }), ...(options.temp === undefined ? {} : { temp: options.temp }) });
  const m = f.monorail;
  const box = openSecretBox(m.config.secrets.key, m.config.dataDir, m.log);
  const ports: NorthboundPorts = { nodes: m.nodes, lookups: m.lookups, workflows: m.workflows, documents: m.store.documents, events: m.events, sealer: secretSealer(box), config: m.config, log: m.log, now: () => Date.now() };
  const registry = new ApiRegistry({ authenticator: testAuth, log: m.log });
  const deps = restRouteDeps(ports, box, registry);
  registry.add({ name: 'rest', bases: ['/api/2.0', '/api/current', '/api/common'], routes: restRoutes(ports, { ...deps, ...(options.limits === undefined ? {} : { limits: options.limits }) }) });
  const app = express();
  app.set('query parser', 'simple');
  registry.mount(app);
  app.use(errorHandler(m.log));
  const as = (role: Role = 'Administrator') => ({
    get: (url: string) => request(app).get(url).set('x-test-role', role),
    post: (url: string) => request(app).post(url).set('x-test-role', role),
    put: (url: string) => request(app).put(url).set('x-test-role', role),
    patch: (url: string) => request(app).patch(url).set('x-test-role', role),
    delete: (url: string) => request(app).delete(url).set('x-test-role', role),
  });
  return { f, app, registry, ports, box, as, stop: () => f.stop() };
}

/** A graph that holds its node until cancelled (a week-long wait), for tests of "a workflow is active". */
export const holdGraph = {
  friendlyName: 'Hold the node',
  injectableName: 'Graph.Test.Hold',
  options: { hold: { duration: 7 * 24 * 3600 * 1000 } },
  tasks: [{ label: 'hold', taskName: 'Task.Wait' }],
};

export interface ErrorAnswer {
  readonly message: string;
  readonly status: number;
  readonly errors?: readonly { readonly path: string; readonly message: string }[];
}

export const errorPaths = (body: unknown): string[] => ((body as ErrorAnswer).errors ?? []).map((e) => e.path);
