/**
 * The TCP side of the listener: one RFC 6587 framer per connection, and the limits that keep hostile
 * or broken peers from holding resources (decision 0006):
 * - at most `maxConnections` connections, and `maxConnectionsPerAddress` from one address;
 * - a connection idle for `idleTimeoutMs` is closed;
 * - a frame begun but not finished within `frameTimeoutMs` closes the connection (a slowloris peer
 *   dribbling a frame a byte at a time keeps the idle timer alive, but not this one);
 * - framing errors (an absurd octet count) close the connection;
 * - while the delivery backlog is full, connections stop being read (TCP backpressure) instead of
 *   dropping messages the sender believes delivered.
 */
import type net from 'node:net';
import type { Logger } from '../../logging/logger.ts';
import { normalizePeerAddress } from './peer-address.ts';
import { StreamFramer, type Frame } from './stream-framer.ts';
import type { SyslogStats } from './syslog-stats.ts';

export interface TcpLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
  readonly idleTimeoutMs: number;
  readonly frameTimeoutMs: number;
  readonly maxMessageBytes: number;
  readonly maxFrameBytes: number;
}

export interface Backpressure {
  readonly saturated: () => boolean;
  readonly onceDrained: (listener: () => void) => void;
}

export class TcpConnections {
  private readonly sockets = new Set<net.Socket>();
  private readonly perAddress = new Map<string, number>();
  private readonly paused = new Set<net.Socket>();
  private waitingForDrain = false;

  constructor(
    private readonly limits: TcpLimits,
    private readonly stats: SyslogStats,
    private readonly log: Logger,
    private readonly onFrame: (peer: string, frame: Frame) => void,
    private readonly backpressure: Backpressure,
  ) {}

  get size(): number {
    return this.sockets.size;
  }

  accept(socket: net.Socket): void {
    const remote = socket.remoteAddress;
    if (remote === undefined) {
      socket.destroy();
      return;
    }
    const peer = normalizePeerAddress(remote);
    const fromPeer = this.perAddress.get(peer) ?? 0;
    if (this.sockets.size >= this.limits.maxConnections || fromPeer >= this.limits.maxConnectionsPerAddress) {
      this.stats.add('tcpRejected');
      this.log.debug({ peer, connections: this.sockets.size, fromPeer }, 'syslog TCP connection refused: connection limit');
      socket.destroy();
      return;
    }
    this.stats.add('tcpAccepted');
    this.sockets.add(socket);
    this.perAddress.set(peer, fromPeer + 1);

    const framer = new StreamFramer(this.limits);
    let frameTimer: NodeJS.Timeout | undefined;
    let frameTimerMark = -1;
    const armFrameTimer = (): void => {
      if (!framer.inFrame) {
        clearTimeout(frameTimer);
        frameTimer = undefined;
        return;
      }
      if (frameTimer !== undefined && frameTimerMark === framer.completed) return;
      clearTimeout(frameTimer);
      frameTimerMark = framer.completed;
      frameTimer = setTimeout(() => {
        this.stats.add('frameTimeouts');
        this.log.debug({ peer, frameTimeoutMs: this.limits.frameTimeoutMs }, 'syslog TCP connection closed: frame not completed in time');
        socket.destroy();
      }, this.limits.frameTimeoutMs);
    };

    socket.setTimeout(this.limits.idleTimeoutMs);
    socket.on('timeout', () => {
      this.stats.add('idleTimeouts');
      this.log.debug({ peer }, 'syslog TCP connection closed: idle');
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      const result = framer.push(chunk);
      for (const frame of result.frames) this.onFrame(peer, frame);
      if (result.error !== undefined) {
        this.stats.add('framingErrors');
        this.stats.add('malformed');
        this.log.debug({ peer, reason: result.error }, 'syslog TCP connection closed: framing error');
        socket.destroy();
        return;
      }
      armFrameTimer();
      if (this.backpressure.saturated()) this.pause(socket);
    });
    socket.on('end', () => {
      const rest = framer.end();
      if (rest.frame !== undefined) this.onFrame(peer, rest.frame);
      if (rest.incomplete) {
        this.stats.drop('incompleteFrame');
        this.log.debug({ peer }, 'syslog TCP connection ended inside an octet-counted frame');
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      this.stats.add('socketErrors');
      this.log.debug({ peer, code: e.code }, 'syslog TCP connection error');
    });
    socket.on('close', () => {
      clearTimeout(frameTimer);
      this.sockets.delete(socket);
      this.paused.delete(socket);
      const left = (this.perAddress.get(peer) ?? 1) - 1;
      if (left > 0) this.perAddress.set(peer, left);
      else this.perAddress.delete(peer);
    });
  }

  /** Closes every connection (stop()). */
  closeAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  private pause(socket: net.Socket): void {
    socket.pause();
    this.paused.add(socket);
    if (this.waitingForDrain) return;
    this.waitingForDrain = true;
    this.backpressure.onceDrained(() => {
      this.waitingForDrain = false;
      for (const s of this.paused) s.resume();
      this.paused.clear();
    });
  }
}
