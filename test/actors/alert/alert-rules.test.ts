/** The pure alert rules: hysteresis, deduplication against the active set, clears, SEL rules in RackHD's shape, node and workflow events. */
import { describe, expect, it } from 'vitest';
import { parseAlertsConfig } from '../../../src/actors/alert/alert-config-schema.ts';
import { alertIdOf, evaluateEvent, evaluateSample, keyOf, selEntryMatches, thresholdVerdict, type ActiveAlert, type AlertTransition, type SampleObservation } from '../../../src/actors/alert/alert-rules.ts';
import type { DomainEvent } from '../../../src/actors/events/event-bus.ts';

const defaults = parseAlertsConfig({});
const cpu = (reading: number) => ({ name: 'CPU Temp', status: 'ok', reading, unit: 'degrees C', sensorClass: 'Threshold', thresholds: { lowerCritical: 10, upperNonCritical: 80, upperCritical: 90 } });
const sdr = (...sensors: Record<string, unknown>[]): SampleObservation => ({ pollerId: 'p1', nodeId: 'n1', command: 'sdr', sample: { host: '127.0.0.1', sdr: sensors } });

/** Applies transitions to an active set, as the engine does. */
function step(active: Map<string, ActiveAlert>, transitions: readonly AlertTransition[]): AlertTransition[] {
  for (const t of transitions) {
    if (t.type === 'raise') active.set(t.condition.key, { ...t.condition, id: alertIdOf(t.condition.key), raisedAt: 'now' });
    else active.delete(t.key);
  }
  return [...transitions];
}

describe('thresholdVerdict', () => {
  it('raises at the threshold, holds inside the hysteresis band, clears past it', () => {
    expect(thresholdVerdict(90, 90, 'above', 2, false)).toBe('raise');
    expect(thresholdVerdict(89.9, 90, 'above', 2, false)).toBe('hold');
    expect(thresholdVerdict(95, 90, 'above', 2, true)).toBe('hold');
    expect(thresholdVerdict(88.5, 90, 'above', 2, true)).toBe('hold');
    expect(thresholdVerdict(88, 90, 'above', 2, true)).toBe('hold');
    expect(thresholdVerdict(87.9, 90, 'above', 2, true)).toBe('clear');
    expect(thresholdVerdict(10, 10, 'below', 1, false)).toBe('raise');
    expect(thresholdVerdict(10.5, 10, 'below', 1, true)).toBe('hold');
    expect(thresholdVerdict(11.5, 10, 'below', 1, true)).toBe('clear');
  });
});

