/**
 * /metrics of a whole member over a real socket: real DHCP (proxy mode), TFTP, syslog and HTTP traffic
 * from real UDP/TCP clients, then a scrape parsed as Prometheus would parse it. Counters move by exactly
 * the traffic sent, malformed packets are counted, the latency histograms saw the requests, and the actor,
 * journal, workflow and process families are there with values the member itself confirms.
 */
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientPacket } from '../support/dhcp-packets.ts';
import { messageTypeOf, udpTestClient, type UdpTestClient } from '../support/dhcp-udp-client.ts';
import { startFixture, type MonorailFixture } from '../support/monorail-fixture.ts';
import { tftpGet } from '../support/tftp-client.ts';
import { parseExposition, samplesOf, valueOf, type Exposition } from './prometheus-text.ts';

let member: MonorailFixture;
let client: UdpTestClient;
let root: string;
const ports = { http: 0, dhcp: 0, boot: 0, tftp: 0, syslog: 0 };

function portOf(name: string, which = 0): number {
  const p = member.monorail.servers.find((s) => s.name === name)?.addresses()[which]?.port;
  if (p === undefined) throw new Error(`${name} is not serving`);
  return p;
}

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'metrics-tftp-'));
  writeFileSync(path.join(root, 'undionly.kpxe'), randomBytes(40_000));
  client = await udpTestClient();
  member = await startFixture({
    layer: {
      boot: { serverAddress: '127.0.0.1' },
      dhcp: { enabled: true, host: '127.0.0.1', port: 0, proxyPort: 0, clientPort: client.port },
      tftp: { enabled: true, host: '127.0.0.1', port: 0, root, fallbackRoots: [] },
      syslog: { enabled: true, host: '127.0.0.1', port: 0 },
    },
  });
  ports.http = portOf('http');
  ports.dhcp = portOf('dhcp', 0);
  ports.boot = portOf('dhcp', 1);
  ports.tftp = portOf('tftp');
  ports.syslog = portOf('syslog');
});

