/**
 * Discovery throughput of the simulated rack on a cluster of 1, 2 and 3 member processes (AMQP transport on
 * the local RabbitMQ, one shared embedded store file), beside the reference in the same run: one member on
 * the embedded default (local transport), the same rack. Each run powers the machines on over the same
 * window, spread over the members (each machine falls back to the others if its own is silent), and times
 * power-on to every node available; it prints machines per minute and per-node p50/p99.
 *
 *   node --import tsx bench/cluster-discovery.bench.ts        BENCH_MACHINES=200 BENCH_WINDOW_MS=6000
 *
 * Every process shares this host's CPUs with the machines' simulator and the broker, so more members do not
 * mean more CPU here: the figures show what sharding costs and what spreading the edge buys on one host,
 * not what three hosts would serve.
 */
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import { startClusterRack } from '../test/support/cluster-rack.ts';

const MACHINES = Number(process.env.BENCH_MACHINES ?? 100);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? MACHINES * 30);
const pct = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

interface Result {
  readonly label: string;
  readonly wallMs: number;
  readonly perNode: readonly number[];
}

async function run(label: string, members: number, transport: 'amqp' | 'local'): Promise<Result> {
  const rack = await startClusterRack({ members, machines: MACHINES, transport });
  try {
    const nodes = rack.store.documents.collection('nodes');
    const poweredAt = new Map<string, number>();
    const availableAt = new Map<string, number>();
    const t0 = performance.now();
    const gap = rack.machines.length > 1 ? WINDOW_MS / (rack.machines.length - 1) : 0;
    for (const [i, m] of rack.machines.entries()) {
      const due = t0 + i * gap - performance.now();
      if (due > 0) await new Promise((r) => setTimeout(r, due));
      poweredAt.set(m.mac, performance.now());
      m.powerOn();
    }
    const deadline = t0 + 10 * 60_000;
    while (availableAt.size < MACHINES) {
      if (performance.now() > deadline) throw new Error(`${label}: ${availableAt.size}/${MACHINES} available after 10 minutes`);
      const now = performance.now();
      for (const n of await nodes.find({ 'lifecycle.state': 'available' })) {
        const mac = n.identifiers.find((x) => poweredAt.has(x));
        if (mac !== undefined && !availableAt.has(mac)) availableAt.set(mac, now);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const wallMs = performance.now() - t0;
    const perNode = [...availableAt].map(([mac, at]) => at - (poweredAt.get(mac) ?? at)).sort((a, b) => a - b);
    return { label, wallMs, perNode };
  } finally {
    await rack.stop();
  }
}

console.log(`cluster discovery: ${MACHINES} simulated machines powered on over ${s(WINDOW_MS)}, ${os.cpus().length} vCPUs, Node ${process.version}`);
const results: Result[] = [];
results.push(await run('1 member, embedded default (reference)', 1, 'local'));
for (const n of [1, 2, 3]) results.push(await run(`${n} member${n === 1 ? '' : 's'}, AMQP shards`, n, 'amqp'));
for (const r of results) {
  const perMinute = (MACHINES / r.wallMs) * 60_000;
  console.log(`${r.label.padEnd(40)} all available in ${s(r.wallMs).padStart(7)}  ${perMinute.toFixed(0).padStart(5)} machines/min  per node p50 ${s(pct(r.perNode, 50))} p99 ${s(pct(r.perNode, 99))}`);
}
