import { afterEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/actors/events/event-bus.ts';
import { MonorailError } from '../../../src/errors.ts';
import { startFixture, type MonorailFixture } from '../../support/monorail-fixture.ts';
import { tempStore } from '../../support/temp-store.ts';

let fixtures: MonorailFixture[] = [];
afterEach(async () => {
  for (const f of fixtures) await f.stop();
  fixtures = [];
});
const start = async (...args: Parameters<typeof startFixture>) => {
  const f = await startFixture(...args);
  fixtures.push(f);
  return f;
};

describe('node entity', () => {
  it('creates a node once, projects it to the nodes read model and announces it', async () => {
    const { monorail } = await start();
    const seen: DomainEvent[] = [];
    monorail.events.subscribe((e) => seen.push(e));
    const id = '5f0000000000000000000001';
    const first = await monorail.nodes.ask(id, { type: 'node.create', spec: { name: 'r7-u12', identifiers: ['52:54:00:00:00:01'], tags: ['rack-7'] } });
    expect(first.created).toBe(true);
    const again = await monorail.nodes.ask(id, { type: 'node.create', spec: { name: 'other' } });
    expect(again).toEqual({ node: first.node, created: false });
    const doc = await monorail.store.documents.collection('nodes').get(id);
    expect(doc).toMatchObject({ id, name: 'r7-u12', type: 'compute', identifiers: ['52:54:00:00:00:01'], tags: ['rack-7'], lifecycle: { state: 'discovered' }, version: 1 });
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.map((e) => `${e.type}.${e.action}`)).toEqual(['node.added']);
  });

  it('walks the lifecycle, publishing RackHD events, and rejects an invalid event with a typed, logged error', async () => {
    const { monorail, captured } = await start();
    const seen: string[] = [];
    monorail.events.subscribe((e) => seen.push(`${e.type}.${e.action}`));
    const id = '5f0000000000000000000002';
    await monorail.nodes.ask(id, { type: 'node.create', spec: {} });
    await monorail.nodes.ask(id, { type: 'node.lifecycle', event: { type: 'discovery.started' } });
    const available = await monorail.nodes.ask(id, { type: 'node.lifecycle', event: { type: 'inventory.completed' } });
    expect(available.lifecycle.state).toBe('available');

    const refused = await monorail.nodes.ask(id, { type: 'node.lifecycle', event: { type: 'provisioning.completed' } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MonorailError);
    expect((refused as MonorailError).code).toBe('INVALID_TRANSITION');
    expect((refused as MonorailError).message).toContain('"provisioning.completed" is not allowed in state "available"');
    expect((await monorail.nodes.ask(id, { type: 'node.get' })).lifecycle.state).toBe('available');
    expect(captured.lines().some((l) => l.msg === 'request refused' && l.nodeId === id && l.level === 'warn')).toBe(true);

    const doc = await monorail.store.documents.collection('nodes').get(id);
    expect(doc?.lifecycle.state).toBe('available');
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['node.added', 'node.stateChanged', 'node.stateChanged', 'node.discovered']);
  });

  it('updates, tags and deletes; a deleted node answers not found and leaves the read model', async () => {
    const { monorail } = await start();
    const id = '5f0000000000000000000003';
    await monorail.nodes.ask(id, { type: 'node.create', spec: { name: 'a' } });
    const updated = await monorail.nodes.ask(id, { type: 'node.update', patch: { name: 'b', bootSettings: { profile: 'redirect.ipxe', options: {} } } });
    expect(updated).toMatchObject({ name: 'b', bootSettings: { profile: 'redirect.ipxe' } });
    const tagged = await monorail.nodes.ask(id, { type: 'node.addTags', tags: ['x', 'y', 'x'] });
    expect(tagged.tags).toEqual(['x', 'y']);
    const cleared = await monorail.nodes.ask(id, { type: 'node.update', patch: { bootSettings: null } });
    expect(cleared.bootSettings).toBeUndefined();
    expect(await monorail.store.documents.collection('nodes').count({ tags: 'y' })).toBe(1);
    await monorail.nodes.ask(id, { type: 'node.delete' });
    const gone = (await monorail.nodes.ask(id, { type: 'node.get' }).catch((e: unknown) => e)) as MonorailError;
    expect(gone.code).toBe('NOT_FOUND');
    expect(await monorail.store.documents.collection('nodes').get(id)).toBeUndefined();
    const recreate = (await monorail.nodes.ask(id, { type: 'node.create', spec: {} }).catch((e: unknown) => e)) as MonorailError;
    expect(recreate.code).toBe('NOT_FOUND');
  });

  it('rejects an empty name with a validation error naming the field', async () => {
    const { monorail } = await start();
    const id = '5f0000000000000000000004';
    await monorail.nodes.ask(id, { type: 'node.create', spec: {} });
    const err = (await monorail.nodes.ask(id, { type: 'node.update', patch: { name: ' ' } }).catch((e: unknown) => e)) as MonorailError;
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.message).toContain('name');
  });

  it('comes back with its state after a restart of the whole member', async () => {
    const temp = tempStore();
    const first = await startFixture({ temp });
    const id = '5f0000000000000000000005';
    await first.monorail.nodes.ask(id, { type: 'node.create', spec: { name: 'keep-me' } });
    await first.monorail.nodes.ask(id, { type: 'node.lifecycle', event: { type: 'maintenance.entered', reason: 'fan' } });
    await first.stop();
    const second = await start({ temp });
    fixtures.push({ ...second, stop: async () => { await second.monorail.stop(); temp.cleanup(); } });
    const node = await second.monorail.nodes.ask(id, { type: 'node.get' });
    expect(node).toMatchObject({ name: 'keep-me', lifecycle: { state: 'maintenance', previous: 'discovered', reason: 'fan' } });
  });

  it('raises a critical alert through the conductor when a node cannot be recovered from its journal', async () => {
    const { monorail } = await start();
    const seen: DomainEvent[] = [];
    monorail.events.subscribe((e) => seen.push(e));
    const id = '5f0000000000000000000006';
    await monorail.store.journal.append([{ persistenceKey: `node:${id}`, sequenceNumber: 1, eventType: 'node.teleported', payload: [{ type: 'node.teleported' }], createdAt: 0, tags: [] }]);
    const err = (await monorail.nodes.ask(id, { type: 'node.get' }).catch((e: unknown) => e)) as MonorailError;
    expect(err.code).toBe('ENTITY_RECOVERY_FAILED');
    expect(err.message).toContain(`node:${id}`);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toContainEqual(expect.objectContaining({ type: 'node', action: 'alerts', severity: 'critical', nodeId: id }));
  });
});
