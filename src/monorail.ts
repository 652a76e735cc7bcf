/**
 * Composition of one Monorail member: store, actor system, conductor, entity routers and event bus,
 * wired from configuration. Everything the process runs is started here and stopped by `stop()` in the
 * reverse order, so tests and the CLI start exactly the same thing.
 */
import type { MonorailConfig } from './config/schema.ts';
import { createConductorHandler, type ConductorState } from './actors/conductor/conductor.ts';
import type { ConductorMessage } from './actors/conductor/conductor-protocol.ts';
import { EventBus } from './actors/events/event-bus.ts';
import { addressBehavior, type AddressCommand } from './actors/address/address-entity.ts';
import { createLookupBehavior } from './actors/lookup/lookup-entity.ts';
import { createActorNodeDirectory } from './protocols/actor-node-directory.ts';
import type { NodeDirectory } from './protocols/node-directory.ts';
import type { ProtocolServer } from './protocols/protocol-server.ts';
import { protocolServers } from './protocols/protocol-servers.ts';
import { createApp } from './api/app.ts';
import { createHttpServer } from './api/http-server.ts';
import { ProfileLibrary } from './api/southbound/profile-library.ts';
import type { LookupCommand } from './actors/lookup/lookup-protocol.ts';
import { createNodeBehavior } from './actors/node/node-entity.ts';
import type { NodeCommand, NodeRecord } from './actors/node/node-protocol.ts';
import { isMac, normalizeMac } from './actors/lookup/mac-address.ts';
import { ActorSystem } from './actors/runtime/actor-system.ts';
import type { Clock } from './actors/runtime/clock.ts';
import { dispatchTo } from './actors/runtime/nact.ts';
import { recordsOf, type Logger } from './logging/logger.ts';
import type { LogRecords } from './logging/log-records.ts';
import { openStore } from './persistence/open-store.ts';
import type { Store } from './persistence/store.ts';
import { newEntityId } from './actors/ids.ts';
import { openSecrets, sealSecrets } from './actors/secret-port.ts';
import { parseCommandOutput } from './actors/catalog/command-parsers.ts';
import type { ObmServiceFactory } from './actors/obm/obm-port.ts';
import { jobLibrary } from './actors/workflow/job-library.ts';
import type { HttpCaller, JobServices } from './actors/workflow/job-services.ts';
import type { Job } from './actors/workflow/job.ts';
import { WorkflowEngine } from './actors/workflow/workflow-engine.ts';
import { agentScriptRenderer } from './api/southbound/agent-script.ts';
import { openAuth, type Auth } from './api/auth/auth-service.ts';
import type { Express } from 'express';
import { authRoutes, loginRoutes } from './api/auth/auth-routes.ts';
import { tlsOptions } from './api/auth/tls.ts';
import { ApiRegistry } from './api/northbound/api-registry.ts';
import type { NorthboundPorts } from './api/northbound/northbound-ports.ts';
import { restRouteDeps, restRoutes } from './api/northbound/rest/rest-routes.ts';
import { loadStoredDefinitions, storedDefinitionsDir } from './api/northbound/rest/definition-store.ts';
import { eventStreamRoutes } from './api/events/event-stream-routes.ts';
import { hookRoutes } from './api/events/hook-routes.ts';
import { startEventServices } from './events/event-services.ts';
import { EventDelivery } from './api/redfish/events/event-delivery.ts';
import { redfishApi } from './api/redfish/redfish-routes.ts';
import { monorailVersion } from './version.ts';
import { buildMicrokernelImage } from './microkernel/microkernel-image.ts';
import { createObmServiceFactory } from './obm/obm-service-factory.ts';
import { openSecretBox } from './secrets/secret-key.ts';
import { secretSealer } from './secrets/secret-sealer.ts';
import { loadDefinitionFiles } from './services/definition-files.ts';
import { fetchHttpCaller } from './services/http-caller.ts';
import { obmControl } from './services/obm-control.ts';
import { templateRenderer } from './services/template-renderer.ts';
import { startPollers, type PollerMember } from './pollers/poller-member.ts';
import { activeWorkflowStatuses, type WorkflowStatus } from './actors/workflow/workflow-protocol.ts';
import { startBatches, type BatchMember } from './actors/batch/batch-member.ts';
import { createPollerSource } from './pollers/poller-sources.ts';
import { startAlerts, type AlertMember } from './alerts/alert-member.ts';
import { pollerChassisSensors } from './api/redfish/chassis/poller-sensors.ts';
import { MemberMetrics } from './metrics/member-metrics.ts';
import { pollerHealthFromStore, timedPollerSource } from './metrics/poller-health.ts';
import { randomUUID } from 'node:crypto';
import type { HostedEntityRouter } from './actors/runtime/entity-router.ts';
import { shardOf } from './actors/runtime/shard-transport.ts';
import { AmqpShardTransport } from './cluster/amqp-shard-transport.ts';
import { NotificationDispatcher } from './notifications/notification-dispatcher.ts';
import { notificationChannelRoutes } from './api/northbound/rest/notification-channel-routes.ts';

