/**
 * Alerts end to end on a real member against a real BMC (Debian's ipmi_sim, polled with ipmitool): an SDR
 * poller created through the API runs every second; a sensor's reading is changed on the BMC at run time
 * (ipmi_sim's console) past its SDR thresholds, and the member raises one `node.alerts` event per
 * threshold crossed, lists them at /api/2.0/alerts and /nodes/{id}/alerts, keeps them (no repeat) while
 * the reading stays inside the hysteresis band, and clears each once when the reading comes back.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../../src/actors/events/event-bus.ts';
import { startIpmiSim, type IpmiSim } from '../../../support/ipmi-sim.ts';
import { startPollerRest, type PollerHarness } from './poller-harness.ts';

let h: PollerHarness;
let sim: IpmiSim;
let node: string;
const alerts: DomainEvent[] = [];
const CPU_TEMP = 1; // sensor number in the sim's SDR: thresholds unc 80, ucr 90, unr 95 (test/support/ipmi-sim.ts)

const polls = async (n: number) => new Promise((resolve) => setTimeout(resolve, n * 1000 + 500));
const keys = (state: string) => alerts.filter((e) => e.data['state'] === state).map((e) => String(e.data['key']).split('/').slice(1).join('/'));

beforeAll(async () => {
  sim = await startIpmiSim({ poweredOn: true, password: 'Bmc-pw-alert-7', console: true });
  h = await startPollerRest();
  h.f.monorail.events.subscribe((e) => {
    if (e.type === 'node' && e.action === 'alerts') alerts.push(e);
  });
  node = ((await h.as().post('/api/2.0/nodes').send({ name: 'alert-node', type: 'compute' })).body as { id: string }).id;
  const obm = await request(h.app).put(`/api/2.0/nodes/${node}/obm`).set('x-test-role', 'Operator').send({ service: 'ipmi-obm-service', config: { host: sim.host, port: sim.port, user: sim.user, password: sim.password, cipherSuite: sim.cipherSuite } });
  expect([200, 201]).toContain(obm.status);
}, 60_000);
afterAll(async () => {
  await h?.stop();
  await sim?.stop();
});

describe('an alert raised and cleared by a sensor crossing its thresholds on a real BMC', () => {
  it('raises nothing while the readings are normal', async () => {
    const created = await h.as('Operator').post('/api/2.0/pollers').send({ type: 'ipmi', node, pollInterval: 1000, config: { command: 'sdr' } });
    expect(created.status).toBe(201);
    const poller = (created.body as { id: string }).id;
    await expect.poll(async () => (await h.as().get(`/api/2.0/pollers/${poller}/data/current`)).status, { timeout: 20_000, interval: 200 }).toBe(200);
    await polls(1);
    expect(alerts.filter((e) => e.nodeId === node)).toEqual([]);
    const list = await h.as('ReadOnly').get(`/api/2.0/nodes/${node}/alerts`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual([]);
  }, 40_000);

  it('raises one alert per threshold crossed, served by the alerts API', async () => {
    await sim.setSensorRaw(CPU_TEMP, 92);
    await expect.poll(() => keys('raised').sort(), { timeout: 15_000, interval: 200 }).toEqual(['sensor.upperCritical/CPU Temp', 'sensor.upperNonCritical/CPU Temp']);
    const critical = alerts.find((e) => e.severity === 'critical');
    expect(critical).toMatchObject({ nodeId: node, data: { state: 'raised', kind: 'threshold', details: { sensor: 'CPU Temp', reading: 92, threshold: 90 } } });
    const list = await h.as('ReadOnly').get(`/api/2.0/nodes/${node}/alerts`);
    expect(list.status).toBe(200);
    expect(list.headers['x-total-count']).toBe('2');
    expect(list.body).toEqual(expect.arrayContaining([expect.objectContaining({ id: critical?.data['alertId'], node: `/api/2.0/nodes/${node}`, severity: 'critical', kind: 'threshold', subject: 'CPU Temp' })]));
    const onlyCritical = await h.as('ReadOnly').get(`/api/2.0/alerts?node=${node}&severity=critical`);
    expect(onlyCritical.body).toMatchObject([{ id: critical?.data['alertId'], severity: 'critical' }]);
    const paged = await h.as('ReadOnly').get('/api/2.0/alerts?$top=1');
    expect(paged.body).toHaveLength(1);
    expect(paged.headers['x-total-count']).toBe('2');
  }, 30_000);

  it('keeps them without repeating while the reading stays inside the hysteresis band', async () => {
    // 89 is below the critical threshold 90 but not below 90 − 2 % (88.2): still critical.
    await sim.setSensorRaw(CPU_TEMP, 89);
    await polls(3);
    expect(keys('raised')).toHaveLength(2);
    expect(keys('cleared')).toEqual([]);
  }, 30_000);

  it('clears each once when the reading comes back past its threshold minus hysteresis', async () => {
    await sim.setSensorRaw(CPU_TEMP, 85);
    await expect.poll(() => keys('cleared'), { timeout: 15_000, interval: 200 }).toEqual(['sensor.upperCritical/CPU Temp']);
    expect((await h.as().get(`/api/2.0/nodes/${node}/alerts`)).body).toMatchObject([{ severity: 'warning' }]);
    await sim.setSensorRaw(CPU_TEMP, 45);
    await expect.poll(() => keys('cleared'), { timeout: 15_000, interval: 200 }).toEqual(['sensor.upperCritical/CPU Temp', 'sensor.upperNonCritical/CPU Temp']);
    await polls(2);
    expect(alerts).toHaveLength(4);
    expect((await h.as().get('/api/2.0/alerts')).body).toEqual([]);
  }, 40_000);

  it('answers malformed queries with 400 and an unknown node with 404', async () => {
    const bad = await h.as().get('/api/2.0/alerts?severity=fatal');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/severity/);
    expect((await h.as().get('/api/2.0/alerts?$top=-1')).status).toBe(400);
    expect((await h.as().get('/api/2.0/alerts?node=')).status).toBe(400);
    expect((await h.as().get('/api/2.0/nodes/no-such-node/alerts')).status).toBe(404);
    expect((await h.as().get(`/api/2.0/nodes/${node}/alerts?severity[]=x`)).status).toBe(400);
  });
});
