/**
 * The Redfish poller source against the simulated BMC (src/sim/redfish-bmc.ts, its resources validated
 * against the DMTF schemas in test/sim): Chassis Thermal and Power readings, the System's SEL and the
 * Manager's log entries, credentials from the node's sealed redfish-obm-service record or the poller's own
 * sealed config, a refused password that never reaches the error, and a slow BMC that holds up only its
 * own pollers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PollRequest } from '../../src/actors/poller/poller-port.ts';
import { sealSecrets } from '../../src/actors/secret-port.ts';
import type { Store } from '../../src/persistence/store.ts';
import { HostGate } from '../../src/pollers/host-gate.ts';
import { createPollerSource } from '../../src/pollers/poller-sources.ts';
import { sealObmSettings } from '../../src/secrets/obm-credentials.ts';
import { openSecretBox } from '../../src/secrets/secret-key.ts';
import { secretSealer } from '../../src/secrets/secret-sealer.ts';
import { RedfishBmc } from '../../src/sim/redfish-bmc.ts';
import { tempStore, type TempStore } from '../support/temp-store.ts';
import { captureLog } from '../support/test-logger.ts';

const PASSWORD = 'Redfish-poll-pw-5';
const NODE = '5f00000000000000000000c1';
let bmc: RedfishBmc;
let slow: RedfishBmc;
let temp: TempStore;
let store: Store;
const captured = captureLog('debug');
const box = () => openSecretBox(null, temp.dir, captured.log);

beforeAll(async () => {
  temp = tempStore();
  store = await temp.open();
  bmc = await RedfishBmc.start({ powerState: 'On', username: 'admin', password: PASSWORD });
  slow = await RedfishBmc.start({ powerState: 'On', username: 'admin', password: PASSWORD });
  await store.documents.collection('obms').put({ id: 'obm-rf', node: NODE, ...sealObmSettings({ service: 'redfish-obm-service', config: { uri: `${bmc.url}/redfish/v1`, username: 'admin', password: PASSWORD } }, box()) });
});
afterAll(async () => {
  await bmc?.close();
  await slow?.close();
  await store?.close();
  temp?.cleanup();
  expect(JSON.stringify(captured.lines())).not.toContain(PASSWORD);
});

const source = (gate?: HostGate) => createPollerSource({ obms: store.documents.collection('obms'), box: box(), sealer: secretSealer(box()), log: captured.log, ...(gate === undefined ? {} : { gate }) });
const viaNode = (command: string): PollRequest => ({ pollerId: `rf-${command}`, name: 'Pollers.Redfish', node: NODE, config: { command } });
const signal = () => new AbortController().signal;

describe('Redfish poller source against the simulated BMC', () => {
  it('reads Chassis Thermal through the node\'s sealed OBM record, and sees a changed reading', async () => {
    const s = source();
    const sample = await s.poll(viaNode('chassis.thermal'), { signal: signal() });
    expect(sample['host']).toBe(new URL(bmc.url).host);
    expect(sample['thermal']).toEqual({
      temperatures: [
        { name: 'CPU1 Temp', celsius: 40, upperNonCritical: 80, upperCritical: 90, health: 'OK' },
        { name: 'Inlet Temp', celsius: 22, health: 'OK' },
      ],
      fans: [{ name: 'FAN1', rpm: 5400, units: 'RPM' }],
    });
    bmc.setTemperature('CPU1 Temp', 85);
    const again = await s.poll(viaNode('chassis.thermal'), { signal: signal() });
    expect((again['thermal'] as { temperatures: { celsius: number; health: string }[] }).temperatures[0]).toMatchObject({ celsius: 85, health: 'Warning' });
    bmc.setTemperature('CPU1 Temp', 40);
  });

  it('reads Chassis Power: consumption and voltages', async () => {
    bmc.setPowerConsumedWatts(312);
    const sample = await source().poll(viaNode('chassis.power'), { signal: signal() });
    expect(sample['power']).toEqual({ consumedWatts: 312, voltages: [{ name: 'P12V', volts: 12 }] });
  });

  it('reads the System SEL and the Manager log; a new entry shows up in the next poll', async () => {
    const s = source();
    const before = await s.poll(viaNode('systems.logservices'), { signal: signal() });
    expect(before['logEntries']).toEqual([{ id: 'SEL/1', logService: 'SEL', created: '2025-01-01T00:00:00Z', severity: 'Warning', message: 'Chassis intrusion detected', entryType: 'SEL', sensorType: 'Physical Chassis Security' }]);
    bmc.addLogEntry('system', { severity: 'Critical', message: 'CPU1 over temperature', sensorType: 'Temperature' });
    const after = await s.poll(viaNode('systems.logservices'), { signal: signal() });
    expect((after['logEntries'] as { id: string; severity: string }[]).map((e) => `${e.id}:${e.severity}`)).toEqual(['SEL/1:Warning', 'SEL/2:Critical']);
    expect((await s.poll(viaNode('managers.logservices'), { signal: signal() }))['logEntries']).toEqual([]);
    bmc.addLogEntry('manager', { severity: 'OK', message: 'BMC started', messageId: 'Base.1.22.Success' });
    expect((await s.poll(viaNode('managers.logservices'), { signal: signal() }))['logEntries']).toMatchObject([{ id: 'Log/1', message: 'BMC started', messageId: 'Base.1.22.Success' }]);
  });

  it('uses the poller\'s own sealed config, and fails on a wrong password without repeating it', async () => {
    const sealer = secretSealer(box());
    const own: PollRequest = { pollerId: 'own', name: 'Pollers.Redfish', config: sealSecrets({ command: 'chassis.power', uri: bmc.url, username: 'admin', password: PASSWORD }, sealer) };
    expect((await source().poll(own, { signal: signal() }))['power']).toMatchObject({ voltages: [{ name: 'P12V' }] });
    const wrong: PollRequest = { pollerId: 'w', name: 'Pollers.Redfish', config: { command: 'chassis.power', uri: bmc.url, username: 'admin', password: 'wrong-pw-xyz' } };
    const e = (await source().poll(wrong, { signal: signal() }).catch((x: unknown) => x)) as Error;
    expect(e.message).toMatch(/answered 401/);
    expect(e.message).not.toContain('wrong-pw-xyz');
  });

  it('a slow BMC holds up only its own pollers', async () => {
    const gate = new HostGate(8);
    const s = source(gate);
    slow.setResponseDelay(1_500);
    const slowReq = (id: string): PollRequest => ({ pollerId: id, name: 'Pollers.Redfish', config: { command: 'chassis.thermal', uri: slow.url, username: 'admin', password: PASSWORD } });
    const started = Date.now();
    const s1 = s.poll(slowReq('s1'), { signal: signal() }).then(() => Date.now() - started);
    const s2 = s.poll(slowReq('s2'), { signal: signal() }).then(() => Date.now() - started);
    await new Promise((r) => setTimeout(r, 100));
    expect(gate.inFlight(`redfish:${new URL(slow.url).origin}`)).toBe(1);
    await s.poll(viaNode('chassis.power'), { signal: signal() });
    expect(Date.now() - started).toBeLessThan(1_200);
    const [t1, t2] = await Promise.all([s1, s2]);
    // chassis.thermal is four GETs (root, collection, chassis, Thermal), each delayed; the second waits for the first.
    expect(t2).toBeGreaterThanOrEqual(t1 + 4 * 1_500 - 100);
    slow.setResponseDelay(0);
  }, 30_000);
});
