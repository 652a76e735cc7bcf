/**
 * The alert engine over a real embedded store and the real event bus, time from a ManualClock: one
 * `node.alerts` event when a condition starts, none while it lasts, one `cleared` when it ends; active
 * alerts survive a restart (store closed and reopened) without being raised again; the events are ones the
 * notification dispatcher's filters (the hooks API's language) can route.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseAlertsConfig } from '../../../src/actors/alert/alert-config-schema.ts';
import { AlertEngine } from '../../../src/actors/alert/alert-engine.ts';
import { EventBus, routingKeyOf, type DomainEvent } from '../../../src/actors/events/event-bus.ts';
import { ManualClock } from '../../../src/actors/runtime/clock.ts';
import { compileFilters } from '../../../src/events/hook-filter.ts';
import type { Store } from '../../../src/persistence/store.ts';
import { captureLog } from '../../support/test-logger.ts';
import { tempStore, type TempStore } from '../../support/temp-store.ts';

const cpu = (reading: number) => ({ pollerId: 'p1', nodeId: 'n1', command: 'sdr', sample: { sdr: [{ name: 'CPU Temp', status: 'ok', reading, unit: 'degrees C', thresholds: { upperNonCritical: 80, upperCritical: 90 } }] } });

let temp: TempStore | undefined;
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
  temp?.cleanup();
  temp = undefined;
});

async function engineOn(s: Store, clock: ManualClock, config = parseAlertsConfig({ sdrThresholds: { nonCritical: null } })) {
  const bus = new EventBus(captureLog('warn').log);
  const seen: DomainEvent[] = [];
  bus.subscribe((e) => {
    if (e.type === 'node' && e.action === 'alerts') seen.push(e);
  });
  const engine = new AlertEngine({ alerts: s.documents.collection('alerts'), events: bus, config, now: () => clock.now(), log: captureLog('warn').log });
  const loaded = await engine.load();
  bus.subscribe(engine.onEvent);
  return { bus, engine, seen, loaded };
}

describe('AlertEngine', () => {
  it('raises once, stays quiet while active, clears once; the alert is in the store only while active', async () => {
    temp = tempStore('monorail-alerts-');
    store = await temp.open();
    const clock = new ManualClock(Date.parse('2026-11-26T00:00:00Z'));
    const { engine, seen } = await engineOn(store, clock);
    for (const reading of [45, 91, 95, 93, 89]) {
      engine.observeSample(cpu(reading));
      clock.advance(60_000);
    }
    await engine.whenIdle();
    expect(seen).toHaveLength(1);
    const raised = seen[0];
    expect(raised).toMatchObject({ type: 'node', action: 'alerts', severity: 'critical', typeId: 'n1', nodeId: 'n1', createdAt: '2026-11-26T00:01:00.000Z', data: { state: 'raised', key: 'n1/sensor.upperCritical/CPU Temp', kind: 'threshold', pollerId: 'p1', details: { reading: 91, threshold: 90 } } });
    expect(routingKeyOf(raised as DomainEvent)).toBe('node.alerts.critical.n1.n1');
    const docs = await store.documents.collection('alerts').find({});
    expect(docs).toMatchObject([{ id: (raised as DomainEvent).data['alertId'], node: 'n1', severity: 'critical', raisedAt: '2026-11-26T00:01:00.000Z' }]);
    expect(engine.list()).toHaveLength(1);

    engine.observeSample(cpu(88));
    await engine.whenIdle();
    expect(seen).toHaveLength(2);
    expect(seen[1]).toMatchObject({ severity: 'critical', data: { state: 'cleared', alertId: (raised as DomainEvent).data['alertId'], raisedAt: '2026-11-26T00:01:00.000Z', clearedAt: '2026-11-26T00:05:00.000Z' } });
    expect(await store.documents.collection('alerts').count({})).toBe(0);
    engine.observeSample(cpu(20));
    await engine.whenIdle();
    expect(seen).toHaveLength(2);
  });

  it('a restart keeps active alerts: not raised again while the condition lasts, cleared when it ends', async () => {
    temp = tempStore('monorail-alerts-');
    store = await temp.open();
    const clock = new ManualClock();
    const first = await engineOn(store, clock);
    first.engine.observeSample(cpu(95));
    first.bus.publish({ version: '1.0', type: 'node', action: 'stateChanged', severity: 'information', typeId: 'n1', nodeId: 'n1', createdAt: new Date(clock.now()).toISOString(), data: { nodeId: 'n1', from: 'inventorying', to: 'failed' } });
    await first.engine.whenIdle();
    expect(first.seen.map((e) => e.data['key'])).toEqual(['n1/sensor.upperCritical/CPU Temp', 'n1/node.state/failed']);
    await store.close();

    store = await temp.open();
    const second = await engineOn(store, clock);
    expect(second.loaded).toBe(2);
    second.engine.observeSample(cpu(96));
    second.bus.publish({ version: '1.0', type: 'node', action: 'stateChanged', severity: 'information', typeId: 'n1', nodeId: 'n1', createdAt: new Date(clock.now()).toISOString(), data: { nodeId: 'n1', from: 'failed', to: 'failed' } });
    await second.engine.whenIdle();
    expect(second.seen).toEqual([]);
    second.engine.observeSample(cpu(60));
    second.bus.publish({ version: '1.0', type: 'node', action: 'stateChanged', severity: 'information', typeId: 'n1', nodeId: 'n1', createdAt: new Date(clock.now()).toISOString(), data: { nodeId: 'n1', from: 'failed', to: 'discovered' } });
    await second.engine.whenIdle();
    expect(second.seen.map((e) => [e.data['key'], e.data['state']])).toEqual([
      ['n1/sensor.upperCritical/CPU Temp', 'cleared'],
      ['n1/node.state/failed', 'cleared'],
    ]);
    expect(second.engine.list()).toEqual([]);
  });

  it('on a shared store, a member that sees the condition end clears what another member raised', async () => {
    temp = tempStore('monorail-alerts-');
    store = await temp.open();
    const clock = new ManualClock();
    const a = await engineOn(store, clock);
    const b = await engineOn(store, clock);
    a.engine.observeSample(cpu(95));
    await a.engine.whenIdle();
    // The poller moved to member b with its shard: b sees the same condition (no repeat), then its end.
    b.engine.observeSample(cpu(95));
    b.engine.observeSample(cpu(50));
    await b.engine.whenIdle();
    expect(a.seen.map((e) => e.data['state'])).toEqual(['raised']);
    expect(b.seen.map((e) => e.data['state'])).toEqual(['cleared']);
    expect(await store.documents.collection('alerts').count({})).toBe(0);
  });

  it('publishes events the notification filters route, and ignores its own events and poller change notices', async () => {
    temp = tempStore('monorail-alerts-');
    store = await temp.open();
    const clock = new ManualClock();
    const { bus, engine, seen } = await engineOn(store, clock);
    bus.publish({ version: '1.0', type: 'graph', action: 'finished', severity: 'warning', typeId: 'g1', nodeId: 'n9', createdAt: new Date(clock.now()).toISOString(), data: { graphId: 'g1', graphName: 'Graph.Discovery', nodeId: 'n9', status: 'failed' } });
    bus.publish({ version: '1.0', type: 'polleralert', action: 'sdr.updated', severity: 'critical', typeId: 'p1', nodeId: 'n9', createdAt: new Date(clock.now()).toISOString(), data: {} });
    await engine.whenIdle();
    expect(seen).toHaveLength(1);
    const alert = seen[0] as DomainEvent;
    expect(compileFilters([{ type: '^node$', action: '^alerts$', 'data.state': '^raised$', severity: 'warning' }])(alert)).toBe(true);
    expect(compileFilters([{ 'data.kind': '^workflow-failed$', nodeId: '^n9$' }])(alert)).toBe(true);
    expect(compileFilters([{ severity: 'critical' }])(alert)).toBe(false);
  });
});
