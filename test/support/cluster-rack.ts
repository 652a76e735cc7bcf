/**
 * A cluster of member processes (`monorail start --config …`, AMQP transport on the local RabbitMQ) sharing
 * one store (MongoDB where MONGODB_URL is set, else one embedded store file), and a rack of simulated machines spread over them, each machine asking the other
 * members when its own goes silent (as PXE firmware retrying would reach another DHCP server). Used by the
 * three-member test (test/cluster/cluster-discovery.process.test.ts) and the 1/2/3-member discovery bench.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { openEmbeddedStore } from '../../src/persistence/embedded/embedded-store.ts';
import { openMongoStore } from '../../src/persistence/mongo/mongo-store.ts';
import type { Store } from '../../src/persistence/store.ts';
import { DhcpClientPorts } from '../../src/sim/dhcp-client-port.ts';
import { planRack } from '../../src/sim/rack-plan.ts';
import { defaultTiming, SimMachine, type MonorailEndpoints } from '../../src/sim/sim-machine.ts';
import { simSkus, simTags } from '../../src/sim/sku-profiles.ts';
import { clientPortBelowEphemeral, freePort, loopbackAliasesWork } from '../../src/sim/virtual-rack.ts';
import { deleteNamespace } from '../cluster/cluster-harness.ts';
import { startMember, type LogLine, type MemberProcess } from './member-process.ts';

export interface ClusterRackOptions {
  readonly members: number;
  readonly machines: number;
  readonly shards?: number;
  readonly seed?: number;
  /** Not below info: the rack learns that members started and what they serve from their info lines. */
  readonly logLevel?: 'info' | 'debug';
  /** `local` (one member only): the embedded default, as the reference the AMQP figures compare against. */
  readonly transport?: 'amqp' | 'local';
}

export interface ClusterRack {
  readonly namespace: string;
  readonly shards: number;
  /** The shared store, opened by the test process too (read models for checks). */
  readonly store: Store;
  /** In start order; a member that joins later is pushed here by `join`. */
  readonly members: MemberProcess[];
  readonly machines: readonly SimMachine[];
  readonly adminPassword: string;
  /** `http://127.0.0.1:<port>` of each member's API. */
  httpOf(member: MemberProcess): string;
  /** Starts another member with the configuration of member `likeIndex` (whose ports must be free: it died). */
  join(memberId: string, likeIndex: number): Promise<MemberProcess>;
  stop(): Promise<void>;
}

interface Served {
  readonly server: string;
  readonly addresses: readonly { readonly protocol: string; readonly address: string; readonly port: number }[];
}

async function endpointsOf(member: MemberProcess): Promise<MonorailEndpoints> {
  const servedBy = (name: string): Promise<LogLine> => member.waitFor((l) => l.msg === 'serving' && l['server'] === name, 60_000, `${name} serving`);
  const dhcp = (await servedBy('dhcp')) as unknown as Served;
  const tftp = (await servedBy('tftp')) as unknown as Served;
  const [dhcpAddr, bootServer] = dhcp.addresses;
  const tftpAddr = tftp.addresses[0];
  if (dhcpAddr === undefined || bootServer === undefined || tftpAddr === undefined) throw new Error('member does not serve DHCP proxy and TFTP');
  return { dhcp: { address: dhcpAddr.address, port: dhcpAddr.port, proxyPort: bootServer.port }, tftpPort: tftpAddr.port };
}

