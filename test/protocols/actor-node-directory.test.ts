/**
 * The port protocol servers use, over the real actor system and store: first contact, address
 * bindings, boot decisions by lifecycle and policy, and observations (syslog kept per node, bounded).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFixture, type MonorailFixture } from '../support/monorail-fixture.ts';
import type { BootRequest } from '../../src/protocols/node-directory.ts';
import type { ConfigLayer } from '../../src/config/schema.ts';

let fixture: MonorailFixture | undefined;
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});
const start = async (layer: ConfigLayer = {}) => (fixture = await startFixture({ layer }));
const pxe: BootRequest = { protocol: 'dhcp', arch: 'bios', firmware: 'pxe' };

describe('actor node directory', () => {
  it('creates a node on first contact and binds its address, so TFTP and syslog can find it', async () => {
    const { monorail } = await start();
    const first = await monorail.directory.resolveMac('52-54-00-AA-00-01', '10.99.0.50');
    expect(first.created).toBe(true);
    const again = await monorail.directory.resolveMac('52:54:00:aa:00:01', '10.99.0.50');
    expect(again).toEqual({ nodeId: first.nodeId, created: false });
    await new Promise((r) => setTimeout(r, 20));
    expect(await monorail.directory.nodeAtAddress('10.99.0.50')).toBe(first.nodeId);
    expect(await monorail.directory.nodeAtAddress('10.99.0.51')).toBeUndefined();
    // The address moves to whichever machine was seen with it last.
    const other = await monorail.directory.resolveMac('52:54:00:aa:00:02', '10.99.0.50');
    await new Promise((r) => setTimeout(r, 20));
    expect(await monorail.directory.nodeAtAddress('10.99.0.50')).toBe(other.nodeId);
  });

  it('boots a new node into discovery once (starting the Discovery graph), a microkernel never', async () => {
    const { monorail } = await start();
    const { nodeId } = await monorail.directory.resolveMac('52:54:00:aa:00:03');
    expect(await monorail.directory.bootDecision(nodeId, pxe, 1000)).toMatchObject({ kind: 'boot', profile: 'microkernel.ipxe' });
    const claimed = await monorail.nodes.ask(nodeId, { type: 'node.get' });
    expect(claimed.activeWorkflow).toMatchObject({ graphName: 'Graph.Discovery', purpose: 'discovery' });
    expect(claimed.lifecycle.state).toBe('inventorying');
    // A second request (a retransmit, the HTTP profile after DHCP) joins the same discovery.
    expect(await monorail.directory.bootDecision(nodeId, pxe, 1000)).toMatchObject({ kind: 'boot', profile: 'microkernel.ipxe' });
    expect((await monorail.nodes.ask(nodeId, { type: 'node.get' })).activeWorkflow?.id).toBe(claimed.activeWorkflow?.id);
    expect(await monorail.directory.bootDecision(nodeId, { ...pxe, firmware: 'microkernel' }, 1000)).toMatchObject({ kind: 'local' });
    const wf = await monorail.workflows.get(claimed.activeWorkflow?.id ?? '');
    expect(wf).toMatchObject({ injectableName: 'Graph.Discovery', nodeId, status: 'running' });
    // Cancelling discovery frees the node and marks its inventory failed.
    await monorail.workflows.cancelActive(nodeId);
    await new Promise((r) => setTimeout(r, 30));
    const after = await monorail.nodes.ask(nodeId, { type: 'node.get' });
    expect(after.activeWorkflow).toBeUndefined();
    expect(after.lifecycle).toMatchObject({ state: 'failed', reason: 'Graph.Discovery cancelled' });
  });

  it('rediscovers a node whose inventory failed the next time it boots, not one whose provisioning failed', async () => {
    const { monorail } = await start();
    const { nodeId } = await monorail.directory.resolveMac('52:54:00:aa:00:23');
    await monorail.directory.bootDecision(nodeId, pxe, 1000);
    await monorail.workflows.cancelActive(nodeId, 'the microkernel never came up');
    for (let i = 0; i < 50 && (await monorail.nodes.ask(nodeId, { type: 'node.get' })).activeWorkflow !== undefined; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await monorail.nodes.ask(nodeId, { type: 'node.get' })).lifecycle).toMatchObject({ state: 'failed', previous: 'inventorying' });
    expect(await monorail.directory.bootDecision(nodeId, pxe, 1000)).toMatchObject({ kind: 'boot', profile: 'microkernel.ipxe' });
    expect((await monorail.nodes.ask(nodeId, { type: 'node.get' })).activeWorkflow?.graphName).toBe('Graph.Discovery');

    const other = '5f00000000000000000000a4';
    await monorail.nodes.ask(other, { type: 'node.create', spec: { identifiers: ['52:54:00:aa:00:24'] } });
    await monorail.nodes.ask(other, { type: 'node.lifecycle', event: { type: 'discovery.started' } });
    await monorail.nodes.ask(other, { type: 'node.lifecycle', event: { type: 'inventory.completed' } });
    await monorail.nodes.ask(other, { type: 'node.lifecycle', event: { type: 'provisioning.started' } });
    await monorail.nodes.ask(other, { type: 'node.lifecycle', event: { type: 'provisioning.failed', reason: 'installer crashed' } });
    expect(await monorail.directory.bootDecision(other, pxe, 1000)).toMatchObject({ kind: 'local' });
  });

  it('boots an idle node from disk and honours bootSettings', async () => {
    const { monorail } = await start();
    const nodeId = '5f00000000000000000000a3';
    await monorail.nodes.ask(nodeId, { type: 'node.create', spec: { identifiers: ['52:54:00:aa:00:13'] } });
    await monorail.nodes.ask(nodeId, { type: 'node.lifecycle', event: { type: 'discovery.started' } });
    await monorail.nodes.ask(nodeId, { type: 'node.lifecycle', event: { type: 'inventory.completed' } });
    expect(await monorail.directory.bootDecision(nodeId, pxe, 1000)).toMatchObject({ kind: 'local', reason: 'idle (available): boot from disk' });
    await monorail.nodes.ask(nodeId, { type: 'node.update', patch: { bootSettings: { profile: 'install-debian.ipxe', options: { version: '12' } } } });
    expect(await monorail.directory.bootDecision(nodeId, pxe, 1000)).toEqual({
      kind: 'boot',
      profile: 'install-debian.ipxe',
      options: { version: '12' },
      reason: 'bootSettings',
    });
  });

  it('follows the site policy for unknown and idle nodes', async () => {
    const { monorail } = await start({ boot: { unknownNodes: 'ignore', idleNodes: 'ipxe' } });
    const { nodeId } = await monorail.directory.resolveMac('52:54:00:aa:00:04');
    expect(await monorail.directory.bootDecision(nodeId, pxe, 1000)).toMatchObject({ kind: 'local' });
    await monorail.nodes.ask(nodeId, { type: 'node.lifecycle', event: { type: 'maintenance.entered' } });
    expect(await monorail.directory.bootDecision(nodeId, pxe, 1000)).toMatchObject({ kind: 'local', reason: 'node is in maintenance' });
    await monorail.nodes.ask(nodeId, { type: 'node.lifecycle', event: { type: 'maintenance.exited' } });
    await monorail.nodes.ask(nodeId, { type: 'node.lifecycle', event: { type: 'discovery.started' } });
    await monorail.nodes.ask(nodeId, { type: 'node.lifecycle', event: { type: 'inventory.completed' } });
    expect(await monorail.directory.bootDecision(nodeId, pxe, 1000)).toMatchObject({ kind: 'boot', profile: 'boot-local.ipxe' });
  });

  it('rejects a boot decision for a node that does not exist, with a typed error the server can fall back on', async () => {
    const { monorail } = await start();
    await expect(monorail.directory.bootDecision('5f00000000000000000000ff', pxe, 1000)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('keeps the syslog a node sends, bounded per node', async () => {
    const { monorail } = await start({ syslog: { keepPerNode: 20 } });
    const { nodeId } = await monorail.directory.resolveMac('52:54:00:aa:00:05', '10.99.0.60');
    for (let i = 0; i < 400; i++) {
      monorail.directory.observe(nodeId, { type: 'syslog', ipAddress: '10.99.0.60', facility: 16, severity: 6, message: `line ${i}` });
    }
    monorail.directory.observe(nodeId, { type: 'tftp.request', file: 'undionly.kpxe', ipAddress: '10.99.0.60' });
    // A get queued behind the observations answers once they are all handled.
    await monorail.nodes.ask(nodeId, { type: 'node.get' });
    const logs = monorail.store.documents.collection('logs');
    const kept = await logs.find({ node: nodeId }, { sort: { id: 1 } });
    expect(kept.length).toBeGreaterThanOrEqual(20);
    expect(kept.length).toBeLessThan(400);
    expect(kept.at(-1)?.message).toBe('line 399');
    expect(kept.every((d, i) => i === 0 || d.id > kept[i - 1]!.id)).toBe(true);
  });

  it('finds one node for a machine however its NICs are listed, even by simultaneous requests', async () => {
    const { monorail } = await start();
    const [a, b] = await Promise.all([
      monorail.directory.resolveMachine(['52:54:00:bb:00:01', '52:54:00:bb:00:02'], '10.99.0.70'),
      monorail.directory.resolveMachine(['52:54:00:bb:00:02', '52:54:00:bb:00:01'], '10.99.0.70'),
    ]);
    expect(a.nodeId).toBe(b.nodeId);
    expect([a.created, b.created].filter(Boolean)).toHaveLength(1);
    const node = await monorail.nodes.ask(a.nodeId, { type: 'node.get' });
    expect([...node.identifiers].sort()).toEqual(['52:54:00:bb:00:01', '52:54:00:bb:00:02']);
    expect(await monorail.store.documents.collection('nodes').count({})).toBe(1);
  });

  it('gives an address back to the machine that holds it again (A, then B, then A)', async () => {
    const { monorail } = await start();
    const a = await monorail.directory.resolveMac('52:54:00:cc:00:01', '10.99.0.80');
    const b = await monorail.directory.resolveMac('52:54:00:cc:00:02', '10.99.0.80');
    await new Promise((r) => setTimeout(r, 20));
    expect(await monorail.directory.nodeAtAddress('10.99.0.80')).toBe(b.nodeId);
    await monorail.directory.resolveMac('52:54:00:cc:00:01', '10.99.0.80');
    await new Promise((r) => setTimeout(r, 20));
    expect(await monorail.directory.nodeAtAddress('10.99.0.80')).toBe(a.nodeId);
  });

  it('frees a deleted node\'s MACs, so the machine is discovered again as a new node', async () => {
    const { monorail } = await start();
    const first = await monorail.directory.resolveMac('52:54:00:dd:00:01');
    await monorail.nodes.ask(first.nodeId, { type: 'node.delete' });
    await new Promise((r) => setTimeout(r, 50));
    const again = await monorail.directory.resolveMac('52:54:00:dd:00:01');
    expect(again.created).toBe(true);
    expect(again.nodeId).not.toBe(first.nodeId);
    expect(await monorail.directory.bootDecision(again.nodeId, pxe, 1000)).toMatchObject({ kind: 'boot' });
  });
});
