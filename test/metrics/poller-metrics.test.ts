/**
 * `registerPollerMetrics` over its read interface. The pollers are built by another part of Monorail and
 * are not wired yet, so the source here is a plain list of health records, the shape the pollers hand over;
 * the registry is a real prom-client one, read back through the text format.
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { pollerState, registerPollerMetrics, type PollerHealth } from '../../src/metrics/poller-metrics.ts';
import { parseExposition, samplesOf, valueOf } from './prometheus-text.ts';

const now = 1_800_000_000_000;
const ipmi = (command: string, more: Partial<PollerHealth> = {}): PollerHealth => ({ name: 'Pollers.IPMI', command, paused: false, accessible: true, failureCount: 0, lastSucceededAt: now - 10_000, ...more });

describe('poller metrics', () => {
  it('counts pollers by kind, command and state, with the worst failure run and the stalest success', async () => {
    const registry = new Registry();
    let pollers: PollerHealth[] = [
      ipmi('sdr'),
      ipmi('sdr', { failureCount: 2, lastSucceededAt: now - 95_000 }),
      ipmi('sdr', { accessible: false, failureCount: 7, lastSucceededAt: null }),
      ipmi('sel', { paused: true, failureCount: 30, lastSucceededAt: now - 999_000 }),
      { name: 'Pollers.SNMP', paused: false, accessible: true, failureCount: 0 },
    ];
    const metrics = registerPollerMetrics(registry, { pollerHealth: async () => pollers }, () => now);
    metrics.observePoll({ name: 'Pollers.IPMI', command: 'sdr', seconds: 0.2, ok: true });
    metrics.observePoll({ name: 'Pollers.IPMI', command: 'sdr', seconds: 5, ok: false });

    let m = parseExposition(await registry.metrics());
    expect(valueOf(m, 'monorail_pollers', { poller: 'Pollers.IPMI', command: 'sdr', state: 'polling' })).toBe(1);
    expect(valueOf(m, 'monorail_pollers', { poller: 'Pollers.IPMI', command: 'sdr', state: 'failing' })).toBe(1);
    expect(valueOf(m, 'monorail_pollers', { poller: 'Pollers.IPMI', command: 'sdr', state: 'inaccessible' })).toBe(1);
    expect(valueOf(m, 'monorail_pollers', { poller: 'Pollers.IPMI', command: 'sel', state: 'paused' })).toBe(1);
    expect(valueOf(m, 'monorail_pollers', { poller: 'Pollers.SNMP', command: '', state: 'polling' })).toBe(1);
    expect(valueOf(m, 'monorail_pollers')).toBe(5);
    // Paused pollers are not failing anyone: their old failures and successes do not count.
    expect(valueOf(m, 'monorail_poller_consecutive_failures_max', { poller: 'Pollers.IPMI', command: 'sdr' })).toBe(7);
    expect(samplesOf(m, 'monorail_poller_consecutive_failures_max').some((s) => s.labels['command'] === 'sel')).toBe(false);
    expect(valueOf(m, 'monorail_poller_last_success_age_max_seconds', { poller: 'Pollers.IPMI', command: 'sdr' })).toBe(95);
    expect(valueOf(m, 'monorail_poller_poll_duration_seconds_count', { poller: 'Pollers.IPMI', command: 'sdr', outcome: 'ok' })).toBe(1);
    expect(valueOf(m, 'monorail_poller_poll_duration_seconds_count', { poller: 'Pollers.IPMI', command: 'sdr', outcome: 'failed' })).toBe(1);

    // States that no longer exist disappear on the next scrape instead of keeping their last value.
    pollers = [ipmi('sdr')];
    m = parseExposition(await registry.metrics());
    expect(samplesOf(m, 'monorail_pollers')).toEqual([{ name: 'monorail_pollers', labels: { poller: 'Pollers.IPMI', command: 'sdr', state: 'polling' }, value: 1 }]);
  });

  it('leaves the families empty, not the scrape failed, when the source cannot answer', async () => {
    const registry = new Registry();
    registerPollerMetrics(registry, {
      pollerHealth: () => {
        throw new Error('read model unavailable');
      },
    });
    const m = parseExposition(await registry.metrics());
    expect(samplesOf(m, 'monorail_pollers')).toEqual([]);
    expect(m.get('monorail_poller_poll_duration_seconds')?.type).toBe('histogram');
  });

  it('names states in order of what an operator must do about them', () => {
    expect(pollerState(ipmi('sdr', { paused: true, accessible: false }))).toBe('paused');
    expect(pollerState(ipmi('sdr', { accessible: false }))).toBe('inaccessible');
    expect(pollerState(ipmi('sdr', { failureCount: 1 }))).toBe('failing');
    expect(pollerState(ipmi('sdr'))).toBe('polling');
  });
});
