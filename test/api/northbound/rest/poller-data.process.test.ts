/**
 * Pollers end to end on a real member against a real BMC (Debian's ipmi_sim, polled with ipmitool): a
 * poller created through the API with the node's sealed OBM settings collects the SDR; its samples are
 * served by `/pollers/{id}/data[/current]`, and the member's Redfish Chassis Thermal and Power show the
 * BMC's readings and thresholds, valid against the DMTF schemas.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRedfishSchemas } from '../../../../src/api/redfish/json-schema-validator.ts';
import { startIpmiSim, type IpmiSim } from '../../../support/ipmi-sim.ts';
import { startPollerRest, type PollerHarness } from './poller-harness.ts';

let h: PollerHarness;
let sim: IpmiSim;
let node: string;
let poller: string;
let bearer = '';

beforeAll(async () => {
  sim = await startIpmiSim({ poweredOn: true, password: 'Bmc-pw-poll-9' });
  h = await startPollerRest();
  await h.f.monorail.api?.auth.users.create({ username: 'chassis-reader', password: 'Reader-pw-123456', role: 'ReadOnly' });
  node = ((await h.as().post('/api/2.0/nodes').send({ name: 'sim-node', type: 'compute' })).body as { id: string }).id;
  const put = await request(h.app).put(`/api/2.0/nodes/${node}/obm`).set('x-test-role', 'Operator').send({ service: 'ipmi-obm-service', config: { host: sim.host, port: sim.port, user: sim.user, password: sim.password, cipherSuite: sim.cipherSuite } });
  expect(put.status).toBe(201);
}, 60_000);
afterAll(async () => {
  await h?.stop();
  await sim?.stop();
});

describe('an SDR poller of a real BMC through the API and the Redfish Chassis', () => {
  it('collects the SDR and serves it as data, newest first, paged', async () => {
    const created = await h.as('Operator').post('/api/2.0/pollers').send({ type: 'ipmi', node, pollInterval: 60_000, config: { command: 'sdr' } });
    expect(created.status).toBe(201);
    poller = (created.body as { id: string }).id;
    await expect.poll(async () => (await h.as().get(`/api/2.0/pollers/${poller}/data/current`)).status, { timeout: 20_000, interval: 200 }).toBe(200);
    const current = await h.as('ReadOnly').get(`/api/2.0/pollers/${poller}/data/current`);
    const [sample] = current.body as { host: string; timestamp: string; sdr: { name: string; reading?: number }[] }[];
    expect(sample).toMatchObject({ host: sim.host, timestamp: expect.any(String) as unknown });
    expect(sample?.sdr.find((s) => s.name === 'CPU Temp')).toMatchObject({ reading: 45, unit: 'degrees C', status: 'ok' });
    const data = await h.as('ReadOnly').get(`/api/2.0/pollers/${poller}/data?$top=1`);
    expect(data.status).toBe(200);
    expect(data.headers['x-total-count']).toBe('1');
    const view = await h.as().get(`/api/2.0/pollers/${poller}`);
    expect(view.body).toMatchObject({ state: 'accessible', failureCount: 0, lastStarted: expect.any(String) as unknown, lastFinished: expect.any(String) as unknown });
    // Poller health on /metrics: the real polls timed, this poller counted as polling (the node's default pollers too).
    const memberApp = h.f.monorail.api?.app;
    if (memberApp === undefined) throw new Error('the member serves no HTTP');
    const scraped = (await request(memberApp).get('/metrics')).text;
    expect(scraped).toMatch(/monorail_poller_poll_duration_seconds_count\{[^}]*poller="Pollers.IPMI"[^}]*command="sdr"[^}]*\} [1-9]/);
    expect(scraped).toMatch(/monorail_pollers\{[^}]*state="polling"[^}]*\} [1-9]/);
  }, 30_000);

  it('fills Redfish Chassis Thermal and Power from the SDR, valid against the DMTF schemas', async () => {
    const app = h.f.monorail.api?.app;
    if (app === undefined) throw new Error('no HTTP API');
    const schemas = loadRedfishSchemas();
    const login = await request(app).post('/login').send({ username: 'chassis-reader', password: 'Reader-pw-123456' });
    expect(login.status).toBe(200);
    bearer = `Bearer ${(login.body as { token: string }).token}`;
    const thermal = await request(app).get(`/redfish/v1/Chassis/${node}/Thermal`).set('Authorization', bearer);
    expect(thermal.status).toBe(200);
    expect(thermal.body).toMatchObject({
      Temperatures: [{ Name: 'CPU Temp', ReadingCelsius: 45, UpperThresholdNonCritical: 80, UpperThresholdCritical: 90, Status: { Health: 'OK' } }],
      Fans: [{ Name: 'FAN1', Reading: 5400, ReadingUnits: 'RPM' }],
    });
    const power = await request(app).get(`/redfish/v1/Chassis/${node}/Power`).set('Authorization', bearer);
    expect(power.status).toBe(200);
    expect(power.body).toMatchObject({ Voltages: [{ Name: 'P12V', ReadingVolts: 12 }] });
    for (const body of [thermal.body as Record<string, unknown>, power.body as Record<string, unknown>]) {
      const validate = schemas.validatorFor(String(body['@odata.type']));
      validate(body);
      expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
    }
  }, 30_000);
});