export interface Monorail {
  readonly config: MonorailConfig;
  readonly log: Logger;
  readonly store: Store;
  readonly system: ActorSystem;
  readonly events: EventBus;
  readonly nodes: HostedEntityRouter<NodeCommand>;
  readonly lookups: HostedEntityRouter<LookupCommand>;
  readonly addresses: HostedEntityRouter<AddressCommand>;
  /** The AMQP shard transport when cluster.transport is `amqp`. */
  readonly cluster?: AmqpShardTransport;
  readonly directory: NodeDirectory;
  readonly workflows: WorkflowEngine;
  /** The HTTP application and its northbound routes and accounts, when HTTP is enabled. */
  readonly api?: { readonly app: Express; readonly registry: ApiRegistry; readonly auth: Auth; readonly redfishDelivery: EventDelivery };
  readonly servers: readonly ProtocolServer[];
  /** Pollers (issue 7): their router, runtime and the service the API uses. */
  readonly pollers: PollerMember;
  /** Batch operations over sets of nodes: each batch an entity on its shard's owner, so it fails over with it. */
  readonly batches: BatchMember;
  /** Alert rules over poller samples, node states and workflows (issue 7), active alerts persisted. */
  readonly alerts: AlertMember;
  /** This member's Prometheus registry and hooks (served at /metrics). */
  readonly metrics: MemberMetrics;
  /** The records about nodes and workflows this member logged (for the logs API), when its logger keeps them. */
  readonly logRecords?: LogRecords;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly log: Logger;
  readonly clock?: Clock;
  /** Use this store instead of opening the configured one (tests inject failing stores). */
  readonly store?: Store;
  /** OBM services to use instead of ipmitool/Redfish (tests of the engine without a BMC). */
  readonly obmFactory?: ObmServiceFactory;
  readonly http?: HttpCaller;
  /** Jobs beyond the built-in library (a site's own, or a test's), by their `name`. */
  readonly jobs?: readonly Job<JobServices>[];
}