export async function startClusterRack(o: ClusterRackOptions): Promise<ClusterRack> {
  const shards = o.shards ?? 16;
  const local = o.transport === 'local';
  if (local && o.members !== 1) throw new Error('the local transport is a cluster of one');
  const dir = mkdtempSync(path.join(tmpdir(), 'monorail-cluster-'));
  const namespace = `mtest.${randomBytes(4).toString('hex')}`;
  const members: MemberProcess[] = [];
  const machines: SimMachine[] = [];
  const configFiles: string[] = [];
  const http = new Map<MemberProcess, string>();
  const adminPassword = randomBytes(12).toString('base64url');
  let store: Store | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all(machines.map((m) => m.close().catch(() => undefined)));
    await Promise.all(members.map((m) => m.stop().catch(() => undefined)));
    await store?.close();
    if (!local) await deleteNamespace(namespace, shards).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const aliases = await loopbackAliasesWork();
    const tftpRoot = path.join(dir, 'tftp');
    const httpRoot = path.join(dir, 'http');
    const storeDir = path.join(dir, 'store');
    for (const d of [tftpRoot, httpRoot, storeDir]) mkdirSync(d, { recursive: true });
    for (const name of ['undionly.kpxe', 'snponly.efi']) writeFileSync(path.join(tftpRoot, name), Buffer.alloc(64 * 1024, name));
    writeFileSync(path.join(httpRoot, 'vmlinuz'), Buffer.alloc(128 * 1024, 'vmlinuz'));
    writeFileSync(path.join(httpRoot, 'initrd.gz'), Buffer.alloc(256 * 1024, 'initrd'));
    // The members share MongoDB where MONGODB_URL names one (a database of this run's own), else one embedded
    // store file. The rack's SKUs and tags go into it before any member starts.
    const mongodbUrl = process.env.MONGODB_URL;
    const mongodbDatabase = `monorail_${namespace.replace(/\W/g, '_')}`;
    const storeConfig = mongodbUrl === undefined ? { path: storeDir, durability: 'normal' } : { kind: 'mongodb', mongodbUrl, mongodbDatabase };
    store = mongodbUrl === undefined ? await openEmbeddedStore({ path: storeDir }) : await openMongoStore({ url: mongodbUrl, database: mongodbDatabase });
    const now = new Date().toISOString();
    for (const sku of simSkus) await store.documents.collection('skus').put({ ...sku, createdAt: now });
    for (const tag of simTags) await store.documents.collection('tags').put({ ...tag });

    const planned = planRack({ machines: o.machines, seed: o.seed ?? 7, loopbackAliases: aliases });
    const clientPort = await clientPortBelowEphemeral('127.0.0.1');
    const bmcPort = aliases ? await freePort(planned[0]?.spec.bmc.ip ?? '127.0.0.1', false) : 0;
    const bmcPassword = randomBytes(9).toString('base64url');
    // Members open each other's sealed credentials and tokens: one key each for the whole cluster.
    const keys = { secrets: { key: randomBytes(32).toString('base64') }, auth: { tokenSecret: randomBytes(32).toString('base64'), initialAdmin: { username: 'admin', password: adminPassword } } };
    for (let i = 0; i < o.members; i++) {
      const httpPort = await freePort('127.0.0.1', false);
      const config = {
        store: storeConfig,
        ...keys,
        cluster: local ? { transport: 'local' } : { transport: 'amqp', namespace, shards, heartbeatSeconds: 2, memberBeatMs: 250, memberTimeoutMs: 1500, probeIntervalMs: 200 },
        http: { host: '127.0.0.1', port: httpPort, staticRoot: httpRoot, profilesDir: fileURLToPath(new URL('../../static/profiles', import.meta.url)) },
        dhcp: { enabled: true, mode: 'proxy', host: '127.0.0.1', port: 0, proxyPort: 0, clientPort },
        tftp: { enabled: true, host: '127.0.0.1', port: 0, root: tftpRoot, fallbackRoots: [] },
        syslog: { enabled: true, host: '127.0.0.1', port: await freePort('127.0.0.1', true) },
        boot: { serverAddress: '127.0.0.1' },
        microkernel: { image: 'none' },
        log: { level: o.logLevel ?? 'info' },
        workflows: {
          discoveryOptions: {
            defaults: { autoCreateObm: true },
            obm: { service: 'redfish-obm-service', scheme: 'http', ...(aliases ? { port: bmcPort } : {}), user: 'admin', password: bmcPassword },
          },
        },
      };
      const file = path.join(dir, `member-${i}.json`);
      writeFileSync(file, JSON.stringify(config));
      configFiles.push(file);
      const member = await startMember({ MONORAIL_MEMBER_ID: `m${i}` }, undefined, ['--config', file]);
      members.push(member);
      http.set(member, `http://127.0.0.1:${httpPort}`);
    }
    const endpoints = await Promise.all(members.map((m) => endpointsOf(m)));
    const dhcpPorts = new DhcpClientPorts(clientPort);
    // Quicker give-ups than a real machine's, so a machine whose member died moves on within seconds.
    const timing = { ...defaultTiming, dhcpWaitsMs: [1000, 2000], tftpTimeoutMs: 2000, agentRetries: 4, maxBoots: 8 };
    const n = endpoints.length;
    for (const p of planned) {
      const first = p.spec.index % n;
      const order = endpoints.map((_, k) => endpoints[(first + k) % n]!);
      machines.push(await SimMachine.create(p.spec, { endpoints: order[0]!, alternates: order.slice(1), dhcpPorts, timing, bmc: { port: bmcPort, username: 'admin', password: bmcPassword } }));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  const shared = store;
  return {
    namespace,
    shards,
    store: shared,
    members,
    machines,
    adminPassword,
    httpOf: (member) => {
      const url = http.get(member);
      if (url === undefined) throw new Error('not a member of this rack');
      return url;
    },
    async join(memberId, likeIndex) {
      const like = members[likeIndex];
      const file = configFiles[likeIndex];
      if (like === undefined || file === undefined) throw new Error(`no member ${likeIndex} to take the configuration of`);
      const member = await startMember({ MONORAIL_MEMBER_ID: memberId }, undefined, ['--config', file]);
      members.push(member);
      http.set(member, http.get(like)!);
      await member.waitFor((l) => l.msg === 'serving' && l['server'] === 'http', 60_000, `${memberId} serving`);
      return member;
    },
    stop,
  };
}
