/**
 * The virtual rack (`monorail sim`): a Monorail member started in-process on an embedded store, with its
 * DHCP (proxy), TFTP, syslog and HTTP servers on unprivileged ports of 127.0.0.1, the rack's SKU and tag
 * definitions loaded, and N simulated machines (`sim-machine.ts`) powered on through their BMCs at jittered
 * times. It follows the run from both sides (machine phases from the machines, node states from Monorail's
 * event stream), and at the end checks from Monorail's store that nothing was lost: one node per machine,
 * available, with every catalog, a Redfish OBM pointing at the machine's own BMC, the profile's SKU, one
 * succeeded discovery workflow, and the machine's syslog.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import dgram from 'node:dgram';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { pino } from 'pino';
import { catalogCommandPatterns, catalogCommands } from '../actors/catalog/command-parsers.ts';
import { bmcCatalogCommands } from '../actors/workflow/builtin/tasks.ts';
import { loadConfig } from '../config/load-config.ts';
import type { ConfigLayer } from '../config/schema.ts';
import { createLogger, type Logger } from '../logging/logger.ts';
import { startMonorail, type Monorail } from '../monorail.ts';
import { DhcpClientPorts } from './dhcp-client-port.ts';
import { planRack, type PlannedMachine } from './rack-plan.ts';
import { percentiles, type RackChecks, type RackFailure, type RackProgress, type RackSummary } from './rack-report.ts';
import { defaultTiming, SimMachine, type MachinePhase, type MonorailEndpoints, type SimTiming } from './sim-machine.ts';
import { simSkus, simTags } from './sku-profiles.ts';
import { mapLimited } from '../map-limited.ts';

export interface VirtualRackOptions {
  readonly machines: number;
  /** Profile names (see sku-profiles.ts); all of them, round-robin, when left out. */
  readonly profiles?: readonly string[];
  readonly seed?: number;
  /** Where the member keeps its store and log; a temporary directory (removed at the end) when left out. */
  readonly dataDir?: string;
  /** Machines are powered on at random times within this window (ms), so a big rack does not stampede (default: `defaultPowerOnWindowMs`). */
  readonly powerOnWindowMs?: number;
  readonly timing?: Partial<SimTiming>;
  /** The member's log: a file in the data directory at this level ('silent' for none). */
  readonly logLevel?: string;
  /** Extra member configuration, applied last (e.g. `{ store: { durability: 'normal' } }`). */
  readonly config?: ConfigLayer;
  /** Sizes of the stand-in boot files (iPXE binaries over TFTP, kernel and initrd over HTTP). */
  readonly imageBytes?: { readonly ipxe?: number; readonly kernel?: number; readonly initrd?: number };
}

const PHASES: readonly MachinePhase[] = ['off', 'post', 'pxe', 'tftp', 'ipxe', 'microkernel', 'microkernel-idle', 'disk', 'hung'];
const SETTLED: ReadonlySet<MachinePhase> = new Set(['off', 'disk', 'hung', 'microkernel-idle']);

/**
 * 30 ms per machine, at most two minutes: on a 2-CPU host that keeps a 1,000-machine rack below the rate
 * at which the member's HTTP accept queue overflows (see the benchmark); `powerOnWindowMs: 0` is a storm.
 */
export const defaultPowerOnWindowMs = (machines: number): number => Math.min(120_000, machines * 30);

/** Whether this host lets a socket bind 127.x.y.z beyond 127.0.0.1 (Linux does; macOS needs aliases). */
export async function loopbackAliasesWork(): Promise<boolean> {
  const socket = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.1.0.1', () => resolve());
    });
    return true;
  } catch {
    return false;
  } finally {
    socket.close();
  }
}

/** A port free on `host` for TCP (and UDP too when `udp`), for servers whose port must be known before they start. */
export async function freePort(host: string, udp: boolean): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, host, () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    if (!udp) return port;
    const socket = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.bind(port, host, () => resolve(true));
    });
    socket.close();
    if (ok) return port;
  }
  throw new Error(`no free port on ${host}`);
}

