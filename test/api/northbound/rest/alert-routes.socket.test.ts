/**
 * Alerts from the workflow engine and the node lifecycle on a real member: a workflow that times out
 * raises a warning listed at /nodes/{id}/alerts and /alerts; the next successful run of the same graph
 * clears it. Published as `node.alerts` events on the member's bus.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../../src/actors/events/event-bus.ts';
import { startRest, type RestHarness } from './rest-harness.ts';

let h: RestHarness;
let node: string;
const alerts: DomainEvent[] = [];
const graph = (timeoutMs: number, waitMs: number) => ({
  friendlyName: 'Wait a little',
  injectableName: 'Graph.Test.AlertWait',
  options: { hold: { duration: waitMs, _taskTimeout: timeoutMs } },
  tasks: [{ label: 'hold', taskName: 'Task.Wait' }],
});

beforeAll(async () => {
  h = await startRest();
  h.f.monorail.events.subscribe((e) => {
    if (e.type === 'node' && e.action === 'alerts') alerts.push(e);
  });
  node = ((await h.as().post('/api/2.0/nodes').send({ name: 'wf-node', type: 'compute' })).body as { id: string }).id;
}, 60_000);
afterAll(async () => h?.stop());

const runGraph = async () => {
  const started = await h.as('Operator').post(`/api/2.0/nodes/${node}/workflows`).send({ name: 'Graph.Test.AlertWait' });
  expect(started.status).toBe(201);
  const id = (started.body as { instanceId?: string; id?: string }).instanceId ?? (started.body as { id: string }).id;
  await expect.poll(async () => ((await h.as().get(`/api/2.0/workflows/${id}`)).body as { status?: string; _status?: string }).status ?? 'running', { timeout: 15_000, interval: 100 }).not.toMatch(/^(pending|running)$/);
};

describe('workflow failures as alerts', () => {
  it('a workflow that times out raises a warning, listed for the node', async () => {
    expect((await h.as().put('/api/2.0/workflows/graphs').send(graph(200, 60_000))).status).toBe(201);
    await runGraph();
    await expect.poll(async () => (await h.as('ReadOnly').get(`/api/2.0/nodes/${node}/alerts`)).body as unknown, { timeout: 10_000, interval: 100 }).toMatchObject([
      { severity: 'warning', kind: 'workflow-failed', subject: 'Graph.Test.AlertWait', node: `/api/2.0/nodes/${node}` },
    ]);
    expect(alerts).toMatchObject([{ severity: 'warning', nodeId: node, data: { state: 'raised', kind: 'workflow-failed' } }]);
    const all = await h.as('ReadOnly').get('/api/2.0/alerts?severity=warning');
    expect(all.body).toHaveLength(1);
    expect((await h.as('ReadOnly').get('/api/2.0/alerts?severity=critical')).body).toEqual([]);
  }, 30_000);

  it('the next successful run of the same graph clears it, once', async () => {
    expect((await h.as().put('/api/2.0/workflows/graphs').send(graph(10_000, 50))).status).toBe(201);
    await runGraph();
    await expect.poll(async () => (await h.as('ReadOnly').get(`/api/2.0/nodes/${node}/alerts`)).body as unknown, { timeout: 10_000, interval: 100 }).toEqual([]);
    expect(alerts.map((e) => e.data['state'])).toEqual(['raised', 'cleared']);
  }, 30_000);

  it('refuses a malformed query with 400 naming the parameter', async () => {
    const bad = await h.as().get(`/api/2.0/nodes/${node}/alerts?severity=loud`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/severity/);
    expect((await h.as().get('/api/2.0/alerts?$skip=x')).status).toBe(400);
    expect((await h.as().get('/api/2.0/alerts?color=red')).status).toBe(400);
  });
});
