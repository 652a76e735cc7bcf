/**
 * Shards over the real RabbitMQ with in-process members sharing one embedded store file: ownership is
 * exclusive and balanced, requests reach entities wherever they live, a member whose connection dies loses
 * its shards to the others without losing a message, every member's connection dropping at once (a broker
 * restart) loses nothing acknowledged, a store outage on an owner fails asks clearly and keeps tells until the
 * store is back, a redelivered message is not applied twice, and garbage on a shard queue is dropped and counted.
 */
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import { shardOf } from '../../src/actors/runtime/shard-transport.ts';
import { fairShare } from '../../src/cluster/shard-balance.ts';
import type { Store } from '../../src/persistence/store.ts';
import { FailingJournal } from '../support/failing-journal.ts';
import { tempStore, type TempStore } from '../support/temp-store.ts';
import { amqpUrl, rabbitmqAvailable } from '../events/rabbitmq.ts';
import { deleteNamespace, eventually, newNamespace, startMember, type TestMember } from './cluster-harness.ts';

// rabbitmqAvailable() fails the run loudly when no broker answers, unless MONORAIL_TEST_SKIP_PRIVILEGED=1 asks to skip.
const available = rabbitmqAvailable();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function cluster(n: number, shards: number, opts: { viaProxy?: boolean } = {}): Promise<{ members: TestMember[]; store: TempStore; namespace: string }> {
  const store = tempStore();
  const namespace = newNamespace();
  cleanups.push(async () => store.cleanup());
  cleanups.push(() => deleteNamespace(namespace, shards));
  const members: TestMember[] = [];
  for (let i = 0; i < n; i++) {
    const m = await startMember(`m${i}`, () => store.open(), { namespace, shards, ...opts });
    members.push(m);
    cleanups.push(() => m.stop());
  }
  return { members, store, namespace };
}

const owners = (members: readonly TestMember[]): number[][] => members.map((m) => m.transport.ownedShards());
const allOwnedOnce = (members: readonly TestMember[], shards: number): boolean => {
  const all = owners(members).flat();
  return all.length === shards && new Set(all).size === shards;
};

