/**
 * The DHCP protocol server (issue 3 item 1): proxyDHCP by default, a full DHCP server in `server`
 * mode. Datagrams are decoded by our own codec (decision 0004 records why the npm `dhcp` package is not
 * used), turned into client requests, and answered by the mode's responder; everything malformed,
 * refused or unanswerable is counted and logged with its peer, and no packet can throw past `handle`.
 */
import { ConfigError } from '../../errors.ts';
import { isIpv4 } from '../../actors/dhcp/ipv4-address.ts';
import { createPoolBehavior } from '../../actors/dhcp/pool-entity.ts';
import type { Logger } from '../../logging/logger.ts';
import { derivedTrace } from '../../tracing/trace-context.ts';
import { runInTrace } from '../../tracing/trace-scope.ts';
import type { ProtocolServer } from '../protocol-server.ts';
import type { ProtocolTimings } from '../protocol-timings.ts';
import type { ProtocolServerDeps } from '../protocol-servers.ts';
import { ActorLeasePool } from './actor-lease-pool.ts';
import { resolveHttpBaseUrl, type BootSettings } from './boot-target.ts';
import type { BootPolicy } from './boot-decision.ts';
import { readClientRequest, type ClientRequest } from './client-request.ts';
import { DhcpStats, type CounterName } from './dhcp-stats.ts';
import type { MessageTypeName } from './dhcp-constants.ts';
import type { LeasePool } from './lease-pool.ts';
import { decodePacket } from './packet-codec.ts';
import { ProxyResponder } from './proxy-responder.ts';
import type { Destination, ReplyPorts } from './reply-destination.ts';
import type { Outcome } from './responder-outcome.ts';
import { ServerResponder } from './server-responder.ts';
import { planSubnets } from './subnet-plan.ts';
import { bindUdp, type UdpEndpoint } from './udp-endpoint.ts';

/** Settings beyond the `dhcp` configuration section, each with a default for a real network. */
export interface DhcpTuning {
  /** Where replies to relay agents go (RFC 2131 §4.1: the server port, 67). */
  readonly relayPort: number;
  /** Where broadcast replies go; tests on loopback set 127.0.0.1 (a real broadcast would leave the host). */
  readonly broadcastAddress: string;
  /** How long an offered address stays held for its client (real-clients.md F1). */
  readonly offerHoldMs: number;
  /** How long a declined address is kept out of the pool (RFC 2131 §4.3.3). */
  readonly declineHoldMs: number;
  /** Lease-pool entities per subnet; must not change while leases exist (pool-protocol.ts). */
  readonly poolShards: number;
  /** Deadline of a lease-pool ask; inside a client's ~4 s retransmission interval. */
  readonly leaseTimeoutMs: number;
  /** Requests being answered at once; beyond it datagrams are dropped and counted (`overloaded`). */
  readonly maxInFlight: number;
  /** A lease pool to use instead of the lease-pool entities (tests). */
  readonly leasePool?: LeasePool;
}

export const DEFAULT_DHCP_TUNING: DhcpTuning = {
  relayPort: 67,
  broadcastAddress: '255.255.255.255',
  offerHoldMs: 60_000,
  declineHoldMs: 10 * 60_000,
  poolShards: 8,
  leaseTimeoutMs: 2_000,
  maxInFlight: 4096,
};

export interface DhcpServer extends ProtocolServer {
  /** Resolves when every request received so far has been answered or dropped (tests). */
  idle(): Promise<void>;
}

