/**
 * The cluster transport on the real RabbitMQ (127.0.0.1:5672): request/reply latency of an ask that crosses
 * members (publish to the shard's quorum queue with a confirm, the owner's actor, the reply queue), beside
 * the same ask in-process on a single member in the same run; throughput of asks with many in flight; and
 * failover: a member's connection cut (what the broker sees when a member is SIGKILLed) to every one of
 * its shards owned again and the first request to each served.
 *
 *   node --import tsx bench/cluster.bench.ts           BENCH_ASKS=5000 BENCH_SHARDS=32 …
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import amqp from 'amqplib';
import { ActorSystem } from '../src/actors/runtime/actor-system.ts';
import type { EntityBehavior } from '../src/actors/runtime/entity.ts';
import type { HostedEntityRouter } from '../src/actors/runtime/entity-router.ts';
import type { ReplyTo } from '../src/actors/runtime/reply.ts';
import { shardOf } from '../src/actors/runtime/shard-transport.ts';
import { AmqpShardTransport } from '../src/cluster/amqp-shard-transport.ts';
import { createLogger } from '../src/logging/logger.ts';
import { openEmbeddedStore } from '../src/persistence/embedded/embedded-store.ts';
import type { Store } from '../src/persistence/store.ts';
import { startTcpProxy, type TcpProxy } from '../test/events/tcp-proxy.ts';

const ASKS = Number(process.env.BENCH_ASKS ?? 3000);
const SHARDS = Number(process.env.BENCH_SHARDS ?? 16);
const URL_ = process.env.MONORAIL_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
const ms = (n: number): string => `${n.toFixed(2)} ms`;

type Cmd = { readonly type: 'add'; readonly by: number; readonly replyTo: ReplyTo<number> } | { readonly type: 'get'; readonly replyTo: ReplyTo<number> };
type Evt = { readonly type: 'added'; readonly by: number };
const counter: EntityBehavior<number, Cmd, Evt> = {
  kind: 'counter',
  eventTypes: ['added'],
  initialState: () => 0,
  apply: (s, e) => s + e.by,
  async handle(state, c, ctx) {
    if (c.type === 'get') ctx.reply(c.replyTo, state);
    else ctx.reply(c.replyTo, await ctx.commit([{ type: 'added', by: c.by }]));
  },
};

interface Member {
  readonly id: string;
  readonly router: HostedEntityRouter<Cmd>;
  readonly transport: AmqpShardTransport;
  readonly proxy: TcpProxy;
  stop(): Promise<void>;
}

const log = createLogger({ level: 'warn', memberId: 'bench' });
const dir = mkdtempSync(path.join(tmpdir(), 'monorail-bench-cluster-'));
const namespace = `mbench.${randomBytes(4).toString('hex')}`;

async function member(id: string, store: () => Promise<Store>): Promise<Member> {
  const s = await store();
  const target = new URL(URL_);
  const proxy = await startTcpProxy(target.hostname, Number(target.port || 5672));
  const transport = new AmqpShardTransport(
    { url: `amqp://${target.username}:${target.password}@127.0.0.1:${proxy.port}`, memberId: id, shards: SHARDS, namespace, heartbeatSeconds: 2, memberBeatMs: 250, memberTimeoutMs: 1000, probeIntervalMs: 100, resubscribeDelayMs: 300 },
    log,
  );
  const system = new ActorSystem({ journal: s.journal, log, askTimeoutMs: 10_000, passivateAfterMs: 0, snapshotEvery: 100, cluster: { transport, newMessageId: randomUUID } });
  system.replies.attach(transport);
  const router = system.hosted(counter);
  await transport.start(system.shardLifecycle, system.replies);
  return {
    id,
    router,
    transport,
    proxy,
    async stop() {
      await transport.stop();
      await system.stop();
      await s.close();
      await proxy.close();
    },
  };
}

async function until(test: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

async function latencies(ask: (i: number) => Promise<unknown>, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await ask(i);
    out.push(performance.now() - t);
  }
  return out.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const storeDir = path.join(dir, 'store');
  const open = () => openEmbeddedStore({ path: storeDir, durability: 'normal' });
  const members: Member[] = [];
  for (const id of ['a', 'b', 'c']) members.push(await member(id, open));
  const owners = () => members.map((m) => m.transport.ownedShards().length);
  await until(() => owners().reduce((a, b) => a + b, 0) === SHARDS && Math.max(...owners()) <= Math.ceil(SHARDS / 3), 30_000);
  console.log(`cluster: 3 members, ${SHARDS} shards, ownership ${owners().join('/')}`);
  const [a, , c] = members as [Member, Member, Member];
  // Entities owned by another member than the asker's.
  const remoteIds = Array.from({ length: 200 }, (_, i) => `r${i}`).filter((id) => !a.transport.ownedShards().includes(shardOf('counter', id, SHARDS)));
  for (const id of remoteIds) await a.router.ask(id, { type: 'add', by: 1 });

  // Reference in the same run: the same ask in-process on a single member (no broker).
  const local = await openEmbeddedStore({ path: path.join(dir, 'local'), durability: 'normal' });
  const single = new ActorSystem({ journal: local.journal, log, askTimeoutMs: 10_000, passivateAfterMs: 0, snapshotEvery: 100 });
  const localRouter = single.hosted(counter);
  for (const id of remoteIds) await localRouter.ask(id, { type: 'add', by: 1 });
  const ref = await latencies((i) => localRouter.ask(remoteIds[i % remoteIds.length]!, { type: 'get' }), ASKS);
  const remote = await latencies((i) => a.router.ask(remoteIds[i % remoteIds.length]!, { type: 'get' }), ASKS);
  const writes = await latencies((i) => a.router.ask(remoteIds[i % remoteIds.length]!, { type: 'add', by: 1 }), Math.min(ASKS, 1000));
  console.log(`ask across members (get):  p50 ${ms(pct(remote, 50))}  p99 ${ms(pct(remote, 99))}  (in-process reference: p50 ${ms(pct(ref, 50))}, p99 ${ms(pct(ref, 99))})`);
  console.log(`ask across members (add, journaled): p50 ${ms(pct(writes, 50))}  p99 ${ms(pct(writes, 99))}`);
  let done = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 64 }, async (_, w) => {
    for (let i = w; i < ASKS * 2; i += 64) {
      await a.router.ask(remoteIds[i % remoteIds.length]!, { type: 'get' });
      done++;
    }
  }));
  console.log(`throughput: ${Math.round(done / ((performance.now() - t0) / 1000))} asks/s across members with 64 in flight`);
  await single.stop();
  await local.close();

  // Failover: the broker sees c's connection die; survivors must own c's shards and serve a request in each.
  const lost = c.transport.ownedShards();
  const probes = lost.map((s) => remoteIds.find((id) => shardOf('counter', id, SHARDS) === s) ?? `x${s}`);
  const cutAt = performance.now();
  c.proxy.cut();
  const survivors = members.slice(0, 2);
  await until(() => lost.every((s) => survivors.some((m) => m.transport.ownedShards().includes(s))), 30_000);
  const owned = performance.now() - cutAt;
  await Promise.all(probes.map((id) => a.router.ask(id, { type: 'get' }, 30_000)));
  const served = performance.now() - cutAt;
  console.log(`failover: ${lost.length} shards owned again ${ms(owned)} after the connection died; a request to each served after ${ms(served)}`);

  for (const m of members) await m.stop().catch(() => undefined);
  const conn = await amqp.connect(URL_);
  const ch = await conn.createChannel();
  for (let s = 0; s < SHARDS; s++) await ch.deleteQueue(`${namespace}.shard.${s}`);
  await ch.deleteExchange(`${namespace}.shards`);
  await ch.deleteExchange(`${namespace}.members`);
  await conn.close();
}

main()
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
