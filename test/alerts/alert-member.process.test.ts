/**
 * SEL alert rules from a node's SKU pack (`skuConfig.alerts`, RackHD's match objects) against a real BMC:
 * Debian's ipmi_sim read with ipmitool through the member's alert wiring (the PollerSource decorator of
 * alert-member.ts, a real embedded store holding the node, its SKU and the active alerts). The BMC's SEL
 * already holds an upper-critical temperature assertion: it raises one alert; a new assertion of the same
 * sensor::event does not raise again; the BMC's deassertion (the reading set back at run time through
 * ipmi_sim's console) clears it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus, type DomainEvent } from '../../src/actors/events/event-bus.ts';
import type { PollerSource } from '../../src/actors/poller/poller-port.ts';
import { startAlerts, type AlertMember } from '../../src/alerts/alert-member.ts';
import type { NodeDoc } from '../../src/persistence/collections.ts';
import type { Store } from '../../src/persistence/store.ts';
import { pollIpmi } from '../../src/pollers/ipmi-poller.ts';
import { startIpmiSim, type IpmiSim } from '../support/ipmi-sim.ts';
import { tempStore, type TempStore } from '../support/temp-store.ts';
import { captureLog } from '../support/test-logger.ts';

let sim: IpmiSim;
let temp: TempStore;
let store: Store;
let member: AlertMember;
let source: PollerSource;
const seen: DomainEvent[] = [];
const log = captureLog('warn').log;

beforeAll(async () => {
  sim = await startIpmiSim({ poweredOn: true, console: true, password: 'Bmc-pw-sel-3' });
  temp = tempStore('monorail-alert-member-');
  store = await temp.open();
  await store.documents.collection('nodes').put({ id: 'node-sel-1', name: 'sel node', type: 'compute', identifiers: [], sku: 'sku-1' } as unknown as NodeDoc);
  await store.documents.collection('skus').put({ id: 'sku-1', name: 'Sim SKU', rules: [], skuConfig: { alerts: [{ sensorType: 'Temperature', event: '/Upper Critical/' }, { not: 42 }] } });
  const events = new EventBus(log);
  events.subscribe((e) => {
    if (e.type === 'node' && e.action === 'alerts') seen.push(e);
  });
  member = await startAlerts({ documents: store.documents, events, log, now: () => Date.now() });
  const bmc = { host: sim.host, port: sim.port, user: sim.user, password: sim.password, cipherSuite: sim.cipherSuite };
  source = member.observe({ poll: (request, { signal }) => pollIpmi(bmc, request.config.command, { log, signal }) });
}, 60_000);
afterAll(async () => {
  await member?.close();
  await store?.close();
  temp?.cleanup();
  await sim?.stop();
});

const poll = async () => {
  await source.poll({ pollerId: 'poller-sel-1', name: 'Pollers.IPMI', node: 'node-sel-1', config: { command: 'sel' } }, { signal: new AbortController().signal });
  await member.engine.whenIdle();
};

describe('SEL rules of the node\'s SKU on a real BMC', () => {
  it('the asserted entry already in the SEL raises one warning', async () => {
    await poll();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ severity: 'warning', nodeId: 'node-sel-1', data: { state: 'raised', kind: 'sel', subject: 'Temperature #0x01::Upper Critical going high', pollerId: 'poller-sel-1', details: { entry: { sensorType: 'Temperature', direction: 'Asserted' } } } });
    await poll();
    expect(seen).toHaveLength(1);
  }, 30_000);

  it('a new assertion of the same sensor event does not raise again; the BMC\'s deassertion clears it', async () => {
    await sim.setSensorRaw(1, 92, { event: true });
    await poll();
    expect(seen).toHaveLength(1);
    await sim.setSensorRaw(1, 45, { event: true });
    await poll();
    expect(seen).toHaveLength(2);
    expect(seen[1]).toMatchObject({ data: { state: 'cleared', alertId: seen[0]?.data['alertId'], reason: expect.stringMatching(/deasserted/) as unknown } });
    expect(await store.documents.collection('alerts').count({})).toBe(0);
  }, 30_000);
});
