import { describe, expect, it } from 'vitest';
import { routingKeyOf, type DomainEvent } from '../../src/actors/events/event-bus.ts';
import { ManualClock } from '../../src/actors/runtime/clock.ts';
import { startHeartbeat } from '../../src/events/heartbeat.ts';

describe('heartbeat', () => {
  it('publishes heartbeat.updated every interval with the process vital signs, until stopped', () => {
    const clock = new ManualClock();
    const seen: DomainEvent[] = [];
    const hb = startHeartbeat({ events: { publish: (e) => seen.push(e) }, intervalSeconds: 10, version: '0.1.0', memberId: 'm1', host: 'host1', clock });
    clock.advance(9_999);
    expect(seen).toHaveLength(0);
    clock.advance(1);
    clock.advance(10_000);
    expect(seen).toHaveLength(2);
    const [first, second] = seen as [DomainEvent, DomainEvent];
    expect(routingKeyOf(first)).toBe('heartbeat.updated.information.host1.monorail');
    expect(first.data).toMatchObject({ name: 'monorail', pid: process.pid, version: '0.1.0', memberId: 'm1', currentTime: new Date(clock.now() - 10_000).toISOString() });
    expect(typeof (first.data['memoryUsage'] as { rss: number }).rss).toBe('number');
    expect(typeof first.data['uptime']).toBe('number');
    expect(second.data['lastUpdate']).toBe(first.data['currentTime']);
    hb.stop();
    clock.advance(60_000);
    expect(seen).toHaveLength(2);
  });

  it('is off with an interval of 0, as RackHD\'s heartbeatIntervalSec', () => {
    const clock = new ManualClock();
    const seen: DomainEvent[] = [];
    startHeartbeat({ events: { publish: (e) => seen.push(e) }, intervalSeconds: 0, version: 'x', memberId: 'm', clock });
    clock.advance(600_000);
    expect(seen).toHaveLength(0);
  });
});
