/**
 * RackHD's pollers API on a real member, black-box over HTTP: library, create (type mapped to name, 201,
 * Location), list and filter, get, pause/resume and interval through PATCH, data (204 until the first
 * poll), a node's pollers, delete (204), and every bad body and unknown id answered with a clear 4xx.
 * Default pollers appear when RackHD's `node.obms.assigned` event reaches the member's bus. Secrets in a
 * poller config are never answered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorPaths } from './rest-harness.ts';
import { startPollerRest, type PollerHarness } from './poller-harness.ts';

const SECRET = 'poller-secret-pw-1';
let h: PollerHarness;
let node: string;
const answers: string[] = [];
const keep = <T extends { text: string }>(res: T): T => {
  answers.push(res.text);
  return res;
};

beforeAll(async () => {
  h = await startPollerRest();
  node = ((await h.as().post('/api/2.0/nodes').send({ name: 'polled', type: 'compute', identifiers: ['52:54:00:dd:00:01'] })).body as { id: string }).id;
});
afterAll(async () => {
  for (const text of answers) expect(text).not.toContain(SECRET);
  await h.stop();
});

const ipmiBody = (extra: Record<string, unknown> = {}) => ({ type: 'ipmi', node, pollInterval: 60_000, paused: true, config: { command: 'sdr', host: '10.9.9.9', user: 'admin', password: SECRET }, ...extra });

describe('/pollers', () => {
  it('serves the library and one entry of it; an unknown entry is 404', async () => {
    const lib = await h.as('ReadOnly').get('/api/2.0/pollers/library');
    expect(lib.status).toBe(200);
    expect((lib.body as { name: string }[]).map((l) => l.name)).toEqual(['ipmi', 'snmp', 'redfish']);
    const ipmi = await h.as('ReadOnly').get('/api/current/pollers/library/ipmi');
    expect(ipmi.status).toBe(200);
    expect(ipmi.body).toMatchObject({ name: 'ipmi', commands: ['sdr', 'sel', 'chassis', 'power'] });
    expect((await h.as().get('/api/2.0/pollers/library/wsman')).status).toBe(404);
  });

  it('creates, lists, filters, reads, patches and deletes a poller with RackHD\'s status codes', async () => {
    const created = keep(await h.as('Operator').post('/api/2.0/pollers').send(ipmiBody()));
    expect(created.status).toBe(201);
    const p = created.body as { id: string };
    expect(created.headers['location']).toBe(`/api/2.0/pollers/${p.id}`);
    expect(created.body).toMatchObject({ type: 'ipmi', name: 'Pollers.IPMI', node: `/api/2.0/nodes/${node}`, pollInterval: 60_000, paused: true, failureCount: 0, lastStarted: null, lastFinished: null, config: { command: 'sdr', host: '10.9.9.9', password: '[redacted]' } });

    const list = keep(await h.as('ReadOnly').get(`/api/2.0/pollers?node=${node}`));
    expect(list.status).toBe(200);
    expect((list.body as { id: string }[]).map((x) => x.id)).toEqual([p.id]);
    expect(list.headers['x-total-count']).toBe('1');
    expect(((await h.as().get('/api/2.0/pollers?type=snmp')).body as unknown[]).length).toBe(0);
    expect(((await h.as().get('/api/2.0/pollers?type=ipmi&paused=true')).body as unknown[]).length).toBe(1);
    expect(keep(await h.as('ReadOnly').get(`/api/2.0/pollers/${p.id}`)).body).toMatchObject({ id: p.id, paused: true });
    expect(keep(await h.as('ReadOnly').get('/api/2.0/nodes/52:54:00:dd:00:01/pollers')).body).toMatchObject([{ id: p.id }]);

    const patched = keep(await h.as('Operator').patch(`/api/2.0/pollers/${p.id}`).send({ pollInterval: 120_000 }));
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ pollInterval: 120_000, paused: true });
    expect((await h.as().get(`/api/2.0/pollers/${p.id}/data`)).status).toBe(204);
    expect((await h.as().get(`/api/2.0/pollers/${p.id}/data/current`)).status).toBe(204);

    expect((await h.as('Operator').delete(`/api/2.0/pollers/${p.id}`)).status).toBe(204);
    expect((await h.as().get(`/api/2.0/pollers/${p.id}`)).status).toBe(404);
    expect((await h.as('Operator').delete(`/api/2.0/pollers/${p.id}`)).status).toBe(404);
    expect(((await h.as().get(`/api/2.0/nodes/${node}/pollers`)).body as unknown[]).length).toBe(0);
  });

  it('answers bad bodies with 400 naming the field, unknown ids and nodes with 404, low roles with 403', async () => {
    const bad = async (body: unknown) => {
      const res = keep(await h.as().post('/api/2.0/pollers').send(body as object));
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      return errorPaths(res.body).join(',');
    };
    expect(await bad({ ...ipmiBody(), pollInterval: undefined })).toContain('pollInterval');
    expect(await bad(ipmiBody({ pollInterval: 10 }))).toContain('pollInterval');
    expect(await bad(ipmiBody({ type: 'wsman' }))).toContain('type');
    expect(await bad(ipmiBody({ type: undefined }))).toContain('body.type');
    expect(await bad(ipmiBody({ config: { command: 'reboot', host: 'x' } }))).toContain('body.config.command');
    expect(await bad(ipmiBody({ config: { host: 'x' } }))).toContain('command');
    expect(await bad(ipmiBody({ color: 'red' }))).toContain('color');
    expect(await bad({ type: 'snmp', pollInterval: 60_000, config: { command: 'walk', host: '10.0.0.1', oids: ['1.3.6.1.2.1.1'], version: '3' } })).toContain('body.config.version');
    expect(await bad({ type: 'redfish', pollInterval: 60_000, config: { command: 'chassis.thermal' } })).toContain('body.config.uri');
    expect(await bad(ipmiBody({ type: 'snmp', name: 'Pollers.IPMI' }))).toContain('body.name');
    const text = await h.as().post('/api/2.0/pollers').set('Content-Type', 'text/plain').send('type=ipmi');
    expect(text.status).toBeGreaterThanOrEqual(400);
    expect(text.status).toBeLessThan(500);
    expect((await h.as().post('/api/2.0/pollers').set('Content-Type', 'application/json').send('{"type":')).status).toBe(400);

    expect((await h.as().post('/api/2.0/pollers').send(ipmiBody({ node: 'no-such-node' }))).status).toBe(404);
    expect((await h.as().get('/api/2.0/pollers/no-such-poller')).status).toBe(404);
    expect((await h.as().get('/api/2.0/pollers/no-such-poller/data')).status).toBe(404);
    expect((await h.as().get('/api/2.0/pollers/no-such-poller/data/current')).status).toBe(404);
    expect((await h.as().patch('/api/2.0/pollers/no-such-poller').send({ paused: true })).status).toBe(404);
    expect((await h.as().get('/api/2.0/nodes/no-such-node/pollers')).status).toBe(404);
    expect((await h.as('ReadOnly').post('/api/2.0/pollers').send(ipmiBody())).status).toBe(403);
    expect((await h.as('ReadOnly').patch('/api/2.0/pollers/x').send({ paused: true })).status).toBe(403);

    const p = (keep(await h.as().post('/api/2.0/pollers').send(ipmiBody())).body as { id: string }).id;
    const badPatch = keep(await h.as().patch(`/api/2.0/pollers/${p}`).send({ pollInterval: 'often' }));
    expect(badPatch.status).toBe(400);
    expect(errorPaths(badPatch.body).join(',')).toContain('pollInterval');
    const badConfig = keep(await h.as().patch(`/api/2.0/pollers/${p}`).send({ config: { command: 'walk' } }));
    expect(badConfig.status).toBe(400);
    expect(errorPaths(badConfig.body)).toEqual(['body.config.command']);
    expect((await h.as().patch(`/api/2.0/pollers/${p}`).send({ node: 'x' })).status).toBe(400);
    await h.as().delete(`/api/2.0/pollers/${p}`);
  });

  it('creates a node\'s default IPMI pollers (sdr, sel, chassis) once when RackHD\'s node.obms.assigned event arrives', async () => {
    const other = ((await h.as().post('/api/2.0/nodes').send({ name: 'bmc-node', type: 'compute' })).body as { id: string }).id;
    const event = { version: '1.0' as const, type: 'node', action: 'obms.assigned', severity: 'information' as const, typeId: other, nodeId: other, createdAt: new Date().toISOString(), data: { service: 'ipmi-obm-service', host: '10.1.1.1' } };
    h.f.monorail.events.publish(event);
    h.f.monorail.events.publish(event);
    const commands = async () => ((await h.as().get(`/api/2.0/nodes/${other}/pollers`)).body as { config: { command: string }; pollInterval: number; name: string }[]).map((p) => p.config.command).sort();
    await expect.poll(commands, { timeout: 5000 }).toEqual(['chassis', 'sdr', 'sel']);
    // The node has no OBM record yet: its pollers fail, counting, with the reason.
    await expect.poll(async () => ((await h.as().get(`/api/2.0/nodes/${other}/pollers`)).body as { failureCount: number }[]).every((p) => p.failureCount >= 1), { timeout: 5000 }).toBe(true);
    const first = ((await h.as().get(`/api/2.0/nodes/${other}/pollers`)).body as { lastError: string; pollInterval: number; name: string }[])[0];
    expect(first).toMatchObject({ name: 'Pollers.IPMI', pollInterval: 60_000, lastError: expect.stringMatching(/ipmi-obm-service settings of node .* not found/) as unknown });
  });
});
