/**
 * The hooks API on a real member: CRUD with RackHD's status codes, validation errors naming the field,
 * access by role, the secret shown once and sealed at rest, and end to end: an event published on the
 * member's bus reaches a real receiver, and the hook's delivery status shows it.
 */
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hookRoutes } from '../../../src/api/events/hook-routes.ts';
import { errorHandler } from '../../../src/api/error-handler.ts';
import { ApiRegistry, type Authenticator } from '../../../src/api/northbound/api-registry.ts';
import type { Role } from '../../../src/api/northbound/api-route.ts';
import type { NorthboundPorts } from '../../../src/api/northbound/northbound-ports.ts';
import { isSealed } from '../../../src/actors/secret-port.ts';
import { WebhookDelivery } from '../../../src/events/webhook-delivery.ts';
import { verifySignature } from '../../../src/events/webhook-signature.ts';
import { SecretBox } from '../../../src/secrets/secret-box.ts';
import { secretSealer } from '../../../src/secrets/secret-sealer.ts';
import { startFixture, type MonorailFixture } from '../../support/monorail-fixture.ts';
import { eventually, startReceiver, type Receiver } from '../../events/webhook-receiver.ts';

const headerAuth: Authenticator = {
  async authenticate(req) {
    const role = req.headers['x-test-role'];
    return role === undefined ? undefined : { username: 'tester', role: role as Role, via: 'token' };
  },
};

interface HookBody {
  id: string;
  url: string;
  name?: string;
  filters: Record<string, string>[];
  secret?: string;
  lastDelivery: null | { status: string; httpStatus: number | null; attempts: number; event: string };
  delivered: number;
  failed: number;
  dropped: number;
  queued: number;
  inFlight: number;
}

let f: MonorailFixture;
let app: express.Express;
let deliveries: WebhookDelivery;
let receiver: Receiver;
const sealer = secretSealer(SecretBox.fromKey('hook-routes-test-key-0123'));

beforeAll(async () => {
  f = await startFixture();
  const m = f.monorail;
  const ports: NorthboundPorts = { nodes: m.nodes, lookups: m.lookups, workflows: m.workflows, documents: m.store.documents, events: m.events, sealer, config: m.config, log: m.log, now: () => Date.now() };
  deliveries = new WebhookDelivery({ hooks: m.store.documents.collection('hooks'), sealer, log: m.log, options: { statusWriteMs: 20, backoffMs: 20, refreshSeconds: 0 } });
  await deliveries.start(m.events);
  const registry = new ApiRegistry({ authenticator: headerAuth, log: m.log });
  registry.add({ name: 'rest', bases: ['/api/2.0', '/api/current'], routes: hookRoutes(ports, deliveries) });
  app = express();
  app.set('query parser', 'simple');
  registry.mount(app);
  app.use(errorHandler(m.log));
  receiver = await startReceiver();
});
afterAll(async () => {
  await deliveries.stop();
  await receiver.close();
  await f.stop();
});

const as = (role: Role) => ({
  get: (url: string) => request(app).get(url).set('x-test-role', role),
  post: (url: string) => request(app).post(url).set('x-test-role', role),
  patch: (url: string) => request(app).patch(url).set('x-test-role', role),
  delete: (url: string) => request(app).delete(url).set('x-test-role', role),
});
const operator = as('Operator');
const reader = as('ReadOnly');

