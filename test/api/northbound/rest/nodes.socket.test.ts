/**
 * RackHD 2.0 nodes API on a real member over HTTP: create (MACs claimed so DHCP finds the same node), read by
 * id or MAC, patch, delete with RackHD's cascade and its refusal while a workflow runs, and the node's
 * catalogs, relations, tags and workflows sub-resources, with every documented error.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { errorPaths, holdGraph, startRest, type ErrorAnswer, type RestHarness } from './rest-harness.ts';

let h: RestHarness;
beforeAll(async () => {
  h = await startRest();
  expect((await h.as().put('/api/2.0/workflows/graphs').send(holdGraph)).status).toBe(201);
});
afterAll(async () => {
  await h.stop();
});

interface NodeAnswer {
  id: string;
  name: string;
  type: string;
  identifiers: string[];
  tags: string[];
  relations: { relationType: string; targets: string[] }[];
  bootSettings?: unknown;
  catalogs: string;
  obms: { service: string; ref: string }[];
}

async function createNode(body: Record<string, unknown>): Promise<NodeAnswer> {
  const res = await h.as('Operator').post('/api/2.0/nodes').send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as NodeAnswer;
}

describe('POST /nodes', () => {
  it('creates a node (201, Location) with its MACs in canonical form, claimed at their lookups', async () => {
    const res = await h.as('Operator').post('/api/2.0/nodes').send({ name: 'rack1-n1', type: 'compute', identifiers: ['52-54-00-AA-00-01', 'SERIAL-1'], tags: ['rack1'] });
    expect(res.status).toBe(201);
    const node = res.body as NodeAnswer;
    expect(res.headers['location']).toBe(`/api/2.0/nodes/${node.id}`);
    expect(node).toMatchObject({ name: 'rack1-n1', type: 'compute', identifiers: ['52:54:00:aa:00:01', 'SERIAL-1'], tags: ['rack1'], catalogs: `/api/2.0/nodes/${node.id}/catalogs`, obms: [] });
    expect(await h.ports.documents.collection('lookups').get('52:54:00:aa:00:01')).toMatchObject({ node: node.id });
    // The machine's first DHCP request resolves to this node instead of creating another.
    const resolved = await h.f.monorail.directory.resolveMac('52:54:00:aa:00:01');
    expect(resolved).toMatchObject({ nodeId: node.id, created: false });
    expect((await h.as('ReadOnly').get('/api/current/nodes/52:54:00:AA:00:01')).body).toMatchObject({ id: node.id });
    expect((await h.as('ReadOnly').get('/api/2.0/nodes?identifiers=5254.00aa.0001')).body).toMatchObject([{ id: node.id }]);
  });

  it('refuses a MAC that belongs to another node (409 naming it), and leaves no node behind', async () => {
    const first = await createNode({ name: 'owner', type: 'compute', identifiers: ['52:54:00:aa:00:02'] });
    const before = await h.ports.documents.collection('nodes').count({});
    const res = await h.as().post('/api/2.0/nodes').send({ name: 'thief', type: 'compute', identifiers: ['52:54:00:AA:00:02'] });
    expect(res.status).toBe(409);
    expect((res.body as ErrorAnswer).message).toContain(first.id);
    expect(await h.ports.documents.collection('nodes').count({})).toBe(before);
  });

  it('lets exactly one of several simultaneous creations with one MAC win; the others get 409 and leave nothing', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => h.as().post('/api/2.0/nodes').send({ name: `racer-${i}`, type: 'compute', identifiers: ['52:54:00:aa:00:03'] })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    const winner = answers.find((a) => a.status === 201)?.body as NodeAnswer;
    expect(await h.ports.documents.collection('nodes').count({ name: { $regex: '^racer-' } })).toBe(1);
    expect(await h.ports.documents.collection('lookups').get('52:54:00:aa:00:03')).toMatchObject({ node: winner.id });
  });

  it('answers bad bodies with 400 naming each field, other media types with 415, big bodies with 413', async () => {
    const missing = await h.as().post('/api/2.0/nodes').send({ identifiers: ['x'] });
    expect(missing.status).toBe(400);
    expect(errorPaths(missing.body).sort()).toEqual(['body.name', 'body.type']);
    const wrong = await h.as().post('/api/2.0/nodes').send({ name: 'n', type: 'toaster', colour: 'red' });
    expect(wrong.status).toBe(400);
    expect(errorPaths(wrong.body)).toEqual(expect.arrayContaining(['body.type', 'body.colour']));
    const emptyName = await h.as().post('/api/2.0/nodes').send({ name: '', type: 'compute' });
    expect(errorPaths(emptyName.body)).toEqual(['body.name']);
    const text = await h.as().post('/api/2.0/nodes').set('content-type', 'text/plain').send('name=n');
    expect(text.status).toBe(415);
    const huge = await h.as().post('/api/2.0/nodes').send({ name: 'n', type: 'compute', tags: Array.from({ length: 200 }, () => 'x'.repeat(250)), identifiers: ['x'.repeat(2_000_000)] });
    expect(huge.status).toBe(413);
    const garbage = await h.as().post('/api/2.0/nodes').set('content-type', 'application/json').send('{"name": "n", "type":');
    expect(garbage.status).toBe(400);
  });

  it('requires a login (401) and the Operator role (403) to create', async () => {
    expect((await h.as().post('/api/2.0/nodes').unset('x-test-role').send({ name: 'n', type: 'compute' })).status).toBe(401);
    expect((await h.as('ReadOnly').post('/api/2.0/nodes').send({ name: 'n', type: 'compute' })).status).toBe(403);
  });
});

describe('GET/PATCH /nodes/{identifier}', () => {
  it('patches fields, moves MAC claims with the identifiers, clears boot settings with null', async () => {
    const node = await createNode({ name: 'p1', type: 'compute', identifiers: ['52:54:00:aa:01:01'], bootSettings: { profile: 'redirect.ipxe', options: {} } });
    const res = await h.as('Operator').patch(`/api/2.0/nodes/${node.id}`).send({ name: 'p1-renamed', type: 'switch', identifiers: ['52:54:00:aa:01:02'], bootSettings: null, autoDiscover: 'true' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'p1-renamed', type: 'switch', identifiers: ['52:54:00:aa:01:02'], autoDiscover: true });
    expect((res.body as NodeAnswer).bootSettings).toBeUndefined();
    expect(await h.ports.documents.collection('lookups').get('52:54:00:aa:01:02')).toMatchObject({ node: node.id });
    expect(await h.ports.documents.collection('lookups').get('52:54:00:aa:01:01')).toBeUndefined();
  });

  it('answers 404 for unknown nodes and 400 naming the field for bad patches', async () => {
    expect((await h.as('ReadOnly').get('/api/2.0/nodes/5f000000000000000000dead')).status).toBe(404);
    expect((await h.as('ReadOnly').get('/api/2.0/nodes/no-such-serial')).status).toBe(404);
    expect((await h.as().patch('/api/2.0/nodes/5f000000000000000000dead').send({ name: 'x' })).status).toBe(404);
    const node = await createNode({ name: 'p2', type: 'compute' });
    const bad = await h.as().patch(`/api/2.0/nodes/${node.id}`).send({ name: '', sku: 'x' });
    expect(bad.status).toBe(400);
    expect(errorPaths(bad.body).sort()).toEqual(['body.name', 'body.sku']);
  });
});

describe('DELETE /nodes/{identifier}', () => {
  it('is refused (400) while a workflow runs, then deletes the node with its catalogs, OBMs, lookups and enclosed components', async () => {
    const chassis = await createNode({ name: 'chassis', type: 'enclosure', identifiers: ['52:54:00:aa:02:01'] });
    const blade = await createNode({ name: 'blade', type: 'compute', identifiers: ['52:54:00:aa:02:02'] });
    const pdu = await createNode({ name: 'pdu', type: 'pdu' });
    expect((await h.as().put(`/api/2.0/nodes/${chassis.id}/relations`).send({ encloses: [blade.id], poweredBy: [pdu.id] })).status).toBe(200);
    await h.ports.documents.collection('catalogs').insert({ id: `${chassis.id}-dmi`, node: chassis.id, source: 'dmi', data: {}, createdAt: new Date().toISOString() });
    await h.ports.documents.collection('catalogs').insert({ id: `${blade.id}-dmi`, node: blade.id, source: 'dmi', data: {}, createdAt: new Date().toISOString() });
    expect((await h.as().put(`/api/2.0/nodes/${blade.id}/obm`).send({ service: 'ipmi-obm-service', config: { host: '10.0.0.9', user: 'admin', password: 'pw' } })).status).toBe(201);

    const run = await h.as().post(`/api/2.0/nodes/${blade.id}/workflows?name=Graph.Test.Hold`);
    expect(run.status).toBe(201);
    const refused = await h.as().delete(`/api/2.0/nodes/${chassis.id}`);
    expect(refused.status).toBe(400);
    expect((refused.body as ErrorAnswer).message).toContain(blade.id);
    expect(await h.ports.documents.collection('nodes').get(chassis.id)).toBeDefined();

    expect((await h.as().put(`/api/2.0/nodes/${blade.id}/workflows/action`).send({ command: 'cancel' })).status).toBe(202);
    await vi.waitFor(async () => expect((await h.ports.documents.collection('nodes').get(blade.id))?.activeWorkflow).toBeUndefined());

    expect((await h.as('Operator').delete(`/api/2.0/nodes/52-54-00-aa-02-01`)).status).toBe(204);
    for (const id of [chassis.id, blade.id]) {
      expect((await h.as().get(`/api/2.0/nodes/${id}`)).status).toBe(404);
      expect(await h.ports.documents.collection('catalogs').count({ node: id })).toBe(0);
      expect(await h.ports.documents.collection('obms').count({ node: id })).toBe(0);
    }
    await vi.waitFor(async () => expect(await h.ports.documents.collection('lookups').count({ node: { $in: [chassis.id, blade.id] } })).toBe(0));
    // The link's peer stays, without its relation to the deleted node.
    expect((await h.as().get(`/api/2.0/nodes/${pdu.id}`)).body).toMatchObject({ relations: [] });
    expect((await h.as().delete(`/api/2.0/nodes/${chassis.id}`)).status).toBe(404);
  });
});

describe('a node\'s catalogs, relations and tags', () => {
  it('serves the latest catalog per source, and 404 for a source it lacks', async () => {
    const node = await createNode({ name: 'cat', type: 'compute' });
    const docs = h.ports.documents.collection('catalogs');
    await docs.insert({ id: `${node.id}-1`, node: node.id, source: 'dmi', data: { v: 1 }, createdAt: '2024-01-01T00:00:00.000Z' });
    await docs.insert({ id: `${node.id}-2`, node: node.id, source: 'dmi', data: { v: 2 }, createdAt: '2024-01-02T00:00:00.000Z' });
    await docs.insert({ id: `${node.id}-3`, node: node.id, source: 'lshw', data: { v: 3 }, createdAt: '2024-01-01T00:00:00.000Z' });
    const all = await h.as('ReadOnly').get(`/api/2.0/nodes/${node.id}/catalogs`);
    expect(all.body).toEqual([
      expect.objectContaining({ id: `${node.id}-2`, source: 'dmi', data: { v: 2 }, node: `/api/2.0/nodes/${node.id}` }),
      expect.objectContaining({ id: `${node.id}-3`, source: 'lshw' }),
    ]);
    expect((await h.as('ReadOnly').get(`/api/2.0/nodes/${node.id}/catalogs/dmi`)).body).toMatchObject({ data: { v: 2 } });
    expect((await h.as('ReadOnly').get(`/api/2.0/nodes/${node.id}/catalogs/smart`)).status).toBe(404);
    expect((await h.as('ReadOnly').get('/api/2.0/nodes/5f000000000000000000dead/catalogs')).status).toBe(404);
  });

  it('keeps both sides of a relation, and refuses unknown types, unknown targets and self-relations', async () => {
    const rack = await createNode({ name: 'rack', type: 'rack' });
    const a = await createNode({ name: 'ra', type: 'compute' });
    const b = await createNode({ name: 'rb', type: 'compute' });
    const put = await h.as().put(`/api/2.0/nodes/${rack.id}/relations`).send({ contains: [a.id, b.id] });
    expect(put.status).toBe(200);
    expect((put.body as NodeAnswer[]).map((n) => n.id)).toEqual([rack.id, a.id, b.id]);
    expect((await h.as().get(`/api/2.0/nodes/${rack.id}/relations`)).body).toEqual([{ relationType: 'contains', targets: [a.id, b.id] }]);
    expect((await h.as().get(`/api/2.0/nodes/${b.id}/relations`)).body).toEqual([{ relationType: 'containedBy', targets: [rack.id] }]);
    expect((await h.as().delete(`/api/2.0/nodes/${rack.id}/relations`).send({ contains: [b.id] })).status).toBe(204);
    expect((await h.as().get(`/api/2.0/nodes/${rack.id}/relations`)).body).toEqual([{ relationType: 'contains', targets: [a.id] }]);
    expect((await h.as().get(`/api/2.0/nodes/${b.id}/relations`)).body).toEqual([]);

    const unknownType = await h.as().put(`/api/2.0/nodes/${rack.id}/relations`).send({ hugs: [a.id] });
    expect(errorPaths(unknownType.body)).toEqual(['body.hugs']);
    const unknownTarget = await h.as().put(`/api/2.0/nodes/${rack.id}/relations`).send({ contains: [a.id, '5f000000000000000000dead'] });
    expect(unknownTarget.status).toBe(400);
    expect(errorPaths(unknownTarget.body)).toEqual(['body.contains.1']);
    expect(errorPaths((await h.as().put(`/api/2.0/nodes/${rack.id}/relations`).send({ contains: [rack.id] })).body)).toEqual(['body.contains.0']);
    expect((await h.as().put(`/api/2.0/nodes/${rack.id}/relations`).send({})).status).toBe(400);
    expect((await h.as().put('/api/2.0/nodes/5f000000000000000000dead/relations').send({ contains: [a.id] })).status).toBe(404);
  });

  it('adds and removes tags on one node and on every node', async () => {
    const a = await createNode({ name: 'ta', type: 'compute', tags: ['old'] });
    const b = await createNode({ name: 'tb', type: 'compute' });
    const patched = await h.as().patch(`/api/2.0/nodes/${a.id}/tags`).send({ tags: ['gpu', 'rack-7'] });
    expect(patched.status).toBe(200);
    expect((patched.body as NodeAnswer).tags).toEqual(['old', 'gpu', 'rack-7']);
    await h.as().patch(`/api/2.0/nodes/${b.id}/tags`).send({ tags: ['rack-7'] });
    expect((await h.as('ReadOnly').get(`/api/2.0/nodes/${a.id}/tags`)).body).toEqual(['old', 'gpu', 'rack-7']);
    expect((await h.as().delete(`/api/2.0/nodes/${a.id}/tags/gpu`)).status).toBe(204);
    expect((await h.as().get(`/api/2.0/nodes/${a.id}/tags`)).body).toEqual(['old', 'rack-7']);
    expect((await h.as().delete('/api/2.0/nodes/tags/rack-7')).status).toBe(204);
    expect((await h.as().get(`/api/2.0/nodes/${a.id}/tags`)).body).toEqual(['old']);
    expect((await h.as().get(`/api/2.0/nodes/${b.id}/tags`)).body).toEqual([]);
    expect((await h.as().delete('/api/2.0/nodes/tags/rack-7')).status).toBe(404);
    expect(errorPaths((await h.as().patch(`/api/2.0/nodes/${a.id}/tags`).send({ tags: ['a/b'] })).body)).toEqual(['body.tags.0']);
    expect((await h.as().patch(`/api/2.0/nodes/${a.id}/tags`).send({ tags: [] })).status).toBe(400);
  });
});

describe('a node\'s workflows', () => {
  it('runs a graph (201), refuses a second one (400), lists and cancels (202), then 404 when none is active', async () => {
    const node = await createNode({ name: 'wf', type: 'compute' });
    const run = await h.as('Operator').post(`/api/2.0/nodes/${node.id}/workflows`).send({ name: 'Graph.Test.Hold', options: { hold: { note: 'first' } } });
    expect(run.status).toBe(201);
    const wf = run.body as { id: string; node: string; status: string; injectableName: string; tasks: { label: string }[] };
    expect(wf).toMatchObject({ node: node.id, injectableName: 'Graph.Test.Hold', tasks: [{ label: 'hold' }] });
    expect(run.headers['location']).toBe(`/api/2.0/workflows/${wf.id}`);

    const second = await h.as().post(`/api/2.0/nodes/${node.id}/workflows?name=Graph.noop-example`);
    expect(second.status).toBe(400);
    expect((second.body as ErrorAnswer).message).toContain(wf.id);

    const listed = await h.as('ReadOnly').get(`/api/2.0/nodes/${node.id}/workflows?active=true`);
    expect((listed.body as { id: string }[]).map((w) => w.id)).toEqual([wf.id]);
    expect((await h.as('ReadOnly').get(`/api/2.0/nodes/${node.id}/workflows?active=false`)).body).toEqual([]);

    const badAction = await h.as().put(`/api/2.0/nodes/${node.id}/workflows/action`).send({ command: 'pause' });
    expect(badAction.status).toBe(400);
    expect(errorPaths(badAction.body)).toEqual(['body.command']);
    const cancelled = await h.as().put(`/api/2.0/nodes/${node.id}/workflows/action`).send({ command: 'cancel' });
    expect(cancelled.status).toBe(202);
    expect(cancelled.body).toMatchObject({ id: wf.id, status: 'cancelled' });
    await vi.waitFor(async () => expect((await h.ports.documents.collection('nodes').get(node.id))?.activeWorkflow).toBeUndefined());
    expect((await h.as().put(`/api/2.0/nodes/${node.id}/workflows/action`).send({ command: 'cancel' })).status).toBe(404);
  });

  it('answers 400 for an unknown or missing graph name and 404 for an unknown node', async () => {
    const node = await createNode({ name: 'wf2', type: 'compute' });
    const unknown = await h.as().post(`/api/2.0/nodes/${node.id}/workflows?name=Graph.Nope`);
    expect(unknown.status).toBe(400);
    expect(errorPaths(unknown.body)).toEqual(['query.name']);
    expect(errorPaths((await h.as().post(`/api/2.0/nodes/${node.id}/workflows`).send({})).body)).toEqual(['body.name']);
    expect((await h.as().post('/api/2.0/nodes/5f000000000000000000dead/workflows?name=Graph.noop-example')).status).toBe(404);
    expect((await h.as().put('/api/2.0/nodes/5f000000000000000000dead/workflows/action').send({ command: 'cancel' })).status).toBe(404);
  });
});