describe('evaluateSample on SDR readings with the sensor\'s own thresholds', () => {
  it('raises warning then critical once each, never again while active, and clears each past its hysteresis', () => {
    const active = new Map<string, ActiveAlert>();
    expect(step(active, evaluateSample(defaults, sdr(cpu(45)), active))).toEqual([]);
    const warm = step(active, evaluateSample(defaults, sdr(cpu(85)), active));
    expect(warm).toMatchObject([{ type: 'raise', condition: { key: 'n1/sensor.upperNonCritical/CPU Temp', kind: 'threshold', severity: 'warning', source: { pollerId: 'p1', command: 'sdr' } } }]);
    const hot = step(active, evaluateSample(defaults, sdr(cpu(92)), active));
    expect(hot).toMatchObject([{ type: 'raise', condition: { key: 'n1/sensor.upperCritical/CPU Temp', severity: 'critical', data: { reading: 92, threshold: 90 } } }]);
    // Deduplicated: the same condition on the next polls yields nothing.
    expect(step(active, evaluateSample(defaults, sdr(cpu(93)), active))).toEqual([]);
    // 2 % of 90 is 1.8: 88.5 is still inside the band, the critical alert holds.
    expect(step(active, evaluateSample(defaults, sdr(cpu(88.5)), active))).toEqual([]);
    const cooler = step(active, evaluateSample(defaults, sdr(cpu(88)), active));
    expect(cooler).toMatchObject([{ type: 'clear', key: 'n1/sensor.upperCritical/CPU Temp' }]);
    expect(step(active, evaluateSample(defaults, sdr(cpu(50)), active))).toMatchObject([{ type: 'clear', key: 'n1/sensor.upperNonCritical/CPU Temp' }]);
    expect(active.size).toBe(0);
  });

  it('a sensor missing from a sample leaves its alert as it is; configured rules with regex sensors and their own hysteresis', () => {
    const config = parseAlertsConfig({ sdrThresholds: { enabled: false }, thresholds: [{ name: 'hot-cpu', sensor: '/^CPU/', threshold: 70, hysteresis: 5, severity: 'critical' }] });
    const active = new Map<string, ActiveAlert>();
    expect(step(active, evaluateSample(config, sdr(cpu(71)), active))).toMatchObject([{ type: 'raise', condition: { key: 'n1/threshold.hot-cpu/CPU Temp', severity: 'critical' } }]);
    expect(step(active, evaluateSample(config, sdr(), active))).toEqual([]);
    expect(step(active, evaluateSample(config, sdr(cpu(66)), active))).toEqual([]);
    expect(step(active, evaluateSample(config, sdr(cpu(64)), active))).toMatchObject([{ type: 'clear' }]);
  });

  it('Redfish Thermal temperatures are judged like SDR readings', () => {
    const obs: SampleObservation = { pollerId: 'r1', nodeId: 'n2', command: 'chassis.thermal', sample: { thermal: { temperatures: [{ name: 'Inlet', celsius: 48, upperNonCritical: 42, upperCritical: 47 }], fans: [] } } };
    expect(evaluateSample(defaults, obs, new Map()).map((t) => (t.type === 'raise' ? t.condition.key : t.key))).toEqual(['n2/sensor.upperCritical/Inlet', 'n2/sensor.upperNonCritical/Inlet']);
  });

  it('discrete sensors by status; chassis power off only when configured', () => {
    const active = new Map<string, ActiveAlert>();
    const psu = (status: string) => ({ name: 'PSU1 Status', status, text: '0x02', sensorClass: 'Discrete' });
    expect(step(active, evaluateSample(defaults, sdr(psu('cr')), active))).toMatchObject([{ type: 'raise', condition: { kind: 'sensor-status', severity: 'critical' } }]);
    expect(step(active, evaluateSample(defaults, sdr(psu('cr')), active))).toEqual([]);
    expect(step(active, evaluateSample(defaults, sdr(psu('ok')), active))).toMatchObject([{ type: 'clear', key: 'n1/sensor.status/PSU1 Status' }]);
    const off: SampleObservation = { pollerId: 'p2', nodeId: 'n1', command: 'power', sample: { power: false } };
    expect(evaluateSample(defaults, off, active)).toEqual([]);
    const withPower = parseAlertsConfig({ chassisPowerOff: 'warning' });
    expect(step(active, evaluateSample(withPower, off, active))).toMatchObject([{ type: 'raise', condition: { kind: 'chassis-power', severity: 'warning' } }]);
    expect(step(active, evaluateSample(withPower, { ...off, sample: { power: true } }, active))).toMatchObject([{ type: 'clear' }]);
  });
});

describe('SEL rules (RackHD shape: field → value or /regex/, all must match)', () => {
  const entry = (id: string, event: string, direction: string) => ({ id, date: 'Pre-Init', time: '0000000001', sensor: 'Temperature #0x01', sensorType: 'Temperature', sensorNumber: '0x01', event, direction });

  it('matches exact values and regexes, with RackHD\'s "value" for the direction', () => {
    expect(selEntryMatches({ sensorType: 'Temperature', event: '/Upper Critical/' }, entry('1', 'Upper Critical going high', 'Asserted'))).toBe(true);
    expect(selEntryMatches({ sensorType: 'Temperature', value: 'Deasserted' }, entry('1', 'Upper Critical going high', 'Asserted'))).toBe(false);
    expect(selEntryMatches({ sensorType: 'Fan' }, entry('1', 'x', 'Asserted'))).toBe(false);
  });

  it('the latest entry per sensor::event decides: asserted raises once, deasserted clears', () => {
    const obs = (...sel: Record<string, unknown>[]): SampleObservation => ({ pollerId: 'p3', nodeId: 'n1', command: 'sel', sample: { sel }, extraSelRules: [{ sensorType: 'Temperature', event: '/Upper Critical/' }] });
    const active = new Map<string, ActiveAlert>();
    const raised = step(active, evaluateSample(defaults, obs(entry('1', 'Upper Critical going high', 'Asserted')), active));
    expect(raised).toMatchObject([{ type: 'raise', condition: { kind: 'sel', severity: 'warning', subject: 'Temperature #0x01::Upper Critical going high' } }]);
    expect(step(active, evaluateSample(defaults, obs(entry('1', 'Upper Critical going high', 'Asserted')), active))).toEqual([]);
    const cleared = step(active, evaluateSample(defaults, obs(entry('1', 'Upper Critical going high', 'Asserted'), entry('2', 'Upper Critical going high', 'Deasserted')), active));
    expect(cleared).toMatchObject([{ type: 'clear' }]);
    // Configured SEL rules carry their own severity and name.
    const config = parseAlertsConfig({ sel: [{ name: 'psu', match: { sensorType: 'Power Supply' }, severity: 'critical' }] });
    const psu = { ...entry('3', 'Failure detected', 'Asserted'), sensor: 'Power Supply #0x04', sensorType: 'Power Supply' };
    expect(evaluateSample(config, { pollerId: 'p3', nodeId: 'n1', command: 'sel', sample: { sel: [psu] } }, new Map())).toMatchObject([{ type: 'raise', condition: { rule: 'sel.psu', severity: 'critical' } }]);
  });
});

