/**
 * The batches API on a real member (embedded store, the real workflow engine), black-box over HTTP:
 * nodes created and tagged through the API, a batch running `Graph.noop-example` over the tagged ones
 * completes with every item succeeded (progress visible while it runs, never more than `concurrency`
 * workflows at once), a node busy with another workflow fails its item and stops a batch at its
 * threshold, cancel with `cancelRunning` cancels the running workflow, and every malformed body, unknown
 * id and low role is answered with a clear 4xx. The batches are the member's own (startMonorail
 * wires them), ticking every 40 ms instead of the default second.
 */
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BatchMember } from '../../../../src/actors/batch/batch-member.ts';
import type { DomainEvent } from '../../../../src/actors/events/event-bus.ts';
import { errorHandler } from '../../../../src/api/error-handler.ts';
import { ApiRegistry } from '../../../../src/api/northbound/api-registry.ts';
import type { Role } from '../../../../src/api/northbound/api-route.ts';
import type { NorthboundPorts } from '../../../../src/api/northbound/northbound-ports.ts';
import { restRouteDeps, restRoutes } from '../../../../src/api/northbound/rest/rest-routes.ts';
import { openSecretBox } from '../../../../src/secrets/secret-key.ts';
import { secretSealer } from '../../../../src/secrets/secret-sealer.ts';
import { startFixture, type MonorailFixture } from '../../../support/monorail-fixture.ts';
import { errorPaths, holdGraph, testAuth } from './rest-harness.ts';

const SECRET = 'batch-root-password-77';

interface ItemAnswer {
  node: string;
  status: string;
  workflowId: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  error?: string;
}
interface BatchAnswer {
  id: string;
  name: string;
  status: string;
  reason?: string;
  graphName: string;
  progress: { total: number; pending: number; running: number; succeeded: number; failed: number; skipped: number; cancelled: number };
  finishedAt: string | null;
  items?: ItemAnswer[];
}

let f: MonorailFixture;
let batches: BatchMember;
let app: express.Express;
const published: DomainEvent[] = [];
const answers: string[] = [];
const as = (role: Role = 'Administrator') => ({
  get: (url: string) => request(app).get(url).set('x-test-role', role),
  post: (url: string) => request(app).post(url).set('x-test-role', role),
  put: (url: string) => request(app).put(url).set('x-test-role', role),
});
const keep = <T extends { text: string }>(res: T): T => {
  answers.push(res.text);
  return res;
};
const rack: Record<string, string[]> = {};

beforeAll(async () => {
  f = await startFixture({ layer: { workflows: { batchTickMs: 40 } } });
  const m = f.monorail;
  const box = openSecretBox(m.config.secrets.key, m.config.dataDir, m.log);
  const sealer = secretSealer(box);
  batches = m.batches;
  m.events.subscribe((e) => {
    if (e.type === 'batch') published.push(e);
  });
  const ports: NorthboundPorts = { nodes: m.nodes, lookups: m.lookups, workflows: m.workflows, batches: batches.service, documents: m.store.documents, events: m.events, sealer, config: m.config, log: m.log, now: () => Date.now() };
  const registry = new ApiRegistry({ authenticator: testAuth, log: m.log });
  registry.add({ name: 'rest', bases: ['/api/2.0', '/api/current'], routes: restRoutes(ports, restRouteDeps(ports, box, registry)) });
  app = express();
  app.set('query parser', 'simple');
  registry.mount(app);
  app.use(errorHandler(m.log));
  expect((await as().put('/api/2.0/workflows/graphs').send(holdGraph)).status).toBe(201);
  for (const [tag, n] of [['rack-7', 6], ['rack-8', 2], ['rack-9', 3]] as const) {
    rack[tag] = [];
    for (let i = 0; i < n; i++) {
      const res = await as().post('/api/2.0/nodes').send({ name: `${tag}-${i}`, type: 'compute', tags: [tag] });
      expect(res.status).toBe(201);
      rack[tag].push((res.body as { id: string }).id);
    }
  }
});
afterAll(async () => {
  for (const text of answers) expect(text).not.toContain(SECRET);
  await f.stop();
});

const batch = async (id: string) => (await as('ReadOnly').get(`/api/2.0/batches/${id}`)).body as BatchAnswer;