/**
 * The machines' DHCP client port: free on 127.0.0.1 and below the kernel's ephemeral range, because each
 * machine binds it on its own address at boot while its TFTP and syslog sockets take ephemeral ports on
 * that same address, and an ephemeral port equal to it would make the machine's next DHCP bind fail.
 */
export async function clientPortBelowEphemeral(host: string): Promise<number> {
  let ephemeralLow = 32768;
  try {
    ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || ephemeralLow;
  } catch {
    // Not Linux: 10000-32767 is below the BSD/macOS (49152) and Windows (49152) ranges too.
  }
  const high = Math.max(10_001, Math.min(ephemeralLow, 32_768) - 1);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * (high - 10_000));
    const socket = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.bind(port, host, () => resolve(true));
    });
    await new Promise<void>((resolve) => (ok ? socket.close(() => resolve()) : resolve()));
    if (ok) return port;
  }
  throw new Error(`no free UDP port below the ephemeral range on ${host}`);
}

const repoStatic = (dir: string): string => fileURLToPath(new URL(`../../static/${dir}`, import.meta.url));

export class VirtualRack {
  readonly machines: SimMachine[] = [];
  private readonly phaseCounts = new Map<MachinePhase, number>(PHASES.map((p) => [p, 0]));
  private readonly nodeStates = new Map<string, string>();
  private readonly availableAt = new Map<string, number>();
  private poweredOn = 0;
  private firstPowerOnAt: number | undefined;
  private peakRss = 0;
  private readonly sampler: NodeJS.Timeout;
  /** How late the event loop runs: member and machines share one process, so this is everybody's latency. */
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private interrupted = false;
  /** Ends a power-on sequence still waiting for its later machines (interrupt, stop). */
  private readonly halt = new AbortController();
  private readonly wake = new Set<() => void>();
  private stopped = false;

  private constructor(
    readonly monorail: Monorail,
    readonly planned: readonly PlannedMachine[],
    readonly options: VirtualRackOptions,
    readonly seed: number,
    readonly dataDir: string,
    private readonly ownsDataDir: boolean,
    readonly logFile: string | undefined,
    private readonly dhcpPorts: DhcpClientPorts,
    readonly bmcPort: number | undefined,
    readonly loopbackAliases: boolean,
    private readonly unsubscribe: () => void,
    private readonly log: Logger,
  ) {
    this.sampler = setInterval(() => {
      this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
    }, 500);
    this.sampler.unref();
    this.loopDelay.enable();
  }

