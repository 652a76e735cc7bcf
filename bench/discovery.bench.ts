/**
 * Boot storm: a virtual rack of simulated machines (1,000 by default) discovered by one member on one host,
 * over real sockets (proxyDHCP, TFTP, HTTP profiles and images, the microkernel protocol, syslog), every
 * machine with its own Redfish BMC. Prints the time until every node is available, per-node discovery
 * time (power on → available) as p50/p90/p99/max, whether anything was lost (one node per machine,
 * available, catalogs, SKU, OBM), memory and event-loop delay, and compares against RackHD's published
 * 84–94 s per node for its SKU discovery graph. A single machine first gives the uncontended figure.
 *
 *   npm run bench:discovery
 *   MONORAIL_BENCH_MACHINES=200 npx tsx bench/discovery.bench.ts
 *
 * MONORAIL_BENCH_MACHINES   machines in the storm (default 1000)
 * MONORAIL_BENCH_WINDOW_MS  power-on window in ms (default: the rack's, 30 ms per machine; 0 = all at once)
 * MONORAIL_BENCH_DURABILITY embedded store fsync policy, full (default) or normal
 * MONORAIL_BENCH_SEED       seed of the machines' identities (default 1)
 *
 * The member and the simulator share one process, so the figures are a floor for what one host serves:
 * the machines' own work (packet building, inventory generation, TFTP and HTTP clients) takes CPU from it.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { summaryText, type RackSummary } from '../src/sim/rack-report.ts';
import { defaultPowerOnWindowMs, VirtualRack } from '../src/sim/virtual-rack.ts';

const N = Number(process.env.MONORAIL_BENCH_MACHINES ?? 1000);
const windowMs = process.env.MONORAIL_BENCH_WINDOW_MS === undefined ? defaultPowerOnWindowMs(N) : Number(process.env.MONORAIL_BENCH_WINDOW_MS);
const durability = process.env.MONORAIL_BENCH_DURABILITY === 'normal' ? 'normal' : 'full';
const seed = Number(process.env.MONORAIL_BENCH_SEED ?? 1);
/** RackHD's published time for one node through its SKU discovery graph. */
const RACKHD_PER_NODE_S: readonly [number, number] = [84, 94];

const s = (ms: number | undefined | null): string => (ms === undefined || ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);

async function run(machines: number, window: number): Promise<{ summary: RackSummary; wallMs: number }> {
  const t0 = performance.now();
  const rack = await VirtualRack.start({ machines, seed, powerOnWindowMs: window, logLevel: 'warn', config: { store: { durability } } });
  try {
    const poweringOn = rack.powerOn();
    let last = 0;
    const progress = setInterval(() => {
      const p = rack.progress();
      if (p.available === last && p.available !== 0) return;
      last = p.available;
      console.log(`  … ${(p.elapsedMs / 1000).toFixed(0).padStart(4)} s: ${p.poweredOn} powered on, ${p.discovered} nodes, ${p.available} available, ${p.failed} failed`);
    }, 10_000);
    await rack.waitUntilSettled(60_000 + machines * 1000);
    clearInterval(progress);
    await poweringOn;
    const summary = await rack.summary();
    return { summary, wallMs: performance.now() - t0 };
  } finally {
    await rack.stop();
  }
}

console.log(`discovery storm: ${os.cpus().length} CPUs, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, store durability ${durability}`);

console.log('\n1 machine (uncontended):');
const single = await run(1, 0);
console.log(`  power on → available: ${s(single.summary.discoveryMs?.p50)}   nothing lost: ${single.summary.nothingLost ? 'yes' : 'NO'}`);

console.log(`\n${N} machines, powered on within ${s(windowMs)}:`);
const storm = await run(N, windowMs);
const d = storm.summary.discoveryMs;
const all = storm.summary.timeToAllAvailableMs;
const rate = all === null ? null : N / (all / 1000);
console.log(summaryText(storm.summary).split('\n').filter((l) => l.startsWith('Failures') || l.startsWith('  machine') || l.startsWith('      +') || l.startsWith('  …') || l.startsWith('Protocol') || /^ {2}(dhcp|tftp|http|syslog):/.test(l)).join('\n'));
console.log('');
console.log(`                                   Monorail (this host)      RackHD (published)`);
console.log(`time to all ${String(N).padEnd(5)} available       ${s(all).padEnd(25)} —`);
console.log(`per node, 1 machine alone          ${s(single.summary.discoveryMs?.p50).padEnd(25)} ${RACKHD_PER_NODE_S[0]}–${RACKHD_PER_NODE_S[1]} s (SKU discovery graph)`);
console.log(`per node in the storm  p50         ${s(d?.p50).padEnd(25)} ${RACKHD_PER_NODE_S[0]}–${RACKHD_PER_NODE_S[1]} s`);
console.log(`                       p90         ${s(d?.p90)}`);
console.log(`                       p99         ${s(d?.p99)}`);
console.log(`                       max         ${s(d?.max)}`);
console.log(`nodes available per second         ${rate === null ? '—' : rate.toFixed(1)}`);
console.log(`nothing lost                       ${storm.summary.nothingLost ? 'yes' : 'NO'} (${storm.summary.checks.available}/${N} available, ${storm.summary.checks.nodes} nodes, ${storm.summary.failures.length} failures)`);
console.log(`peak RSS (member + ${N} machines)  ${storm.summary.memory.peakRssMiB} MiB`);
console.log(`event-loop delay                   p50 ${storm.summary.eventLoopDelayMs.p50} ms, p99 ${storm.summary.eventLoopDelayMs.p99} ms, max ${storm.summary.eventLoopDelayMs.max} ms`);
console.log(`wall time of the run               ${s(storm.wallMs)}`);
process.exitCode = storm.summary.ok ? 0 : 1;
