/**
 * RackHD 2.0 catalogs and lookups APIs on a real member: paged catalog lists with filters and RFC 8288 Link
 * headers, lookups bound through their entities (a duplicate MAC is RackHD's 400), moved, re-addressed and
 * deleted, with every documented error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorPaths, startRest, type RestHarness } from './rest-harness.ts';

let h: RestHarness;
let nodeA: string;
let nodeB: string;
beforeAll(async () => {
  h = await startRest();
  nodeA = ((await h.as().post('/api/2.0/nodes').send({ name: 'a', type: 'compute' })).body as { id: string }).id;
  nodeB = ((await h.as().post('/api/2.0/nodes').send({ name: 'b', type: 'compute' })).body as { id: string }).id;
  const catalogs = h.ports.documents.collection('catalogs');
  for (let i = 0; i < 12; i++) {
    await catalogs.insert({ id: `cat-${String(i).padStart(2, '0')}`, node: i % 2 === 0 ? nodeA : nodeB, source: i % 3 === 0 ? 'dmi' : 'lshw', data: { i }, createdAt: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString() });
  }
});
afterAll(async () => {
  await h.stop();
});

describe('/catalogs', () => {
  it('pages with Link headers and filters by node and source', async () => {
    const page = await h.as('ReadOnly').get('/api/2.0/catalogs?$skip=5&$top=5');
    expect(page.status).toBe(200);
    expect((page.body as { id: string }[]).map((c) => c.id)).toEqual(['cat-05', 'cat-06', 'cat-07', 'cat-08', 'cat-09']);
    expect(page.headers['x-total-count']).toBe('12');
    expect(page.headers['link']).toContain('rel="next"');
    expect(page.headers['link']).toContain('</api/2.0/catalogs?%24skip=10&%24top=5>; rel="last"');
    const filtered = await h.as('ReadOnly').get(`/api/2.0/catalogs?node=${nodeA}&source=dmi`);
    expect((filtered.body as { id: string; node: string }[]).map((c) => [c.id, c.node])).toEqual([
      ['cat-00', `/api/2.0/nodes/${nodeA}`],
      ['cat-06', `/api/2.0/nodes/${nodeA}`],
    ]);
    expect((await h.as('ReadOnly').get('/api/2.0/catalogs?colour=red')).status).toBe(400);
    expect(errorPaths((await h.as('ReadOnly').get('/api/2.0/catalogs?$top=5000')).body)).toEqual(['query.$top']);
  });

  it('serves one catalog and 404 for an unknown id', async () => {
    expect((await h.as('ReadOnly').get('/api/2.0/catalogs/cat-03')).body).toMatchObject({ id: 'cat-03', source: 'dmi', data: { i: 3 } });
    expect((await h.as('ReadOnly').get('/api/2.0/catalogs/nope')).status).toBe(404);
    expect((await h.as().get('/api/2.0/catalogs').unset('x-test-role')).status).toBe(401);
  });
});

describe('/lookups', () => {
  it('creates a lookup (201) through its entity, and refuses a second one for the MAC (400)', async () => {
    const res = await h.as('Operator').post('/api/2.0/lookups').send({ macAddress: '52:54:00:BB:00:01', node: nodeA, ipAddress: '10.1.0.5' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: '52:54:00:bb:00:01', macAddress: '52:54:00:bb:00:01', node: nodeA, ipAddress: '10.1.0.5' });
    expect(res.headers['location']).toBe('/api/2.0/lookups/52:54:00:bb:00:01');
    expect((await h.f.monorail.directory.resolveMac('52:54:00:bb:00:01')).nodeId).toBe(nodeA);
    expect((await h.as().get('/api/2.0/nodes/52:54:00:bb:00:01')).body).toMatchObject({ id: nodeA });
    const again = await h.as().post('/api/2.0/lookups').send({ macAddress: '52-54-00-bb-00-01', node: nodeB });
    expect(again.status).toBe(400);
    expect(errorPaths(again.body)).toEqual(['body.macAddress']);
  });

  it('answers 400 naming the field for bad MACs, IPs and unknown nodes', async () => {
    const bad = await h.as().post('/api/2.0/lookups').send({ macAddress: 'not-a-mac', node: nodeA, ipAddress: '300.1.1.1' });
    expect(errorPaths(bad.body).sort()).toEqual(['body.ipAddress', 'body.macAddress']);
    expect(errorPaths((await h.as().post('/api/2.0/lookups').send({ macAddress: '52:54:00:bb:00:09', node: '5f000000000000000000dead' })).body)).toEqual(['body.node']);
    expect(errorPaths((await h.as().post('/api/2.0/lookups').send({ macAddress: '52:54:00:bb:00:09' })).body)).toEqual(['body.node']);
  });

  it('finds lookups by q= (MAC in any notation, IP or node), reads, patches and deletes them', async () => {
    await h.as().post('/api/2.0/lookups').send({ macAddress: '52:54:00:bb:00:02', node: nodeB });
    const byMac = await h.as('ReadOnly').get('/api/2.0/lookups?q=5254.00bb.0001');
    expect((byMac.body as { id: string }[]).map((l) => l.id)).toEqual(['52:54:00:bb:00:01']);
    expect((await h.as('ReadOnly').get('/api/2.0/lookups?q=10.1.0.5')).body).toMatchObject([{ id: '52:54:00:bb:00:01' }]);
    expect((await h.as('ReadOnly').get(`/api/2.0/lookups?q=${nodeB}`)).body).toMatchObject([{ id: '52:54:00:bb:00:02' }]);
    expect((await h.as('ReadOnly').get('/api/2.0/lookups')).headers['x-total-count']).toBe('2');

    const moved = await h.as().patch('/api/2.0/lookups/52-54-00-bb-00-01').send({ node: nodeB, ipAddress: '10.1.0.6' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ node: nodeB, ipAddress: '10.1.0.6' });
    expect((await h.f.monorail.directory.resolveMac('52:54:00:bb:00:01')).nodeId).toBe(nodeB);
    expect((await h.as().get('/api/2.0/nodes/52:54:00:bb:00:01')).body).toMatchObject({ id: nodeB });
    expect(errorPaths((await h.as().patch('/api/2.0/lookups/52:54:00:bb:00:01').send({ macAddress: '52:54:00:bb:00:03' })).body)).toEqual(['body.macAddress']);
    expect((await h.as().patch('/api/2.0/lookups/52:54:00:bb:00:07').send({ ipAddress: '10.1.0.7' })).status).toBe(404);

    expect((await h.as('ReadOnly').get('/api/2.0/lookups/52:54:00:bb:00:02')).body).toMatchObject({ node: nodeB });
    expect((await h.as('Operator').delete('/api/2.0/lookups/52:54:00:bb:00:02')).status).toBe(204);
    expect((await h.as('ReadOnly').get('/api/2.0/lookups/52:54:00:bb:00:02')).status).toBe(404);
    expect((await h.as().delete('/api/2.0/lookups/52:54:00:bb:00:02')).status).toBe(404);
    expect((await h.as('ReadOnly').get('/api/2.0/lookups/garbage')).status).toBe(404);
    expect((await h.as('ReadOnly').delete('/api/2.0/lookups/52:54:00:bb:00:01')).status).toBe(403);
  });
});