afterAll(async () => {
  await client?.close();
  await member?.stop();
  rmSync(root, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function get(urlPath: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: ports.http, path: urlPath, method: 'GET', agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function scrape(): Promise<Exposition> {
  const res = await get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4; charset=utf-8$/);
  return parseExposition(res.body);
}

function sendUdp(port: number, payload: Buffer): Promise<void> {
  const socket = dgram.createSocket('udp4');
  return new Promise<void>((resolve, reject) => socket.send(payload, port, '127.0.0.1', (e) => (e ? reject(e) : resolve()))).finally(() => socket.close());
}

async function until(what: string, test: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const stat = (server: string, counter: string): number => member.monorail.servers.find((s) => s.name === server)?.stats()[counter] ?? 0;

describe('/metrics of a running member', () => {
  it('counts real DHCP, TFTP, syslog and HTTP traffic, malformed packets included, and times it', async () => {
    const before = await scrape();
    const delta = (after: Exposition, name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);

    // DHCP: a PXE client's REQUEST on the boot server port (answered with an ACK to ciaddr), and junk on port 67.
    const mac = '52:54:00:7e:00:01';
    await client.send(clientPacket({ type: 'REQUEST', mac, xid: 71, ciaddr: '127.0.0.1', vendorClass: 'PXEClient:Arch:00007:UNDI:003016', arch: 7 }), ports.boot);
    expect(messageTypeOf(await client.waitFor((p) => p.xid === 71, 5000))).toBe(5);
    await client.send(Buffer.from('not a DHCP packet'), ports.dhcp);
    await until('DHCP to count both packets', () => stat('dhcp', 'received') >= 2 && stat('dhcp', 'malformed') >= 1 && stat('dhcp', 'answered') >= 1);

    // TFTP: a whole transfer, and a datagram that is not TFTP.
    const got = await tftpGet({ host: '127.0.0.1', port: ports.tftp, file: 'undionly.kpxe', options: { blksize: 1468, tsize: 0 } });
    expect(got.data.length).toBe(40_000);
    await sendUdp(ports.tftp, Buffer.from([0x00]));
    await until('TFTP to count the transfer and the junk', () => stat('tftp', 'transfersCompleted') >= 1 && stat('tftp', 'malformed') >= 1);

    // syslog: one RFC 5424 message and one with an impossible PRI (kept as raw text, counted malformed), each
    // delivered to the node DHCP saw at 127.0.0.1 (or dropped if that binding is not there yet).
    await sendUdp(ports.syslog, Buffer.from('<34>1 2026-01-01T00:00:00Z host app - - - metrics test'));
    await sendUdp(ports.syslog, Buffer.from('<999>not a priority'));
    await until('syslog to deliver or drop both messages', () => stat('syslog', 'answered') + stat('syslog', 'dropped') >= 2);

    // HTTP: iPXE's profile request, and a path no route serves.
    expect((await get(`/api/current/profiles?macs=${mac}`)).status).toBe(200);
    expect((await get('/no/such/thing/52:54:00:7e:00:01')).status).toBe(404);
    expect((await get('/common/no-such-image-52:54:00:7e:00:01.iso')).status).toBe(404);

    const after = await scrape();

    expect(delta(after, 'monorail_dhcp_received_total')).toBe(2);
    expect(delta(after, 'monorail_dhcp_malformed_total')).toBe(1);
    expect(delta(after, 'monorail_dhcp_dropped_total')).toBe(1);
    expect(delta(after, 'monorail_dhcp_answered_total')).toBe(1);
    expect(delta(after, 'monorail_dhcp_acks_total')).toBe(1);
    expect(delta(after, 'monorail_dhcp_request_duration_seconds_count', { request: 'REQUEST', reply: 'ACK' })).toBe(1);
    expect(delta(after, 'monorail_boot_decision_duration_seconds_count', { protocol: 'proxydhcp' })).toBe(1);
    expect(delta(after, 'monorail_boot_decision_duration_seconds_count', { protocol: 'http' })).toBe(1);
    expect(delta(after, 'monorail_node_resolution_duration_seconds_count', { outcome: 'created' })).toBe(1);

    expect(delta(after, 'monorail_tftp_malformed_total')).toBe(1);
    expect(delta(after, 'monorail_tftp_transfers_completed_total')).toBe(1);
    expect(delta(after, 'monorail_tftp_bytes_sent_total')).toBe(40_000);
    expect(delta(after, 'monorail_tftp_transfer_duration_seconds_count', { outcome: 'completed' })).toBe(1);
    expect(valueOf(after, 'monorail_tftp_active_transfers')).toBe(0);

    expect(delta(after, 'monorail_syslog_received_total')).toBe(2);
    expect(delta(after, 'monorail_syslog_answered_total') + delta(after, 'monorail_syslog_dropped_total')).toBe(2);
    expect(delta(after, 'monorail_syslog_malformed_total')).toBe(1);

    // The first scrape itself is counted too: its response finished before the second one was collected.
    expect(delta(after, 'monorail_http_requests_total')).toBe(4);
    expect(delta(after, 'monorail_http_request_duration_seconds_count', { method: 'GET', route: '/api/current/profiles', status: '200' })).toBe(1);
    expect(delta(after, 'monorail_http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(delta(after, 'monorail_http_request_duration_seconds_count', { method: 'GET', route: '/common/*', status: '404' })).toBe(1);
    expect(delta(after, 'monorail_http_request_duration_seconds_count', { method: 'GET', route: '/metrics', status: '200' })).toBe(1);
    // Templates only: no MAC or node id leaks into a label.
    for (const s of samplesOf(after, 'monorail_http_request_duration_seconds_count')) expect(s.labels['route']).not.toMatch(/52:54/);
  });

  it('reports actors, the journal, workflows and the process, matching what the member says', async () => {
    await member.monorail.directory.resolveMac('52:54:00:7e:00:02', '127.0.0.9');
    const m = await scrape();
    const runtime = member.monorail.system.runtimeStats();
    const nodes = runtime.entities.find((e) => e.kind === 'node');
    expect(nodes?.active).toBeGreaterThan(0);
    expect(valueOf(m, 'monorail_actor_entities', { kind: 'node', status: 'active' })).toBe(nodes?.active);
    expect(valueOf(m, 'monorail_actor_entities', { kind: 'lookup', status: 'active' })).toBeGreaterThan(0);
    expect(valueOf(m, 'monorail_actor_spawned_total', { kind: 'node' })).toBe(nodes?.spawned);
    expect(samplesOf(m, 'monorail_actor_mailbox_messages').map((s) => s.labels['actor'])).toEqual(expect.arrayContaining(['node', 'lookup', 'address', 'conductor']));
    expect(valueOf(m, 'monorail_actor_asks_pending')).toBeGreaterThanOrEqual(0);

    expect(valueOf(m, 'monorail_journal_operation_duration_seconds_count', { operation: 'append', outcome: 'ok' })).toBeGreaterThan(0);
    expect(valueOf(m, 'monorail_journal_appended_records_total')).toBeGreaterThan(0);

    const workflows = samplesOf(m, 'monorail_workflows');
    expect(workflows.map((s) => s.labels['status']).sort()).toEqual(['cancelled', 'failed', 'pending', 'running', 'succeeded', 'timeout']);
    expect(workflows.reduce((n, s) => n + s.value, 0)).toBe(await member.monorail.store.documents.collection('workflows').count({}));

    expect(m.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
    expect(valueOf(m, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(m.get('monorail_dhcp_request_duration_seconds')?.type).toBe('histogram');
    expect(m.get('monorail_dhcp_received_total')?.type).toBe('counter');
  });

  it('is in the route registry as a public GET, and ignores credentials it does not need', async () => {
    const route = member.monorail.api?.registry.mounted().find((r) => r.paths.includes('/metrics'));
    expect(route).toMatchObject({ method: 'get', access: 'public' });
    expect((await get('/metrics', { authorization: 'Bearer not-a-token' })).status).toBe(200);
  });
});
