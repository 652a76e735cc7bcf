/**
 * RackHD 2.0 SKUs and tags on a real member: rules validated (the bad field named), creating or changing a SKU
 * re-matches every catalogued node through Graph.GenerateSku (a busy node is skipped and named), tags defined
 * by rules are added by Graph.GenerateTags, and a graph runs on every node carrying a tag with a per-node report.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { errorPaths, holdGraph, startRest, type RestHarness } from './rest-harness.ts';

let h: RestHarness;
const ids: Record<'dell' | 'busy' | 'hpe' | 'bare', string> = { dell: '', busy: '', hpe: '', bare: '' };

const dmi = (manufacturer: string) => ({ 'System Information': { Manufacturer: manufacturer, 'Product Name': manufacturer === 'HPE' ? 'DL360' : 'R640' } });
/** Matching runs are workflows: a node still running the last one is skipped by the next (by design), so tests wait them out. */
const matchingDone = async () =>
  vi.waitFor(async () => expect(await h.ports.documents.collection('workflows').count({ injectableName: { $in: ['Graph.GenerateSku', 'Graph.GenerateTags'] }, status: { $in: ['pending', 'running'] } })).toBe(0));
const nodeSku = async (id: string) => (await h.ports.documents.collection('nodes').get(id))?.sku;

beforeAll(async () => {
  h = await startRest();
  expect((await h.as().put('/api/2.0/workflows/graphs').send(holdGraph)).status).toBe(201);
  for (const [key, manufacturer] of [['dell', 'Dell Inc.'], ['busy', 'Dell Inc.'], ['hpe', 'HPE'], ['bare', '']] as const) {
    ids[key] = ((await h.as().post('/api/2.0/nodes').send({ name: key, type: 'compute' })).body as { id: string }).id;
    if (manufacturer !== '') await h.ports.documents.collection('catalogs').insert({ id: `${key}-dmi`, node: ids[key], source: 'dmi', data: dmi(manufacturer), createdAt: new Date().toISOString() });
  }
  expect((await h.as().post(`/api/2.0/nodes/${ids.busy}/workflows?name=Graph.Test.Hold`)).status).toBe(201);
});
afterAll(async () => {
  await h.stop();
});

const dellRules = [{ path: 'dmi.System Information.Manufacturer', contains: 'Dell' }];

