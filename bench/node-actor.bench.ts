/**
 * Node actors on the embedded store: throughput of persistent messages, latency of asks, and memory per
 * node when 100,000 nodes are live and after they are passivated. The reference in the same run is the
 * raw journal: the same appends without actors, so the figure for actors shows what the runtime costs.
 *
 *   node --expose-gc --import tsx bench/node-actor.bench.ts            (or: npm run bench)
 *   BENCH_NODES=20000 node --expose-gc --import tsx bench/node-actor.bench.ts   (quicker)
 *
 * Runs in a temporary directory under os.tmpdir() with durability "full" (fsync at every commit), the default.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { ManualClock } from '../src/actors/runtime/clock.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { createLogger } from '../src/logging/logger.ts';
import { startMonorail, type Monorail } from '../src/monorail.ts';
import { openEmbeddedStore } from '../src/persistence/embedded/embedded-store.ts';

const NODES = Number(process.env.BENCH_NODES ?? 100_000);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 50_000);
const CONCURRENCY = 256;
const root = mkdtempSync(path.join(tmpdir(), 'monorail-bench-actors-'));

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  // Memory figures without a forced GC would measure garbage, not actors: refuse rather than print them.
  console.error('run with node --expose-gc for memory figures');
  process.exit(1);
}
const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const idOf = (i: number): string => `6500000000000000${i.toString(16).padStart(8, '0')}`;
const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Runs `count` operations, `CONCURRENCY` in flight, returning ops/s and latency percentiles in ms. */
async function drive(count: number, op: (i: number) => Promise<unknown>): Promise<{ rate: number; p50: number; p99: number }> {
  const latencies: number[] = new Array<number>(count);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < count; i = next++) {
        const s = performance.now();
        await op(i);
        latencies[i] = performance.now() - s;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { rate: count / seconds, p50: pct(latencies, 50), p99: pct(latencies, 99) };
}

async function start(dir: string, clock?: ManualClock): Promise<Monorail> {
  const config = loadConfig({ layers: [{ memberId: 'bench', dataDir: dir, store: { path: dir }, actors: { passivateAfterMs: 60_000, askTimeoutMs: 120_000 }, http: { enabled: false } }] });
  return startMonorail(config, { log: createLogger({ level: 'silent', memberId: 'bench' }), ...(clock ? { clock } : {}) });
}

async function referenceJournal(): Promise<void> {
  const store = await openEmbeddedStore({ path: path.join(root, 'reference') });
  const seq = new Map<number, number>();
  const r = await drive(MESSAGES, async (i) => {
    const key = i % 1000;
    const s = (seq.get(key) ?? 0) + 1;
    seq.set(key, s);
    await store.journal.append([{ persistenceKey: `ref:${key}`, sequenceNumber: s, eventType: 'node.updated', payload: [{ type: 'node.updated', patch: { name: `n${i}` }, at: '' }], createdAt: Date.now(), tags: [] }]);
  });
  console.log(`reference: raw journal append (no actor, no read model)   ${fmt(r.rate)} appends/s   p50 ${fmt(r.p50, 2)} ms   p99 ${fmt(r.p99, 2)} ms`);
  await store.close();
}

async function throughput(): Promise<void> {
  const monorail = await start(path.join(root, 'throughput'));
  const ids = Array.from({ length: 1000 }, (_, i) => idOf(i));
  await drive(ids.length, (i) => monorail.nodes.ask(ids[i]!, { type: 'node.create', spec: { name: `n${i}` } }));
  const writes = await drive(MESSAGES, (i) => monorail.nodes.ask(ids[i % ids.length]!, { type: 'node.update', patch: { name: `n${i}` } }));
  console.log(`node actors: persisted update (journal + nodes read model) ${fmt(writes.rate)} msgs/s     p50 ${fmt(writes.p50, 2)} ms   p99 ${fmt(writes.p99, 2)} ms   (1,000 nodes, ${CONCURRENCY} in flight)`);
  const reads = await drive(MESSAGES, (i) => monorail.nodes.ask(ids[i % ids.length]!, { type: 'node.get' }));
  console.log(`node actors: read-only ask (node.get)                     ${fmt(reads.rate)} msgs/s     p50 ${fmt(reads.p50, 2)} ms   p99 ${fmt(reads.p99, 2)} ms`);
  const one = await drive(5000, (i) => monorail.nodes.ask(ids[0]!, { type: 'node.update', patch: { name: `solo${i}` } }));
  console.log(`node actors: persisted update, all to ONE node            ${fmt(one.rate)} msgs/s     p50 ${fmt(one.p50, 2)} ms   p99 ${fmt(one.p99, 2)} ms`);
  await monorail.stop();
}

async function memory(): Promise<void> {
  const clock = new ManualClock();
  const monorail = await start(path.join(root, 'memory'), clock);
  const before = heap();
  const t0 = performance.now();
  await drive(NODES, (i) => monorail.nodes.ask(idOf(i), { type: 'node.create', spec: { name: `n${i}`, identifiers: [`02:00:00:${i.toString(16).padStart(6, '0').replace(/(..)(..)(..)/, '$1:$2:$3')}`] } }));
  const created = (performance.now() - t0) / 1000;
  const active = heap();
  console.log(`created ${fmt(NODES)} nodes in ${fmt(created, 1)} s (${fmt(NODES / created)} nodes/s)`);
  console.log(`memory per ACTIVE node:      ${fmt((active - before) / NODES)} bytes   (${fmt((active - before) / 2 ** 20, 1)} MiB heap for ${fmt(NODES)} live actors)`);
  const t1 = performance.now();
  clock.advance(120_000);
  while (monorail.nodes.stats().active + monorail.nodes.stats().passivating > 0) await new Promise((r) => setTimeout(r, 50));
  const passivatedIn = (performance.now() - t1) / 1000;
  // Let nact finish its after-stop callbacks (one setImmediate per stopped actor) before measuring.
  await new Promise((r) => setTimeout(r, 500));
  const idle = heap();
  if (process.env.BENCH_HEAPSNAPSHOT) console.log(`heap snapshot: ${writeHeapSnapshot(process.env.BENCH_HEAPSNAPSHOT)}`);
  console.log(`passivated ${fmt(NODES)} nodes (snapshot + stop) in ${fmt(passivatedIn, 1)} s`);
  console.log(`memory per PASSIVATED node:  ${fmt(Math.max(0, idle - before) / NODES, 1)} bytes   (heap ${fmt((idle - before) / 2 ** 20, 1)} MiB above the empty member)`);
  const t2 = performance.now();
  const back = await drive(10_000, (i) => monorail.nodes.ask(idOf(i * Math.floor(NODES / 10_000)), { type: 'node.get' }));
  console.log(`rehydrate 10,000 passivated nodes from snapshots: ${fmt(10_000 / ((performance.now() - t2) / 1000))} nodes/s   p99 ${fmt(back.p99, 2)} ms`);
  await monorail.stop();
}

try {
  console.log(`# node-actor bench: node ${process.version}, ${NODES} nodes, ${MESSAGES} messages, store in ${root}`);
  const only = process.env.BENCH_ONLY;
  if (!only || only === 'throughput') {
    await referenceJournal();
    await throughput();
  }
  if (!only || only === 'memory') await memory();
} finally {
  rmSync(root, { recursive: true, force: true });
}