describe('/batches', () => {
  it('runs a graph over the tagged nodes, concurrency at a time, with progress visible, to completed', async () => {
    const created = keep(
      await as('Operator')
        .post('/api/2.0/batches')
        .send({ name: 'noop rack 7', selector: { tags: ['rack-7'] }, graphName: 'Graph.noop-example', graphOptions: { defaults: { rootPassword: SECRET }, 'noop-1': { delay: 150 } }, concurrency: 2 }),
    );
    expect(created.status, created.text).toBe(201);
    const b = created.body as BatchAnswer;
    expect(created.headers['location']).toBe(`/api/2.0/batches/${b.id}`);
    expect(b).toMatchObject({ name: 'noop rack 7', status: 'running', graphName: 'Graph.noop-example', progress: { total: 6 }, finishedAt: null, graphOptions: { defaults: { rootPassword: '[redacted]' } } });
    expect(new Set(b.items?.map((i) => i.node))).toEqual(new Set(rack['rack-7']));

    const seen: BatchAnswer[] = [];
    await vi.waitFor(
      async () => {
        const now = keep(await as('ReadOnly').get(`/api/2.0/batches/${b.id}`)).body as BatchAnswer;
        seen.push(now);
        expect(now.status).toBe('completed');
      },
      { timeout: 15_000, interval: 25 },
    );
    // Progress was visible on the way, and the limit held at every look.
    expect(seen.some((s) => s.status === 'running' && s.progress.running > 0 && s.progress.succeeded > 0 && s.progress.succeeded < 6)).toBe(true);
    expect(Math.max(...seen.map((s) => s.progress.running))).toBeLessThanOrEqual(2);
    const done = seen.at(-1) as BatchAnswer;
    expect(done.progress).toEqual({ total: 6, pending: 0, running: 0, succeeded: 6, failed: 0, skipped: 0, cancelled: 0 });
    expect(done.finishedAt).toEqual(expect.any(String));
    // Each item's workflow is the engine's record of that node's run.
    for (const item of done.items ?? []) {
      expect(item).toMatchObject({ status: 'succeeded', workflowId: expect.any(String) as unknown, startedAt: expect.any(String) as unknown, finishedAt: expect.any(String) as unknown });
      const wf = keep(await as().get(`/api/2.0/workflows/${item.workflowId ?? ''}`));
      expect(wf.body).toMatchObject({ status: 'succeeded', node: item.node, injectableName: 'Graph.noop-example' });
    }
    // The other racks ran nothing.
    for (const node of rack['rack-8'] ?? []) expect(((await as().get(`/api/2.0/nodes/${node}/workflows`)).body as unknown[]).length).toBe(0);
    expect(published.filter((e) => e.typeId === b.id).map((e) => e.action)).toEqual(expect.arrayContaining(['started', 'progress', 'finished']));

    const list = keep(await as('ReadOnly').get('/api/2.0/batches?status=completed'));
    expect(list.status).toBe(200);
    expect(list.headers['x-total-count']).toBe('1');
    expect(list.body).toMatchObject([{ id: b.id, status: 'completed', progress: { succeeded: 6 } }]);
    expect((list.body as BatchAnswer[])[0]?.items).toBeUndefined();
    expect((await as().get('/api/2.0/batches?active=true')).headers['x-total-count']).toBe('0');
    // A finished batch cannot be cancelled.
    const late = await as('Operator').post(`/api/2.0/batches/${b.id}/cancel`).send({});
    expect(late.status).toBe(409);
    expect((late.body as { message: string }).message).toContain('already completed');
  });

  it('fails the item of a node busy with another workflow and stops at the threshold', async () => {
    const [busy, second, third] = rack['rack-9'] ?? [];
    const hold = await as().post(`/api/2.0/nodes/${busy ?? ''}/workflows`).send({ name: 'Graph.Test.Hold' });
    expect(hold.status).toBe(201);
    const created = await as('Operator')
      .post('/api/2.0/batches')
      .send({ selector: { nodeIds: [busy, second, third] }, graphName: 'Graph.noop-example', concurrency: 1, failureThreshold: { count: 1 } });
    expect(created.status, created.text).toBe(201);
    const id = (created.body as BatchAnswer).id;
    expect((created.body as BatchAnswer).name).toBe('Graph.noop-example on 3 nodes');
    await vi.waitFor(async () => expect((await batch(id)).finishedAt).not.toBeNull(), { timeout: 10_000, interval: 25 });
    const b = await batch(id);
    expect(b).toMatchObject({ status: 'stopped', reason: 'failure threshold reached: 1 of 3 failed', progress: { failed: 1, skipped: 2, succeeded: 0 } });
    expect(b.items?.map((i) => [i.node, i.status])).toEqual([[busy, 'failed'], [second, 'skipped'], [third, 'skipped']]);
    expect(b.items?.[0]?.error).toContain('already has an active workflow');
    expect((await as().put(`/api/2.0/nodes/${busy ?? ''}/workflows/action`).send({ command: 'cancel' })).status).toBe(202);
  });

  it('cancels a batch and, with cancelRunning, its running workflow', async () => {
    const created = await as('Operator').post('/api/2.0/batches').send({ selector: { tags: ['rack-8'], type: 'compute' }, graphName: 'Graph.Test.Hold', concurrency: 1 });
    expect(created.status, created.text).toBe(201);
    const id = (created.body as BatchAnswer).id;
    await vi.waitFor(async () => expect((await batch(id)).progress.running).toBe(1), { timeout: 10_000, interval: 25 });
    const running = (await batch(id)).items?.find((i) => i.status === 'running');
    const cancelled = keep(await as('Operator').post(`/api/2.0/batches/${id}/cancel`).send({ cancelRunning: true }));
    expect(cancelled.status).toBe(202);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelRunning: true, progress: { cancelled: 1 } });
    await vi.waitFor(async () => expect((await batch(id)).finishedAt).not.toBeNull(), { timeout: 10_000, interval: 25 });
    expect((await batch(id)).progress).toMatchObject({ cancelled: 2, running: 0 });
    expect((await as().get(`/api/2.0/workflows/${running?.workflowId ?? ''}`)).body).toMatchObject({ status: 'cancelled' });
    // Cancelling a cancelled batch again answers it as it is; the empty body is allowed.
    expect((await as('Operator').post(`/api/2.0/batches/${id}/cancel`)).status).toBe(202);
    expect(((await as().get('/api/2.0/batches?status=cancelled')).body as BatchAnswer[]).map((x) => x.id)).toEqual([id]);
  });

  it('answers malformed bodies with 400 naming the field, unknown ids with 404, low roles with 403', async () => {
    const bad = async (body: unknown, expected = 400) => {
      const res = keep(await as().post('/api/2.0/batches').send(body as object));
      expect(res.status, JSON.stringify(res.body)).toBe(expected);
      expect((res.body as { message: string }).message.length).toBeGreaterThan(0);
      return errorPaths(res.body).join(',');
    };
    const ok = { selector: { tags: ['rack-7'] }, graphName: 'Graph.noop-example' };
    expect(await bad({ graphName: 'Graph.noop-example' })).toContain('selector');
    expect(await bad({ selector: { tags: ['rack-7'] } })).toContain('graphName');
    expect(await bad({ ...ok, selector: {} })).toBe('body.selector');
    expect(await bad({ ...ok, selector: { tags: 'rack-7' } })).toContain('body.selector.tags');
    expect(await bad({ ...ok, selector: { tags: [] } })).toContain('body.selector.tags');
    expect(await bad({ ...ok, selector: { rack: '7' } })).toContain('body.selector');
    expect(await bad({ ...ok, selector: { type: 'toaster' } })).toContain('body.selector.type');
    expect(await bad({ ...ok, selector: { tags: ['rack-none'] } })).toBe('body.selector');
    expect(await bad({ ...ok, selector: { nodeIds: ['5f0000000000000000000000'] } })).toBe('body.selector.nodeIds');
    expect(await bad({ ...ok, graphName: 'Graph.Nope' })).toBe('body.graphName');
    expect(await bad({ ...ok, graphOptions: { 'no-such-task': { x: 1 } } })).toContain('body.graphOptions');
    expect(await bad({ ...ok, concurrency: 0 })).toContain('body.concurrency');
    expect(await bad({ ...ok, concurrency: 1001 })).toContain('body.concurrency');
    expect(await bad({ ...ok, concurrency: '5' })).toContain('body.concurrency');
    expect(await bad({ ...ok, failureThreshold: { percent: 150 } })).toContain('body.failureThreshold.percent');
    expect(await bad({ ...ok, failureThreshold: { count: 0 } })).toContain('body.failureThreshold.count');
    expect(await bad({ ...ok, failureThreshold: { ratio: 0.1 } })).toContain('body.failureThreshold');
    expect(await bad({ ...ok, extra: true })).toContain('body');
    expect(await bad([ok])).toContain('body');
    const notJson = await as().post('/api/2.0/batches').set('Content-Type', 'application/json').send('{"selector": ');
    expect(notJson.status).toBe(400);
    expect((await as().post('/api/2.0/batches').set('Content-Type', 'text/plain').send('reboot rack 7')).status).toBe(415);
    expect((await as('ReadOnly').post('/api/2.0/batches').send(ok)).status).toBe(403);
    expect(await as().get('/api/2.0/batches').then((r) => r.status)).toBe(200);
    expect((await as().get('/api/2.0/batches?status=bogus')).status).toBe(400);
    expect((await as().get('/api/2.0/batches?$top=0')).status).toBe(400);

    expect((await as().get('/api/2.0/batches/5f0000000000000000000000')).status).toBe(404);
    expect((await as('Operator').post('/api/2.0/batches/5f0000000000000000000000/cancel').send({})).status).toBe(404);
    const someId = ((await as().get('/api/2.0/batches')).body as BatchAnswer[])[0]?.id ?? '';
    const badCancel = keep(await as('Operator').post(`/api/2.0/batches/${someId}/cancel`).send({ cancelRunning: 'yes' }));
    expect(badCancel.status).toBe(400);
    expect(errorPaths(badCancel.body).join(',')).toContain('body.cancelRunning');
    expect((await as('Operator').post(`/api/2.0/batches/${someId}/cancel`).send({ now: true })).status).toBe(400);
    expect((await as('ReadOnly').post(`/api/2.0/batches/${someId}/cancel`).send({})).status).toBe(403);
    // Nothing malformed made a batch.
    expect((await as().get('/api/2.0/batches')).headers['x-total-count']).toBe('3');
  });
});
