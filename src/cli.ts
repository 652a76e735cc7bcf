/**
 * The `monorail` command. `monorail start [--config <file>]` runs a member with every role configured for
 * it; with no configuration at all that is the embedded default: one process, one SQLite file under
 * ./data, no database or broker server. `monorail sim` runs a virtual rack: a member in-process and N
 * simulated machines discovered by it over real sockets, with a progress display and a summary.
 */
import { Command } from 'commander';
import { deployment } from '../cluster.config.ts';
import { loadConfigAsync } from './config/load-config.ts';
import type { MonorailConfig } from './config/schema.ts';
import { isMonorailError } from './errors.ts';
import { createLogger } from './logging/logger.ts';
import { LogRecords } from './logging/log-records.ts';
import { startMonorail, type Monorail } from './monorail.ts';
import { showProgress } from './sim/progress-display.ts';
import { MAX_MACHINES, selectProfiles } from './sim/rack-plan.ts';
import { summaryText } from './sim/rack-report.ts';
import { skuProfiles } from './sim/sku-profiles.ts';
import { VirtualRack } from './sim/virtual-rack.ts';

async function start(options: { config?: string }): Promise<void> {
  let config: MonorailConfig;
  try {
    config = await loadConfigAsync({ layers: [deployment], ...(options.config === undefined ? {} : { file: options.config }), env: process.env });
  } catch (e) {
    // A bad configuration is the operator's to fix: say what is wrong, no stack trace.
    console.error(isMonorailError(e) ? e.message : String(e));
    // Exit codes are the CLI's contract with supervisors (systemd, scripts, tests): 2 = bad
    // configuration (fix the config, do not restart), 1 = could not start, 0 = clean stop.
    process.exit(2);
  }
  // The member keeps its records about each node and workflow for the logs API (bounded, in memory).
  const log = createLogger({ level: config.log.level, memberId: config.memberId, records: new LogRecords(config.log.records) });
  let monorail: Monorail;
  try {
    monorail = await startMonorail(config, { log });
  } catch (e) {
    // A port that cannot be bound or a store that cannot be opened: the operator gets the reason, once.
    log.fatal({ err: e }, 'monorail could not start');
    console.error(`monorail could not start: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
  log.info(
    {
      memberId: config.memberId,
      store: config.store.kind === 'embedded' ? { kind: 'embedded', path: config.store.path, durability: config.store.durability } : { kind: 'mongodb' },
      transport: config.cluster.transport,
      shards: config.cluster.shards,
      entities: [monorail.nodes.kind, monorail.lookups.kind, monorail.addresses.kind],
      serving: monorail.servers.map((server) => ({ server: server.name, addresses: server.addresses() })),
      passivateAfterMs: config.actors.passivateAfterMs,
      // Protocol servers and the HTTP APIs arrive with their own issues; say so rather than pretend.
      notYetServed: (['http', 'dhcp', 'tftp', 'syslog'] as const).filter((role) => config[role].enabled && !monorail.servers.some((s) => s.name === role)),
    },
    'monorail started',
  );
  const heartbeat = setInterval(() => {
    log.info({ nodes: monorail.nodes.stats(), lookups: monorail.lookups.stats(), asks: monorail.system.replies.stats() }, 'status');
  }, 60_000);

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    clearInterval(heartbeat);
    log.info({ signal }, 'stopping: passivating entities and closing the store');
    monorail.stop().then(
      () => {
        log.info('stopped');
        // Explicit: nothing may keep a stopped member alive (a forgotten timer would hang systemd's stop).
        process.exit(0);
      },
      (e: unknown) => {
        log.error({ err: e }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

interface SimOptions {
  machines: string;
  profiles?: string;
  seed: string;
  json?: boolean;
  dataDir?: string;
  keep?: boolean;
  powerOnWindow?: string;
  timeout?: string;
  logLevel: string;
  durability?: string;
}

function wholeNumber(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
    console.error(`--${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return n;
}

/**
 * `monorail sim`. Its exit code is what scripts and the README demo check, so every way out says it
 * explicitly: 0 every machine discovered, 1 a machine failed or the rack could not start, 2 bad arguments,
 * 130 interrupted (a second Ctrl-C exits at once and may leave the data directory behind).
 */
async function sim(options: SimOptions): Promise<void> {
  const machines = wholeNumber('machines', options.machines, 1, MAX_MACHINES);
  const seed = wholeNumber('seed', options.seed, 0, 2 ** 32 - 1);
  const profiles = options.profiles?.split(',').map((p) => p.trim()).filter((p) => p !== '');
  try {
    selectProfiles(profiles);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(2);
  }
  const durability = options.durability;
  if (durability !== undefined && durability !== 'full' && durability !== 'normal') {
    console.error(`--durability: expected full or normal, got ${JSON.stringify(durability)}`);
    process.exit(2);
  }
  const windowMs = options.powerOnWindow === undefined ? undefined : wholeNumber('power-on-window', options.powerOnWindow, 0, 3_600_000);
  // Long enough for a slow host; a run that needs more has a problem worth a failed exit.
  const timeoutMs = (options.timeout === undefined ? 60 + machines : wholeNumber('timeout', options.timeout, 1, 86_400)) * 1000;

  let rack: VirtualRack;
  try {
    rack = await VirtualRack.start({
      machines,
      seed,
      ...(profiles === undefined ? {} : { profiles }),
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      ...(windowMs === undefined ? {} : { powerOnWindowMs: windowMs }),
      logLevel: options.logLevel,
      ...(durability === undefined ? {} : { config: { store: { durability } } }),
    });
  } catch (e) {
    console.error(`the virtual rack could not start: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts += 1;
    // A second Ctrl-C means "now": the data directory may be left behind.
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\ninterrupted: stopping the machines and the member…\n');
    rack.interrupt();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stderr.write(`monorail sim: ${machines} machines (${rack.loopbackAliases ? 'each on its own 127.x address' : 'sharing 127.0.0.1'}), data in ${rack.dataDir}\n`);
  const display = showProgress(() => rack.progress(), process.stderr);
  const poweringOn = rack.powerOn();
  await rack.waitUntilSettled(timeoutMs);
  display.stop();
  await poweringOn;
  const summary = await rack.summary();
  const removed = options.dataDir === undefined && options.keep !== true;
  await rack.stop({ keepData: !removed });
  // A log in a removed directory is nowhere to be read.
  const shown = removed ? { ...summary, logFile: undefined, dataDir: undefined } : summary;
  if (options.json === true) process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
  else process.stdout.write(summaryText(shown));
  if (removed) process.stderr.write('(temporary data directory removed; --keep keeps it)\n');
  process.exit(summary.interrupted ? 130 : summary.ok ? 0 : 1);
}

const program = new Command('monorail').description('Bare-metal discovery, inventory and provisioning as an actor system');
program
  .command('start')
  .description('start a Monorail member (every role on the embedded default unless configured otherwise)')
  .option('-c, --config <file>', 'configuration file (JSON, or a module whose default export is the config) applied over cluster.config.ts')
  .action(start);
program
  .command('sim')
  .description('run a virtual rack: a member in this process and simulated machines discovered by it over real sockets (DHCP, TFTP, HTTP, syslog, Redfish BMCs)')
  .option('-n, --machines <count>', 'simulated machines', '10')
  .option('-p, --profiles <names>', `comma-separated SKU profiles, round-robin (${skuProfiles.map((p) => p.name).join(', ')}); all by default`)
  .option('-s, --seed <number>', 'seed for the machines\' identities and hardware', '1')
  .option('--json', 'print the summary as JSON')
  .option('--data-dir <dir>', 'keep the member\'s store and log here (default: a temporary directory, removed at the end)')
  .option('--keep', 'keep the temporary data directory')
  .option('--power-on-window <ms>', 'power the machines on at random times within this window (default: 30 ms per machine, at most 2 minutes)')
  .option('--timeout <seconds>', 'give up waiting after this long (default: 60 + 1 per machine)')
  .option('--durability <full|normal>', 'embedded store fsync policy (store.durability)')
  .option('--log-level <level>', 'member log level (the log goes to monorail.log in the data directory)', 'info')
  .action(sim);

await program.parseAsync(process.argv);
