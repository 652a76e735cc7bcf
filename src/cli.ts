/**
 * The `monorail` command. `monorail start [--config <file>]` runs a member with every role configured for
 * it; with no configuration at all that is the embedded default: one process, one SQLite file under
 * ./data, no database or broker server.
 */
import { Command } from 'commander';
import { deployment } from '../cluster.config.ts';
import { loadConfigAsync } from './config/load-config.ts';
import type { MonorailConfig } from './config/schema.ts';
import { isMonorailError } from './errors.ts';
import { createLogger } from './logging/logger.ts';
import { startMonorail, type Monorail } from './monorail.ts';

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
  const log = createLogger({ level: config.log.level, memberId: config.memberId });
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

const program = new Command('monorail').description('Bare-metal discovery, inventory and provisioning as an actor system');
program
  .command('start')
  .description('start a Monorail member (every role on the embedded default unless configured otherwise)')
  .option('-c, --config <file>', 'configuration file (JSON, or a module whose default export is the config) applied over cluster.config.ts')
  .action(start);

await program.parseAsync(process.argv);