describe('evaluateEvent', () => {
  const ev = (type: string, action: string, data: Record<string, unknown>): DomainEvent => ({ version: '1.0', type, action, severity: 'information', typeId: 'n1', nodeId: 'n1', createdAt: '2026-11-26T00:00:00.000Z', data });

  it('node failed is critical until the node leaves failed; inaccessible per poller; removal clears everything of the node', () => {
    const active = new Map<string, ActiveAlert>();
    expect(step(active, evaluateEvent(defaults, ev('node', 'stateChanged', { from: 'inventorying', to: 'failed' }), active))).toMatchObject([{ type: 'raise', condition: { key: 'n1/node.state/failed', severity: 'critical' } }]);
    expect(step(active, evaluateEvent(defaults, ev('node', 'stateChanged', { from: 'inventorying', to: 'failed' }), active))).toEqual([]);
    expect(step(active, evaluateEvent(defaults, ev('node', 'stateChanged', { from: 'failed', to: 'discovered' }), active))).toMatchObject([{ type: 'clear', key: 'n1/node.state/failed' }]);
    expect(step(active, evaluateEvent(defaults, ev('node', 'inaccessible', { pollerId: 'p1' }), active))).toMatchObject([{ type: 'raise', condition: { key: 'n1/node.inaccessible/p1', severity: 'warning' } }]);
    expect(step(active, evaluateEvent(defaults, ev('node', 'stateChanged', { from: 'available', to: 'failed' }), active))).toHaveLength(1);
    expect(step(active, evaluateEvent(defaults, ev('node', 'removed', {}), active))).toHaveLength(2);
    expect(active.size).toBe(0);
  });

  it('a failed or timed-out workflow is a warning until the same graph succeeds on the node', () => {
    const active = new Map<string, ActiveAlert>();
    expect(step(active, evaluateEvent(defaults, ev('graph', 'finished', { graphId: 'g1', graphName: 'Graph.Discovery', nodeId: 'n1', status: 'timeout' }), active))).toMatchObject([{ type: 'raise', condition: { kind: 'workflow-failed', severity: 'warning', data: { graphId: 'g1', status: 'timeout' } } }]);
    expect(step(active, evaluateEvent(defaults, ev('graph', 'finished', { graphId: 'g2', graphName: 'Graph.Discovery', nodeId: 'n1', status: 'failed' }), active))).toEqual([]);
    expect(step(active, evaluateEvent(defaults, ev('graph', 'finished', { graphId: 'g3', graphName: 'Graph.Other', nodeId: 'n1', status: 'succeeded' }), active))).toEqual([]);
    expect(step(active, evaluateEvent(defaults, ev('graph', 'finished', { graphId: 'g4', graphName: 'Graph.Discovery', nodeId: 'n1', status: 'succeeded' }), active))).toMatchObject([{ type: 'clear' }]);
    expect(evaluateEvent(defaults, ev('graph', 'finished', { graphName: 'Graph.X', nodeId: 'n1', status: 'cancelled' }), active)).toEqual([]);
  });

  it('keys are stable and ids are stable hashes of them', () => {
    expect(keyOf('n1', 'sensor.upperCritical', 'CPU Temp')).toBe('n1/sensor.upperCritical/CPU Temp');
    expect(alertIdOf('n1/sensor.upperCritical/CPU Temp')).toMatch(/^[0-9a-f]{16}$/);
    expect(alertIdOf('n1/sensor.upperCritical/CPU Temp')).toBe(alertIdOf('n1/sensor.upperCritical/CPU Temp'));
    expect(alertIdOf('n1/a')).not.toBe(alertIdOf('n1/b'));
  });
});
