/**
 * Workflow engine throughput on the embedded store (durability "full": fsync at every commit): how many
 * task transitions (a start or an end, each journaled before it is acted on) and whole graphs per second
 * the engine sustains, and how long a graph takes end to end while many run at once. The reference in
 * the same run is the raw journal: one append per transition without actors, which bounds what any
 * engine on this store could do.
 *
 *   node --import tsx bench/workflow.bench.ts                 (or: npm run bench:workflow)
 *   BENCH_GRAPHS=500 BENCH_CHAIN=10 node --import tsx bench/workflow.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DomainEvent } from '../src/actors/events/event-bus.ts';
import type { GraphDefinition } from '../src/actors/workflow/definition-types.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { createLogger } from '../src/logging/logger.ts';
import { startMonorail } from '../src/monorail.ts';
import { openEmbeddedStore } from '../src/persistence/embedded/embedded-store.ts';

const GRAPHS = Number(process.env.BENCH_GRAPHS ?? 2000);
const CHAIN = Number(process.env.BENCH_CHAIN ?? 8);
const WIDTH = Number(process.env.BENCH_WIDTH ?? 4);
const root = mkdtempSync(path.join(tmpdir(), 'monorail-bench-workflows-'));
const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A chain of CHAIN noops, then WIDTH noops in parallel, then a join: serial and fan-out scheduling both count. */
const benchGraph: GraphDefinition = {
  friendlyName: 'Bench',
  injectableName: 'Graph.Bench',
  tasks: [
    ...Array.from({ length: CHAIN }, (_, i) => ({ label: `step-${i}`, taskName: 'Task.noop', ...(i === 0 ? {} : { waitOn: { [`step-${i - 1}`]: 'succeeded' as const } }) })),
    ...Array.from({ length: WIDTH }, (_, i) => ({ label: `fan-${i}`, taskName: 'Task.noop', waitOn: { [`step-${CHAIN - 1}`]: 'succeeded' as const } })),
    { label: 'join', taskName: 'Task.noop', waitOn: Object.fromEntries(Array.from({ length: WIDTH }, (_, i) => [`fan-${i}`, 'succeeded' as const])) },
  ],
};
const tasksPerGraph = CHAIN + WIDTH + 1;

async function journalReference(transitions: number): Promise<number> {
  const store = await openEmbeddedStore({ path: path.join(root, 'reference') });
  const payload = { type: 'workflow.taskEnded', taskId: '6500000000000000000000aa', attempt: 1, status: 'succeeded', at: new Date().toISOString() };
  const t0 = performance.now();
  // The same concurrency shape as the engine: GRAPHS keys, each appending its transitions in order.
  await Promise.all(
    Array.from({ length: GRAPHS }, async (_, g) => {
      for (let seq = 1; seq <= transitions / GRAPHS; seq++) {
        await store.journal.append([{ persistenceKey: `ref:${g}`, sequenceNumber: seq, eventType: payload.type, payload, createdAt: Date.now(), tags: [] }]);
      }
    }),
  );
  const rate = transitions / ((performance.now() - t0) / 1000);
  await store.close();
  return rate;
}

async function main(): Promise<void> {
  const config = loadConfig({ layers: [{ memberId: 'bench', dataDir: path.join(root, 'member'), http: { enabled: false }, actors: { passivateAfterMs: 60_000 } }] });
  const monorail = await startMonorail(config, { log: createLogger({ level: 'warn', memberId: 'bench' }) });
  monorail.workflows.library.register('graph', benchGraph);
  const started = new Map<string, number>();
  const latencies: number[] = [];
  let finished = 0;
  let failed = 0;
  let resolveAll: () => void = () => undefined;
  const allDone = new Promise<void>((r) => (resolveAll = r));
  monorail.events.subscribe((e: DomainEvent) => {
    if (e.type !== 'graph' || e.action !== 'finished') return;
    const t = started.get(e.typeId);
    if (t !== undefined) latencies.push(performance.now() - t);
    if (e.data['status'] !== 'succeeded') failed++;
    if (++finished === GRAPHS) resolveAll();
  });
  const t0 = performance.now();
  for (let i = 0; i < GRAPHS; i++) {
    const id = `6600000000000000${i.toString(16).padStart(8, '0')}`;
    started.set(id, performance.now());
    // Created without awaiting each: many instances in flight at once, as on a busy member.
    void monorail.workflows.run({ graphName: 'Graph.Bench', id }).catch((e: unknown) => {
      console.error('run failed', e);
      failed++;
    });
  }
  await allDone;
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  await monorail.stop();
  // Each task: one start and one end record; each graph: a created and a finished record.
  const transitions = GRAPHS * tasksPerGraph * 2;
  const reference = await journalReference(transitions);

  console.log(`workflow engine, ${fmt(GRAPHS)} graphs of ${tasksPerGraph} noop tasks (chain ${CHAIN}, fan-out ${WIDTH}), embedded store, fsync per commit`);
  console.log(`  graphs/s            ${fmt(GRAPHS / seconds, 1)}  (${fmt(seconds, 2)} s in all, ${failed} failed)`);
  console.log(`  task transitions/s  ${fmt(transitions / seconds)}  (start + end of every task, journaled before acted on)`);
  console.log(`  graph latency       p50 ${fmt(pct(latencies, 50), 1)} ms  p99 ${fmt(pct(latencies, 99), 1)} ms  (all ${fmt(GRAPHS)} started at once)`);
  console.log(`  reference: raw journal appends/s on the same store  ${fmt(reference)}`);
  rmSync(root, { recursive: true, force: true });
  if (failed > 0) process.exitCode = 1;
}

await main();
