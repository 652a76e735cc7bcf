/**
 * Traces through a whole member over real sockets: an HTTP request's `traceparent` reaches the lookup and
 * node entities that handle it and comes back in the response; a malformed one starts a new trace; a DHCP
 * packet's handling carries one trace id, derived from its MAC and xid, through the lookup and node
 * entities; and a body parser does not lose the request's trace.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { startMonorail, type Monorail } from '../../src/monorail.ts';
import { derivedTrace, formatTraceparent, newTrace, parseTraceparent } from '../../src/tracing/trace-context.ts';
import { traceRequests } from '../../src/tracing/http-trace.ts';
import { currentTrace } from '../../src/tracing/trace-scope.ts';
import { clientPacket } from '../support/dhcp-packets.ts';
import { messageTypeOf, udpTestClient, type UdpTestClient } from '../support/dhcp-udp-client.ts';
import { tempStore, type TempStore } from '../support/temp-store.ts';
import { captureLog, type CapturedLog } from '../support/test-logger.ts';

let monorail: Monorail;
let temp: TempStore;
let logs: CapturedLog;
let client: UdpTestClient;
let httpPort = 0;
let bootPort = 0;

beforeAll(async () => {
  temp = tempStore();
  client = await udpTestClient();
  const config = loadConfig({
    layers: [
      {
        memberId: 'trace-test',
        dataDir: temp.dir,
        store: { path: temp.dir },
        actors: { passivateAfterMs: 0 },
        http: { host: '127.0.0.1', port: 0 },
        microkernel: { image: 'none' },
        boot: { serverAddress: '127.0.0.1' },
        dhcp: { enabled: true, host: '127.0.0.1', port: 0, proxyPort: 0, clientPort: client.port },
      },
    ],
  });
  // `trace` level: the runtime logs every command an entity handles, which is what shows a trace's path.
  logs = captureLog('trace');
  monorail = await startMonorail(config, { log: logs.log });
  const portOf = (name: string, which = 0): number => monorail.servers.find((s) => s.name === name)?.addresses()[which]?.port ?? 0;
  httpPort = portOf('http');
  // The PXE boot server port (4011's stand-in): its ACK goes to ciaddr, which a loopback test can receive.
  bootPort = portOf('dhcp', 1);
});

afterAll(async () => {
  await client?.close();
  await monorail?.stop();
  temp?.cleanup();
});

const linesOf = (traceId: string): Record<string, unknown>[] => logs.lines().filter((l) => l['traceId'] === traceId);
const entitiesIn = (traceId: string): Set<unknown> => new Set(linesOf(traceId).filter((l) => l['msg'] === 'command handled').map((l) => l['entity']));

async function until(what: string, test: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('tracing through a member', () => {
  it('runs an HTTP request in the caller\'s trace, down to the entities, and answers with it', async () => {
    const caller = newTrace();
    const res = await fetch(`http://127.0.0.1:${httpPort}/api/current/profiles?macs=52:54:00:7a:00:01`, { headers: { traceparent: formatTraceparent(caller) } });
    expect(res.status).toBe(200);
    await res.text();
    const answered = parseTraceparent(res.headers.get('traceparent') ?? undefined);
    expect(answered?.traceId).toBe(caller.traceId);
    // The response names the span that handled the request, the caller's child (§3.2.2.4: a new parent-id).
    expect(answered?.spanId).not.toBe(caller.spanId);
    expect(res.headers.get('traceresponse')).toBe(res.headers.get('traceparent'));
    await until('the lookup and node entities to log in the trace', () => entitiesIn(caller.traceId).has('lookup') && entitiesIn(caller.traceId).has('node'));
    // The node's own lines (the boot decision) carry the trace and the node id together.
    const nodeLines = linesOf(caller.traceId).filter((l) => l['entity'] === 'node');
    expect(nodeLines.some((l) => typeof l['nodeId'] === 'string')).toBe(true);
    expect(nodeLines.every((l) => typeof l['spanId'] === 'string')).toBe(true);
  });

  it('ignores a malformed traceparent and starts a trace of its own (§3.2.2.3)', async () => {
    for (const bad of [`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, 'garbage', `00-${'A'.repeat(32)}-00f067aa0ba902b7-01`]) {
      const res = await fetch(`http://127.0.0.1:${httpPort}/api/current/profiles?macs=52:54:00:7a:00:02`, { headers: { traceparent: bad } });
      expect(res.status).toBe(200);
      await res.text();
      const answered = parseTraceparent(res.headers.get('traceparent') ?? undefined);
      expect(answered).toBeDefined();
      expect(bad.includes(answered!.traceId)).toBe(false);
      await until('the new trace to reach the node', () => entitiesIn(answered!.traceId).has('node'));
    }
    // Without any traceparent a trace is started too.
    const res = await fetch(`http://127.0.0.1:${httpPort}/no/such/route`);
    expect(res.status).toBe(404);
    expect(parseTraceparent(res.headers.get('traceparent') ?? undefined)).toBeDefined();
  });

  it('carries one trace, derived from the MAC and xid, through a DHCP packet\'s lookup and node entities', async () => {
    const mac = '52:54:00:7a:00:03';
    const xid = 0x5eed;
    const request = (): Buffer => clientPacket({ type: 'REQUEST', mac, xid, ciaddr: '127.0.0.1', vendorClass: 'PXEClient:Arch:00007:UNDI:003016', arch: 7 });
    await client.send(request(), bootPort);
    expect(messageTypeOf(await client.waitFor((p) => p.xid === xid, 5000))).toBe(5);
    const { traceId } = derivedTrace('dhcp', mac, xid.toString(16));
    await until('the lookup and node entities to log in the DHCP trace', () => entitiesIn(traceId).has('lookup') && entitiesIn(traceId).has('node'));
    // The lookup created the node in this trace: its id is in the node's lines of the same trace.
    const nodeIds = new Set(linesOf(traceId).filter((l) => l['entity'] === 'node').map((l) => l['nodeId']));
    expect(nodeIds.size).toBe(1);
    // The same transaction again (a retransmission, or the REQUEST that follows) is the same trace.
    const before = linesOf(traceId).length;
    await client.send(request(), bootPort);
    await until('the second packet to log in the same trace', () => linesOf(traceId).length > before);
  });
});

describe('traceRequests middleware', () => {
  it('keeps the request\'s trace past a body parser (the request stream\'s events)', async () => {
    const app = express();
    app.use(traceRequests());
    app.use(express.json());
    app.post('/echo', (_req, res) => {
      res.json({ traceId: currentTrace()?.traceId ?? null });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    try {
      const caller = newTrace();
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: formatTraceparent(caller) },
        body: JSON.stringify({ large: 'x'.repeat(90_000) }),
      });
      expect(await res.json()).toEqual({ traceId: caller.traceId });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