export function createDhcpServer(deps: ProtocolServerDeps, tuning: Partial<DhcpTuning> = {}): DhcpServer {
  const c = deps.config.dhcp;
  const fromConfig: Partial<DhcpTuning> = { offerHoldMs: c.offerHoldMs, declineHoldMs: c.declineHoldMs, poolShards: c.poolShards, maxInFlight: c.maxInFlight };
  const t: DhcpTuning = { ...DEFAULT_DHCP_TUNING, ...fromConfig, ...tuning };
  const { config } = deps;
  const serverAddress = config.boot.serverAddress;
  if (serverAddress === null || !isIpv4(serverAddress)) {
    throw new ConfigError([{ path: 'boot.serverAddress', expected: 'the IPv4 address machines reach Monorail at (required when dhcp.enabled)', actual: serverAddress }]);
  }
  const boot: BootSettings = {
    serverAddress,
    httpBaseUrl: resolveHttpBaseUrl(config.boot.httpBaseUrl, serverAddress, config.http.port),
    files: config.boot.files,
  };
  const policy: BootPolicy = { timeoutMs: config.boot.decisionTimeoutMs, fallback: config.boot.fallback };
  const ports: ReplyPorts = { clientPort: config.dhcp.clientPort, relayPort: t.relayPort, broadcastAddress: t.broadcastAddress };
  const log = deps.log.child({ component: 'dhcp' });
  const stats = new DhcpStats();
  const context = { directory: deps.directory, log, boot, policy, ports, stats };

  let mode: Mode;
  if (config.dhcp.mode === 'server') {
    const subnets = planSubnets(config.dhcp.subnets, { serverAddress, poolShards: t.poolShards, offerHoldMs: t.offerHoldMs, declineHoldMs: t.declineHoldMs });
    if (subnets.length === 0) throw new ConfigError([{ path: 'dhcp.subnets', expected: 'at least one subnet in server mode', actual: [] }]);
    const pools = subnets.map((s) => s.pool);
    const leases = t.leasePool ?? new ActorLeasePool(deps.entities(createPoolBehavior({ pools })), pools, t.leaseTimeoutMs);
    const responder = new ServerResponder({ ...context, leases, subnets, authoritative: config.dhcp.authoritative });
    mode = { name: 'server', dhcp: (r) => responder.respond(r) };
  } else {
    const responder = new ProxyResponder(context);
    mode = { name: 'proxy', dhcp: (r) => responder.onDhcpPort(r), bootServer: (r, source) => responder.onBootServerPort(r, source) };
  }
  return new DhcpListener(mode, { host: config.dhcp.host, port: config.dhcp.port, proxyPort: config.dhcp.proxyPort }, t, stats, log, deps.timings);
}

type Respond = (request: ClientRequest, source: Destination) => Promise<Outcome>;

interface Mode {
  readonly name: 'proxy' | 'server';
  /** Port 67. */
  readonly dhcp: Respond;
  /** Port 4011, proxy mode only. */
  readonly bootServer?: Respond;
}

const replyCounters: Partial<Record<MessageTypeName, CounterName>> = { OFFER: 'offers', ACK: 'acks', NAK: 'naks' };