  /** Starts the member and the machines' BMCs (machines powered off). */
  static async start(options: VirtualRackOptions): Promise<VirtualRack> {
    const seed = options.seed ?? 1;
    const aliases = await loopbackAliasesWork();
    const planned = planRack({ machines: options.machines, seed, loopbackAliases: aliases, ...(options.profiles === undefined ? {} : { profiles: options.profiles }) });
    const ownsDataDir = options.dataDir === undefined;
    const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'monorail-sim-'));
    mkdirSync(dataDir, { recursive: true });
    const cleanup = (): void => {
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    };
    try {
      // Stand-ins for the iPXE binaries and the microkernel: the machines download them as real ones would.
      const sizes = { ipxe: 70 * 1024, kernel: 256 * 1024, initrd: 512 * 1024, ...options.imageBytes };
      const tftpRoot = path.join(dataDir, 'tftp');
      const httpRoot = path.join(dataDir, 'http');
      mkdirSync(tftpRoot, { recursive: true });
      mkdirSync(httpRoot, { recursive: true });
      const filler = (bytes: number, name: string): Buffer => Buffer.alloc(bytes, `monorail-sim stand-in for ${name}\n`);
      for (const name of ['undionly.kpxe', 'snponly.efi']) writeFileSync(path.join(tftpRoot, name), filler(sizes.ipxe, name));
      writeFileSync(path.join(httpRoot, 'vmlinuz'), filler(sizes.kernel, 'vmlinuz'));
      writeFileSync(path.join(httpRoot, 'initrd.gz'), filler(sizes.initrd, 'initrd.gz'));

      // Ports that end up in URLs and kernel arguments must be known before the member starts.
      const httpPort = await freePort('127.0.0.1', false);
      const syslogPort = await freePort('127.0.0.1', true);
      const clientPort = await clientPortBelowEphemeral('127.0.0.1');
      const bmcPort = aliases ? await freePort(planned[0]?.spec.bmc.ip ?? '127.0.0.1', false) : undefined;
      const bmcPassword = randomBytes(12).toString('base64url');

      const logLevel = options.logLevel ?? 'info';
      const logFile = logLevel === 'silent' ? undefined : path.join(dataDir, 'monorail.log');
      const log = createLogger({ level: logLevel, memberId: 'sim', ...(logFile === undefined ? {} : { destination: pino.destination({ dest: logFile, sync: false, mkdir: true }) }) });
      const config = loadConfig({
        layers: [
          {
            memberId: 'sim',
            dataDir,
            store: { path: path.join(dataDir, 'store') },
            log: { level: logLevel },
            http: { host: '127.0.0.1', port: httpPort, staticRoot: httpRoot, profilesDir: repoStatic('profiles') },
            dhcp: { enabled: true, mode: 'proxy', host: '127.0.0.1', port: 0, proxyPort: 0, clientPort },
            tftp: { enabled: true, host: '127.0.0.1', port: 0, root: tftpRoot, fallbackRoots: [] },
            syslog: { enabled: true, host: '127.0.0.1', port: syslogPort },
            boot: { serverAddress: '127.0.0.1' },
            microkernel: { image: 'none' },
            workflows: {
              discoveryOptions: {
                defaults: { autoCreateObm: true },
                obm: { service: 'redfish-obm-service', scheme: 'http', ...(bmcPort === undefined ? {} : { port: bmcPort }), user: 'admin', password: bmcPassword },
              },
            },
          },
          options.config ?? {},
        ],
      });
      const monorail = await startMonorail(config, { log });
      let endpoints: MonorailEndpoints;
      try {
        const now = new Date().toISOString();
        for (const sku of simSkus) await monorail.store.documents.collection('skus').put({ ...sku, createdAt: now });
        for (const tag of simTags) await monorail.store.documents.collection('tags').put({ ...tag });
        const [dhcp, bootServer] = monorail.servers.find((s) => s.name === 'dhcp')?.addresses() ?? [];
        const tftpAddress = monorail.servers.find((s) => s.name === 'tftp')?.addresses()[0];
        if (dhcp === undefined || bootServer === undefined || tftpAddress === undefined) throw new Error('the member does not serve DHCP (proxy) and TFTP');
        endpoints = { dhcp: { address: dhcp.address, port: dhcp.port, proxyPort: bootServer.port }, tftpPort: tftpAddress.port };
      } catch (e) {
        await monorail.stop();
        throw e;
      }

      const dhcpPorts = new DhcpClientPorts(clientPort);
      // Events arrive from the moment machines boot; the rack that counts them exists just before.
      const holder: { rack?: VirtualRack } = {};
      const unsubscribe = monorail.events.subscribe((event) => holder.rack?.onEvent(event.type, event.action, event.nodeId, event.data));
      const r = new VirtualRack(monorail, planned, options, seed, dataDir, ownsDataDir, logFile, dhcpPorts, bmcPort, aliases, unsubscribe, log);
      holder.rack = r;
      const timing: SimTiming = { ...defaultTiming, ...options.timing };
      try {
        await mapLimited(planned, 64, async (p) => {
          const machine = await SimMachine.create(p.spec, {
            endpoints,
            dhcpPorts,
            timing,
            bmc: { port: bmcPort ?? 0, username: 'admin', password: bmcPassword },
            onPhase: (_m, from, to) => r.onPhase(from, to),
          });
          r.machines.push(machine);
        });
      } catch (e) {
        await r.stop();
        throw e;
      }
      r.machines.sort((a, b) => a.spec.index - b.spec.index);
      r.phaseCounts.set('off', r.machines.length);
      return r;
    } catch (e) {
      cleanup();
      throw e;
    }
  }

  /** Powers every machine on through its BMC, at random times within the power-on window. */
  async powerOn(): Promise<void> {
    const window = this.options.powerOnWindowMs ?? defaultPowerOnWindowMs(this.machines.length);
    const order = this.machines.map((m) => ({ m, at: Math.random() * window })).sort((a, b) => a.at - b.at);
    const start = Date.now();
    const signal = this.halt.signal;
    for (const { m, at } of order) {
      const wait = start + at - Date.now();
      if (wait > 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, wait);
          function done(): void {
            clearTimeout(t);
            signal.removeEventListener('abort', done);
            resolve();
          }
          signal.addEventListener('abort', done, { once: true });
        });
      }
      if (signal.aborted) return;
      this.firstPowerOnAt ??= Date.now();
      this.poweredOn += 1;
      m.powerOn();
    }
  }

  progress(): RackProgress {
    const phases = Object.fromEntries(PHASES.map((p) => [p, this.phaseCounts.get(p) ?? 0])) as Record<MachinePhase, number>;
    let available = 0;
    let failed = 0;
    for (const state of this.nodeStates.values()) {
      if (state === 'available') available++;
      else if (state === 'failed') failed++;
    }
    return {
      elapsedMs: this.firstPowerOnAt === undefined ? 0 : Date.now() - this.firstPowerOnAt,
      machines: this.machines.length,
      poweredOn: this.poweredOn,
      phases,
      discovered: this.nodeStates.size,
      available,
      failed,
    };
  }

  /**
   * Resolves when every machine has settled (at its disk, off, stuck) and every machine's node is available
   * or failed, or when `timeoutMs` passes, or on `interrupt()`.
   */
  async waitUntilSettled(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.interrupted && Date.now() < deadline) {
      if (this.settled()) return true;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.min(250, Math.max(0, deadline - Date.now())));
        function done(): void {
          clearTimeout(t);
          resolve();
        }
        this.wake.add(done);
      });
      this.wake.clear();
    }
    return this.settled();
  }

  /** Ends `waitUntilSettled` early (SIGINT). */
  interrupt(): void {
    this.interrupted = true;
    this.halt.abort();
    for (const w of this.wake) w();
  }

  private settled(): boolean {
    if (this.poweredOn < this.machines.length) return false;
    return this.machines.every((m) => {
      if (!SETTLED.has(m.phase)) return false;
      // A machine that settled without ever reaching the microkernel will not try again by itself.
      if (m.phase === 'hung' || m.nodeId === undefined) return true;
      const state = this.nodeStates.get(m.nodeId);
      return state === 'available' || state === 'failed';
    });
  }

  private onPhase(from: MachinePhase, to: MachinePhase): void {
    this.phaseCounts.set(from, (this.phaseCounts.get(from) ?? 0) - 1);
    this.phaseCounts.set(to, (this.phaseCounts.get(to) ?? 0) + 1);
  }

  private onEvent(type: string, action: string, nodeId: string | undefined, data: Readonly<Record<string, unknown>>): void {
    if (type !== 'node' || nodeId === undefined) return;
    if (action === 'added' && !this.nodeStates.has(nodeId)) this.nodeStates.set(nodeId, 'discovered');
    if (action === 'stateChanged' && typeof data['to'] === 'string') {
      this.nodeStates.set(nodeId, data['to']);
      if (data['to'] === 'available' && !this.availableAt.has(nodeId)) this.availableAt.set(nodeId, Date.now());
    }
  }

  /** Checks Monorail's store against the machines and sums the run up. */
  async summary(): Promise<RackSummary> {
    // The run's figures, before the checks below add their own load.
    const loop = { p50: Math.round(this.loopDelay.percentile(50) / 1e6), p99: Math.round(this.loopDelay.percentile(99) / 1e6), max: Math.round(this.loopDelay.max / 1e6) };
    const peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
    const endedAt = Date.now();
    const docs = this.monorail.store.documents;
    const expectedSources = [
      ...catalogCommands.map((c) => c.source),
      ...bmcCatalogCommands.map((cmd) => catalogCommandPatterns.find((p) => p.pattern.test(cmd))?.source(cmd) ?? cmd),
    ];
    const skuNames = new Map(simSkus.map((s) => [s.id, s.name]));
    const failures: RackFailure[] = [];
    const nodeOwners = new Map<string, number>();
    const nodesPerSku: Record<string, number> = {};
    const nodesPerTag: Record<string, number> = {};
    const counts = { machinesWithNode: 0, available: 0, withAllCatalogs: 0, withRedfishObm: 0, obmAtOwnBmc: 0, rightSku: 0, oneDiscoverySucceeded: 0, withSyslog: 0 };
    const discoveryMs: number[] = [];
    let lastAvailable = 0;
    let allAvailable = true;
    const check = async (m: SimMachine): Promise<void> => {
      const problems: string[] = [];
      const fail = (reason: string): void => {
        problems.push(reason);
      };
      const nodeId = m.nodeId ?? (await this.monorail.directory.nodeOfMac(m.mac));
      const profile = this.planned[m.spec.index]?.profile;
      if (nodeId === undefined) {
        fail(`no node (machine ${m.phase}${m.lastError === undefined ? '' : `: ${m.lastError}`})`);
      } else {
        counts.machinesWithNode++;
        nodeOwners.set(nodeId, (nodeOwners.get(nodeId) ?? 0) + 1);
        const node = await docs.collection('nodes').get(nodeId);
        const state = node?.lifecycle.state ?? 'missing';
        if (state === 'available') counts.available++;
        else fail(`node ${nodeId} is ${state}${node?.lifecycle.reason === undefined ? '' : ` (${node.lifecycle.reason})`}; machine ${m.phase}${m.lastError === undefined ? '' : `: ${m.lastError}`}`);
        const at = this.availableAt.get(nodeId);
        if (at !== undefined && m.firstPowerOnAt !== undefined && state === 'available') {
          discoveryMs.push(at - m.firstPowerOnAt);
          lastAvailable = Math.max(lastAvailable, at);
        }
        const sku = node?.sku ?? null;
        const skuName = sku === null ? '(none)' : (skuNames.get(sku) ?? sku);
        nodesPerSku[skuName] = (nodesPerSku[skuName] ?? 0) + 1;
        if (profile !== undefined && sku === profile.sku.id) counts.rightSku++;
        else fail(`SKU ${skuName}, expected ${profile?.sku.name ?? '?'}`);
        for (const tag of node?.tags ?? []) nodesPerTag[tag] = (nodesPerTag[tag] ?? 0) + 1;
        // The embedded store decodes every document a filter's index leads to, so each collection is read
        // once per node (a count per catalog source would decode the node's large catalogs eleven times).
        const sources = new Set((await docs.collection('catalogs').find({ node: nodeId })).map((c) => c.source));
        const missing = expectedSources.filter((source) => !sources.has(source));
        if (missing.length === 0) counts.withAllCatalogs++;
        else fail(`missing catalogs: ${missing.join(', ')}`);
        const obm = (await docs.collection('obms').find({ node: nodeId })).find((o) => o.service === 'redfish-obm-service');
        if (obm === undefined || !(node?.obms ?? []).some((ref) => ref.obmId === obm.id)) {
          fail('no Redfish OBM');
        } else {
          counts.withRedfishObm++;
          const uri = typeof obm.config['uri'] === 'string' ? obm.config['uri'] : '';
          const expected = `http://${m.spec.bmc.ip}${this.bmcPort === undefined ? '' : `:${this.bmcPort}`}`;
          if (uri === expected) counts.obmAtOwnBmc++;
          else fail(`OBM at ${uri}, expected ${expected}`);
        }
        const discoveries = (await docs.collection('workflows').find({ node: nodeId })).filter((w) => w.injectableName === 'Graph.Discovery');
        if (discoveries.length === 1 && discoveries[0]?.status === 'succeeded') counts.oneDiscoverySucceeded++;
        else fail(`discovery workflows: ${discoveries.map((w) => w.status).join(', ') || 'none'}`);
        if ((await docs.collection('logs').count({ node: nodeId })) > 0) counts.withSyslog++;
        else fail('no syslog on the node');
      }
      if (m.phase === 'hung') fail(`machine stuck: ${m.lastError ?? 'unknown'}`);
      if (nodeId === undefined || this.nodeStates.get(nodeId) !== 'available') allAvailable = false;
      if (problems.length > 0) failures.push({ machine: m.spec.index, mac: m.mac, profile: m.spec.profile, reason: problems.join('; '), trace: m.trace.slice(-8) });
    };
    await mapLimited(this.machines, 4, async (m) => {
      try {
        await check(m);
      } catch (e) {
        failures.push({ machine: m.spec.index, mac: m.mac, profile: m.spec.profile, reason: `could not be checked: ${e instanceof Error ? e.message : String(e)}` });
        allAvailable = false;
      }
    });
    const sharedNodes = [...nodeOwners.values()].filter((n) => n > 1).reduce((s, n) => s + n, 0);
    const nodes = await docs.collection('nodes').count({});
    const checks: RackChecks = { machines: this.machines.length, nodes, sharedNodes, ...counts };
    const n = this.machines.length;
    const nothingLost =
      nodes === n &&
      counts.machinesWithNode === n &&
      sharedNodes === 0 &&
      counts.available === n &&
      counts.withAllCatalogs === n &&
      counts.withRedfishObm === n &&
      counts.obmAtOwnBmc === n &&
      counts.rightSku === n &&
      counts.oneDiscoverySucceeded === n &&
      counts.withSyslog === n;
    const tally = (key: (m: SimMachine) => string): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const m of this.machines) out[key(m)] = (out[key(m)] ?? 0) + 1;
      return out;
    };
    const start = this.firstPowerOnAt ?? Date.now();
    const servers: Record<string, Record<string, number>> = {};
    for (const s of this.monorail.servers) servers[s.name] = { ...s.stats() };
    failures.sort((a, b) => a.machine - b.machine);
    return {
      machines: n,
      seed: this.seed,
      profiles: tally((m) => m.spec.profile),
      arch: tally((m) => m.spec.arch),
      interrupted: this.interrupted,
      timeToAllAvailableMs: allAvailable && discoveryMs.length === n ? lastAvailable - start : null,
      wallMs: endedAt - start,
      discoveryMs: percentiles(discoveryMs),
      nodesPerSku,
      nodesPerTag,
      machinePhases: tally((m) => m.phase),
      checks,
      nothingLost,
      failures,
      servers,
      eventLoopDelayMs: loop,
      memory: { peakRssMiB: Math.round(peakRss / 1048576), endHeapUsedMiB: Math.round(process.memoryUsage().heapUsed / 1048576) },
      ...(this.logFile === undefined ? {} : { logFile: this.logFile }),
      dataDir: this.dataDir,
      ok: nothingLost && !this.interrupted,
    };
  }

  /** Stops the machines, their BMCs and the member; removes the data directory if the rack made it. */
  async stop(options: { readonly keepData?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.halt.abort();
    clearInterval(this.sampler);
    this.loopDelay.disable();
    this.unsubscribe();
    await mapLimited(this.machines, 64, (m) => m.close());
    await this.dhcpPorts.close();
    await this.monorail.stop();
    this.log.flush();
    if (this.ownsDataDir && options.keepData !== true) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
