/**
 * An OS install the way a machine lives it: Graph.InstallDebian sets PXE boot and reboots through the OBM,
 * the node's profile becomes the Debian installer, the installer fetches its preseed (the one place the
 * root password leaves the store in clear), reports progress and completion as notifications, and the
 * node ends provisioned, booting its disk.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/actors/events/event-bus.ts';
import { startWorkflowHarness, type WorkflowHarness } from '../../support/workflow-harness.ts';

let h: WorkflowHarness;
let base: string;
beforeAll(async () => {
  h = await startWorkflowHarness();
  const address = h.fixture.monorail.servers.find((s) => s.name === 'http')?.addresses()[0];
  if (address === undefined) throw new Error('no http server');
  base = `http://127.0.0.1:${address.port}`;
  h.engine.library.register('graph', { friendlyName: 'Set OBM', injectableName: 'Graph.Test.SetObm', tasks: [{ label: 'obm', taskName: 'Task.Obm.Create' }] });
});
afterAll(async () => {
  await h.stop();
});

const pathOf = (url: string): string => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await read();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('timed out');
}

describe('Graph.InstallDebian', () => {
  it('reboots into the installer, serves its preseed, follows its notifications and leaves the node provisioned', async () => {
    const mac = '52:54:00:05:00:01';
    const nodeId = '5f00000000000000000000c1';
    const nodes = h.fixture.monorail.nodes;
    await nodes.ask(nodeId, { type: 'node.create', spec: { identifiers: [mac] } });
    await h.fixture.monorail.lookups.ask(mac, { type: 'lookup.claim', nodeId }).catch(() => undefined);
    await nodes.ask(nodeId, { type: 'node.lifecycle', event: { type: 'discovery.started' } });
    await nodes.ask(nodeId, { type: 'node.lifecycle', event: { type: 'inventory.completed' } });
    const obm = await h.engine.run({ graphName: 'Graph.Test.SetObm', nodeId, options: { obm: { host: '10.0.0.9', user: 'admin', password: 'bmc-secret' } } });
    expect((await h.finished(obm.id)).status).toBe('succeeded');
    await until(() => nodes.ask(nodeId, { type: 'node.get' }), (n) => n.activeWorkflow === undefined);

    const refused = await h.engine.run({ graphName: 'Graph.InstallDebian', nodeId, options: { defaults: { version: 'bookworm', repo: 'http://deb.debian.org/debian' } } }).then(
      () => 'accepted',
      (e: unknown) => (e as Error).message,
    );
    expect(refused).toContain('required option "rootPassword"');

    const progress: DomainEvent[] = [];
    h.fixture.monorail.events.subscribe((e) => {
      if (e.action === 'progress.updated') progress.push(e);
    });
    const wf = await h.engine.run({
      graphName: 'Graph.InstallDebian',
      nodeId,
      options: { defaults: { version: 'bookworm', repo: 'http://deb.debian.org/debian', rootPassword: 'Tr0ub4dor&3', installDisk: '/dev/vda' } },
    });
    const installing = await until(() => nodes.ask(nodeId, { type: 'node.get' }), (n) => n.activeWorkflow?.boot?.profile === 'install-debian.ipxe');
    expect(installing.lifecycle.state).toBe('provisioning');
    expect(h.obmCalls.map((c) => c.call)).toEqual(['nextBoot:pxe', 'power:off', 'power:on']);

    const profile = await request(base).get(`/api/current/profiles?macs=${mac}`);
    expect(profile.text).toContain('kernel http://deb.debian.org/debian/dists/bookworm/main/installer-amd64/current/images/netboot/debian-installer/amd64/linux');
    const scriptUrl = /url=(\S+)/.exec(profile.text)?.[1] ?? '';
    expect(scriptUrl).toBe(`http://10.1.1.1:8080/api/current/templates/debian-preseed?nodeId=${nodeId}`);
    expect(profile.text).not.toContain('Tr0ub4dor');

    const preseed = await request(base).get(pathOf(scriptUrl));
    expect(preseed.status).toBe(200);
    expect(preseed.text).toContain('d-i passwd/root-password password Tr0ub4dor&3');
    expect(preseed.text).toContain('d-i mirror/suite string bookworm');
    expect(preseed.text).toContain('d-i partman-auto/disk string /dev/vda');

    expect((await request(base).post(`/api/current/notification/progress?nodeId=${nodeId}`).send({ description: 'installer started', value: 1, maximum: 3 })).status).toBe(201);
    await until(async () => progress, (p) => p.some((e) => (e.data['taskProgress'] as { description?: string } | undefined)?.description === 'installer started'));
    const done = await request(base).post(`/api/current/notification?nodeId=${nodeId}`).send({ event: 'installed' });
    expect(done.body).toMatchObject({ status: 201, delivered: 1 });
    expect((await h.finished(wf.id)).status).toBe('succeeded');
    const provisioned = await until(() => nodes.ask(nodeId, { type: 'node.get' }), (n) => n.lifecycle.state === 'provisioned');
    expect(provisioned.activeWorkflow).toBeUndefined();
    expect((await request(base).get(`/api/current/profiles?macs=${mac}`)).text).toContain('boots from its local disk');

    const stored = JSON.stringify([await h.fixture.monorail.store.documents.collection('workflows').find({}), await h.fixture.monorail.store.documents.collection('nodes').find({}), await h.fixture.monorail.store.documents.collection('obms').find({})]);
    expect(stored).not.toContain('Tr0ub4dor');
    expect(stored).not.toContain('bmc-secret');
    expect(JSON.stringify(h.fixture.captured.lines())).not.toContain('Tr0ub4dor');
  });

  it('refuses bad template requests with a clear 4xx', async () => {
    expect((await request(base).get('/api/current/templates/debian-preseed?nodeId=nope')).status).toBe(400);
    expect((await request(base).get('/api/current/templates/..%2F..%2Fetc%2Fpasswd?nodeId=5f00000000000000000000c1')).status).toBe(400);
    expect((await request(base).get('/api/current/templates/no-such-template?nodeId=5f00000000000000000000c1')).status).toBe(404);
    expect((await request(base).get('/api/current/templates/debian-preseed?nodeId=5f00000000000000000000ff')).status).toBe(404);
    expect((await request(base).post('/api/current/notification?nodeId=5f00000000000000000000c1').set('content-type', 'application/json').send('[1,2')).status).toBe(400);
  });
});