describe('/skus', () => {
  let sku = '';

  it('creates a SKU (201) and matches every catalogued node, skipping and naming the busy one', async () => {
    const res = await h.as('Operator').post('/api/2.0/skus').send({ name: 'dell-r640', rules: dellRules, discoveryGraphName: 'Graph.noop-example', skuConfig: { bios: 'v2' } });
    expect(res.status).toBe(201);
    const body = res.body as { id: string; name: string; matching: { graph: string; started: number; skipped: number; skippedNodes: { node: string; reason: string }[] } };
    sku = body.id;
    expect(body).toMatchObject({ name: 'dell-r640', rules: dellRules, skuConfig: { bios: 'v2' } });
    expect(body.matching).toMatchObject({ graph: 'Graph.GenerateSku', started: 2, skipped: 1 });
    expect(body.matching.skippedNodes).toEqual([{ node: ids.busy, reason: expect.stringContaining('active workflow') as string }]);
    await vi.waitFor(async () => expect(await nodeSku(ids.dell)).toBe(sku));
    await vi.waitFor(async () => expect((await h.ports.documents.collection('workflows').count({ injectableName: 'Graph.GenerateSku', status: 'succeeded' }))).toBe(2));
    expect(await nodeSku(ids.hpe)).toBeNull();
    expect(await nodeSku(ids.busy)).toBeNull();
    expect(await nodeSku(ids.bare)).toBeNull();
    expect((await h.as().get(`/api/2.0/nodes/${ids.dell}`)).body).toMatchObject({ sku: `/api/2.0/skus/${sku}` });
    const members = await h.as('ReadOnly').get(`/api/2.0/skus/${sku}/nodes`);
    expect((members.body as { id: string }[]).map((n) => n.id)).toEqual([ids.dell]);
    expect(members.headers['x-total-count']).toBe('1');
  });

  it('refuses a taken name (409), bad rules (400 naming the rule) and unknown graphs', async () => {
    expect((await h.as().post('/api/2.0/skus').send({ name: 'dell-r640', rules: dellRules })).status).toBe(409);
    const bad = await h.as().post('/api/2.0/skus').send({ name: 'x', rules: [{ path: 'dmi.a', equls: 'b' }] });
    expect(bad.status).toBe(400);
    expect(errorPaths(bad.body)).toEqual(['body.rules[0].equls']);
    expect(errorPaths((await h.as().post('/api/2.0/skus').send({ name: 'x', rules: [{ path: 'dmi.a', regex: '(' }] })).body)).toEqual(['body.rules[0].regex']);
    expect(errorPaths((await h.as().post('/api/2.0/skus').send({ name: 'x', rules: [] })).body)).toEqual(['body.rules']);
    expect(errorPaths((await h.as().post('/api/2.0/skus').send({ name: 'x', rules: dellRules, discoveryGraphName: 'Graph.Nope' })).body)).toEqual(['body.discoveryGraphName']);
    expect(errorPaths((await h.as().post('/api/2.0/skus').send({ rules: dellRules })).body)).toEqual(['body.name']);
  });

  it('reads by id or name, upserts by name with PUT, patches, and refuses a rename onto another SKU', async () => {
    expect((await h.as('ReadOnly').get('/api/2.0/skus/dell-r640')).body).toMatchObject({ id: sku });
    expect((await h.as('ReadOnly').get('/api/2.0/skus/5f000000000000000000dead')).status).toBe(404);
    const put = await h.as().put('/api/2.0/skus').send({ name: 'dell-r640', rules: [{ path: 'dmi.System Information.Product Name', equals: 'R640' }] });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ id: sku, rules: [{ equals: 'R640' }] });
    await matchingDone();
    const other = await h.as().put('/api/2.0/skus').send({ name: 'hpe', rules: [{ path: 'dmi.System Information.Manufacturer', equals: 'HPE' }] });
    expect(other.status).toBe(201);
    const otherId = (other.body as { id: string }).id;
    await vi.waitFor(async () => expect(await nodeSku(ids.hpe)).toBe(otherId));
    await matchingDone();
    expect((await h.as().patch(`/api/2.0/skus/${otherId}`).send({ name: 'dell-r640' })).status).toBe(409);
    const patched = await h.as().patch(`/api/2.0/skus/${otherId}`).send({ skuConfig: { raid: 'r1' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'hpe', skuConfig: { raid: 'r1' }, matching: { graph: 'Graph.GenerateSku' } });
    expect(errorPaths((await h.as().patch(`/api/2.0/skus/${otherId}`).send({ rules: [{ path: '' , equals: 1 }] })).body)).toEqual(['body.rules.0.path']);
    const list = await h.as('ReadOnly').get('/api/2.0/skus?$top=1');
    expect(list.headers['x-total-count']).toBe('2');
    expect(list.headers['link']).toContain('rel="next"');
    expect((await h.as('ReadOnly').get('/api/2.0/skus?name=hpe')).body).toMatchObject([{ id: otherId }]);
  });

  it('deletes a SKU (204) and clears it from its nodes', async () => {
    await matchingDone();
    await vi.waitFor(async () => expect(await nodeSku(ids.dell)).toBe(sku));
    expect((await h.as('Operator').delete(`/api/2.0/skus/${sku}`)).status).toBe(204);
    expect(await nodeSku(ids.dell)).toBeNull();
    expect((await h.as().get(`/api/2.0/skus/${sku}`)).status).toBe(404);
    expect((await h.as().delete(`/api/2.0/skus/${sku}`)).status).toBe(404);
    expect((await h.as().get(`/api/2.0/skus/${sku}/nodes`)).status).toBe(404);
  });
});

