/**
 * The southbound boot endpoints over a real member (store, actors, HTTP listener on 127.0.0.1:0), driven
 * with supertest and with the real curl, as iPXE would call them.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type MonorailFixture } from '../../support/monorail-fixture.ts';

const execFileP = promisify(execFile);
let fixture: MonorailFixture;
let base: string;
let staticDir: string;
const blob = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251));

beforeAll(async () => {
  staticDir = mkdtempSync(path.join(tmpdir(), 'monorail-static-'));
  writeFileSync(path.join(staticDir, 'vmlinuz'), blob);
  fixture = await startFixture({ layer: { http: { staticRoot: staticDir }, boot: { httpBaseUrl: 'http://10.99.0.1:8080' } } });
  const http = fixture.monorail.servers.find((s) => s.name === 'http');
  const address = http?.addresses()[0];
  if (!address) throw new Error('http server not listening');
  base = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await fixture.stop();
  rmSync(staticDir, { recursive: true, force: true });
});

describe('GET /api/current/profiles', () => {
  it('asks a machine that did not say who it is for its MACs (redirect.ipxe)', async () => {
    const res = await request(base).get('/api/current/profiles');
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/plain');
    expect(res.text).toMatch(/^#!ipxe\n/);
    expect(res.text).toContain('chain --replace http://10.99.0.1:8080/api/current/profiles?${query}');
  });

  it('creates the node on first contact and boots it into discovery, with every NIC bound to it', async () => {
    const res = await request(base).get('/api/2.0/profiles?macs=52-54-00-12-34-01&macs=52-54-00-12-34-02&ips=10.99.0.77');
    expect(res.status).toBe(200);
    expect(res.text).toContain('kernel http://10.99.0.1:8080/common/vmlinuz');
    expect(res.text).toContain('mk.mac=52:54:00:12:34:01');
    const nodeId = /mk\.node=([0-9a-f]{24})/.exec(res.text)?.[1];
    expect(nodeId).toBeDefined();
    const node = await fixture.monorail.nodes.ask(nodeId!, { type: 'node.get' });
    expect([...node.identifiers].sort()).toEqual(['52:54:00:12:34:01', '52:54:00:12:34:02']);
    // The second NIC alone now finds the same node.
    const again = await request(base).get('/api/current/profiles?macs=52:54:00:12:34:02');
    expect(again.text).toContain(`mk.node=${nodeId}`);
    expect(await fixture.monorail.store.documents.collection('nodes').count({})).toBe(1);
    expect(await fixture.monorail.directory.nodeAtAddress('10.99.0.77')).toBe(nodeId);
  });

  it('tells an idle node to boot from disk, and a node with bootSettings to boot its profile', async () => {
    const { nodeId } = await fixture.monorail.directory.resolveMac('52:54:00:12:34:10');
    await fixture.monorail.nodes.ask(nodeId, { type: 'node.lifecycle', event: { type: 'discovery.started' } });
    await fixture.monorail.nodes.ask(nodeId, { type: 'node.lifecycle', event: { type: 'inventory.completed' } });
    const idle = await request(base).get('/api/current/profiles?macs=52:54:00:12:34:10');
    expect(idle.text).toContain('boots from its local disk');
    expect(idle.text).toContain('\nexit\n');
    await fixture.monorail.store.documents
      .collection('profiles')
      .put({ id: 'global:hello.ipxe', name: 'hello.ipxe', scope: 'global', contents: '#!ipxe\necho hello <%= nodeId %> <%= options.greeting %>\n' });
    await fixture.monorail.nodes.ask(nodeId, { type: 'node.update', patch: { bootSettings: { profile: 'hello.ipxe', options: { greeting: 'operator' } } } });
    const custom = await request(base).get('/api/current/profiles?macs=52:54:00:12:34:10');
    expect(custom.text).toBe(`#!ipxe\necho hello ${nodeId} operator\n`);
  });

  it('answers a missing or broken profile with a script that retries, not a dead end', async () => {
    const { nodeId } = await fixture.monorail.directory.resolveMac('52:54:00:12:34:20');
    // An available node: a new one would be claimed for discovery, which outranks bootSettings (RackHD's rule).
    await fixture.monorail.nodes.ask(nodeId, { type: 'node.lifecycle', event: { type: 'discovery.started' } });
    await fixture.monorail.nodes.ask(nodeId, { type: 'node.lifecycle', event: { type: 'inventory.completed' } });
    await fixture.monorail.nodes.ask(nodeId, { type: 'node.update', patch: { bootSettings: { profile: 'missing.ipxe', options: {} } } });
    const res = await request(base).get('/api/current/profiles?macs=52:54:00:12:34:20');
    expect(res.status).toBe(200);
    expect(res.headers['x-monorail-retry']).toBe('VALIDATION_FAILED');
    expect(res.text).toMatch(/^#!ipxe\necho Monorail: profile missing.ipxe unavailable; asking again in 30 s\nsleep 30\nchain --replace /);
  });

  it.each([
    ['macs=nonsense', 'macs'],
    ['macs=52:54:00:12:34:01&ips=10.0.0.999', 'ips'],
    ['macs=52:54:00:12:34:01;reboot', 'macs'],
    [Array.from({ length: 40 }, (_, i) => `macs=52:54:00:00:00:${i.toString(16).padStart(2, '0')}`).join('&'), 'macs'],
  ])('refuses bad input %s with a 400 naming the field', async (query, field) => {
    const res = await request(base).get(`/api/current/profiles?${query}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400, errors: [{ path: field }] });
  });

  it('serves the same profile to the real curl', async () => {
    const { stdout } = await execFileP('curl', ['-sf', `${base}/api/current/profiles?macs=52:54:00:12:34:30`]);
    expect(stdout).toContain('#!ipxe');
    expect(stdout).toContain('mk.mac=52:54:00:12:34:30');
  });
});

describe('static boot files under /common', () => {
  it('serves whole files, HEAD and byte ranges to curl', async () => {
    const whole = await execFileP('curl', ['-sf', `${base}/common/vmlinuz`], { encoding: 'buffer', maxBuffer: 10_000_000 });
    expect(createHash('sha256').update(whole.stdout).digest('hex')).toBe(createHash('sha256').update(blob).digest('hex'));
    const head = await execFileP('curl', ['-sfI', `${base}/common/vmlinuz`]);
    expect(head.stdout).toMatch(/content-length: 300000/i);
    expect(head.stdout).toMatch(/accept-ranges: bytes/i);
    const range = await execFileP('curl', ['-sf', '-r', '1000-1999', `${base}/common/vmlinuz`], { encoding: 'buffer' });
    expect(Buffer.compare(range.stdout, blob.subarray(1000, 2000))).toBe(0);
  });

  it('refuses traversal and unknown files', async () => {
    expect((await request(base).get('/common/../package.json')).status).toBe(404);
    expect((await request(base).get('/common/%2e%2e/%2e%2e/etc/passwd')).status).toBe(404);
    expect((await request(base).get('/common/nothing-here')).status).toBe(404);
  });
});