class DhcpListener implements DhcpServer {
  readonly name = 'dhcp';
  private endpoints: { endpoint: UdpEndpoint; respond: Respond; label: string }[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;

  constructor(
    private readonly mode: Mode,
    private readonly bind: { readonly host: string; readonly port: number; readonly proxyPort: number },
    private readonly tuning: DhcpTuning,
    private readonly stats_: DhcpStats,
    private readonly log: Logger,
    private readonly timings?: ProtocolTimings,
  ) {}

  async start(): Promise<void> {
    if (this.running) return;
    const wanted: { port: number; respond: Respond; label: string }[] = [{ port: this.bind.port, respond: this.mode.dhcp, label: 'dhcp' }];
    if (this.mode.bootServer) wanted.push({ port: this.bind.proxyPort, respond: this.mode.bootServer, label: 'pxe-boot-server' });
    try {
      for (const w of wanted) {
        const endpoint = await bindUdp(this.bind.host, w.port, w.label, this.log, (packet, source) => this.receive(packet, source, w.label));
        this.endpoints.push({ endpoint, respond: w.respond, label: w.label });
      }
    } catch (e) {
      await Promise.all(this.endpoints.map((x) => x.endpoint.close()));
      this.endpoints = [];
      throw e;
    }
    this.running = true;
    this.log.info({ mode: this.mode.name, addresses: this.addresses() }, 'DHCP server listening');
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.endpoints.map((x) => x.endpoint.close()));
    await this.idle();
    this.endpoints = [];
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  stats(): Readonly<Record<string, number>> {
    return { ...this.stats_.snapshot(), inFlight: this.inFlight.size };
  }

  addresses(): readonly { readonly protocol: 'udp'; readonly address: string; readonly port: number }[] {
    return this.endpoints.map((x) => ({ protocol: 'udp', address: x.endpoint.address, port: x.endpoint.port }));
  }

  private receive(packet: Buffer, source: Destination, label: string): void {
    this.stats_.add('received');
    const entry = this.endpoints.find((x) => x.label === label);
    if (!this.running || entry === undefined) return;
    if (this.inFlight.size >= this.tuning.maxInFlight) {
      this.stats_.add('overloaded');
      this.stats_.add('dropped');
      this.log.warn({ peer: `${source.address}:${source.port}`, inFlight: this.inFlight.size }, 'DHCP request dropped: too many in flight');
      return;
    }
    const work = this.handle(packet, source, entry.endpoint, entry.respond).catch((e: unknown) => {
      this.stats_.add('errors');
      this.log.warn({ err: e, peer: `${source.address}:${source.port}` }, 'DHCP request failed');
    });
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async handle(packet: Buffer, source: Destination, endpoint: UdpEndpoint, respond: Respond): Promise<void> {
    const peer = `${source.address}:${source.port}`;
    const decoded = decodePacket(packet);
    if (!decoded.ok) {
      this.stats_.add('malformed');
      this.stats_.add('dropped');
      this.log.debug({ peer, bytes: packet.length, code: decoded.error.code, reason: decoded.error.message }, 'malformed DHCP packet dropped');
      return;
    }
    const read = readClientRequest(decoded.packet);
    if (!read.ok) {
      this.stats_.add(read.reason === 'malformed-option' ? 'malformed' : 'refused');
      this.stats_.add('dropped');
      this.log.debug({ peer, reason: read.reason, detail: read.detail }, 'DHCP packet not served');
      return;
    }
    // One trace per DHCP transaction, derived from the client's MAC and xid: DISCOVER, OFFER, REQUEST and
    // ACK share the xid (RFC 2131 §4.4.1, Table 5), and any member computes the same id, so an exchange
    // whose packets reach several members is one trace in their logs (decision 0008).
    const request = read.request;
    await runInTrace(derivedTrace('dhcp', request.mac, request.packet.xid.toString(16)), () => this.answer(request, source, peer, endpoint, respond));
  }

  private async answer(request: ClientRequest, source: Destination, peer: string, endpoint: UdpEndpoint, respond: Respond): Promise<void> {
    const started = process.hrtime.bigint();
    const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e9;
    const outcome = await respond(request, source);
    if (outcome.kind === 'silent') {
      this.timings?.dhcpRequest(elapsed(), request.messageType, 'none');
      this.stats_.add('silent');
      this.log.debug({ peer, macAddress: request.mac, messageType: request.messageType, reason: outcome.reason }, 'DHCP request not answered');
      return;
    }
    if (!this.running) return;
    try {
      await endpoint.send(outcome.packet, outcome.to);
    } catch (e) {
      this.stats_.add('sendErrors');
      this.log.warn({ err: e, peer, to: `${outcome.to.address}:${outcome.to.port}` }, 'DHCP reply not sent');
      return;
    }
    this.timings?.dhcpRequest(elapsed(), request.messageType, outcome.messageType);
    this.stats_.add('answered');
    const counter = replyCounters[outcome.messageType];
    if (counter) this.stats_.add(counter);
    this.log.debug(
      { peer, macAddress: request.mac, request: request.messageType, reply: outcome.messageType, to: `${outcome.to.address}:${outcome.to.port}`, bootFile: outcome.bootFile },
      'DHCP reply sent',
    );
  }
}
