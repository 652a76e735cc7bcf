/**
 * The poller entity on a real actor system and embedded store, driven by a ManualClock: its timer, the
 * poll it starts and the result it receives, the bounded history, failure counting with a capped
 * exponential backoff, `node.inaccessible`/`node.accessible`, RackHD's poller alerts, pause/resume,
 * deletion, and a restart of the member (timers are in memory: the scheduler wakes the pollers again).
 * The source is a scripted implementation of the PollerSource port (the real sources are tested against
 * ipmi_sim, the simulated BMC and snmpd in test/pollers/).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DomainEvent } from '../../../src/actors/events/event-bus.ts';
import { EventBus } from '../../../src/actors/events/event-bus.ts';
import { backoffDelay } from '../../../src/actors/poller/poller-entity.ts';
import type { PollerSource, PollRequest } from '../../../src/actors/poller/poller-port.ts';
import type { PollerSample } from '../../../src/actors/poller/poller-protocol.ts';
import { ActorSystem } from '../../../src/actors/runtime/actor-system.ts';
import { ManualClock } from '../../../src/actors/runtime/clock.ts';
import { MonorailError } from '../../../src/errors.ts';
import type { Store } from '../../../src/persistence/store.ts';
import { startPollers, type PollerMember } from '../../../src/pollers/poller-member.ts';
import { openSecretBox } from '../../../src/secrets/secret-key.ts';
import { secretSealer } from '../../../src/secrets/secret-sealer.ts';
import { tempStore, type TempStore } from '../../support/temp-store.ts';
import { captureLog } from '../../support/test-logger.ts';

/** A source whose polls the test answers one by one. */
class ScriptedSource implements PollerSource {
  readonly calls: { request: PollRequest; resolve: (s: Omit<PollerSample, 'timestamp'>) => void; reject: (e: Error) => void; signal: AbortSignal }[] = [];
  poll(request: PollRequest, { signal }: { signal: AbortSignal }): Promise<Omit<PollerSample, 'timestamp'>> {
    return new Promise((resolve, reject) => this.calls.push({ request, resolve, reject, signal }));
  }
  /** Waits for the `n`th poll (1-based) to have started. */
  async nth(n: number) {
    await vi.waitFor(() => expect(this.calls.length).toBeGreaterThanOrEqual(n), { timeout: 2000, interval: 5 });
    const call = this.calls[n - 1];
    if (call === undefined) throw new Error('no call');
    return call;
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Member {
  readonly store: Store;
  readonly system: ActorSystem;
  readonly pollers: PollerMember;
  readonly events: DomainEvent[];
  stop(): Promise<void>;
}

async function member(temp: TempStore, clock: ManualClock, source: PollerSource, opts: { historySize?: number } = {}): Promise<Member> {
  const store = await temp.open();
  const captured = captureLog();
  const system = new ActorSystem({ journal: store.journal, log: captured.log, clock, askTimeoutMs: 2000, passivateAfterMs: 0, snapshotEvery: 5 });
  const bus = new EventBus(captured.log);
  const events: DomainEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const box = openSecretBox(null, temp.dir, captured.log);
  const pollers = startPollers({ system, documents: store.documents, events: bus, sealer: secretSealer(box), box, log: captured.log, source, inaccessibleAfter: 3, maxBackoffMs: 40_000, ...opts });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    pollers.close();
    await system.stop();
    await store.close();
  };
  cleanups.push(stop);
  return { store, system, pollers, events, stop };
}

async function setup(opts: { historySize?: number } = {}) {
  const temp = tempStore();
  cleanups.push(() => temp.cleanup());
  const clock = new ManualClock();
  const source = new ScriptedSource();
  const m = await member(temp, clock, source, opts);
  return { temp, clock, source, m };
}

const NODE = '5f00000000000000000000aa';
const ipmiSpec = (command: string, pollInterval = 10_000) => ({ name: 'Pollers.IPMI' as const, node: NODE, config: { command }, pollInterval });
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('poller entity', () => {
  it('polls at once, then every pollInterval on the clock, keeping the samples newest first in a bounded history', async () => {
    const { clock, source, m } = await setup({ historySize: 3 });
    const { poller, created } = await m.pollers.service.create(ipmiSpec('sdr'), 'p1');
    expect(created).toBe(true);
    expect(poller).toMatchObject({ id: 'p1', name: 'Pollers.IPMI', node: NODE, config: { command: 'sdr' }, pollInterval: 10_000, paused: false, failureCount: 0, state: 'unknown' });
    expect(await m.store.documents.collection('pollers').get('p1')).toMatchObject({ id: 'p1', name: 'Pollers.IPMI', node: NODE, paused: false });
    // Creating again is idempotent.
    expect((await m.pollers.service.create(ipmiSpec('sel'), 'p1')).created).toBe(false);

    clock.advance(0);
    const first = await source.nth(1);
    expect(first.request).toMatchObject({ pollerId: 'p1', name: 'Pollers.IPMI', node: NODE, config: { command: 'sdr' } });
    // One poll at a time: the timer does not fire while it is in flight.
    clock.advance(60_000);
    await settle();
    expect(source.calls).toHaveLength(1);
    first.resolve({ host: 'bmc', sdr: [{ name: 'CPU Temp', status: 'ok', reading: 45 }] });
    await vi.waitFor(async () => expect(await m.pollers.service.data('p1', false)).toHaveLength(1));
    expect((await m.pollers.service.get('p1')).status).toMatchObject({ inFlight: false, lastStarted: expect.any(String) as unknown, lastFinished: expect.any(String) as unknown });

    for (let i = 2; i <= 5; i++) {
      clock.advance(10_000);
      (await source.nth(i)).resolve({ host: 'bmc', sdr: [{ name: 'CPU Temp', status: 'ok', reading: 40 + i }] });
      await vi.waitFor(async () => expect((await m.pollers.service.data('p1', true))[0]?.['sdr']).toEqual([{ name: 'CPU Temp', status: 'ok', reading: 40 + i }]));
    }
    const data = await m.pollers.service.data('p1', false);
    expect(data.map((s) => (s['sdr'] as { reading: number }[])[0]?.reading)).toEqual([45, 44, 43]);
    expect(data[0]).toMatchObject({ host: 'bmc', timestamp: expect.any(String) as unknown });
    // A healthy poller journals nothing per poll: its creation, and its first answer (unknown → accessible).
    expect((await m.store.journal.read('poller:p1', 0)).map((r) => r.eventType)).toEqual(['poller.created', 'poller.stateChanged']);
  });

  it('counts failures with a capped exponential backoff, publishes node.inaccessible after three and node.accessible on recovery', async () => {
    const { clock, source, m } = await setup();
    await m.pollers.service.create(ipmiSpec('chassis'), 'p2');
    clock.advance(0);
    const delays = [20_000, 40_000, 40_000];
    (await source.nth(1)).reject(new Error('ipmitool timed out'));
    for (const [i, delay] of delays.entries()) {
      await vi.waitFor(async () => expect((await m.pollers.service.get('p2')).poller.failureCount).toBe(i + 1));
      clock.advance(delay - 1);
      await settle();
      expect(source.calls).toHaveLength(i + 1);
      clock.advance(1);
      const call = await source.nth(i + 2);
      if (i < delays.length - 1) call.reject(new Error('ipmitool timed out'));
      else call.resolve({ host: 'bmc', chassis: { power: true } });
    }
    await vi.waitFor(async () => expect((await m.pollers.service.get('p2')).poller).toMatchObject({ failureCount: 0, state: 'accessible' }));
    const nodeEvents = m.events.filter((e) => e.type === 'node');
    expect(nodeEvents.map((e) => `${e.action}.${e.severity}`)).toEqual(['inaccessible.warning', 'accessible.information']);
    expect(nodeEvents[0]).toMatchObject({ version: '1.0', typeId: NODE, nodeId: NODE, data: { nodeId: NODE, pollerId: 'p2', error: 'ipmitool timed out' } });
    expect(backoffDelay(10_000, 0, 40_000)).toBe(10_000);
    expect(backoffDelay(10_000, 1, 40_000)).toBe(20_000);
    expect(backoffDelay(10_000, 9, 40_000)).toBe(40_000);
    expect(backoffDelay(60_000, 3, 40_000)).toBe(60_000);
    const journaled = (await m.store.journal.read('poller:p2', 0)).map((r) => r.eventType);
    expect(journaled).toEqual(['poller.created', 'poller.failed', 'poller.failed', 'poller.failed+poller.stateChanged', 'poller.recovered+poller.stateChanged']);
  });

  it('publishes RackHD poller alerts: chassis power changes, sensors leaving ok, new SEL entries', async () => {
    const { clock, source, m } = await setup();
    await m.pollers.service.create(ipmiSpec('chassis'), 'pc');
    await m.pollers.service.create(ipmiSpec('sdr'), 'ps');
    await m.pollers.service.create(ipmiSpec('sel'), 'pl');
    clock.advance(0);
    await source.nth(3);
    const byId = (id: string, from: number) => source.calls.slice(from).find((c) => c.request.pollerId === id);
    byId('pc', 0)?.resolve({ host: 'bmc', chassis: { power: true } });
    byId('ps', 0)?.resolve({ host: 'bmc', sdr: [{ name: 'CPU Temp', status: 'ok' }, { name: 'FAN1', status: 'ok' }] });
    byId('pl', 0)?.resolve({ host: 'bmc', sel: [{ id: '1', event: 'Upper Critical going high' }] });
    await settle();
    clock.advance(10_000);
    await source.nth(6);
    byId('pc', 3)?.resolve({ host: 'bmc', chassis: { power: false } });
    byId('ps', 3)?.resolve({ host: 'bmc', sdr: [{ name: 'CPU Temp', status: 'cr', reading: 92 }, { name: 'FAN1', status: 'ok' }] });
    byId('pl', 3)?.resolve({ host: 'bmc', sel: [{ id: '1', event: 'Upper Critical going high' }, { id: '2', event: 'Failure detected' }] });
    await vi.waitFor(() => expect(m.events.filter((e) => e.type === 'polleralert')).toHaveLength(3));
    const alerts = Object.fromEntries(m.events.filter((e) => e.type === 'polleralert').map((e) => [e.action, e]));
    expect(alerts['chassispower.updated']).toMatchObject({ severity: 'information', typeId: 'pc', nodeId: NODE, data: { host: 'bmc', states: { last: 'ON', current: 'OFF' } } });
    expect(alerts['sdr.updated']).toMatchObject({ severity: 'critical', typeId: 'ps', data: { sensor: { name: 'CPU Temp', status: 'cr', reading: 92 }, previousStatus: 'ok' } });
    expect(alerts['sel.updated']).toMatchObject({ severity: 'warning', typeId: 'pl', data: { entries: [{ id: '2', event: 'Failure detected' }] } });
  });

  it('pauses and resumes through a patch, reschedules on a new interval, and forgets a deleted poller', async () => {
    const { clock, source, m } = await setup();
    await m.pollers.service.create(ipmiSpec('power'), 'pp');
    clock.advance(0);
    (await source.nth(1)).resolve({ host: 'bmc', power: true });
    await vi.waitFor(async () => expect(await m.pollers.service.data('pp', true)).toHaveLength(1));
    const paused = await m.pollers.service.update('pp', { paused: true });
    expect(paused.poller.paused).toBe(true);
    expect(paused.status.nextScheduled).toBeNull();
    expect(await m.store.documents.collection('pollers').get('pp')).toMatchObject({ paused: true });
    clock.advance(100_000);
    await settle();
    expect(source.calls).toHaveLength(1);
    await m.pollers.service.update('pp', { paused: false });
    clock.advance(0);
    (await source.nth(2)).resolve({ host: 'bmc', power: true });
    await settle();
    await m.pollers.service.update('pp', { pollInterval: 30_000 });
    clock.advance(29_999);
    await settle();
    expect(source.calls).toHaveLength(2);
    clock.advance(1);
    const inFlight = await source.nth(3);

    await m.pollers.service.delete('pp');
    expect(inFlight.signal.aborted).toBe(true);
    expect(await m.store.documents.collection('pollers').get('pp')).toBeUndefined();
    const gone = await m.pollers.service.data('pp', false).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(MonorailError);
    expect((gone as MonorailError).code).toBe('NOT_FOUND');
    clock.advance(100_000);
    await settle();
    expect(source.calls).toHaveLength(3);
    expect(m.pollers.runtime.active()).toEqual({ scheduled: 0, inFlight: 0 });
  });

  it('refuses a poller that cannot work, naming the field', async () => {
    const { m } = await setup();
    const bad = [
      { name: 'Pollers.IPMI' as const, node: NODE, config: { command: 'reboot' }, pollInterval: 10_000 },
      { name: 'Pollers.IPMI' as const, config: { command: 'sdr' }, pollInterval: 10_000 },
      { name: 'Pollers.SNMP' as const, config: { command: 'walk', host: '10.0.0.1', oids: ['not-an-oid'] }, pollInterval: 10_000 },
      { name: 'Pollers.Redfish' as const, node: NODE, config: { command: 'chassis.power' }, pollInterval: 10 },
    ];
    const paths: string[][] = [];
    for (const [i, spec] of bad.entries()) {
      const e = await m.pollers.service.create(spec, `bad${i}`).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(MonorailError);
      expect((e as MonorailError).code).toBe('VALIDATION_FAILED');
      paths.push(((e as MonorailError).details as { errors: { path: string }[] }).errors.map((x) => x.path));
    }
    expect(paths).toEqual([['body.config.command'], ['body.config.host'], ['body.config.oids'], ['body.pollInterval']]);
    expect(await m.store.documents.collection('pollers').count({})).toBe(0);
  });

  it('seals secrets in a poller config before any message carries them', async () => {
    const { m } = await setup();
    await m.pollers.service.create({ name: 'Pollers.SNMP', config: { command: 'sysinfo', host: '10.0.0.9', community: 'very-private-community' }, pollInterval: 60_000, paused: true }, 'sn');
    const records = await m.store.journal.read('poller:sn', 0);
    expect(JSON.stringify(records)).not.toContain('very-private-community');
    expect(JSON.stringify(await m.store.documents.collection('pollers').get('sn'))).not.toContain('very-private-community');
  });

  it('resumes polling after a restart of the member: the scheduler wakes every poller that is not paused', async () => {
    const temp = tempStore();
    cleanups.push(() => temp.cleanup());
    const clock = new ManualClock();
    const before = new ScriptedSource();
    const m1 = await member(temp, clock, before);
    await m1.pollers.service.create(ipmiSpec('sdr'), 'r1');
    await m1.pollers.service.create({ ...ipmiSpec('sel'), paused: true }, 'r2');
    await m1.stop();

    const after = new ScriptedSource();
    const m2 = await member(temp, clock, after);
    expect(await m2.pollers.wake()).toBe(1);
    // The woken entity recovers from its journal and sets its timer (spread within 10 s).
    await vi.waitFor(() => expect(m2.pollers.runtime.isScheduled('r1')).toBe(true));
    clock.advance(10_000);
    const call = await after.nth(1);
    expect(call.request.pollerId).toBe('r1');
    call.resolve({ host: 'bmc', sdr: [] });
    await vi.waitFor(async () => expect(await m2.pollers.service.data('r1', false)).toHaveLength(1));
    clock.advance(100_000);
    await settle();
    expect(after.calls.map((c) => c.request.pollerId)).not.toContain('r2');
  });
});
