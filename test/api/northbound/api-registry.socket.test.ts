/**
 * The northbound registry's contract, on a real member and real HTTP: paging with Link headers, field
 * filters, validation errors naming the field, 401/403 by declared access, 415 for non-JSON bodies, 413
 * over a route's limit, and an OpenAPI document that names every mounted route.
 */
import { Type } from '@sinclair/typebox';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../../../src/api/error-handler.ts';
import { ApiRegistry, type Authenticator } from '../../../src/api/northbound/api-registry.ts';
import { route, type Role } from '../../../src/api/northbound/api-route.ts';
import type { NorthboundPorts } from '../../../src/api/northbound/northbound-ports.ts';
import { nodeRoutes } from '../../../src/api/northbound/rest/node-routes.ts';
import { UnauthorizedError } from '../../../src/errors.ts';
import { startFixture, type MonorailFixture } from '../../support/monorail-fixture.ts';

/** The test's stand-in for the real authenticator: `x-test-role` names the caller's role; `bad` is a bad credential. */
const headerAuth: Authenticator = {
  async authenticate(req) {
    const role = req.headers['x-test-role'];
    if (role === undefined) return undefined;
    if (role === 'bad') throw new UnauthorizedError('bad credentials');
    return { username: 'tester', role: role as Role, via: 'token' };
  },
};

let f: MonorailFixture;
let app: express.Express;
let registry: ApiRegistry;
beforeAll(async () => {
  f = await startFixture();
  const m = f.monorail;
  const ports: NorthboundPorts = { nodes: m.nodes, lookups: m.lookups, workflows: m.workflows, documents: m.store.documents, events: m.events, sealer: { seal: () => ({ $sealed: '' }), open: () => '' }, config: m.config, log: m.log, now: () => Date.now() };
  registry = new ApiRegistry({ authenticator: headerAuth, log: m.log });
  registry.add({ name: 'rest', bases: ['/api/2.0', '/api/current'], routes: nodeRoutes(ports) });
  registry.add({
    name: 'probe',
    bases: ['/probe'],
    routes: [
      route({
        method: 'post',
        path: '/echo',
        summary: 'admin echo',
        tag: 'probe',
        access: 'Administrator',
        maxBodyBytes: 1024,
        body: Type.Object({ name: Type.String({ minLength: 1 }), count: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }),
        responses: { 200: { description: 'echo' } },
        handler: ({ body }) => ({ status: 200, body }),
      }),
    ],
  });
  app = express();
  app.set('query parser', 'simple');
  registry.mount(app);
  app.use(errorHandler(m.log));
  for (let i = 0; i < 25; i++) {
    const id = `5f00000000000000000a${i.toString(16).padStart(4, '0')}`;
    await m.nodes.ask(id, { type: 'node.create', spec: { name: `node-${i}`, identifiers: [`52:54:00:aa:bb:${i.toString(16).padStart(2, '0')}`], type: i % 5 === 0 ? 'switch' : 'compute' } });
  }
});
afterAll(async () => {
  await f.stop();
});

describe('the northbound registry', () => {
  it('pages lists with RFC 8288 Link headers and filters by field', async () => {
    const res = await request(app).get('/api/2.0/nodes?$skip=10&$top=10').set('x-test-role', 'ReadOnly');
    expect(res.status).toBe(200);
    expect((res.body as { name: string }[]).map((n) => n.name)).toEqual(Array.from({ length: 10 }, (_, i) => `node-${i + 10}`));
    expect(res.headers['x-total-count']).toBe('25');
    expect(res.headers['link']).toBe(
      '</api/2.0/nodes?%24skip=0&%24top=10>; rel="first", </api/2.0/nodes?%24skip=0&%24top=10>; rel="prev", </api/2.0/nodes?%24skip=20&%24top=10>; rel="next", </api/2.0/nodes?%24skip=20&%24top=10>; rel="last"',
    );
    const switches = await request(app).get('/api/current/nodes?type=switch').set('x-test-role', 'ReadOnly');
    expect((switches.body as unknown[]).length).toBe(5);
    const byMac = await request(app).get('/api/2.0/nodes/52-54-00-AA-BB-03').set('x-test-role', 'ReadOnly');
    expect(byMac.body).toMatchObject({ name: 'node-3', catalogs: expect.stringMatching(/^\/api\/2\.0\/nodes\/[0-9a-f]{24}\/catalogs$/) as string, sku: null });
  });

  it('answers bad input with 400 naming the field, unknown ids with 404', async () => {
    const top = await request(app).get('/api/2.0/nodes?$top=0').set('x-test-role', 'ReadOnly');
    expect(top.status).toBe(400);
    expect(top.body).toMatchObject({ status: 400, errors: [{ path: 'query.$top' }] });
    const unknownFilter = await request(app).get('/api/2.0/nodes?colour=red').set('x-test-role', 'ReadOnly');
    expect(unknownFilter.status).toBe(400);
    expect((unknownFilter.body as { message: string }).message).toContain('query.colour is not a known field');
    expect((await request(app).get('/api/2.0/nodes/5f000000000000000000ffff').set('x-test-role', 'ReadOnly')).status).toBe(404);
    const body = await request(app).post('/probe/echo').set('x-test-role', 'Administrator').send({ name: '', extra: 1 });
    expect(body.status).toBe(400);
    expect((body.body as { errors: { path: string }[] }).errors.map((e) => e.path).sort()).toEqual(['body.extra', 'body.name']);
  });

  it('enforces the declared access: 401 with a challenge, 403 naming the role', async () => {
    const anonymous = await request(app).get('/api/2.0/nodes');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toContain('Bearer');
    expect((await request(app).get('/api/2.0/nodes').set('x-test-role', 'bad')).status).toBe(401);
    const low = await request(app).post('/probe/echo').set('x-test-role', 'Operator').send({ name: 'x' });
    expect(low.status).toBe(403);
    expect((low.body as { message: string }).message).toBe('this needs the Administrator role or higher; you are Operator');
    expect((await request(app).post('/probe/echo').set('x-test-role', 'Administrator').send({ name: 'x', count: 2 })).body).toEqual({ name: 'x', count: 2 });
  });

  it('refuses bodies that are not JSON (415) or are too big for the route (413)', async () => {
    const text = await request(app).post('/probe/echo').set('x-test-role', 'Administrator').set('content-type', 'text/plain').send('name=x');
    expect(text.status).toBe(415);
    const big = await request(app).post('/probe/echo').set('x-test-role', 'Administrator').send({ name: 'x'.repeat(5000) });
    expect(big.status).toBe(413);
    const broken = await request(app).post('/probe/echo').set('x-test-role', 'Administrator').set('content-type', 'application/json').send('{"name":');
    expect(broken.status).toBe(400);
  });

  it('describes every mounted route in its OpenAPI document', () => {
    const doc = registry.openapi({ title: 'Monorail', version: 'test' }) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.0.3');
    for (const r of registry.mounted()) expect(doc.paths[r.paths[0] ?? '']?.[r.method]).toBeDefined();
    expect(doc.paths['/api/2.0/nodes/{identifier}']?.['get']).toMatchObject({ parameters: [{ name: 'identifier', in: 'path', required: true }] });
  });
});
