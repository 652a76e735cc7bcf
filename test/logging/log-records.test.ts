/**
 * The in-memory store of log records per node and workflow (src/logging/log-records.ts): filing by the
 * ids a line carries, newest first with level/time filters and paging, and its bounds — per-key rings,
 * the key cap with least-recently-written eviction, the byte budget and stubs for over-long lines —
 * holding under 100 000 records spread over 10 000 keys.
 */
import { describe, expect, it } from 'vitest';
import { LogRecords, levelValue, type RecordLevel } from '../../src/logging/log-records.ts';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');

function line(fields: Record<string, unknown>, level: RecordLevel = 'info', at = T0): string {
  return `${JSON.stringify({ level, time: new Date(at).toISOString(), memberId: 'm1', ...fields })}\n`;
}

function add(store: LogRecords, fields: Record<string, unknown>, level: RecordLevel = 'info', at = T0): void {
  store.add(line(fields, level, at), levelValue(level));
}

const all = { skip: 0, top: 1_000_000 };

describe('LogRecords', () => {
  it('files a line under its nodeId and its workflowId, and ignores lines naming neither', () => {
    const store = new LogRecords();
    add(store, { nodeId: 'n1', msg: 'node only' });
    add(store, { nodeId: 'n1', workflowId: 'w1', msg: 'both' });
    add(store, { msg: 'neither', entity: 'lookup' });
    add(store, { nodeId: { nested: true }, msg: 'not an id' });
    expect(store.query('node', 'n1', all).items.map((r) => r['msg'])).toEqual(['both', 'node only']);
    expect(store.query('workflow', 'w1', all).items.map((r) => r['msg'])).toEqual(['both']);
    expect(store.query('node', 'n2', all)).toEqual({ items: [], total: 0 });
    expect(store.stats()).toMatchObject({ keys: 2, records: 3 });
  });

  it('drops lines below its level and counts lines it cannot read', () => {
    const store = new LogRecords({ level: 'warn' });
    add(store, { nodeId: 'n1', msg: 'info' }, 'info');
    add(store, { nodeId: 'n1', msg: 'warn' }, 'warn');
    store.add('{"nodeId":"n1", not json', levelValue('error'));
    expect(store.query('node', 'n1', all).items.map((r) => r['msg'])).toEqual(['warn']);
    expect(store.stats().unreadable).toBe(1);
  });

  it('answers newest first, filtered by level and time, paged with the total of the matches', () => {
    const store = new LogRecords({ level: 'trace' });
    const levels: RecordLevel[] = ['debug', 'info', 'warn', 'error'];
    for (let i = 0; i < 40; i += 1) add(store, { nodeId: 'n1', i }, levels[i % 4], T0 + i * 1000);
    const first = store.query('node', 'n1', { skip: 0, top: 5 });
    expect(first.total).toBe(40);
    expect(first.items.map((r) => r['i'])).toEqual([39, 38, 37, 36, 35]);
    expect(store.query('node', 'n1', { skip: 38, top: 5 }).items.map((r) => r['i'])).toEqual([1, 0]);
    const warnings = store.query('node', 'n1', { level: 'warn', skip: 0, top: 100 });
    expect(warnings.total).toBe(20);
    expect(warnings.items.every((r) => r['level'] === 'warn' || r['level'] === 'error')).toBe(true);
    const window = store.query('node', 'n1', { since: T0 + 10_000, until: T0 + 19_000, skip: 0, top: 100 });
    expect(window.items.map((r) => r['i'])).toEqual([19, 18, 17, 16, 15, 14, 13, 12, 11, 10]);
    expect(store.query('node', 'n1', { level: 'error', since: T0 + 10_000, until: T0 + 19_000, skip: 1, top: 1 })).toEqual({ total: 3, items: [expect.objectContaining({ i: 15 })] });
  });

  it('keeps the newest keepPerKey records of a key', () => {
    const store = new LogRecords({ keepPerKey: 3 });
    for (let i = 0; i < 10; i += 1) add(store, { nodeId: 'n1', i });
    expect(store.query('node', 'n1', all).items.map((r) => r['i'])).toEqual([9, 8, 7]);
    expect(store.stats().records).toBe(3);
  });

  it('evicts the least recently written key beyond maxKeys', () => {
    const store = new LogRecords({ maxKeys: 3 });
    for (const id of ['a', 'b', 'c']) add(store, { nodeId: id });
    add(store, { nodeId: 'a', msg: 'a is written again' });
    add(store, { nodeId: 'd' });
    expect(store.query('node', 'b', all).total).toBe(0);
    for (const id of ['a', 'c', 'd']) expect(store.query('node', id, all).total).toBeGreaterThan(0);
    expect(store.stats()).toMatchObject({ keys: 3, evictedKeys: 1 });
  });

  it('stays within maxBytes, trimming the current key itself when it alone is over', () => {
    const store = new LogRecords({ maxBytes: 4096, keepPerKey: 1000 });
    const text = 'x'.repeat(500);
    for (let i = 0; i < 50; i += 1) add(store, { nodeId: 'n1', i, text });
    const stats = store.stats();
    expect(stats.bytes).toBeLessThanOrEqual(4096);
    const kept = store.query('node', 'n1', all);
    expect(kept.total).toBeGreaterThan(3);
    expect(kept.items[0]?.['i']).toBe(49);
    expect(stats.records).toBe(kept.total);
  });

  it('keeps an over-long line as a stub with its level, time, ids and the start of its message', () => {
    const store = new LogRecords({ maxRecordBytes: 1024 });
    add(store, { nodeId: 'n1', workflowId: 'w1', msg: 'm'.repeat(5000), catalog: 'c'.repeat(100_000) }, 'error');
    const [stub] = store.query('node', 'n1', all).items;
    expect(stub).toMatchObject({ level: 'error', time: new Date(T0).toISOString(), nodeId: 'n1', workflowId: 'w1', memberId: 'm1', truncated: { limit: 1024 } });
    expect(String(stub?.['msg']).length).toBeLessThan(1100);
    expect(stub).not.toHaveProperty('catalog');
    expect(store.stats().truncated).toBe(1);
    expect(store.stats().bytes).toBeLessThan(4096);
  });

  it('refuses nonsensical bounds', () => {
    expect(() => new LogRecords({ keepPerKey: 0 })).toThrow(/keepPerKey/);
    expect(() => new LogRecords({ maxBytes: 10 })).toThrow(/maxBytes/);
    expect(() => new LogRecords({ level: 'verbose' as RecordLevel })).toThrow(/level/);
  });

  it('holds its caps under 100 000 records over 10 000 keys', () => {
    const caps = { keepPerKey: 20, maxKeys: 2000, maxBytes: 2 * 1024 * 1024, maxRecordBytes: 2048 };
    const store = new LogRecords(caps);
    let peakBytes = 0;
    let peakKeys = 0;
    for (let i = 0; i < 100_000; i += 1) {
      const key = i % 10_000;
      // Half the records name a workflow too, so one line lands in two rings; every 97th is over-long.
      const fields: Record<string, unknown> = { nodeId: `node-${key}`, i, msg: `record ${i}`, ...(i % 2 === 0 ? { workflowId: `wf-${key % 5000}` } : {}), ...(i % 97 === 0 ? { blob: 'b'.repeat(10_000) } : {}) };
      add(store, fields, 'info', T0 + i);
      if (i % 1000 === 0) {
        peakBytes = Math.max(peakBytes, store.stats().bytes);
        peakKeys = Math.max(peakKeys, store.stats().keys);
      }
    }
    const stats = store.stats();
    expect(Math.max(peakBytes, stats.bytes)).toBeLessThanOrEqual(caps.maxBytes);
    expect(Math.max(peakKeys, stats.keys)).toBeLessThanOrEqual(caps.maxKeys);
    expect(stats.evictedKeys).toBeGreaterThan(0);
    expect(stats.truncated).toBeGreaterThan(1000);
    // The accounting is honest: the kept lines alone fit in what the store says it holds, and no ring is over keepPerKey.
    let lineBytes = 0;
    let records = 0;
    for (let key = 0; key < 10_000; key += 1) {
      for (const [kind, id] of [['node', `node-${key}`], ['workflow', `wf-${key}`]] as const) {
        const page = store.query(kind, id, all);
        expect(page.total).toBeLessThanOrEqual(caps.keepPerKey);
        records += page.total;
        for (const r of page.items) lineBytes += JSON.stringify(r).length;
      }
    }
    expect(records).toBe(stats.records);
    expect(lineBytes).toBeLessThanOrEqual(stats.bytes);
    // The last keys written are the ones kept.
    expect(store.query('node', 'node-9999', all).items[0]?.['i']).toBe(99_999);
    expect(store.query('node', 'node-0', all).total).toBe(0);
  });
});
