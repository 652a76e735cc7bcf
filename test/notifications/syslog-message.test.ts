/**
 * RFC 5424 formatting, read back with Monorail's own RFC 5424 parser (src/protocols/syslog): every field
 * where §6 puts it, structured data escaped per §6.3.3, the BOM of §6.4, and the length limit kept without
 * splitting a character; the delivery's trace in a private `trace@<number>` element (§6.3.2).
 */
import { describe, expect, it } from 'vitest';
import { parseSyslogMessage } from '../../src/protocols/syslog/message-parser.ts';
import { escapeParamValue, fitUtf8, formatSyslogMessage, headerField, traceDataId, type SyslogFormatOptions } from '../../src/notifications/syslog-message.ts';
import { formatTraceparent, newTrace, parseTraceparent } from '../../src/tracing/trace-context.ts';
import { alert } from './notification-fixtures.ts';

const options: SyslogFormatOptions = { facility: 16, hostname: 'mgmt-1', appName: 'monorail', procId: '4242', structuredDataId: 'monorail@32473', maxMessageBytes: 2048, software: 'Monorail' };

function parsed(bytes: Buffer) {
  const outcome = parseSyslogMessage(bytes);
  if (outcome.kind !== 'record') throw new Error('empty');
  expect(outcome.malformed).toBeUndefined();
  return outcome.record;
}

describe('RFC 5424 syslog message', () => {
  it('carries PRI, version, timestamp, header fields, structured data and MSG where §6 says', () => {
    const e = { ...alert('critical'), createdAt: '2025-03-04T05:06:07.089Z' };
    const bytes = formatSyslogMessage(e, 'd-1', options);
    expect(bytes.toString()).toMatch(/^<130>1 2025-03-04T05:06:07\.089Z mgmt-1 monorail 4242 node\.alerts \[monorail@32473 /);
    const r = parsed(bytes);
    expect(r).toMatchObject({ format: '5424', facility: 16, severity: 2, timestamp: '2025-03-04T05:06:07.089Z', hostname: 'mgmt-1', appName: 'monorail', procId: '4242', msgId: 'node.alerts' });
    expect(r.structuredData).toEqual([
      {
        id: 'monorail@32473',
        params: [
          { name: 'type', value: 'node' },
          { name: 'action', value: 'alerts' },
          { name: 'severity', value: 'critical' },
          { name: 'typeId', value: e.typeId },
          { name: 'nodeId', value: e.nodeId },
          { name: 'deliveryId', value: 'd-1' },
        ],
      },
      { id: 'origin', params: [{ name: 'software', value: 'Monorail' }] },
    ]);
    // §6.4: the BOM marks UTF-8 and is not content.
    expect(bytes.includes(Buffer.from('\uFEFF'))).toBe(true);
    expect(r.message).toBe(`node.alerts critical typeId=${e.typeId} nodeId=${e.nodeId} ${JSON.stringify(e.data)}`);
  });

  it('maps severities per §6.2.1 and uses the configured facility', () => {
    expect(parsed(formatSyslogMessage(alert('warning'), 'x', { ...options, facility: 3 }))).toMatchObject({ facility: 3, severity: 4 });
    expect(parsed(formatSyslogMessage(alert('information', undefined), 'x', options))).toMatchObject({ facility: 16, severity: 6 });
  });

  it('escapes ", \\ and ] in parameter values (§6.3.3) and keeps header fields PRINTUSASCII (§6.2.4–§6.2.7)', () => {
    expect(escapeParamValue('a"b\\c]d')).toBe('a\\"b\\\\c\\]d');
    expect(headerField('host name\u00e9', 255)).toBe('host_name_');
    expect(headerField('', 48)).toBe('-');
    expect(headerField('x'.repeat(60), 48)).toHaveLength(48);
    const e = { ...alert('critical'), typeId: 'rack "7" \\ [row]', action: 'alert raised' };
    const r = parsed(formatSyslogMessage(e, 'x', { ...options, hostname: 'bad host' }));
    expect(r.hostname).toBe('bad_host');
    expect(r.msgId).toBe('node.alert_raised');
    expect(r.structuredData?.[0]?.params.find((p) => p.name === 'typeId')?.value).toBe('rack "7" \\ [row]');
  });

  it('stays within maxMessageBytes, cutting MSG at a character boundary', () => {
    const e = alert('critical', 'aaaaaaaaaaaaaaaaaaaaaaaa', { text: '€'.repeat(2000) });
    const bytes = formatSyslogMessage(e, 'x', { ...options, maxMessageBytes: 600 });
    expect(bytes.length).toBeLessThanOrEqual(600);
    expect(bytes.length).toBeGreaterThan(597);
    expect(bytes.toString('utf8')).not.toContain('\uFFFD');
    expect(parsed(bytes).message.startsWith('node.alerts critical')).toBe(true);
    expect(fitUtf8('a€b', 3)).toBe('a');
    expect(fitUtf8('a€b', 4)).toBe('a€');
    expect(fitUtf8('😀x', 3)).toBe('');
  });

  it('falls back to the current time when the event\'s time is unusable', () => {
    const r = parsed(formatSyslogMessage({ ...alert(), createdAt: 'yesterday' }, 'x', options, { now: () => new Date('2030-01-01T00:00:00Z') }));
    expect(r.timestamp).toBe('2030-01-01T00:00:00.000Z');
  });

  it('carries the trace as [trace@<number> traceparent="…"] between the event and origin elements, only when there is one', () => {
    const span = newTrace();
    const r = parsed(formatSyslogMessage(alert('critical'), 'd-1', { ...options, structuredDataId: 'acme@12345.6' }, { trace: span }));
    expect(r.structuredData?.map((e) => e.id)).toEqual(['acme@12345.6', 'trace@12345.6', 'origin']);
    const value = r.structuredData?.[1]?.params;
    expect(value).toEqual([{ name: 'traceparent', value: formatTraceparent(span) }]);
    expect(parseTraceparent(value?.[0]?.value)).toEqual(span);
    expect(parsed(formatSyslogMessage(alert('critical'), 'd-1', options)).structuredData?.map((e) => e.id)).toEqual(['monorail@32473', 'origin']);
    // §6.3.2: SD-NAMEs are at most 32 characters; a trace id that would be longer is left out rather than sent invalid.
    expect(traceDataId('monorail@32473')).toBe('trace@32473');
    expect(traceDataId('m@1234567890123456789012345678')).toBeUndefined();
    expect(traceDataId('registered')).toBeUndefined();
    const long = parsed(formatSyslogMessage(alert('critical'), 'd-1', { ...options, structuredDataId: 'm@1234567890123456789012345678' }, { trace: span }));
    expect(long.structuredData?.map((e) => e.id)).toEqual(['m@1234567890123456789012345678', 'origin']);
  });
});
