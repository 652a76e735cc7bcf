/**
 * Monorail's Redfish service on a real member and a real HTTP listener (port 0), wired the way the
 * composition will wire it: the northbound ApiRegistry with an authenticator over the auth-port test
 * doubles, the Redfish groups and their HTTP rules, the event delivery queue on the member's bus. Also
 * discovers a node the real way (first contact, the Discovery graph, a simulated microkernel agent posting
 * the captured outputs of the real tools) and gives it an OBM pointing at a simulated Redfish BMC.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { catalogCommands, parseCommandOutput } from '../../src/actors/catalog/command-parsers.ts';
import type { ObmServiceFactory } from '../../src/actors/obm/obm-port.ts';
import { errorHandler } from '../../src/api/error-handler.ts';
import { ApiRegistry } from '../../src/api/northbound/api-registry.ts';
import type { NorthboundPorts } from '../../src/api/northbound/northbound-ports.ts';
import type { EventDelivery } from '../../src/api/redfish/events/event-delivery.ts';
import type { RedfishMessage } from '../../src/api/redfish/message-registries.ts';
import { redfishApi } from '../../src/api/redfish/redfish-routes.ts';
import { openSecretBox } from '../../src/secrets/secret-key.ts';
import { secretSealer } from '../../src/secrets/secret-sealer.ts';
import { runSimAgent, type Inventory } from '../../src/sim/sim-agent.ts';
import type { RedfishBmc } from '../../src/sim/redfish-bmc.ts';
import { InMemoryRoleDirectory, InMemorySessionService, InMemoryUserDirectory, doubleAuthenticator, plainPasswordLogin } from './auth-ports-double.ts';
import { startFixture, type MonorailFixture } from './monorail-fixture.ts';
import { qemuGuest } from './qemu-guest.ts';
import type { TempStore } from './temp-store.ts';

const ipmitoolFixtures = fileURLToPath(new URL('../fixtures/catalogs/ipmitool/', import.meta.url));

export const ADMIN = { username: 'admin', password: 'admin-secret-1' } as const;
export const OPERATOR = { username: 'operator', password: 'operator-secret-1' } as const;
export const READER = { username: 'reader', password: 'reader-secret-1' } as const;

export const basic = (u: { readonly username: string; readonly password: string }): string => `Basic ${Buffer.from(`${u.username}:${u.password}`).toString('base64')}`;

export interface RedfishService {
  readonly fixture: MonorailFixture;
  readonly ports: NorthboundPorts;
  readonly app: express.Express;
  readonly registry: ApiRegistry;
  readonly users: InMemoryUserDirectory;
  readonly roles: InMemoryRoleDirectory;
  readonly sessions: InMemorySessionService;
  readonly delivery: EventDelivery;
  /** `http://127.0.0.1:<port>` of the Redfish listener. */
  readonly url: string;
  /** `http://127.0.0.1:<port>` of the member's own HTTP server (microkernel protocol, profiles). */
  readonly memberUrl: string;
  stop(): Promise<void>;
}

export interface RedfishServiceOptions {
  readonly retryIntervalMs?: number;
  readonly retryAttempts?: number;
  /** OBM services for power workflows (the recording factory of workflow-harness.ts); the real ones when left out. */
  readonly obmFactory?: ObmServiceFactory;
  /** Reuse a store (a restart test). */
  readonly temp?: TempStore;
}

