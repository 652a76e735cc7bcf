/**
 * The syslog receiver (issue 3 item 4): RFC 5426 UDP and RFC 6587 TCP on one port, IPv4 and IPv6;
 * each message parsed (RFC 5424 / RFC 3164, message-parser.ts) and observed by the node bound to its
 * source address. Our own listener replaces the npm `syslog-server` package (decision 0006).
 */
import type dgram from 'node:dgram';
import type { Logger } from '../../logging/logger.ts';
import type { NodeDirectory } from '../node-directory.ts';
import type { ProtocolServer } from '../protocol-server.ts';
import type { ProtocolServerDeps } from '../protocol-servers.ts';
import { truncateUtf8 } from './byte-limit.ts';
import { bindListeners, type ListenerSockets } from './listeners.ts';
import { parseSyslogMessage } from './message-parser.ts';
import { NodeDelivery } from './node-delivery.ts';
import { normalizePeerAddress } from './peer-address.ts';
import type { Frame } from './stream-framer.ts';
import { SyslogStats } from './syslog-stats.ts';
import { TcpConnections } from './tcp-connections.ts';
import { UnknownSources } from './unknown-sources.ts';

/** Settings beyond the `syslog` configuration section; each has a default suited to a data centre. */
export interface SyslogTuning {
  /** TCP connections open at once (all peers). */
  readonly maxConnections: number;
  /** TCP connections open at once from one address. */
  readonly maxConnectionsPerAddress: number;
  /** A TCP connection silent this long is closed. */
  readonly idleTimeoutMs: number;
  /** A TCP frame begun must be complete within this long, or the connection is closed. */
  readonly frameTimeoutMs: number;
  /** An octet count (RFC 6587 §3.4.1) above this is a framing error that closes the connection. */
  readonly maxFrameBytes: number;
  /** Records waiting for their node lookup; beyond it UDP datagrams are dropped and TCP reading pauses. */
  readonly maxPending: number;
  /** A node lookup that takes longer counts as failed and its records are dropped. */
  readonly lookupTimeoutMs: number;
  /** Distinct unknown source addresses remembered with their counts. */
  readonly unknownSourcesTracked: number;
  /** SO_RCVBUF requested for the UDP socket. */
  readonly udpReceiveBufferBytes: number;
  /** The clock RFC 3164 timestamps (which have no year) are dated against. */
  readonly now: () => Date;
}

export const DEFAULT_SYSLOG_TUNING: SyslogTuning = {
  maxConnections: 1024,
  maxConnectionsPerAddress: 16,
  idleTimeoutMs: 10 * 60_000,
  frameTimeoutMs: 30_000,
  maxFrameBytes: 1024 * 1024,
  maxPending: 10_000,
  lookupTimeoutMs: 5_000,
  unknownSourcesTracked: 1024,
  udpReceiveBufferBytes: 4 * 1024 * 1024,
  now: () => new Date(),
};

export interface SyslogServerOptions extends SyslogTuning {
  readonly host: string;
  readonly port: number;
  readonly maxMessageBytes: number;
}

export interface SyslogServer extends ProtocolServer {
  /** Unknown source addresses with their message counts (bounded; least recently seen forgotten first). */
  unknownSources(): readonly { readonly address: string; readonly messages: number }[];
}

export function createSyslogServer(deps: ProtocolServerDeps, tuning: Partial<SyslogTuning> = {}): SyslogServer {
  const { host, port, maxMessageBytes } = deps.config.syslog;
  const c = deps.config.syslog;
  const fromConfig: Partial<SyslogTuning> = { maxConnections: c.maxConnections, maxConnectionsPerAddress: c.maxConnectionsPerAddress, idleTimeoutMs: c.idleTimeoutMs };
  const options = { ...DEFAULT_SYSLOG_TUNING, ...fromConfig, ...tuning, host, port, maxMessageBytes };
  // A frame the size of the longest accepted message must never be a framing error.
  options.maxFrameBytes = Math.max(options.maxFrameBytes, maxMessageBytes);
  return new SyslogReceiver(deps.directory, deps.log.child({ component: 'syslog' }), options);
}

type Lifecycle = 'stopped' | 'starting' | 'running' | 'stopping';

class SyslogReceiver implements SyslogServer {
  readonly name = 'syslog';
  private readonly stats_ = new SyslogStats();
  private readonly unknown: UnknownSources;
  private readonly delivery: NodeDelivery;
  private readonly tcp: TcpConnections;
  private sockets: ListenerSockets | undefined;
  private lifecycle: Lifecycle = 'stopped';

