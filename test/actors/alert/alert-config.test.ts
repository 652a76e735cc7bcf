/** The `alerts` section: sensible defaults, and a bad rule refused with an error naming the field. */
import { describe, expect, it } from 'vitest';
import { parseAlertsConfig } from '../../../src/actors/alert/alert-config-schema.ts';
import { ConfigError } from '../../../src/errors.ts';

function problemOf(raw: unknown): string {
  try {
    parseAlertsConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('accepted');
}

describe('parseAlertsConfig', () => {
  it('fills the built-in defaults', () => {
    const c = parseAlertsConfig(undefined);
    expect(c).toMatchObject({
      enabled: true,
      sdrThresholds: { enabled: true, hysteresisPercent: 2, nonCritical: 'warning', critical: 'critical', nonRecoverable: 'critical' },
      nodeStates: [{ state: 'failed', severity: 'critical' }],
      inaccessible: 'warning',
      workflowFailed: { severity: 'warning', statuses: ['failed', 'timeout'] },
      chassisPowerOff: null,
      thresholds: [],
      sel: [],
    });
  });

  it('names the bad field, what was expected and what was given', () => {
    expect(problemOf({ thresholds: [{ name: 'hot', sensor: 'CPU Temp', threshold: 80, severity: 'fatal' }] })).toMatch(/alerts\.thresholds\[0\]\.severity: expected one of "information", "warning", "critical", got "fatal"/);
    expect(problemOf({ thresholds: [{ name: 'hot', sensor: 'CPU Temp', threshold: 'high' }] })).toMatch(/alerts\.thresholds\[0\]\.threshold: expected a value of type number, got "high"/);
    expect(problemOf({ thresholds: [{ name: 'hot', sensor: 'CPU Temp' }] })).toMatch(/alerts\.thresholds\[0\]\.threshold: expected a value: the field is required/);
    expect(problemOf({ thresholds: [{ name: 'hot', sensor: 'CPU Temp', threshold: 1, hysteresis: -1 }] })).toMatch(/alerts\.thresholds\[0\]\.hysteresis/);
    expect(problemOf({ thresholds: [{ name: 'hot', sensor: 'CPU Temp', threshold: 1, treshold: 2 }] })).toMatch(/alerts\.thresholds\[0\]\.treshold: expected no such field \(misspelt\?\)/);
    expect(problemOf({ thresholds: [{ name: 'a', sensor: '/CPU(/', threshold: 1 }] })).toMatch(/alerts\.thresholds\[0\]\.sensor: expected a name or a valid \/regex\//);
    expect(problemOf({ thresholds: [{ name: 'a', sensor: 'x', threshold: 1 }, { name: 'a', sensor: 'y', threshold: 2 }] })).toMatch(/alerts\.thresholds\[1\]\.name: expected a name no other rule of its kind has/);
    expect(problemOf({ sel: [{ name: 'psu', match: { sensorType: '/[/' } }] })).toMatch(/alerts\.sel\[0\]\.match\.sensorType/);
    expect(problemOf({ sel: { name: 'psu' } })).toMatch(/alerts\.sel: expected an array of rules/);
    expect(problemOf({ sdrThresholds: { hysteresisPercent: 80 } })).toMatch(/alerts\.sdrThresholds\.hysteresisPercent/);
    expect(problemOf({ workflowFailed: { statuses: ['failed', 'exploded'] } })).toMatch(/alerts\.workflowFailed\.statuses\[1\]/);
    expect(problemOf('on')).toMatch(/alerts: expected an object/);
  });
});
