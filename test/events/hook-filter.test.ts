import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../src/actors/events/event-bus.ts';
import { compileFilters, filterProblems, valueAt } from '../../src/events/hook-filter.ts';

const event = (over: Partial<DomainEvent> = {}): DomainEvent => ({
  version: '1.0',
  type: 'graph',
  action: 'finished',
  severity: 'information',
  typeId: 'g1',
  nodeId: 'n1',
  createdAt: '2024-01-01T00:00:00.000Z',
  data: { status: 'succeeded', graphName: 'Graph.Discovery', nested: { deep: 7 } },
  ...over,
});

describe('RackHD hook filters', () => {
  it('matches everything with no filters, ORs the list and ANDs the keys of one filter', () => {
    expect(compileFilters([])(event())).toBe(true);
    const m = compileFilters([{ type: '^node$' }, { type: '^graph$', action: '^finished$' }]);
    expect(m(event())).toBe(true);
    expect(m(event({ action: 'started' }))).toBe(false);
    expect(m(event({ type: 'node', action: 'added' }))).toBe(true);
  });

  it('fails a filter whose key the event lacks, and reads dotted paths into the event', () => {
    expect(compileFilters([{ nodeId: '.*' }])(event({ nodeId: undefined }))).toBe(false);
    expect(compileFilters([{ 'data.status': '^succeeded$' }])(event())).toBe(true);
    expect(compileFilters([{ 'data.status': '^failed$' }])(event())).toBe(false);
    expect(compileFilters([{ 'data.nested.deep': '^7$' }])(event())).toBe(true);
    expect(compileFilters([{ 'data.nested': '"deep":7' }])(event())).toBe(true);
    expect(valueAt(event(), 'data.missing.x')).toBeUndefined();
    expect(valueAt(event(), 'data.constructor')).toBeUndefined();
  });

  it('matches nothing for a stored pattern that does not compile', () => {
    expect(compileFilters([{ type: '(' }])(event())).toBe(false);
  });

  it('names each bad filter field: invalid, exponential, too long, bad key', () => {
    const problems = filterProblems([{ type: '^node$' }, { type: '(unclosed', action: '(a+)+$' }, { '': 'x', 'a..b': 'x' }, { severity: 'x'.repeat(1001) }]);
    expect(problems.map((p) => p.path)).toEqual(['body.filters.1.type', 'body.filters.1.action', 'body.filters.2.', 'body.filters.2.a..b', 'body.filters.3.severity']);
    expect(problems[0]?.message).toMatch(/^body\.filters\.1\.type is not a valid regular expression/);
    expect(problems[1]?.message).toContain('exponential');
    expect(filterProblems(Array.from({ length: 51 }, () => ({})))[0]?.message).toContain('more than 50 filters');
  });

  it('bounds the text a pattern is tested against', () => {
    const m = compileFilters([{ 'data.blob': 'END$' }]);
    expect(m(event({ data: { blob: `${'x'.repeat(10_000)}END` } }))).toBe(false);
    expect(m(event({ data: { blob: 'xxEND' } }))).toBe(true);
  });
});