  constructor(
    directory: NodeDirectory,
    private readonly log: Logger,
    private readonly options: SyslogServerOptions,
  ) {
    this.unknown = new UnknownSources(options.unknownSourcesTracked);
    this.delivery = new NodeDelivery(directory, this.stats_, this.unknown, log, options);
    this.tcp = new TcpConnections(options, this.stats_, log, (peer, frame) => this.onFrame(peer, frame), {
      saturated: () => this.delivery.saturated,
      onceDrained: (listener) => this.delivery.onceDrained(listener),
    });
  }

  async start(): Promise<void> {
    if (this.lifecycle !== 'stopped') throw new Error(`syslog server cannot start while ${this.lifecycle}`);
    this.lifecycle = 'starting';
    try {
      this.sockets = await bindListeners({
        host: this.options.host,
        port: this.options.port,
        udpReceiveBufferBytes: this.options.udpReceiveBufferBytes,
        onConnection: (socket) => this.tcp.accept(socket),
      });
    } catch (e) {
      this.lifecycle = 'stopped';
      throw e;
    }
    const { udp, tcp, dualStack } = this.sockets;
    udp.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
    udp.on('error', (e: NodeJS.ErrnoException) => {
      this.stats_.add('socketErrors');
      this.log.warn({ code: e.code, err: e }, 'syslog UDP socket error');
    });
    tcp.on('error', (e: NodeJS.ErrnoException) => {
      this.stats_.add('socketErrors');
      this.log.warn({ code: e.code, err: e }, 'syslog TCP server error');
    });
    this.lifecycle = 'running';
    this.log.debug({ addresses: this.addresses(), dualStack, maxMessageBytes: this.options.maxMessageBytes }, 'syslog listening');
  }

  async stop(): Promise<void> {
    if (this.lifecycle !== 'running' || this.sockets === undefined) return;
    this.lifecycle = 'stopping';
    const { udp, tcp } = this.sockets;
    await Promise.all([
      new Promise<void>((resolve) => udp.close(() => resolve())),
      new Promise<void>((resolve) => {
        tcp.close(() => resolve());
        this.tcp.closeAll();
      }),
    ]);
    // Records already read are delivered (or dropped by the lookup deadline) before stop resolves.
    await this.delivery.idle();
    this.sockets = undefined;
    this.lifecycle = 'stopped';
    this.log.info({ stats: this.stats() }, 'syslog stopped');
  }

  stats(): Readonly<Record<string, number>> {
    return {
      ...this.stats_.snapshot(),
      pending: this.delivery.pending,
      tcpConnections: this.tcp.size,
      unknownSourceAddresses: this.unknown.size,
    };
  }

  addresses(): readonly { readonly protocol: 'udp' | 'tcp'; readonly address: string; readonly port: number }[] {
    if (this.sockets === undefined) return [];
    const udp = this.sockets.udp.address();
    const tcp = this.sockets.tcp.address();
    const out: { protocol: 'udp' | 'tcp'; address: string; port: number }[] = [{ protocol: 'udp', address: udp.address, port: udp.port }];
    if (tcp !== null && typeof tcp === 'object') out.push({ protocol: 'tcp', address: tcp.address, port: tcp.port });
    return out;
  }

  unknownSources(): readonly { readonly address: string; readonly messages: number }[] {
    return this.unknown.entries();
  }

  /** RFC 5426 §3.1: one message per datagram. */
  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    this.stats_.add('receivedUdp');
    const truncated = msg.length > this.options.maxMessageBytes;
    this.ingest(normalizePeerAddress(rinfo.address), truncated ? truncateUtf8(msg, this.options.maxMessageBytes) : msg, truncated, false);
  }

  private onFrame(peer: string, frame: Frame): void {
    this.stats_.add('receivedTcp');
    this.ingest(peer, frame.bytes, frame.truncated, true);
  }

  private ingest(peer: string, bytes: Buffer, truncated: boolean, tcp: boolean): void {
    this.stats_.add('received');
    if (truncated) {
      this.stats_.add('truncated');
      this.log.debug({ peer, maxMessageBytes: this.options.maxMessageBytes }, 'syslog message truncated');
    }
    const outcome = parseSyslogMessage(bytes, this.options.now);
    if (outcome.kind === 'empty') {
      this.stats_.drop('empty');
      this.log.debug({ peer }, 'syslog message dropped: empty');
      return;
    }
    const { record, malformed } = outcome;
    if (malformed !== undefined) {
      this.stats_.add('malformed');
      this.log.debug({ peer, reason: malformed }, 'syslog message malformed; kept as raw text');
    }
    switch (record.format) {
      case '5424':
        this.stats_.add('records5424');
        break;
      case '3164':
        this.stats_.add('records3164');
        break;
      case 'raw':
        this.stats_.add('recordsRaw');
        break;
    }
    if (!this.delivery.submit(peer, record, tcp)) {
      this.stats_.drop('overloaded');
      this.log.debug({ peer, pending: this.delivery.pending }, 'syslog message dropped: delivery backlog full');
    }
  }
}
