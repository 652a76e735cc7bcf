/**
 * Discovery over real sockets: a machine asks for its profile (first contact), Monorail starts the
 * Discovery graph, and a simulated agent speaks the microkernel protocol over HTTP with outputs captured
 * from real tools; the node ends available with parsed catalogs, a SKU and tags. Then the protocol's bad
 * input: wrong ids, malformed and huge bodies, posts nobody waits for.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogCommands } from '../../../src/actors/catalog/command-parsers.ts';
import { runSimAgent } from '../../../src/sim/sim-agent.ts';
import { qemuGuest } from '../../support/qemu-guest.ts';
import { startFixture, type MonorailFixture } from '../../support/monorail-fixture.ts';

let f: MonorailFixture;
let base: string;
beforeAll(async () => {
  f = await startFixture();
  const http = f.monorail.servers.find((s) => s.name === 'http');
  const address = http?.addresses()[0];
  if (address === undefined) throw new Error('http server has no address');
  base = `http://127.0.0.1:${address.port}`;
  await f.monorail.store.documents.collection('skus').put({ id: 'sku-acme', name: 'Acme AS-2224', rules: [{ path: 'dmi.System Information.Manufacturer', equals: 'Acme Servers Inc.' }], createdAt: new Date().toISOString() });
  await f.monorail.store.documents.collection('skus').put({ id: 'sku-acme-gen3', name: 'Acme AS-2224 Gen3', rules: [{ path: 'dmi.System Information.Manufacturer', equals: 'Acme Servers Inc.' }, { path: 'dmi.System Information.Product Name', regex: 'Gen3$' }], discoveryGraphName: 'Graph.noop-example', discoveryGraphOptions: { 'noop-1': { delay: 1 } }, createdAt: new Date().toISOString() });
  await f.monorail.store.documents.collection('tags').put({ id: 'tag-nvme', name: 'has-nvme', rules: [{ path: 'lsblk.blockdevices.0.tran', in: ['nvme', 'sata', 'virtio'] }] });
});
afterAll(async () => {
  await f.stop();
});

describe('discovery through the microkernel protocol', () => {
  it('first contact starts discovery; the agent loop over HTTP leaves the node available with catalogs, SKU and tags', async () => {
    const mac = '52:54:00:d1:5c:01';
    const profile = await request(base).get(`/api/current/profiles?macs=${mac}&ips=10.0.2.15`).set('Host', '127.0.0.1');
    expect(profile.status).toBe(200);
    expect(profile.text).toContain('booting the microkernel');
    const steps: string[] = [];
    const code = await runSimAgent({ server: base, mac, inventory: qemuGuest, signal: AbortSignal.timeout(30_000), pollMinMs: 20, pollMaxMs: 100, onStep: (s) => steps.push(s.type) });
    expect(code).toBe(1);
    expect(steps[0]).toBe('bootstrap');
    expect(steps.filter((s) => s === 'posted')).toHaveLength(catalogCommands.length + 1);

    const nodeId = (await f.monorail.directory.nodeOfMac(mac)) ?? '';
    let node = await f.monorail.nodes.ask(nodeId, { type: 'node.get' });
    for (let i = 0; i < 200 && node.lifecycle.state !== 'available'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      node = await f.monorail.nodes.ask(nodeId, { type: 'node.get' });
    }
    expect(node.lifecycle.state).toBe('available');
    expect(node.activeWorkflow).toBeUndefined();
    expect(node.sku).toBe('sku-acme-gen3');
    expect(node.tags).toContain('has-nvme');
    const catalogs = await f.monorail.store.documents.collection('catalogs').find({ node: nodeId });
    expect(catalogs.map((c) => c.source).sort()).toEqual(catalogCommands.map((c) => c.source).sort());
    const dmi = catalogs.find((c) => c.source === 'dmi')?.data as Record<string, Record<string, unknown>>;
    expect(dmi['System Information']?.['Product Name']).toBe('AS-2224 Gen3');
    const [wf] = await f.monorail.store.documents.collection('workflows').find({ node: nodeId, injectableName: 'Graph.Discovery' });
    expect(wf).toMatchObject({ injectableName: 'Graph.Discovery', status: 'succeeded' });
    // The matched SKU's own discovery graph ran as a sub-graph, with the SKU's options.
    const skuTask = (wf?.['tasks'] as { label: string; taskId: string }[]).find((t) => t.label === 'sku-graph');
    const skuGraph = await f.monorail.workflows.get(`${skuTask?.taskId ?? ''}-graph`);
    expect(skuGraph).toMatchObject({ injectableName: 'Graph.noop-example', status: 'succeeded', nodeId, parent: { workflowId: wf?.id } });
    expect(skuGraph.options['noop-1']).toEqual({ delay: 1 });
    // An available node asking again boots its disk: DHCP stays quiet, the profile exits.
    const idle = await request(base).get(`/api/current/profiles?macs=${mac}`).set('Host', '127.0.0.1');
    expect(idle.text).toContain('boots from its local disk');
  });

  it('answers the protocol\'s bad input with clear 4xx and keeps serving', async () => {
    const mac = '52:54:00:d1:5c:02';
    expect((await request(base).get('/api/current/tasks/bootstrap.js?macAddress=52:54:00:ff:ff:ff')).status).toBe(404);
    expect((await request(base).get('/api/current/tasks/bootstrap.js?macAddress=not-a-mac')).body).toMatchObject({ status: 400 });
    expect((await request(base).get('/api/current/tasks/../../etc/passwd')).status).toBe(404);
    const badId = await request(base).get('/api/current/tasks/zzz');
    expect(badId.status).toBe(400);
    expect((badId.body as { message: string }).message).toContain('identifier must be a node id');

    await request(base).get(`/api/current/profiles?macs=${mac}`).set('Host', '127.0.0.1');
    const nodeId = (await f.monorail.directory.nodeOfMac(mac)) ?? '';
    const script = await request(base).get(`/api/current/tasks/bootstrap.js?macAddress=${mac}`);
    expect(script.status).toBe(200);
    expect(script.text.split('\n').slice(0, 4)).toEqual(['#!/bin/sh', `SERVER='${base}'`, `NODE_ID='${nodeId}'`, `MAC='${mac}'`]);

    const malformed = await request(base).post(`/api/current/tasks/${nodeId}`).set('content-type', 'application/json').send('{"tasks": [');
    expect(malformed.status).toBe(400);
    const wrongShape = await request(base).post(`/api/current/tasks/${nodeId}`).send({ tasks: [{ stdout: 'no cmd' }] });
    expect(wrongShape.status).toBe(400);
    expect((wrongShape.body as { errors: { path: string }[] }).errors[0]?.path).toBe('/tasks/0');
    const otherId = await request(base).post(`/api/current/tasks/${nodeId}`).send({ identifier: '5f00000000000000000000ee', tasks: [] });
    expect(otherId.status).toBe(400);
    const huge = await request(base).post(`/api/current/tasks/${nodeId}`).send({ tasks: [{ cmd: 'dmidecode', stdout: 'x'.repeat(65 * 1024 * 1024) }] });
    expect(huge.status).toBe(413);
    const nobody = await request(base).post('/api/current/tasks/5f00000000000000000000ee').send({ tasks: [{ cmd: 'dmidecode', stdout: '' }] });
    expect(nobody.status).toBe(404);
    // Garbage in a result the task is waiting for fails that catalog task; discovery carries on.
    const code = await runSimAgent({
      server: base,
      mac,
      inventory: (cmd) => (cmd === 'lshw -json' ? { stdout: '{"truncated": ' } : qemuGuest(cmd)),
      signal: AbortSignal.timeout(30_000),
      pollMinMs: 20,
      pollMaxMs: 100,
    });
    expect(code).toBe(1);
    let node = await f.monorail.nodes.ask(nodeId, { type: 'node.get' });
    for (let i = 0; i < 200 && node.lifecycle.state !== 'available'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      node = await f.monorail.nodes.ask(nodeId, { type: 'node.get' });
    }
    expect(node.lifecycle.state).toBe('available');
    const [wf] = await f.monorail.store.documents.collection('workflows').find({ node: nodeId, injectableName: 'Graph.Discovery' });
    const lshw = wf?.['tasks'] as { label: string; taskId: string }[];
    const runs = wf?.['runs'] as Record<string, { status: string; error?: { message: string } }>;
    const lshwRun = runs[lshw.find((t) => t.label === 'catalog-lshw')?.taskId ?? ''];
    expect(lshwRun?.status).toBe('failed');
    expect(lshwRun?.error?.message).toMatch(/lshw/);
  });
});
