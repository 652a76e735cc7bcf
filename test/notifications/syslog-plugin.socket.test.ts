/**
 * The syslog channel against real receivers on loopback: Monorail's own syslog server (which parses
 * RFC 5424, src/protocols/syslog) over UDP and over TCP, a plain TCP socket that checks the RFC 6587
 * §3.4.1 octet-counted frames byte for byte, and a TCP receiver that is down when the alert is raised and
 * comes up later (and then restarts): the delivery is retried, and the status shows the failure, then the
 * success. The message that finally arrives carries the trace the alert was raised in (`trace@32473`).
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { newTrace, parseTraceparent } from '../../src/tracing/trace-context.ts';
import { runInTrace } from '../../src/tracing/trace-scope.ts';
import { parseSyslogMessage } from '../../src/protocols/syslog/message-parser.ts';
import { createSyslogServer, type SyslogServer } from '../../src/protocols/syslog/syslog-server.ts';
import { FakeSyslogDirectory } from '../support/fake-directory-syslog.ts';
import { captureLog } from '../support/test-logger.ts';
import { alert, startDispatcher, statusUntil } from './notification-fixtures.ts';

const NODE = '0123456789abcdef01234567';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function syslogServer(port = 0): Promise<{ server: SyslogServer; directory: FakeSyslogDirectory; port: number }> {
  const directory = new FakeSyslogDirectory().bind('127.0.0.1', NODE);
  const config = loadConfig({ layers: [{ syslog: { enabled: true, host: '127.0.0.1', port, maxMessageBytes: 8192 } }] });
  const server = createSyslogServer({ config, directory, log: captureLog('warn').log, entities: () => { throw new Error('unused'); } });
  await server.start();
  cleanups.push(() => server.stop());
  const bound = server.addresses().find((a) => a.protocol === 'tcp')?.port ?? 0;
  return { server, directory, port: bound };
}

/** A port nothing listens on (taken from the OS, then released). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const channel = (transport: 'udp' | 'tcp', port: number) => ({ name: `syslog-${transport}`, kind: 'syslog', host: '127.0.0.1', port, transport, hostname: 'mgmt-1' });

describe('syslog notification channel', () => {
  for (const transport of ['udp', 'tcp'] as const) {
    it(`forwards alerts over ${transport.toUpperCase()} as RFC 5424 that Monorail's syslog server parses`, async () => {
      const { server, directory, port } = await syslogServer();
      const { bus, dispatcher } = await startDispatcher({ channels: [channel(transport, port)] }, cleanups);
      const e = alert('critical', 'bbbbbbbbbbbbbbbbbbbbbbbb', { sensor: 'CPU1 Temp', reading: 97 });
      bus.publish(e);
      bus.publish(alert('warning'));
      await dispatcher.whenIdle();
      const seen = await directory.waitFor((o) => o.observation.msgId === 'node.alerts' && o.observation.severity === 2);
      expect(seen.observation).toMatchObject({ format: '5424', facility: 16, severity: 2, hostname: 'mgmt-1', appName: 'monorail', procId: String(process.pid) });
      expect(seen.observation.message).toBe(`node.alerts critical typeId=${e.typeId} nodeId=${e.nodeId} ${JSON.stringify(e.data)}`);
      expect(seen.observation.structuredData).toMatchObject({ 'monorail@32473': { type: ['node'], action: ['alerts'], severity: ['critical'], nodeId: [e.nodeId] }, origin: { software: ['Monorail'] } });
      await directory.waitFor((o) => o.observation.severity === 4);
      expect(server.stats()).toMatchObject({ records5424: 2, malformed: 0 });
      expect(dispatcher.channel(`syslog-${transport}`)).toMatchObject({ delivered: 2, failed: 0, consecutiveFailures: 0 });
    });
  }

  it('frames TCP messages with octet counting (RFC 6587 §3.4.1) on one connection', async () => {
    const received: Buffer[] = [];
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => {
      sockets.add(s);
      s.on('data', (d: Buffer) => received.push(d));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const c of sockets) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const { port } = server.address() as AddressInfo;
    const { bus, dispatcher } = await startDispatcher({ channels: [channel('tcp', port)] }, cleanups);
    // A message with newlines in it: LF framing (§3.4.2) would split it; octet counting does not.
    const events = [alert('critical', undefined, { note: 'line one\nline two' }), alert('warning'), alert('information')];
    for (const e of events) bus.publish(e);
    await dispatcher.whenIdle();
    const deadline = Date.now() + 5000;
    let frames: Buffer[] = [];
    while (Date.now() < deadline) {
      frames = splitOctetCounted(Buffer.concat(received));
      if (frames.length === 3) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(frames).toHaveLength(3);
    expect(sockets.size).toBe(1);
    const records = frames.map((f) => parseSyslogMessage(f));
    expect(records.map((r) => (r.kind === 'record' ? [r.record.format, r.record.severity, r.malformed] : r.kind))).toEqual([
      ['5424', 2, undefined],
      ['5424', 4, undefined],
      ['5424', 6, undefined],
    ]);
    const first = records[0];
    expect(first?.kind === 'record' && first.record.message.includes('line one\\nline two')).toBe(true);
  });

  it('retries while the TCP receiver is down, delivers once it comes up, and the status shows both', async () => {
    const port = await freePort();
    const { bus, dispatcher, lines } = await startDispatcher({ channels: [channel('tcp', port)] }, cleanups);
    const e = alert('critical', 'cccccccccccccccccccccccc');
    const raised = newTrace();
    runInTrace(raised, () => bus.publish(e));
    const down = await statusUntil(dispatcher, 'syslog-tcp', (s) => s.consecutiveFailures >= 2, 'failed attempts');
    expect(down.lastError?.error).toMatch(/ECONNREFUSED/);
    expect(down).toMatchObject({ delivered: 0, inFlight: true });
    expect(down.lastSuccess).toBeUndefined();

    const { directory, server } = await syslogServer(port);
    const seen = await directory.waitFor((o) => o.observation.structuredData?.['monorail@32473']?.['nodeId']?.[0] === e.nodeId, 15_000);
    expect(seen.observation.severity).toBe(2);
    const up = await statusUntil(dispatcher, 'syslog-tcp', (s) => s.delivered === 1, 'the delivery');
    expect(up.consecutiveFailures).toBe(0);
    expect(up.lastError?.error).toMatch(/ECONNREFUSED/);
    expect(up.lastSuccess?.attempt).toBeGreaterThan(up.lastError?.attempt ?? 0);
    // A retried attempt: the alert's trace, the attempt's own span, the same span as the attempt's log line.
    const sent = parseTraceparent(seen.observation.structuredData?.['trace@32473']?.['traceparent']?.[0]);
    expect(sent?.traceId).toBe(raised.traceId);
    expect(sent?.spanId).not.toBe(raised.spanId);
    expect(lines().find((l) => l['msg'] === 'notifications: delivery attempt failed; retrying')).toMatchObject({ traceId: raised.traceId });
    expect(lines().find((l) => l['msg'] === 'notifications: channel delivers again')).toMatchObject({ traceId: raised.traceId, spanId: sent?.spanId });

    // The receiver restarts: the dead connection is dropped, the next alert waits for the new one.
    await server.stop();
    const e2 = alert('warning', 'dddddddddddddddddddddddd');
    bus.publish(e2);
    await statusUntil(dispatcher, 'syslog-tcp', (s) => s.consecutiveFailures >= 1, 'a failure while restarting');
    const restarted = await syslogServer(port);
    await restarted.directory.waitFor((o) => o.observation.structuredData?.['monorail@32473']?.['nodeId']?.[0] === e2.nodeId, 15_000);
    expect(await statusUntil(dispatcher, 'syslog-tcp', (s) => s.delivered === 2, 'the second delivery')).toMatchObject({ failed: 0, consecutiveFailures: 0 });
  });
});

function splitOctetCounted(stream: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  let i = 0;
  while (i < stream.length) {
    const sp = stream.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number(stream.subarray(i, sp).toString('ascii'));
    expect(stream.subarray(i, sp).toString('ascii')).toMatch(/^[1-9]\d*$/);
    if (sp + 1 + len > stream.length) break;
    frames.push(stream.subarray(sp + 1, sp + 1 + len));
    i = sp + 1 + len;
  }
  return frames;
}