export async function startMonorail(config: MonorailConfig, options: StartOptions): Promise<Monorail> {
  const log = options.log;
  const store = options.store ?? (await openStore(config));
  const metrics = new MemberMetrics(config.metrics);
  // On a cluster member every entity message travels through its shard's queue (src/cluster/).
  const c = config.cluster;
  const transport =
    c.transport === 'amqp'
      ? new AmqpShardTransport(
          { url: c.amqpUrl, memberId: config.memberId, shards: c.shards, namespace: c.namespace, heartbeatSeconds: c.heartbeatSeconds, memberBeatMs: c.memberBeatMs, memberTimeoutMs: c.memberTimeoutMs, probeIntervalMs: c.probeIntervalMs, prefetch: c.prefetch },
          log.child({ component: 'cluster' }),
        )
      : undefined;
  const system = new ActorSystem({
    ...(transport === undefined ? {} : { cluster: { transport, newMessageId: randomUUID } }),
    journal: metrics.journal(store.journal),
    log,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    name: `monorail-${config.memberId}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    askTimeoutMs: config.actors.askTimeoutMs,
    passivateAfterMs: config.actors.passivateAfterMs,
    snapshotEvery: config.actors.snapshotEvery,
  });
  if (transport !== undefined) system.replies.attach(transport);
  const events = new EventBus(log.child({ component: 'events' }));
  const box = openSecretBox(config.secrets.key, config.dataDir, log);
  const sealer = secretSealer(box);
  // Every poll's result also reaches the alert engine (thresholds with hysteresis need each reading). `alerts` joins the schema with src/actors/alert/alert-config-schema.ts.
  const alerts = await startAlerts({ documents: store.documents, events, log, now: () => system.clock.now(), config: config.alerts });
  const pollerMetrics = metrics.pollers(pollerHealthFromStore(store.documents.collection('pollers')));
  const pollerSource = timedPollerSource(createPollerSource({ obms: store.documents.collection('obms'), box, sealer, log: log.child({ component: 'pollers' }) }), pollerMetrics);
  const pollers = startPollers({ system, documents: store.documents, events, sealer, box, log, source: alerts.observe(pollerSource) });
  // The engine needs the nodes router and the node behavior needs the engine: bound once both exist.
  const late: { engine?: WorkflowEngine } = {};
  // The lookups router is built after the conductor (lookups need the nodes router, whose supervisor
  // the conductor is); the conductor reaches it through this late-bound function.
  let releaseNode: (node: NodeRecord) => void = () => undefined;
  const conductorHandle = createConductorHandler({ events, now: () => system.clock.now(), releaseNode: (node) => releaseNode(node) });
  const conductor = system.spawn<ConductorState, ConductorMessage>('conductor', { handled: 0 }, conductorHandle);
  const nodes = system.hosted(
    createNodeBehavior({
      nodes: store.documents.collection('nodes'),
      logs: store.documents.collection('logs'),
      tellConductor: (msg) => dispatchTo(conductor, msg),
      bootPolicy: { discoveryProfile: config.boot.discoveryProfile, unknownNodes: config.boot.unknownNodes, idleNodes: config.boot.idleNodes },
      keepLogsPerNode: config.syslog.keepPerNode,
      startWorkflow: (nodeId, claim) => late.engine?.startClaimed(nodeId, claim),
      discoveryGraph: config.workflows.discoveryGraph,
      discoveryOptions: sealSecrets(config.workflows.discoveryOptions, sealer),
      newWorkflowId: () => newEntityId(system.clock.now()),
      observedByTasks: (nodeId, observation) => late.engine?.observe(nodeId, observation),
    }),
    {
      onFault: (f) => dispatchTo(conductor, { type: 'node.fault', nodeId: f.id, fault: f.type, code: f.error.code, message: f.error.message } satisfies ConductorMessage),
    },
  );
  const addresses = system.hosted(addressBehavior);
  const lookups = system.hosted(createLookupBehavior({ lookups: store.documents.collection('lookups'), nodes, addresses }));
  releaseNode = (node) => {
    for (const identifier of node.identifiers) {
      if (isMac(identifier)) lookups.tell(normalizeMac(identifier), { type: 'lookup.forget', nodeId: node.id });
    }
  };
  const docs = store.documents;
  const baseUrl = config.boot.httpBaseUrl ?? (config.boot.serverAddress === null ? null : `http://${config.boot.serverAddress}:${config.http.port}`);
  const apiBase = baseUrl ?? `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${config.http.port}`;
  // The microkernel is built (or found in the cache) in the background: a first build downloads Debian
  // packages and takes seconds, and a member must not wait for it to answer DHCP. Until it is ready,
  // /common/vmlinuz is 404 and the microkernel profile's retry loop waits.
  const microkernel: { dir?: string; abort: AbortController } = { abort: new AbortController() };
  if (config.microkernel.image === 'build') {
    buildMicrokernelImage({ log: log.child({ component: 'microkernel' }), signal: microkernel.abort.signal }).then(
      (image) => {
        microkernel.dir = image.directory;
        log.info({ directory: image.directory }, 'microkernel ready');
      },
      (e: unknown) => {
        if (!microkernel.abort.signal.aborted) log.error({ err: e }, 'microkernel could not be built; discovery cannot boot machines until it is (see microkernel/README.md)');
      },
    );
  }
  // Before instances resume, so no event they publish is missed by webhooks, AMQP or the stream.
  const eventServices = await startEventServices({
    events,
    hooks: docs.collection('hooks'),
    sealer,
    log,
    config: config.events,
    clusterAmqpUrl: config.cluster.amqpUrl,
    memberId: config.memberId,
    version: monorailVersion,
  });
  // Notification plugins take events from the bus like the event services; a bad channel fails the start.
  const notifications = new NotificationDispatcher({ options: config.notifications, log: log.child({ component: 'notifications' }), userAgent: `Monorail/${monorailVersion}` });
  await notifications.start(events);
  let api: Monorail['api'];
  let redfishDelivery: EventDelivery | undefined;
  const profiles = new ProfileLibrary(store.documents.collection('profiles'));
  const templates = new ProfileLibrary(store.documents.collection('templates'), () => true);
  const workflows = new WorkflowEngine({
    system,
    distributed: transport !== undefined,
    nodes,
    workflows: docs.collection('workflows'),
    definitions: docs.collection('definitions'),
    events,
    jobs: new Map([...jobLibrary(), ...(options.jobs ?? []).map((j) => [j.name, j] as const)]),
    services: {
      catalogs: docs.collection('catalogs'),
      obmDocs: docs.collection('obms'),
      skus: docs.collection('skus'),
      tags: docs.collection('tags'),
      obm: obmControl({ obms: docs.collection('obms'), factory: options.obmFactory ?? createObmServiceFactory({ log: log.child({ component: 'obm' }) }), box, sealer }),
      http: options.http ?? fetchHttpCaller,
      templates: templateRenderer(templates, apiBase),
      events,
      parseCatalog: (cmd, stdout) => parseCommandOutput(cmd, stdout),
      newId: () => newEntityId(system.clock.now()),
      now: () => system.clock.now(),
    },
    scope: async (nodeId) => {
      // `{{ sku.x }}` reads the node's SKU's skuConfig (RackHD's SKU packs); none when the node has no SKU.
      const node = nodeId === undefined ? undefined : await docs.collection('nodes').get(nodeId);
      const sku = node?.sku ? await docs.collection('skus').get(node.sku) : undefined;
      const skuConfig = sku?.['skuConfig'];
      return {
        api: { server: apiBase, base: `${apiBase}/api/current`, templates: `${apiBase}/api/current/templates`, profiles: `${apiBase}/api/current/profiles`, files: `${apiBase}/api/current/files` },
        file: { server: apiBase },
        sku: typeof skuConfig === 'object' && skuConfig !== null ? (skuConfig as Record<string, unknown>) : {},
      };
    },
    sealer,
    clock: system.clock,
    log,
  });
  late.engine = workflows;
  // Hosted before the transport starts, like every other entity kind, so its shards are served from the first delivery.
  const batches = startBatches({ system, documents: store.documents, workflows, events, sealer, log, tickMs: config.workflows.batchTickMs });
  if (config.workflows.definitionsDir !== null) {
    const loaded = await loadDefinitionFiles(config.workflows.definitionsDir, workflows.library);
    log.info({ dir: config.workflows.definitionsDir, definitions: loaded.length }, 'workflow definitions loaded');
  }
  // Definitions stored through the API (PUT /workflows/graphs, /workflows/tasks) come last: they replace the others.
  const legacy = await loadStoredDefinitions(storedDefinitionsDir(config.dataDir), workflows.library);
  const stored = (await workflows.definitions?.loadAll()) ?? 0;
  if (stored + legacy > 0) log.info({ definitions: stored, fromDataDir: legacy }, 'stored workflow definitions loaded');
  const directory = metrics.directory(createActorNodeDirectory({ lookups, addresses, nodes, clock: system.clock, log: log.child({ component: 'directory' }) }));
  const servers = protocolServers({
    config,
    directory,
    log,
    entities: (behavior) => system.hosted(behavior),
    timings: metrics.timings,
  });
  if (config.http.enabled) {
    const seeded = await profiles.seed(config.http.profilesDir, log);
    if (seeded.length > 0) log.info({ profiles: seeded }, 'default profiles loaded');
    const seededTemplates = await templates.seed(config.http.templatesDir, log);
    if (seededTemplates.length > 0) log.info({ templates: seededTemplates }, 'default templates loaded');
    const auth = await openAuth({ documents: store.documents, config, log });
    const northbound = new ApiRegistry({ authenticator: auth.authenticator, log: log.child({ component: 'api' }) });
    const ports: NorthboundPorts = { nodes, lookups, workflows, pollers: pollers.service, batches: batches.service, ...(transport === undefined ? {} : { cluster: () => transport.status() }), documents: store.documents, events, sealer, config, log: log.child({ component: 'api' }), now: () => system.clock.now() };
    northbound.add({
      name: 'rest',
      bases: ['/api/2.0', '/api/current', '/api/common'],
      routes: [
        ...restRoutes(ports, restRouteDeps(ports, box, northbound)),
        ...authRoutes(auth),
        ...hookRoutes(ports, eventServices.webhooks),
        ...eventStreamRoutes(eventServices.stream),
        ...notificationChannelRoutes(notifications),
      ],
    });
    // RackHD serves login at the root path too.
    northbound.add({ name: 'root', bases: [''], routes: loginRoutes(auth) });
    const metricsRoutes = metrics.routes();
    if (metricsRoutes !== undefined) northbound.add(metricsRoutes);
    redfishDelivery = new EventDelivery({
      subscriptions: docs.collection('subscriptions'),
      sealer,
      log: log.child({ component: 'redfish-events' }),
      retryAttempts: config.redfish.eventRetryAttempts,
      retryIntervalMs: config.redfish.eventRetryIntervalMs,
    });
    redfishDelivery.start(events);
    const redfish = redfishApi(
      ports,
      { users: auth.users, roles: auth.roles, sessions: auth.sessions, logins: auth.logins, delivery: redfishDelivery, version: monorailVersion, sessionTimeoutSeconds: config.auth.sessionTtlSeconds, sensors: pollerChassisSensors(pollers.service) },
      { authenticator: auth.authenticator, log: log.child({ component: 'redfish' }) },
    );
    for (const group of redfish.groups) northbound.add(group);
    const app = createApp({
      instrument: metrics.httpRequests,
      northbound,
      redfish: redfish.http,
      directory,
      profiles,
      log: log.child({ component: 'http' }),
      staticRoot: config.http.staticRoot,
      baseUrl,
      decisionTimeoutMs: config.actors.askTimeoutMs,
      microkernel: { gateway: workflows, agentScript: agentScriptRenderer() },
      templates: { library: templates, reveal: (o) => openSecrets(o, sealer) },
      microkernelDir: () => microkernel.dir,
      syslogTarget: config.syslog.enabled && config.microkernel.syslog && config.boot.serverAddress !== null ? `${config.boot.serverAddress}:${config.syslog.port}` : null,
    });
    api = { app, registry: northbound, auth, redfishDelivery };
    const tls = tlsOptions(config.http.tls);
    servers.push(createHttpServer(app, { host: config.http.host, port: config.http.port, ...(tls === undefined ? {} : { tls }) }));
  }
  metrics.watch({ actors: system, servers, workflows: docs.collection('workflows'), amqp: eventServices.amqp });
  // Instances that were running when the process last stopped carry on; claims whose instance was never
  // created (a crash between the node's journal write and the workflow's) get it now; and an instance that
  // ended but still holds its node (a crash between its last journal write and its telling the node) tells it
  // again, which the node ignores unless that instance is still its active one.
  const reconcileClaims = async (select: (workflowId: string) => boolean) => {
    const claimed = await docs.collection('nodes').find({ 'activeWorkflow.id': { $exists: true } });
    const toResume = [];
    for (const n of claimed) {
      const claim = n.activeWorkflow;
      if (claim === undefined || !select(claim.id)) continue;
      const instance = await docs.collection('workflows').get(claim.id);
      if (instance === undefined) toResume.push({ nodeId: n.id, claim });
      else if (!activeWorkflowStatuses.has(instance.status as WorkflowStatus)) {
        // Resuming an ended instance makes it announce its end again.
        log.warn({ nodeId: n.id, workflowId: claim.id, status: instance.status }, 'node still held by an ended workflow: told again');
        toResume.push({ nodeId: n.id, claim });
      }
    }
    return toResume;
  };
  if (transport === undefined) {
    await workflows.resumeAll(await reconcileClaims(() => true));
    // Poller timers live in memory: every poller that is not paused schedules itself again.
    await pollers.wake();
    await batches.wake();
  } else {
    // On a cluster the same happens per shard, on whichever member acquires it, and stops when it is handed on.
    const inShard = (kind: string, shard: number) => (id: string) => shardOf(kind, id, transport.shards) === shard;
    system.onShards({
      acquired: async (shard) => {
        await workflows.resumeShard(inShard(workflows.router.kind, shard));
        for (const claim of await reconcileClaims(inShard(workflows.router.kind, shard))) workflows.startClaimed(claim.nodeId, claim.claim);
        await pollers.wake(inShard(pollers.router.kind, shard));
        await batches.wake(inShard(batches.router.kind, shard));
      },
      released: async (shard) => {
        pollers.release(inShard(pollers.router.kind, shard));
        batches.release(inShard(batches.router.kind, shard));
        workflows.closeShard(inShard(workflows.router.kind, shard));
      },
    });
    try {
      await transport.start(system.shardLifecycle, system.replies);
    } catch (e) {
      pollers.close();
      batches.close();
      workflows.close();
      await notifications.stop();
      await eventServices.stop();
      await redfishDelivery?.stop();
      await system.stop();
      if (!options.store) await store.close();
      throw e;
    }
  }
  try {
    for (const server of servers) {
      await server.start();
      log.info({ server: server.name, addresses: server.addresses() }, 'serving');
    }
  } catch (e) {
    // A server that cannot bind (port taken, no permission) stops start-up with its own message.
    await notifications.stop();
    await eventServices.stop();
    await redfishDelivery?.stop();
    for (const server of servers) await server.stop().catch(() => undefined);
    microkernel.abort.abort();
    await transport?.stop();
    pollers.close();
    batches.close();
    workflows.close();
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
    workflows,
    ...(api === undefined ? {} : { api }),
    servers,
    pollers,
    batches,
    alerts,
    metrics,
    ...(recordsOf(log) === undefined ? {} : { logRecords: recordsOf(log) }),
    ...(transport === undefined ? {} : { cluster: transport }),
    async stop() {
      if (stopped) return;
      stopped = true;
      metrics.stop();
      // Open event streams would hold the HTTP server open, and webhook status must be written before the store closes.
      await notifications.stop();
      await eventServices.stop();
      await redfishDelivery?.stop();
      // Stop accepting packets before the actors they would reach go away.
      for (const server of [...servers].reverse()) await server.stop();
      microkernel.abort.abort();
      // A cluster member hands its shards on (their actors stopped first) before its actor system stops.
      await transport?.stop();
      pollers.close();
      batches.close();
      await alerts.close();
      // Running task attempts stop without reporting: their workflows resume from the journal next time.
      workflows.close();
      await system.stop();
      if (!options.store) await store.close();
    },
  };
}
