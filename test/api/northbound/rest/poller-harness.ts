/**
 * The REST harness (rest-harness.ts) with the member's pollers in the ports, as the member wires them:
 * REST 2.0 routes behind the test authenticator (`x-test-role`), over real HTTP with supertest.
 */
import express from 'express';
import request from 'supertest';
import { errorHandler } from '../../../../src/api/error-handler.ts';
import { ApiRegistry } from '../../../../src/api/northbound/api-registry.ts';
import type { Role } from '../../../../src/api/northbound/api-route.ts';
import type { NorthboundPorts } from '../../../../src/api/northbound/northbound-ports.ts';
import { restRouteDeps, restRoutes } from '../../../../src/api/northbound/rest/rest-routes.ts';
import { openSecretBox } from '../../../../src/secrets/secret-key.ts';
import { secretSealer } from '../../../../src/secrets/secret-sealer.ts';
import { startFixture, type MonorailFixture } from '../../../support/monorail-fixture.ts';
import { testAuth } from './rest-harness.ts';

export interface PollerHarness {
  readonly f: MonorailFixture;
  readonly app: express.Express;
  readonly as: (role?: Role) => { get(url: string): request.Test; post(url: string): request.Test; patch(url: string): request.Test; delete(url: string): request.Test };
  stop(): Promise<void>;
}

export async function startPollerRest(): Promise<PollerHarness> {
  const f = await startFixture();
  const m = f.monorail;
  const box = openSecretBox(m.config.secrets.key, m.config.dataDir, m.log);
  const ports: NorthboundPorts = { nodes: m.nodes, lookups: m.lookups, workflows: m.workflows, pollers: m.pollers.service, documents: m.store.documents, events: m.events, sealer: secretSealer(box), config: m.config, log: m.log, now: () => Date.now() };
  const registry = new ApiRegistry({ authenticator: testAuth, log: m.log });
  registry.add({ name: 'rest', bases: ['/api/2.0', '/api/current'], routes: restRoutes(ports, restRouteDeps(ports, box, registry)) });
  const app = express();
  app.set('query parser', 'simple');
  registry.mount(app);
  app.use(errorHandler(m.log));
  const as = (role: Role = 'Administrator') => ({
    get: (url: string) => request(app).get(url).set('x-test-role', role),
    post: (url: string) => request(app).post(url).set('x-test-role', role),
    patch: (url: string) => request(app).patch(url).set('x-test-role', role),
    delete: (url: string) => request(app).delete(url).set('x-test-role', role),
  });
  return { f, app, as, stop: () => f.stop() };
}