describe('/tags', () => {
  it('defines a tag (201) whose rules tag the matching nodes, and refuses duplicates (409) and bad rules (400)', async () => {
    await matchingDone();
    const res = await h.as('Operator').post('/api/2.0/tags').send({ name: 'vendor-hpe', rules: [{ path: 'dmi.System Information.Manufacturer', equals: 'HPE' }] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'vendor-hpe', matching: { graph: 'Graph.GenerateTags', skipped: 1 } });
    await vi.waitFor(async () => expect((await h.as().get(`/api/2.0/nodes/${ids.hpe}/tags`)).body).toEqual(['vendor-hpe']));
    expect((await h.as().get(`/api/2.0/nodes/${ids.dell}/tags`)).body).toEqual([]);
    expect((await h.as().post('/api/2.0/tags').send({ name: 'vendor-hpe', rules: [{ path: 'dmi.x', equals: 'y' }] })).status).toBe(409);
    expect(errorPaths((await h.as().post('/api/2.0/tags').send({ name: 'bad', rules: [{ path: 'dmi.x', min: 'lots' }] })).body)).toEqual(['body.rules[0].min']);
    expect(errorPaths((await h.as().post('/api/2.0/tags').send({ name: 'a/b', rules: [{ path: 'dmi.x', equals: 'y' }] })).body)).toEqual(['body.name']);
  });

  it('lists, reads, and lists the nodes of a tag; 404 for an unknown one', async () => {
    expect((await h.as('ReadOnly').get('/api/2.0/tags')).body).toMatchObject([{ name: 'vendor-hpe' }]);
    expect((await h.as('ReadOnly').get('/api/2.0/tags/vendor-hpe')).body).toMatchObject({ rules: [{ equals: 'HPE' }] });
    await vi.waitFor(async () => expect(((await h.as('ReadOnly').get('/api/2.0/tags/vendor-hpe/nodes')).body as { id: string }[]).map((n) => n.id)).toEqual([ids.hpe]));
    expect((await h.as('ReadOnly').get('/api/2.0/tags/nope')).status).toBe(404);
    expect((await h.as('ReadOnly').get('/api/2.0/tags/nope/nodes')).status).toBe(404);
  });

  it('runs a graph on every node carrying a tag (202) and reports which accepted and which were busy', async () => {
    await h.as().patch(`/api/2.0/nodes/${ids.busy}/tags`).send({ tags: ['vendor-hpe'] });
    await vi.waitFor(async () => expect((await h.ports.documents.collection('nodes').get(ids.hpe))?.activeWorkflow).toBeUndefined());
    const res = await h.as('Operator').post('/api/2.0/tags/vendor-hpe/nodes/workflows').send({ name: 'Graph.noop-example' });
    expect(res.status).toBe(202);
    const report = res.body as { accepted: { node: string; workflow: string }[]; refused: { node: string; status: number; message: string }[] };
    expect(report.accepted.map((a) => a.node)).toEqual([ids.hpe]);
    expect(report.refused).toEqual([{ node: ids.busy, status: 400, message: expect.stringContaining('active workflow') as string }]);
    expect((await h.as().post('/api/2.0/tags/vendor-hpe/nodes/workflows?name=Graph.Nope')).status).toBe(400);
    expect((await h.as().post('/api/2.0/tags/no-such-tag/nodes/workflows?name=Graph.noop-example')).status).toBe(404);
  });

  it('deletes a tag (204) and takes it off every node', async () => {
    expect((await h.as('Operator').delete('/api/2.0/tags/vendor-hpe')).status).toBe(204);
    expect((await h.as().get(`/api/2.0/nodes/${ids.hpe}/tags`)).body).toEqual([]);
    expect((await h.as().get(`/api/2.0/nodes/${ids.busy}/tags`)).body).toEqual([]);
    expect((await h.as().get('/api/2.0/tags/vendor-hpe')).status).toBe(404);
    expect((await h.as().delete('/api/2.0/tags/vendor-hpe')).status).toBe(404);
  });
});
