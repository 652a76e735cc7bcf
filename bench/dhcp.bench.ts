/**
 * DHCP under load: Kea's perfdhcp, acting as a relay (giaddr 10.88.0.1, like
 * test/protocols/dhcp/dhcp-relay.netns.test.ts) in a client namespace, against a full Monorail member
 * in the server namespace, and against dnsmasq in its place as the reference, with the same perfdhcp
 * settings. Needs root (network namespaces).
 *
 *   npx tsx bench/dhcp.bench.ts
 *   BENCH_RATES=100,200 BENCH_SECONDS=5 npx tsx bench/dhcp.bench.ts      (quicker)
 *   BENCH_VERBOSE=1 npx tsx bench/dhcp.bench.ts                          (perfdhcp's raw reports too)
 *   BENCH_DNSMASQ_ARGS=--leasefile-ro npx tsx bench/dhcp.bench.ts        (extra dnsmasq arguments)
 *
 * Server mode: full DORA, every client new (a distinct base MAC per run and a client range of 2^20,
 * so repeats are rare), each rate for BENCH_SECONDS. Proxy mode (Monorail only: dnsmasq's proxy mode
 * does not answer relayed DISCOVERs the same way, so the figures are not comparable): DISCOVER-OFFER
 * only (`perfdhcp -i`) with option 60 "PXEClient", 100 known clients (a warm-up run creates their nodes).
 * perfdhcp counts a reply later than 1 s as a drop; it reports min/avg/max delay and the standard
 * deviation, no percentiles.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { startMember, type MemberProcess } from '../test/support/member-process.ts';
import { createNetnsPair, netnsAvailable, type NetnsPair } from '../test/support/netns.ts';

const RATES = (process.env.BENCH_RATES ?? '100,200,400').split(',').map(Number);
const PROXY_RATES = (process.env.BENCH_PROXY_RATES ?? '1000,2000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const VERBOSE = process.env.BENCH_VERBOSE !== undefined;
const RELAY = '10.88.0.1';
const relayAgentInfo = '0104000000070206aabbccddeeff';
const pxeClient = Buffer.from('PXEClient:Arch:00000:UNDI:002001').toString('hex');
const leaseDefaults = { router: null, dnsServers: [], domainName: null, leaseSeconds: 600, reservations: [] };

interface Exchange {
  sent: number;
  received: number;
  drops: number;
  minMs: number;
  avgMs: number;
  maxMs: number;
  stdMs: number;
}
interface Run {
  readonly server: string;
  readonly mode: string;
  readonly offered: number;
  /** perfdhcp's "Rate:" line: exchanges over the test period plus the 1 s exit wait (-W). */
  readonly rate: number;
  /** Completed exchanges (last message of the exchange received) per second of the test period. */
  readonly completed: number;
  readonly ex: Record<string, Exchange>;
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** perfdhcp's report: one block per exchange kind, plus the overall rate line. */
function parse(report: string): { rate: number; ex: Record<string, Exchange> } {
  const ex: Record<string, Exchange> = {};
  for (const block of report.split('***Statistics for: ').slice(1)) {
    const name = block.slice(0, block.indexOf('***')).trim();
    const stat = (label: string): number => Number(new RegExp(`${label}: ([\\d.]+)`).exec(block)?.[1] ?? NaN);
    ex[name] = { sent: stat('sent packets'), received: stat('received packets'), drops: stat('drops'), minMs: stat('min delay'), avgMs: stat('avg delay'), maxMs: stat('max delay'), stdMs: stat('std deviation') };
  }
  return { rate: Number(/Rate: ([\d.]+)/.exec(report)?.[1] ?? NaN), ex };
}

let macSeq = 0;
async function perfdhcp(pair: NetnsPair, server: string, mode: string, rate: number, extra: string[], clients: number, seconds = SECONDS, quiet = false): Promise<Run> {
  const base = `mac=02:${(++macSeq).toString(16).padStart(2, '0')}:00:00:00:00`;
  const args = ['-4', '-l', RELAY, '-r', String(rate), '-R', String(clients), '-p', String(seconds), '-W', '1000000', '-b', mode === 'proxy' ? 'mac=02:ff:00:00:00:00' : base, '-o', `82,${relayAgentInfo}`, ...extra, pair.serverIp];
  const r = await pair.run(pair.client, 'perfdhcp', args, (seconds + 30) * 1000);
  if (VERBOSE) console.log(`perfdhcp ${args.join(' ')}\n${r.stdout}${r.stderr}`);
  const { rate: achieved, ex } = parse(r.stdout);
  if (Object.keys(ex).length === 0) throw new Error(`perfdhcp gave no report (exit ${r.code}): ${r.stdout}${r.stderr}`);
  const last = ex['REQUEST-ACK'] ?? ex['DISCOVER-OFFER'];
  const run = { server, mode, offered: rate, rate: achieved, completed: (last?.received ?? NaN) / seconds, ex };
  if (!quiet) {
    const parts = Object.entries(ex).map(([k, s]) => `${k} ${fmt(s.received)}/${fmt(s.sent)} drops ${fmt((100 * s.drops) / s.sent, 1)}% avg ${fmt(s.avgMs, 1)} max ${fmt(s.maxMs, 1)} ms`);
    console.log(`${server.padEnd(8)} ${mode.padEnd(6)} offered ${fmt(rate).padStart(5)}/s  completed ${fmt(run.completed, 1).padStart(7)}/s (perfdhcp Rate ${fmt(achieved, 1)})   ${parts.join('   ')}`);
  }
  return run;
}

const serverRuns = (pair: NetnsPair, server: string): Promise<Run[]> =>
  RATES.reduce<Promise<Run[]>>(async (acc, rate) => [...(await acc), await perfdhcp(pair, server, 'server', rate, [], 1 << 20)], Promise.resolve([]));