describe.skipIf(!available)('shards over RabbitMQ', () => {
  it('gives each shard exactly one owner and balances them across members', async () => {
    const shards = 12;
    const { members } = await cluster(3, shards);
    // Every shard is probed, so every owner learns it owns its shards; surplus moves until balanced.
    const took = await eventually('balanced ownership', () => allOwnedOnce(members, shards) && owners(members).every((o) => o.length <= fairShare(shards, 3)), 20_000);
    expect(owners(members).map((o) => o.length).sort()).toEqual([4, 4, 4]);
    expect(took).toBeLessThan(20_000);
  });

  it('routes asks and tells to whichever member owns the entity, and replies come back across members', async () => {
    const { members } = await cluster(3, 8);
    // Balanced first, so no hand-off passivates an entity between the requests and the checks.
    await eventually('balanced', () => allOwnedOnce(members, 8) && owners(members).every((o) => o.length <= 3), 20_000);
    const ids = Array.from({ length: 30 }, (_, i) => `c${i}`);
    // Every member sends to every counter: most of them live on another member.
    await Promise.all(members.flatMap((m) => ids.map((id) => m.counters.ask(id, { type: 'add', by: 1 }))));
    // Tells from three members have no order relative to an ask from one of them: wait for them to land.
    for (const m of members) m.counters.tell('c0', { type: 'bump' });
    await eventually('three bumps', async () => (await members[0]!.counters.ask('c0', { type: 'get' })) === 6);
    for (const id of ids) expect(await members[0]!.counters.ask(id, { type: 'get' })).toBe(id === 'c0' ? 6 : 3);
    // Each entity lives on exactly one member: the owner of its shard.
    for (const id of ids) {
      const hosts = members.filter((m) => m.counters.activeIds().includes(id)).map((m) => m.id);
      const shard = shardOf('counter', id, 8);
      expect(hosts).toEqual(members.filter((m) => m.transport.ownedShards().includes(shard)).map((m) => m.id));
    }
    // The three members' hosts between them cover every counter once.
    expect(members.flatMap((m) => m.counters.activeIds()).sort()).toEqual([...ids].sort());
  });

  it('fails a dead member\'s shards over to the others with nothing acknowledged lost', async () => {
    const { members } = await cluster(3, 8, { viaProxy: true });
    await eventually('balanced', () => allOwnedOnce(members, 8) && owners(members).every((o) => o.length <= 3), 20_000);
    const ids = Array.from({ length: 40 }, (_, i) => `f${i}`);
    await Promise.all(ids.map((id) => members[0]!.counters.ask(id, { type: 'add', by: 1 })));
    const victim = members[2]!;
    const lostShards = victim.transport.ownedShards();
    expect(lostShards.length).toBeGreaterThan(0);
    // The broker sees the member's connection die (as with SIGKILL); the member itself is left running.
    const killedAt = Date.now();
    victim.proxy!.cut();
    const survivors = members.slice(0, 2);
    const failover = await eventually('the dead member\'s shards owned again', () => lostShards.every((s) => survivors.some((m) => m.transport.ownedShards().includes(s))), 20_000);
    // Requests sent meanwhile and after are all applied exactly once.
    await Promise.all(ids.map((id) => survivors[1]!.counters.ask(id, { type: 'add', by: 10 }, 15_000)));
    for (const id of ids) expect(await survivors[0]!.counters.ask(id, { type: 'get' })).toBe(11);
    expect(victim.transport.ownedShards()).toEqual([]);
    console.log(`failover: ${lostShards.length} shards owned again ${failover} ms after the connection died (${Date.now() - killedAt} ms to all requests answered)`);
  });

  it('carries on after every member\'s broker connection drops at once (a broker restart), nothing acknowledged lost', async () => {
    const { members } = await cluster(3, 8, { viaProxy: true });
    await eventually('balanced', () => allOwnedOnce(members, 8) && owners(members).every((o) => o.length <= 3), 20_000);
    const ids = Array.from({ length: 24 }, (_, i) => `r${i}`);
    await Promise.all(ids.map((id) => members[0]!.counters.ask(id, { type: 'add', by: 1 })));
    // The broker keeps its durable queues over a restart; what members see is every connection dropping and
    // new ones refused for a while.
    for (const m of members) m.proxy!.cut();
    // Asked during the outage: each waits for its member's connection to come back, then is applied once.
    const during = members.flatMap((m) => ids.map((id) => m.counters.ask(id, { type: 'add', by: 10 }, 20_000)));
    await new Promise((r) => setTimeout(r, 1500));
    const restoredAt = Date.now();
    for (const m of members) m.proxy!.restore();
    await Promise.all(during);
    const recovered = Date.now() - restoredAt;
    await eventually('shards owned once each again, balanced', () => allOwnedOnce(members, 8) && owners(members).every((o) => o.length <= 3), 20_000);
    for (const m of members) expect(m.transport.stats().reconnects).toBeGreaterThanOrEqual(1);
    for (const id of ids) expect(await members[1]!.counters.ask(id, { type: 'get' })).toBe(31);
    console.log(`broker outage: ${ids.length * 3} asks made during it answered ${recovered} ms after the broker came back`);
  });

  it('keeps told commands through a store outage on the owner, and fails asks with a clear error meanwhile', async () => {
    const store = tempStore();
    const namespace = newNamespace();
    cleanups.push(async () => store.cleanup());
    cleanups.push(() => deleteNamespace(namespace, 2));
    let failing: FailingJournal | undefined;
    // m1's journal fails on demand (a database that went away); m0's is healthy.
    const withFailures = async (): Promise<Store> => {
      const s = await store.open();
      failing = new FailingJournal(s.journal);
      return { kind: s.kind, journal: failing, documents: s.documents, close: () => s.close() };
    };
    const m0 = await startMember('m0', () => store.open(), { namespace, shards: 2 });
    cleanups.push(() => m0.stop());
    const m1 = await startMember('m1', withFailures, { namespace, shards: 2 });
    cleanups.push(() => m1.stop());
    await eventually('one shard each', () => m0.transport.ownedShards().length === 1 && m1.transport.ownedShards().length === 1, 20_000);
    // A counter that lives on m1, asked from m0.
    const id = Array.from({ length: 50 }, (_, i) => `outage-${i}`).find((c) => m1.transport.ownedShards().includes(shardOf('counter', c, 2)))!;
    expect(await m0.counters.ask(id, { type: 'add', by: 1 })).toBe(1);
    failing!.failAppends = 3;
    const refused = await m0.counters.ask(id, { type: 'add', by: 100 }).catch((e: unknown) => e);
    expect((refused as { code?: string }).code).toBe('PERSIST_FAILED');
    // A tell has no one to answer: the owner gives it back to the broker until the store takes it.
    m0.counters.tell(id, { type: 'bump' });
    await eventually('the bump applied once the store is back', async () => (await m0.counters.ask(id, { type: 'get' })) === 2, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(await m0.counters.ask(id, { type: 'get' })).toBe(2);
    expect(m1.logs.lines().some((l) => l['msg'] === 'a told command could not be persisted; given back to the broker')).toBe(true);
  });

  it('does not apply a redelivered message twice', async () => {
    const { members, namespace } = await cluster(1, 2);
    await eventually('owned', () => members[0]!.transport.ownedShards().length === 2);
    const m = members[0]!;
    const conn = await amqp.connect(amqpUrl);
    cleanups.push(() => conn.close());
    const ch = await conn.createConfirmChannel();
    const shard = shardOf('counter', 'dup', 2);
    const messageId = randomUUID();
    const body = Buffer.from(JSON.stringify({ kind: 'counter', id: 'dup', command: { type: 'bump' } }));
    for (let i = 0; i < 3; i++) ch.publish(`${namespace}.shards`, String(shard), body, { persistent: true, messageId, type: 'command' });
    await ch.waitForConfirms();
    await eventually('bumped', async () => (await m.counters.ask('dup', { type: 'get' })) >= 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(await m.counters.ask('dup', { type: 'get' })).toBe(1);
    expect(m.logs.lines().filter((l) => l['msg'] === 'duplicate delivery ignored: its events are already in the journal')).toHaveLength(2);
  });

  it('drops malformed shard messages, counts and logs them, and carries on', async () => {
    const { members, namespace } = await cluster(1, 2);
    await eventually('owned', () => members[0]!.transport.ownedShards().length === 2);
    const m = members[0]!;
    const conn = await amqp.connect(amqpUrl);
    cleanups.push(() => conn.close());
    const ch = await conn.createConfirmChannel();
    const garbage = [Buffer.from('not json'), Buffer.from('{"kind":"counter"}'), Buffer.from('[1,2]'), Buffer.from(JSON.stringify({ kind: 'unknown-kind', id: 'x', command: { type: 'x' } })), Buffer.from('{"kind":"counter","id":"g","command":{"type":"add"}}')];
    for (const body of garbage.slice(0, 4)) ch.publish(`${namespace}.shards`, '0', body, { messageId: randomUUID(), type: 'command' });
    // No message id at all.
    ch.publish(`${namespace}.shards`, '1', garbage[4]!, { type: 'command' });
    await ch.waitForConfirms();
    await eventually('all counted', () => m.transport.stats().malformed === 5);
    expect(await m.counters.ask('ok', { type: 'add', by: 2 })).toBe(2);
  });
});
