import { describe, expect, it } from 'vitest';
import { UnknownSources } from '../../../src/protocols/syslog/unknown-sources.ts';

describe('UnknownSources', () => {
  it('counts per address and forgets the least recently seen beyond capacity', () => {
    const u = new UnknownSources(2);
    u.add('10.0.0.1', 2);
    u.add('10.0.0.2', 1);
    u.add('10.0.0.1', 1); // now most recent
    u.add('10.0.0.3', 5); // evicts 10.0.0.2
    expect(u.entries()).toEqual([
      { address: '10.0.0.1', messages: 3 },
      { address: '10.0.0.3', messages: 5 },
    ]);
    expect(u.size).toBe(2);
    expect(u.evicted).toBe(1);
  });

  it('stays bounded under a spoofed-source flood', () => {
    const u = new UnknownSources(100);
    for (let i = 0; i < 100_000; i++) u.add(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 1);
    expect(u.size).toBe(100);
    expect(u.evicted + u.entries().reduce((n, e) => n + e.messages, 0)).toBe(100_000);
  });

  it('with capacity 0 only counts', () => {
    const u = new UnknownSources(0);
    u.add('::1', 4);
    expect(u.size).toBe(0);
    expect(u.evicted).toBe(4);
  });
});