describe('the hooks API', () => {
  it('creates (201, Location, secret once), lists, reads, patches and deletes (204) hooks', async () => {
    const created = await operator.post('/api/2.0/hooks').send({ url: 'http://127.0.0.1:9/crud', name: 'crud', filters: [{ type: '^node$', action: 'added|removed' }] });
    expect(created.status).toBe(201);
    const hook = created.body as HookBody;
    expect(created.headers['location']).toBe(`/api/2.0/hooks/${hook.id}`);
    expect(hook).toMatchObject({ url: 'http://127.0.0.1:9/crud', name: 'crud', filters: [{ type: '^node$', action: 'added|removed' }], delivered: 0, failed: 0, dropped: 0, lastDelivery: null });
    expect(typeof hook.secret).toBe('string');

    const stored = await f.monorail.store.documents.collection('hooks').get(hook.id);
    expect(isSealed(stored?.['secret'])).toBe(true);
    expect(JSON.stringify(stored)).not.toContain(hook.secret);

    const read = await reader.get(`/api/current/hooks/${hook.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: hook.id, url: hook.url });
    expect((read.body as HookBody).secret).toBeUndefined();

    const list = await reader.get('/api/2.0/hooks?name=crud');
    expect(list.status).toBe(200);
    expect((list.body as HookBody[]).map((h) => h.id)).toEqual([hook.id]);
    expect(list.headers['x-total-count']).toBe('1');

    const patched = await operator.patch(`/api/2.0/hooks/${hook.id}`).send({ filters: [], name: 'renamed' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: hook.id, name: 'renamed', filters: [] });
    expect((patched.body as HookBody).secret).toBeUndefined();

    const rotated = await operator.patch(`/api/2.0/hooks/${hook.id}`).send({ rotateSecret: true });
    expect(typeof (rotated.body as HookBody).secret).toBe('string');
    expect((rotated.body as HookBody).secret).not.toBe(hook.secret);

    expect((await operator.delete(`/api/2.0/hooks/${hook.id}`)).status).toBe(204);
    expect((await reader.get(`/api/2.0/hooks/${hook.id}`)).status).toBe(404);
    expect((await operator.delete(`/api/2.0/hooks/${hook.id}`)).status).toBe(404);
    expect((await operator.patch(`/api/2.0/hooks/${hook.id}`).send({ name: 'x' })).status).toBe(404);
  });

  it('answers bad bodies with 400 naming the field', async () => {
    const bad = async (body: unknown, path: string, fragment: string) => {
      const res = await operator.post('/api/2.0/hooks').send(body as object);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      const b = res.body as { message: string; status: number; errors: { path: string; message: string }[] };
      expect(b.status).toBe(400);
      expect(b.errors.map((e) => e.path)).toContain(path);
      expect(b.message).toContain(fragment);
    };
    await bad({}, 'body.url', 'body.url is required');
    await bad({ url: 'ftp://example.com/x' }, 'body.url', 'must be an http or https URL');
    await bad({ url: 'not a url' }, 'body.url', 'is not a URL');
    await bad({ url: 'http://x/', filters: [{ type: '(' }] }, 'body.filters.0.type', 'is not a valid regular expression');
    await bad({ url: 'http://x/', filters: [{ type: 'ok' }, { action: '(a+)+$' }] }, 'body.filters.1.action', 'exponential');
    await bad({ url: 'http://x/', filters: [{ type: 3 }] }, 'body.filters.0.type', 'must be string');
    await bad({ url: 'http://x/', filters: 'type' }, 'body.filters', 'must be array');
    await bad({ url: 'http://x/', colour: 'red' }, 'body.colour', 'is not a known field');
    const created = await operator.post('/api/2.0/hooks').send({ url: 'http://127.0.0.1:9/patch' });
    const id = (created.body as HookBody).id;
    const empty = await operator.patch(`/api/2.0/hooks/${id}`).send({});
    expect(empty.status).toBe(400);
    const badPatch = await operator.patch(`/api/2.0/hooks/${id}`).send({ filters: [{ 'data.': 'x' }] });
    expect(badPatch.status).toBe(400);
    expect((badPatch.body as { errors: { path: string }[] }).errors[0]?.path).toBe('body.filters.0.data.');
    await operator.delete(`/api/2.0/hooks/${id}`);
  });

  it('refuses a second hook for the same URL (409, as RackHD), wrong content types (415), oversized bodies (413) and bad queries', async () => {
    const first = await operator.post('/api/2.0/hooks').send({ url: 'http://127.0.0.1:9/dup' });
    expect(first.status).toBe(201);
    const dup = await operator.post('/api/2.0/hooks').send({ url: 'http://127.0.0.1:9/dup' });
    expect(dup.status).toBe(409);
    const other = await operator.post('/api/2.0/hooks').send({ url: 'http://127.0.0.1:9/other' });
    const moved = await operator.patch(`/api/2.0/hooks/${(other.body as HookBody).id}`).send({ url: 'http://127.0.0.1:9/dup' });
    expect(moved.status).toBe(409);
    const text = await operator.post('/api/2.0/hooks').set('content-type', 'text/plain').send('url=http://x/');
    expect(text.status).toBe(415);
    const huge = await operator.post('/api/2.0/hooks').send({ url: 'http://x/', name: 'n'.repeat(70_000) });
    expect(huge.status).toBe(413);
    const garbage = await operator.post('/api/2.0/hooks').set('content-type', 'application/json').send('{"url": "http://x/"');
    expect(garbage.status).toBe(400);
    expect((await reader.get('/api/2.0/hooks?$top=0')).status).toBe(400);
    expect((await reader.get('/api/2.0/hooks?colour=red')).status).toBe(400);
    for (const b of [first.body, other.body] as HookBody[]) await operator.delete(`/api/2.0/hooks/${b.id}`);
  });

  it('lets ReadOnly read and only Operator and above change (401 without credentials, 403 below Operator)', async () => {
    expect((await request(app).get('/api/2.0/hooks')).status).toBe(401);
    expect((await reader.get('/api/2.0/hooks')).status).toBe(200);
    expect((await reader.post('/api/2.0/hooks').send({ url: 'http://x/' })).status).toBe(403);
    expect((await reader.patch('/api/2.0/hooks/abc').send({ name: 'x' })).status).toBe(403);
    expect((await reader.delete('/api/2.0/hooks/abc')).status).toBe(403);
    const admin = await as('Administrator').post('/api/2.0/hooks').send({ url: 'http://127.0.0.1:9/admin' });
    expect(admin.status).toBe(201);
    await operator.delete(`/api/2.0/hooks/${(admin.body as HookBody).id}`);
  });

  it('delivers the member\'s events to a hook created through the API, signed with the secret it returned, and shows the status', async () => {
    const created = await operator.post('/api/2.0/hooks').send({ url: receiver.url, filters: [{ type: '^node$', action: '^added$' }] });
    const hook = created.body as HookBody;
    await f.monorail.nodes.ask('5f00000000000000000b0001', { type: 'node.create', spec: { name: 'hooked', identifiers: ['52:54:00:cc:00:01'], type: 'compute' } });
    const [got] = await receiver.waitFor(1);
    if (got === undefined) throw new Error('nothing received');
    expect(got.json).toMatchObject({ version: '1.0', type: 'node', action: 'added', nodeId: '5f00000000000000000b0001' });
    expect(verifySignature({ secret: hook.secret ?? '', signature: got.headers['x-monorail-signature'] as string, timestamp: got.headers['x-monorail-timestamp'] as string, body: got.body, nowMs: Date.now() })).toBe(true);
    const status = await eventually(async () => {
      const res = await reader.get(`/api/2.0/hooks/${hook.id}`);
      const b = res.body as HookBody;
      return b.delivered === 1 ? b : undefined;
    }, 'the delivery status');
    expect(status).toMatchObject({ delivered: 1, failed: 0, dropped: 0, queued: 0, inFlight: 0, lastDelivery: { status: 'delivered', httpStatus: 200, attempts: 1 } });
    expect(status.lastDelivery?.event).toMatch(/^node\.added\.information\./);
    await operator.delete(`/api/2.0/hooks/${hook.id}`);
  });
});