async function monorail(pair: NetnsPair, mode: 'server' | 'proxy'): Promise<MemberProcess> {
  return startMember(
    {
      MONORAIL_DHCP_ENABLED: 'true',
      MONORAIL_BOOT_SERVER_ADDRESS: pair.serverIp,
      MONORAIL_HTTP_ENABLED: 'false',
      MONORAIL_LOG_LEVEL: 'info', // startMember waits for the info line 'monorail started'
      MONORAIL_DHCP_MODE: mode,
      ...(mode === 'server'
        ? {
            MONORAIL_DHCP_SUBNETS: JSON.stringify([
              { subnet: '10.99.0.0/24', rangeStart: '10.99.0.100', rangeEnd: '10.99.0.150', ...leaseDefaults },
              { subnet: '10.88.0.0/16', rangeStart: '10.88.1.1', rangeEnd: '10.88.254.254', ...leaseDefaults },
            ]),
          }
        : {}),
    },
    { pair, ns: pair.server },
  );
}

function table(runs: Run[]): void {
  const head = ['server', 'mode', 'offered/s', 'done/s', 'perfdhcp Rate', 'DO drops', 'RA drops', 'DO avg ms', 'DO max ms', 'DO std', 'RA avg ms', 'RA max ms', 'RA std'];
  const rows = runs.map((r) => {
    const d = r.ex['DISCOVER-OFFER'];
    const a = r.ex['REQUEST-ACK'];
    const drops = (s: Exchange | undefined): string => (s ? `${fmt((100 * s.drops) / s.sent, 2)}%` : '-');
    return [r.server, r.mode, fmt(r.offered), fmt(r.completed, 1), fmt(r.rate, 1), drops(d), drops(a), fmt(d?.avgMs ?? NaN, 2), fmt(d?.maxMs ?? NaN, 1), fmt(d?.stdMs ?? NaN, 1), fmt(a?.avgMs ?? NaN, 2), fmt(a?.maxMs ?? NaN, 1), fmt(a?.stdMs ?? NaN, 1)];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w, i) => (i < 2 ? `-${'-'.repeat(w)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

if (!netnsAvailable()) {
  // Reached only with MONORAIL_TEST_SKIP_PRIVILEGED=1 (otherwise netnsAvailable throws): say why, exit non-zero.
  console.error('dhcp bench: needs root and `ip netns` (run as root)');
  process.exit(1);
}
const dir = mkdtempSync(path.join(tmpdir(), 'monorail-bench-dhcp-'));
let pair: NetnsPair | undefined;
let member: MemberProcess | undefined;
const runs: Run[] = [];
try {
  console.log(`# dhcp bench: node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, perfdhcp as relay ${RELAY}, ${SECONDS} s per rate`);
  pair = await createNetnsPair('bdhcp');
  await pair.run(pair.client, 'ip', ['addr', 'add', `${RELAY}/24`, 'dev', pair.clientIf]);
  await pair.run(pair.server, 'ip', ['addr', 'add', '10.88.0.2/24', 'dev', pair.bridge]);

  // (a) Monorail, server mode.
  member = await monorail(pair, 'server');
  runs.push(...(await serverRuns(pair, 'monorail')));
  await member.stop();
  member = undefined;

  // (b) dnsmasq in its place, the same ranges (its own leases file, no DNS).
  const dnsmasq = pair.spawn(pair.server, 'dnsmasq', [
    '-k',
    '--port=0',
    '--no-ping',
    '--dhcp-authoritative',
    `--interface=${pair.bridge}`,
    '--bind-interfaces',
    '--dhcp-range=10.99.0.100,10.99.0.150,255.255.255.0,10m',
    '--dhcp-range=10.88.1.1,10.88.254.254,255.255.0.0,10m',
    `--dhcp-leasefile=${path.join(dir, 'dnsmasq.leases')}`,
    '--log-facility=-',
    '--dhcp-lease-max=100000',
    ...(process.env.BENCH_DNSMASQ_ARGS ?? '').split(' ').filter(Boolean),
  ]);
  let dnsmasqErr = '';
  dnsmasq.stderr?.on('data', (b: Buffer) => (dnsmasqErr += b.toString()));
  await sleep(1000);
  if (dnsmasq.exitCode !== null) throw new Error(`dnsmasq exited (${dnsmasq.exitCode}): ${dnsmasqErr}`);
  runs.push(...(await serverRuns(pair, 'dnsmasq')));
  dnsmasq.kill('SIGTERM');
  await new Promise((r) => (dnsmasq.exitCode !== null ? r(undefined) : dnsmasq.once('exit', r)));

  // (c) Monorail, proxy mode: 100 known clients, DISCOVER-OFFER only.
  member = await monorail(pair, 'proxy');
  const proxyArgs = ['-i', '-o', `60,${pxeClient}`];
  await perfdhcp(pair, 'monorail', 'proxy', 200, proxyArgs, 100, 3, true); // warm-up: creates the 100 nodes
  for (const rate of PROXY_RATES) runs.push(await perfdhcp(pair, 'monorail', 'proxy', rate, proxyArgs, 100));
  await member.stop();
  member = undefined;

  console.log();
  console.log('DO = DISCOVER-OFFER, RA = REQUEST-ACK; done/s = last replies received / test period; perfdhcp Rate divides by the period + 1 s exit wait');
  console.log('perfdhcp counts a reply later than 1 s as a drop; it reports avg/max/std delay, no percentiles');
  table(runs);
} finally {
  await member?.stop().catch(() => undefined);
  await pair?.destroy();
  rmSync(dir, { recursive: true, force: true });
}
