/**
 * Composition of one Monorail member: store, actor system, conductor, entity routers and event bus,
 * wired from configuration. Everything the process runs is started here and stopped by `stop()` in the
 * reverse order, so tests and the CLI start exactly the same thing.
 */
import type { MonorailConfig } from './config/schema.ts';
import { createConductorHandler, type ConductorState } from './actors/conductor/conductor.ts';
import type { ConductorMessage } from './actors/conductor/conductor-protocol.ts';
import { EventBus } from './actors/events/event-bus.ts';
import { addressBehavior, type AddressBinding, type AddressCommand, type AddressEvent } from './actors/address/address-entity.ts';
import { createLookupBehavior } from './actors/lookup/lookup-entity.ts';
import { createActorNodeDirectory } from './protocols/actor-node-directory.ts';
import type { NodeDirectory } from './protocols/node-directory.ts';
import type { ProtocolServer } from './protocols/protocol-server.ts';
import { protocolServers } from './protocols/protocol-servers.ts';
import { createApp } from './api/app.ts';
import { createHttpServer } from './api/http-server.ts';
import { ProfileLibrary } from './api/southbound/profile-library.ts';
import type { LookupCommand, LookupEvent, LookupState } from './actors/lookup/lookup-protocol.ts';
import { createNodeBehavior } from './actors/node/node-entity.ts';
import type { NodeCommand, NodeEvent, NodeRecord, NodeState } from './actors/node/node-protocol.ts';
import { isMac, normalizeMac } from './actors/lookup/mac-address.ts';
import { ActorSystem } from './actors/runtime/actor-system.ts';
import type { Clock } from './actors/runtime/clock.ts';
import { dispatchTo } from './actors/runtime/nact.ts';
import type { LocalEntityRouter } from './actors/runtime/local-entity-router.ts';
import type { Logger } from './logging/logger.ts';
import { openStore } from './persistence/open-store.ts';
import type { Store } from './persistence/store.ts';

export interface Monorail {
  readonly config: MonorailConfig;
  readonly log: Logger;
  readonly store: Store;
  readonly system: ActorSystem;
  readonly events: EventBus;
  readonly nodes: LocalEntityRouter<NodeState, NodeCommand, NodeEvent>;
  readonly lookups: LocalEntityRouter<LookupState, LookupCommand, LookupEvent>;
  readonly addresses: LocalEntityRouter<AddressBinding, AddressCommand, AddressEvent>;
  readonly directory: NodeDirectory;
  readonly servers: readonly ProtocolServer[];
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly log: Logger;
  readonly clock?: Clock;
  /** Use this store instead of opening the configured one (tests inject failing stores). */
  readonly store?: Store;
}

export async function startMonorail(config: MonorailConfig, options: StartOptions): Promise<Monorail> {
  const log = options.log;
  const store = options.store ?? (await openStore(config));
  const system = new ActorSystem({
    journal: store.journal,
    log,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    name: `monorail-${config.memberId}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    askTimeoutMs: config.actors.askTimeoutMs,
    passivateAfterMs: config.actors.passivateAfterMs,
    snapshotEvery: config.actors.snapshotEvery,
  });
  const events = new EventBus(log.child({ component: 'events' }));
  // The lookups router is built after the conductor (lookups need the nodes router, whose supervisor
  // the conductor is); the conductor reaches it through this late-bound function.
  let releaseNode: (node: NodeRecord) => void = () => undefined;
  const conductorHandle = createConductorHandler({ events, now: () => system.clock.now(), releaseNode: (node) => releaseNode(node) });
  const conductor = system.spawn<ConductorState, ConductorMessage>('conductor', { handled: 0 }, conductorHandle);
  const nodes = system.entities(
    createNodeBehavior({
      nodes: store.documents.collection('nodes'),
      logs: store.documents.collection('logs'),
      tellConductor: (msg) => dispatchTo(conductor, msg),
      bootPolicy: { discoveryProfile: config.boot.discoveryProfile, unknownNodes: config.boot.unknownNodes, idleNodes: config.boot.idleNodes },
      keepLogsPerNode: config.syslog.keepPerNode,
    }),
    {
      onFault: (f) => dispatchTo(conductor, { type: 'node.fault', nodeId: f.id, fault: f.type, code: f.error.code, message: f.error.message } satisfies ConductorMessage),
    },
  );
  const addresses = system.entities(addressBehavior);
  const lookups = system.entities(createLookupBehavior({ lookups: store.documents.collection('lookups'), nodes, addresses }));
  releaseNode = (node) => {
    for (const identifier of node.identifiers) {
      if (isMac(identifier)) lookups.tell(normalizeMac(identifier), { type: 'lookup.forget', nodeId: node.id });
    }
  };
  const directory = createActorNodeDirectory({ lookups, addresses, nodes, clock: system.clock, log: log.child({ component: 'directory' }) });
  const servers = protocolServers({
    config,
    directory,
    log,
    entities: (behavior) => system.entities(behavior),
  });
  const profiles = new ProfileLibrary(store.documents.collection('profiles'));
  if (config.http.enabled) {
    const seeded = await profiles.seed(config.http.profilesDir, log);
    if (seeded.length > 0) log.info({ profiles: seeded }, 'default profiles loaded');
    const baseUrl = config.boot.httpBaseUrl ?? (config.boot.serverAddress === null ? null : `http://${config.boot.serverAddress}:${config.http.port}`);
    const app = createApp({
      directory,
      profiles,
      log: log.child({ component: 'http' }),
      staticRoot: config.http.staticRoot,
      baseUrl,
      decisionTimeoutMs: config.actors.askTimeoutMs,
    });
    servers.push(createHttpServer(app, { host: config.http.host, port: config.http.port }));
  }
  try {
    for (const server of servers) {
      await server.start();
      log.info({ server: server.name, addresses: server.addresses() }, 'serving');
    }
  } catch (e) {
    // A server that cannot bind (port taken, no permission) stops start-up with its own message.
    for (const server of servers) await server.stop().catch(() => undefined);
    await system.stop();
    if (!options.store) await store.close();
    throw e;
  }

  let stopped = false;
  return {
    config,
    log,
    store,
    system,
    events,
    nodes,
    lookups,
    addresses,
    directory,
    servers,
    async stop() {
      if (stopped) return;
      stopped = true;
      // Stop accepting packets before the actors they would reach go away.
      for (const server of [...servers].reverse()) await server.stop();
      await system.stop();
      if (!options.store) await store.close();
    },
  };
}
