/**
 * The IPMI poller source against a real BMC: Debian's ipmi_sim (test/support/ipmi-sim.ts) polled with
 * Debian's ipmitool. SDR readings with types and thresholds, the SEL and its information, chassis status
 * and power are parsed from what the BMC answered and compared with what the emulation holds. Credentials
 * come from the poller's own sealed config or from the node's sealed OBM record. The per-BMC gate is
 * proved against a BMC that never answers (a UDP socket that swallows every packet): its pollers wait
 * for each other, and a poll of the real BMC meanwhile is not delayed.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PollRequest } from '../../src/actors/poller/poller-port.ts';
import { sealSecrets } from '../../src/actors/secret-port.ts';
import type { Store } from '../../src/persistence/store.ts';
import { HostGate } from '../../src/pollers/host-gate.ts';
import { createPollerSource } from '../../src/pollers/poller-sources.ts';
import { sealObmSettings } from '../../src/secrets/obm-credentials.ts';
import { openSecretBox } from '../../src/secrets/secret-key.ts';
import { secretSealer } from '../../src/secrets/secret-sealer.ts';
import { simInventory, startIpmiSim, type IpmiSim } from '../support/ipmi-sim.ts';
import { tempStore, type TempStore } from '../support/temp-store.ts';
import { captureLog } from '../support/test-logger.ts';

const PASSWORD = 'Poll-pw-7731';
const NODE = '5f00000000000000000000b1';
let sim: IpmiSim;
let temp: TempStore;
let store: Store;
let blackHole: Socket;
const captured = captureLog('debug');
const box = () => openSecretBox(null, temp.dir, captured.log);

beforeAll(async () => {
  temp = tempStore();
  store = await temp.open();
  sim = await startIpmiSim({ password: PASSWORD, poweredOn: true });
  blackHole = createSocket('udp4');
  await new Promise<void>((resolve) => blackHole.bind(0, '127.0.0.1', resolve));
  blackHole.on('message', () => undefined);
  await store.documents.collection('obms').put({ id: 'obm1', node: NODE, ...sealObmSettings({ service: 'ipmi-obm-service', config: { host: sim.host, port: sim.port, user: sim.user, password: PASSWORD, cipherSuite: sim.cipherSuite } }, box()) });
});
afterAll(async () => {
  blackHole?.close();
  await sim?.stop();
  await store?.close();
  temp?.cleanup();
  // The BMC password never reached a log line.
  expect(JSON.stringify(captured.lines())).not.toContain(PASSWORD);
});

const source = (gate?: HostGate) => createPollerSource({ obms: store.documents.collection('obms'), box: box(), sealer: secretSealer(box()), log: captured.log, ...(gate === undefined ? {} : { gate }) });
const viaNode = (command: string): PollRequest => ({ pollerId: `p-${command}`, name: 'Pollers.IPMI', node: NODE, config: { command } });
const signal = () => new AbortController().signal;

describe('IPMI poller source against ipmi_sim', () => {
  it('reads the SDR with readings, types and thresholds (sdr -v), using the node\'s sealed OBM record', async () => {
    const sample = await source().poll(viaNode('sdr'), { signal: signal() });
    expect(sample['host']).toBe(sim.host);
    const sdr = sample['sdr'] as { name: string; reading?: number; unit?: string; status: string; sensorType?: string; thresholds?: Record<string, number> }[];
    expect(sdr.map((s) => s.name)).toEqual([...simInventory.sensors.map((s) => s.name), 'PSU1 Status']);
    const cpu = sdr.find((s) => s.name === 'CPU Temp');
    expect(cpu).toMatchObject({ reading: 45, unit: 'degrees C', status: 'ok', sensorType: 'Temperature', thresholds: { upperCritical: 90, upperNonCritical: 80, lowerCritical: 10 } });
    expect(sdr.find((s) => s.name === 'FAN1')).toMatchObject({ reading: 5400, unit: 'RPM', sensorType: 'Fan' });
    expect(sdr.find((s) => s.name === 'P12V')).toMatchObject({ reading: 12, unit: 'Volts', thresholds: { upperCritical: 13.5 } });
  });

  it('reads the SEL entries and SEL information', async () => {
    const sample = await source().poll(viaNode('sel'), { signal: signal() });
    expect(sample['selInformation']).toMatchObject({ Entries: '2' });
    expect(sample['sel']).toMatchObject([
      { id: '1', sensorType: 'Temperature', sensorNumber: '0x01', event: 'Upper Critical going high', direction: 'Asserted' },
      { id: '2', sensorType: 'Power Supply', event: 'Failure detected', direction: 'Asserted' },
    ]);
  });

  it('reads chassis status and power with credentials from the poller\'s own sealed config', async () => {
    const sealer = secretSealer(box());
    const own = (command: string): PollRequest => ({ pollerId: 'own', name: 'Pollers.IPMI', config: sealSecrets({ command, host: sim.host, port: sim.port, user: sim.user, password: PASSWORD, cipherSuite: sim.cipherSuite }, sealer) });
    expect(JSON.stringify(own('chassis').config)).not.toContain(PASSWORD);
    const chassis = await source().poll(own('chassis'), { signal: signal() });
    expect(chassis['chassis']).toMatchObject({ power: true, systemPower: 'on', powerOverload: false, mainPowerFault: false, powerRestorePolicy: 'always-off' });
    expect((await source().poll(own('power'), { signal: signal() }))['power']).toBe(true);
    await sim.ipmitool(['chassis', 'power', 'off']);
    expect((await source().poll(own('power'), { signal: signal() }))['power']).toBe(false);
    await sim.ipmitool(['chassis', 'power', 'on']);
  });

  it('fails with the BMC\'s words and no secret when the password is wrong', async () => {
    const wrong: PollRequest = { pollerId: 'w', name: 'Pollers.IPMI', config: { command: 'power', host: sim.host, port: sim.port, user: sim.user, password: 'not-the-password', cipherSuite: sim.cipherSuite, timeoutMs: 10_000 } };
    const e = await source().poll(wrong, { signal: signal() }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toMatch(/ipmitool/);
    expect((e as Error).message).not.toContain('not-the-password');
  });

  it('keeps one request in flight per BMC: a BMC that never answers delays its own pollers, not another BMC\'s', async () => {
    const gate = new HostGate(8);
    const s = source(gate);
    const port = blackHole.address().port;
    const dead = (id: string): PollRequest => ({ pollerId: id, name: 'Pollers.IPMI', config: { command: 'power', host: '127.0.0.1', port, user: 'admin', password: 'x', cipherSuite: 3, timeoutMs: 4_000 } });
    const started = Date.now();
    const d1 = s.poll(dead('d1'), { signal: signal() }).then(() => 'ok', () => Date.now() - started);
    const d2 = s.poll(dead('d2'), { signal: signal() }).then(() => 'ok', () => Date.now() - started);
    await new Promise((r) => setTimeout(r, 200));
    expect(gate.inFlight(`ipmi:127.0.0.1:${port}`)).toBe(1);
    const live = await s.poll(viaNode('power'), { signal: signal() });
    const liveMs = Date.now() - started;
    expect(live['power']).toBe(true);
    expect(liveMs).toBeLessThan(3_000);
    const [t1, t2] = await Promise.all([d1, d2]);
    // Each dead poll ran out its own 4 s: the second only started when the first had ended.
    expect(t1).toBeGreaterThanOrEqual(3_900);
    expect(t2).toBeGreaterThanOrEqual(7_800);
  }, 30_000);

  it('an abort while waiting at the gate leaves the queue at once', async () => {
    const gate = new HostGate(8);
    const s = source(gate);
    const port = blackHole.address().port;
    const req: PollRequest = { pollerId: 'a', name: 'Pollers.IPMI', config: { command: 'power', host: '127.0.0.1', port, user: 'admin', password: 'x', cipherSuite: 3, timeoutMs: 3_000 } };
    const first = s.poll(req, { signal: signal() }).catch(() => undefined);
    const abort = new AbortController();
    const second = s.poll(req, { signal: abort.signal }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    abort.abort(new Error('poller deleted'));
    const t = Date.now();
    expect(((await second) as Error).message).toBe('poller deleted');
    expect(Date.now() - t).toBeLessThan(500);
    await first;
  }, 20_000);
});
