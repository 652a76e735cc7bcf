/**
 * `POST /api/2.0/obms/led` on a real member against a simulated Redfish BMC (src/sim/redfish-bmc.ts, a real
 * HTTP server): the route runs Graph.Obm.Identify, whose OBM task opens the node's sealed Redfish settings
 * and PATCHes the System's LocationIndicatorActive (or the deprecated IndicatorLED) — the LED is lit, then
 * turned off. Errors: no body fields, unknown node, a node without OBM settings, a busy node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedfishBmc } from '../../../../src/sim/redfish-bmc.ts';
import { errorPaths, holdGraph, startRest, type RestHarness } from './rest-harness.ts';

const PASSWORD = 'Led-Pa55word-secret';
let h: RestHarness;
const bmcs: RedfishBmc[] = [];
beforeAll(async () => {
  h = await startRest();
});
afterAll(async () => {
  for (const b of bmcs) await b.close();
  await h.stop();
});

async function nodeWithBmc(name: string, identify: 'LocationIndicatorActive' | 'IndicatorLED'): Promise<{ node: string; bmc: RedfishBmc }> {
  const bmc = await RedfishBmc.start({ password: PASSWORD, identify });
  bmcs.push(bmc);
  const node = ((await h.as().post('/api/2.0/nodes').send({ name, type: 'compute' })).body as { id: string }).id;
  const put = await h.as().put(`/api/2.0/nodes/${node}/obm`).send({ service: 'redfish-obm-service', config: { uri: bmc.url, username: 'admin', password: PASSWORD } });
  expect(put.status).toBe(201);
  return { node, bmc };
}

async function finished(id: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const wf = (await h.as().get(`/api/2.0/workflows/${id}`)).body as { status: string };
    if (!['pending', 'running'].includes(wf.status)) return wf.status;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`workflow ${id} did not finish`);
}

describe('POST /obms/led', () => {
  it.each(['LocationIndicatorActive', 'IndicatorLED'] as const)('lights and darkens the identify LED through a Redfish BMC (%s)', async (identify) => {
    const { node, bmc } = await nodeWithBmc(`led-${identify}`, identify);
    expect(bmc.identifyLit).toBe(false);
    const on = await h.as('Operator').post('/api/2.0/obms/led').send({ nodeId: node, value: true });
    expect(on.status).toBe(201);
    const body = on.body as { node: string; value: boolean; workflow: string; graph: string };
    expect(body).toMatchObject({ node, value: true, graph: 'Graph.Obm.Identify' });
    expect(on.headers['location']).toBe(`/api/2.0/workflows/${body.workflow}`);
    expect(await finished(body.workflow)).toBe('succeeded');
    expect(bmc.identifyLit).toBe(true);

    // RackHD documented the field as `enable`; both are taken.
    const off = await h.as('Operator').post('/api/2.0/obms/led').send({ nodeId: node, enable: false });
    expect(off.status).toBe(201);
    expect(await finished((off.body as { workflow: string }).workflow)).toBe('succeeded');
    expect(bmc.identifyLit).toBe(false);
    expect(JSON.stringify(on.body) + JSON.stringify(off.body)).not.toContain(PASSWORD);
  });

  it('refuses bad bodies, unknown nodes, nodes without OBM settings and busy nodes', async () => {
    const missing = await h.as().post('/api/2.0/obms/led').send({ value: true });
    expect(missing.status).toBe(400);
    expect(errorPaths(missing.body)).toContain('body.nodeId');
    const wrongType = await h.as().post('/api/2.0/obms/led').send({ nodeId: 'x', value: 'yes' });
    expect(wrongType.status).toBe(400);
    expect(errorPaths(wrongType.body)).toContain('body.value');
    const unknownField = await h.as().post('/api/2.0/obms/led').send({ nodeId: 'x', value: true, blink: 3 });
    expect(errorPaths(unknownField.body)).toContain('body.blink');
    const disagree = await h.as().post('/api/2.0/obms/led').send({ nodeId: 'x', value: true, enable: false });
    expect(disagree.status).toBe(400);
    expect(errorPaths(disagree.body)).toContain('body.enable');
    expect((await h.as().post('/api/2.0/obms/led').set('content-type', 'text/plain').send('on')).status).toBe(415);
    expect((await h.as().post('/api/2.0/obms/led').send({ nodeId: 'ffffffffffffffffffffffff', value: true })).status).toBe(404);

    const bare = ((await h.as().post('/api/2.0/nodes').send({ name: 'no-bmc', type: 'compute' })).body as { id: string }).id;
    const noObm = await h.as().post('/api/2.0/obms/led').send({ nodeId: bare, value: true });
    expect(noObm.status).toBe(404);
    expect((noObm.body as { message: string }).message).toMatch(/OBM/);

    const { node } = await nodeWithBmc('led-busy', 'LocationIndicatorActive');
    expect((await h.as().put('/api/2.0/workflows/graphs').send(holdGraph)).status).toBe(201);
    const hold = await h.as().post(`/api/2.0/nodes/${node}/workflows`).send({ name: holdGraph.injectableName });
    expect(hold.status).toBe(201);
    const busy = await h.as().post('/api/2.0/obms/led').send({ nodeId: node, value: true });
    expect(busy.status).toBe(400);
    expect((await h.as().put(`/api/2.0/nodes/${node}/workflows/action`).send({ command: 'cancel' })).status).toBe(202);
  });

  it('needs the Operator role', async () => {
    expect((await h.as('ReadOnly').post('/api/2.0/obms/led').send({ nodeId: 'x', value: true })).status).toBe(403);
    expect((await h.as().post('/api/2.0/obms/led').unset('x-test-role').send({ nodeId: 'x', value: true })).status).toBe(401);
  });
});
