/**
 * What the virtual rack tells its operator: a progress line while it runs (machine phases as the machines
 * see them, node states as Monorail reports them, the discovery rate) and the summary at the end (time to
 * all available, per-node discovery percentiles, nodes per SKU, failures, and the checks that nothing was
 * lost). Pure formatting; `virtual-rack.ts` gathers the figures.
 */
import type { MachinePhase } from './sim-machine.ts';

export interface RackProgress {
  readonly elapsedMs: number;
  readonly machines: number;
  readonly poweredOn: number;
  readonly phases: Readonly<Record<MachinePhase, number>>;
  /** Nodes Monorail has created, and how many are in each resting state. */
  readonly discovered: number;
  readonly available: number;
  readonly failed: number;
}

export interface Percentiles {
  readonly min: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface RackFailure {
  readonly machine: number;
  readonly mac: string;
  readonly profile: string;
  readonly reason: string;
  /** The machine's last steps, when it got somewhere it should not have. */
  readonly trace?: readonly string[];
}

/** Each count is of machines; every one must equal `machines` for the run to pass. */
export interface RackChecks {
  readonly machines: number;
  /** Nodes in Monorail's store (must be exactly one per machine). */
  readonly nodes: number;
  readonly machinesWithNode: number;
  /** Machines sharing a node with another machine. */
  readonly sharedNodes: number;
  readonly available: number;
  readonly withAllCatalogs: number;
  readonly withRedfishObm: number;
  /** OBM records whose URI is the machine's own BMC. */
  readonly obmAtOwnBmc: number;
  readonly rightSku: number;
  /** Exactly one Graph.Discovery, succeeded. */
  readonly oneDiscoverySucceeded: number;
  /** Machines whose syslog landed on their node. */
  readonly withSyslog: number;
}

export interface RackSummary {
  readonly machines: number;
  readonly seed: number;
  readonly profiles: Readonly<Record<string, number>>;
  readonly arch: Readonly<Record<string, number>>;
  readonly interrupted: boolean;
  /** From the first power-on to the last node available; null when not every machine got there. */
  readonly timeToAllAvailableMs: number | null;
  /** From the first power-on to the end of the run. */
  readonly wallMs: number;
  /** Per node: its machine's power-on to the node available. */
  readonly discoveryMs: Percentiles | null;
  readonly nodesPerSku: Readonly<Record<string, number>>;
  readonly nodesPerTag: Readonly<Record<string, number>>;
  readonly machinePhases: Readonly<Record<string, number>>;
  readonly checks: RackChecks;
  readonly nothingLost: boolean;
  readonly failures: readonly RackFailure[];
  readonly servers: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Event-loop delay of the one process that runs the member and the machines. */
  readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly memory: { readonly peakRssMiB: number; readonly endHeapUsedMiB: number };
  /** Where the member's log went, when it went to a file. */
  readonly logFile?: string | undefined;
  /** The member's data directory (store, log); undefined once removed. */
  readonly dataDir?: string | undefined;
  readonly ok: boolean;
}

export function percentiles(values: readonly number[]): Percentiles | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: the smallest value with at least p% of the values at or below it.
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
  return { min: sorted[0] ?? 0, p50: at(50), p90: at(90), p99: at(99), max: sorted[sorted.length - 1] ?? 0 };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

const phaseOrder: readonly MachinePhase[] = ['off', 'post', 'pxe', 'tftp', 'ipxe', 'microkernel', 'microkernel-idle', 'disk', 'hung'];

export function progressLine(p: RackProgress): string {
  const phases = phaseOrder
    .filter((ph) => p.phases[ph] > 0 && ph !== 'off')
    .map((ph) => `${p.phases[ph]} ${ph}`)
    .join(' · ');
  const rate = p.elapsedMs > 0 ? (p.available / (p.elapsedMs / 1000)).toFixed(1) : '0.0';
  return (
    `[${seconds(p.elapsedMs).padStart(8)}] powered on ${p.poweredOn}/${p.machines}` +
    ` | machines: ${phases === '' ? 'all off' : phases}` +
    ` | nodes: ${p.discovered} discovered, ${p.available} available, ${p.failed} failed | ${rate} nodes/s`
  );
}

function table(entries: Readonly<Record<string, number>>, indent = '  '): string[] {
  const rows = Object.entries(entries).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const width = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${indent}${k.padEnd(width)}  ${v}`);
}

export function summaryText(s: RackSummary): string {
  const c = s.checks;
  const check = (label: string, value: number, expected = s.machines): string => `  ${value === expected ? 'ok  ' : 'FAIL'} ${label}: ${value}/${expected}`;
  const lines = [
    '',
    `Virtual rack: ${s.machines} machines, seed ${s.seed}${s.interrupted ? ' (interrupted)' : ''}`,
    ...table(s.profiles),
    `  firmware: ${Object.entries(s.arch).map(([k, v]) => `${v} ${k}`).join(', ')}`,
    '',
    s.timeToAllAvailableMs === null ? `Not every machine became available (run lasted ${seconds(s.wallMs)}).` : `Time to all available: ${seconds(s.timeToAllAvailableMs)}`,
    s.discoveryMs === null
      ? 'Per-node discovery time: no node became available'
      : `Per-node discovery time (power on → available): p50 ${seconds(s.discoveryMs.p50)}, p90 ${seconds(s.discoveryMs.p90)}, p99 ${seconds(s.discoveryMs.p99)}, max ${seconds(s.discoveryMs.max)}`,
    '',
    'Nodes per SKU:',
    ...table(s.nodesPerSku),
    ...(Object.keys(s.nodesPerTag).length === 0 ? [] : ['Nodes per tag:', ...table(s.nodesPerTag)]),
    '',
    'Machines ended:',
    ...table(s.machinePhases),
    '',
    `Nothing lost: ${s.nothingLost ? 'yes' : 'NO'}`,
    check('nodes in the store, one per machine', c.nodes),
    check('machines with their own node', c.machinesWithNode - c.sharedNodes),
    check('nodes available', c.available),
    check('nodes with every catalog', c.withAllCatalogs),
    check('nodes with a Redfish OBM', c.withRedfishObm),
    check('OBMs at the machine’s own BMC', c.obmAtOwnBmc),
    check('nodes with the right SKU', c.rightSku),
    check('one Graph.Discovery, succeeded', c.oneDiscoverySucceeded),
    check('nodes with the machine’s syslog', c.withSyslog),
  ];
  if (s.failures.length > 0) {
    lines.push('', `Failures (${s.failures.length}):`);
    for (const f of s.failures.slice(0, 20)) {
      lines.push(`  machine ${f.machine} ${f.mac} (${f.profile}): ${f.reason}`);
      for (const t of f.trace ?? []) lines.push(`      ${t}`);
    }
    if (s.failures.length > 20) lines.push(`  … and ${s.failures.length - 20} more`);
  }
  lines.push('', 'Protocol servers:');
  for (const [name, stats] of Object.entries(s.servers)) {
    const shown = Object.entries(stats)
      .filter(([, v]) => v !== 0)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    lines.push(`  ${name}: ${shown}`);
  }
  lines.push('', `Event-loop delay: p50 ${s.eventLoopDelayMs.p50} ms, p99 ${s.eventLoopDelayMs.p99} ms, max ${s.eventLoopDelayMs.max} ms`);
  lines.push(`Memory: peak RSS ${s.memory.peakRssMiB} MiB (member and simulator in one process), heap at end ${s.memory.endHeapUsedMiB} MiB`);
  if (s.logFile !== undefined) lines.push(`Member log: ${s.logFile}`);
  lines.push(s.ok ? 'Result: every machine discovered and available.' : 'Result: FAILED.', '');
  return lines.join('\n');
}
