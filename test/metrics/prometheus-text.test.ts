/** The test-side reader of the text format is strict: the scrapes that go through it prove something. */
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { snakeCase } from '../../src/metrics/stats-families.ts';
import { parseExposition, valueOf } from './prometheus-text.ts';

describe('parseExposition', () => {
  it("reads prom-client's own output, escapes included", async () => {
    const registry = new Registry();
    new Counter({ name: 'x_total', help: 'x', labelNames: ['path'], registers: [registry] }).inc({ path: 'a "quoted"\\ \nline' }, 3);
    new Histogram({ name: 'h_seconds', help: 'h', buckets: [1], registers: [registry] }).observe(0.5);
    const m = parseExposition(await registry.metrics());
    expect(valueOf(m, 'x_total', { path: 'a "quoted"\\ \nline' })).toBe(3);
    expect(valueOf(m, 'h_seconds_bucket', { le: '+Inf' })).toBe(1);
    expect(valueOf(m, 'h_seconds_count')).toBe(1);
    expect(m.get('h_seconds')?.type).toBe('histogram');
  });

  it('refuses what Prometheus would refuse', () => {
    expect(() => parseExposition('undeclared_total 1\n')).toThrow(/no declared family/);
    expect(() => parseExposition('# TYPE a counter\na{l="x} 1\n')).toThrow(/unterminated/);
    expect(() => parseExposition('# TYPE a counter\na{l=x} 1\n')).toThrow(/unquoted/);
    expect(() => parseExposition('# TYPE a counter\na one\n')).toThrow(/not a sample value/);
    expect(() => parseExposition('# TYPE a widget\n')).toThrow(/bad type/);
  });
});

describe('snakeCase (stats fields to metric names)', () => {
  it('splits camel case and keeps digits', () => {
    expect(['received', 'bytesSent', 'transfersCompleted', 'records5424', 'tcpAccepted', 'inFlight'].map(snakeCase)).toEqual([
      'received',
      'bytes_sent',
      'transfers_completed',
      'records5424',
      'tcp_accepted',
      'in_flight',
    ]);
  });
});