export async function startRedfishService(options: RedfishServiceOptions = {}): Promise<RedfishService> {
  const fixture = await startFixture({
    layer: { boot: { httpBaseUrl: 'http://10.1.1.1:8080' }, redfish: { eventRetryAttempts: options.retryAttempts ?? 3, eventRetryIntervalMs: options.retryIntervalMs ?? 50 } },
    ...(options.temp === undefined ? {} : { temp: options.temp }),
    ...(options.obmFactory === undefined ? {} : { start: { obmFactory: options.obmFactory } }),
  });
  const m = fixture.monorail;
  const ports: NorthboundPorts = { nodes: m.nodes, lookups: m.lookups, workflows: m.workflows, documents: m.store.documents, events: m.events, sealer: secretSealer(openSecretBox(m.config.secrets.key, m.config.dataDir, m.log)), config: m.config, log: m.log, now: () => Date.now() };
  const roles = new InMemoryRoleDirectory();
  const users = new InMemoryUserDirectory(roles);
  await users.create({ ...ADMIN, role: 'Administrator' });
  await users.create({ ...OPERATOR, role: 'Operator' });
  await users.create({ ...READER, role: 'ReadOnly' });
  const sessions = new InMemorySessionService();
  // The member's own delivery queue: one per member, so subscribers get each event once.
  const delivery = m.api?.redfishDelivery;
  if (delivery === undefined) throw new Error('the member serves no HTTP API');
  const authenticator = doubleAuthenticator(users, sessions);
  const api = redfishApi(ports, { users, roles, sessions, logins: plainPasswordLogin(users), delivery, version: 'test' }, { authenticator });
  const registry = new ApiRegistry({ authenticator, log: m.log });
  for (const g of api.groups) registry.add(g);
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use('/redfish', api.http.before);
  registry.mount(app);
  app.use('/redfish', api.http.notFound);
  app.use(api.http.errors);
  app.use(errorHandler(m.log));
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const http = m.servers.find((s) => s.name === 'http');
  const memberAddress = http?.addresses()[0];
  if (memberAddress === undefined) throw new Error('the member has no HTTP server');
  return {
    fixture,
    ports,
    app,
    registry,
    users,
    roles,
    sessions,
    delivery,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    memberUrl: `http://127.0.0.1:${memberAddress.port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fixture.stop();
    },
  };
}

/** The QEMU guest of the catalog fixtures, with a BMC: ipmitool answers with the outputs captured from ipmi_sim. */
export const qemuGuestWithBmc: Inventory = (cmd) => {
  const file = cmd === 'ipmitool mc info' ? 'mc-info.txt' : cmd === 'ipmitool fru' ? 'fru.txt' : /^ipmitool lan print/.test(cmd) ? 'lan-print.txt' : undefined;
  if (file !== undefined) return { stdout: readFileSync(`${ipmitoolFixtures}${file}`, 'utf8') };
  return qemuGuest(cmd);
};

/**
 * Discovers a machine through the member's southbound HTTP API as a real one would be: first contact
 * creates the node and starts Discovery, the agent runs the catalog commands, the node ends available.
 * Then the BMC's SEL is catalogued too (`ipmitool sel list`, as a poller would), from the captured output.
 */
export async function discoverNode(s: RedfishService, mac: string): Promise<string> {
  const m = s.fixture.monorail;
  const profile = await fetch(`${s.memberUrl}/api/current/profiles?macs=${mac}&ips=10.0.2.15`);
  if (profile.status !== 200) throw new Error(`first contact answered ${profile.status}`);
  await runSimAgent({ server: s.memberUrl, mac, inventory: qemuGuestWithBmc, signal: AbortSignal.timeout(30_000), pollMinMs: 20, pollMaxMs: 100 });
  const nodeId = (await m.directory.nodeOfMac(mac)) ?? '';
  for (let i = 0; i < 500; i++) {
    const node = await m.nodes.ask(nodeId, { type: 'node.get' });
    if (node.lifecycle.state === 'available' && node.activeWorkflow === undefined) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const sel = parseCommandOutput('ipmitool sel list', readFileSync(`${ipmitoolFixtures}sel-list.txt`, 'utf8'));
  await m.store.documents.collection('catalogs').put({ id: `${nodeId}-sel`, node: nodeId, source: sel.source, data: sel.data, createdAt: new Date().toISOString() });
  return nodeId;
}

/** Runs `Task.Obm.Create` on the node (as discovery does with autoCreateObm) for a simulated Redfish BMC. */
export async function giveRedfishObm(s: RedfishService, nodeId: string, bmc: RedfishBmc): Promise<void> {
  const url = new URL(bmc.url);
  await giveObm(s, nodeId, { service: 'redfish-obm-service', host: url.hostname, port: Number(url.port), scheme: 'http', user: 'admin', password: 'password' });
}

/** Runs `Task.Obm.Create` on the node with these options (service, host, user, password…). */
export async function giveObm(s: RedfishService, nodeId: string, obm: Readonly<Record<string, unknown>>): Promise<void> {
  const m = s.fixture.monorail;
  const graph = 'Graph.Test.Obm.Create';
  if (m.workflows.library.graph(graph) === undefined) {
    m.workflows.library.register('graph', { friendlyName: 'Create an OBM', injectableName: graph, tasks: [{ label: 'obm', taskName: 'Task.Obm.Create' }] });
  }
  const wf = await m.workflows.run({ graphName: graph, nodeId, options: { obm } });
  for (let i = 0; i < 500; i++) {
    const now = await m.workflows.get(wf.id);
    if (now.status === 'succeeded') return;
    if (now.status !== 'running' && now.status !== 'pending') throw new Error(`OBM creation ended ${now.status}: ${JSON.stringify(now.runs)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('OBM creation did not finish');
}

/** Resolves when the workflow on `nodeId` that `predicate` picks has finished; its final status. */
export async function workflowFinished(s: RedfishService, id: string, timeoutMs = 15_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const wf = await s.fixture.monorail.workflows.get(id);
    if (wf.status !== 'pending' && wf.status !== 'running') return wf.status;
    if (Date.now() > until) throw new Error(`workflow ${id} still ${wf.status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A Redfish error body (DSP0266 §8.6). */
export interface RedfishErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly '@Message.ExtendedInfo': readonly RedfishMessage[] };
}

/** supertest's `body` (typed any) as a JSON object. */
export const bodyOf = (res: { readonly body: unknown }): Record<string, unknown> => res.body as Record<string, unknown>;
export const errorOf = (res: { readonly body: unknown }): RedfishErrorBody['error'] => (res.body as RedfishErrorBody).error;

/**
 * Creates a compute node with the catalogs discovery would have given it (the QEMU guest's real outputs and
 * the ipmitool captures, parsed by the registry's parsers), without running discovery: for tests that need
 * a catalogued system but not the protocol that produces one.
 */
export async function seedCatalogedNode(s: RedfishService, nodeId: string, mac: string): Promise<void> {
  const m = s.fixture.monorail;
  await m.nodes.ask(nodeId, { type: 'node.create', spec: { name: `node-${mac}`, identifiers: [mac], type: 'compute' } });
  const commands = [...catalogCommands.map((c) => c.cmd), 'ipmitool mc info', 'ipmitool fru', 'ipmitool lan print'];
  for (const cmd of commands) {
    const out = qemuGuestWithBmc(cmd);
    if (out === undefined || out.exitCode !== undefined) continue;
    const parsed = parseCommandOutput(cmd, out.stdout);
    await m.store.documents.collection('catalogs').put({ id: `${nodeId}-${parsed.source}`, node: nodeId, source: parsed.source, data: parsed.data, createdAt: new Date().toISOString() });
  }
  const sel = parseCommandOutput('ipmitool sel list', readFileSync(`${ipmitoolFixtures}sel-list.txt`, 'utf8'));
  await m.store.documents.collection('catalogs').put({ id: `${nodeId}-sel`, node: nodeId, source: sel.source, data: sel.data, createdAt: new Date().toISOString() });
}
