/**
 * Binds the UDP socket and the TCP server syslog listens on, on one port.
 *
 * For the wildcard host `0.0.0.0`, one dual-stack socket per transport is bound to `::` with
 * IPV6_V6ONLY off, so IPv4 and IPv6 senders share it (IPv4 peers appear as `::ffff:a.b.c.d`, see
 * peer-address.ts). Measured here (decision 0006): that socket receives both families over UDP and TCP,
 * and still binds with IPv6 disabled by sysctl. Where the kernel has no IPv6 at all, binding `::` fails with
 * EAFNOSUPPORT/EADDRNOTAVAIL and the listener falls back to `0.0.0.0`. Any other host is bound as given.
 *
 * Port 0 (tests) lets the OS choose the UDP port; TCP then needs the same number and may find it taken,
 * so that case is retried with a fresh port. A configured port that is taken is an error, never a wait.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { ListenError } from './listen-error.ts';

export interface ListenerSockets {
  readonly udp: dgram.Socket;
  readonly tcp: net.Server;
  /** Whether one socket per transport serves both IPv4 and IPv6. */
  readonly dualStack: boolean;
}

export interface BindOptions {
  readonly host: string;
  readonly port: number;
  /** SO_RCVBUF for the UDP socket, so bursts of datagrams wait in the kernel instead of being dropped. */
  readonly udpReceiveBufferBytes: number;
  readonly onConnection: (socket: net.Socket) => void;
}

interface Candidate {
  readonly host: string;
  readonly dualStack: boolean;
}

/** Errors binding `::` that mean "this host has no IPv6", not "this port is busy". */
const NO_IPV6 = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'EPROTONOSUPPORT']);
const PORT_ZERO_ATTEMPTS = 8;

function candidatesFor(host: string): Candidate[] {
  if (host === '0.0.0.0') return [{ host: '::', dualStack: true }, { host: '0.0.0.0', dualStack: false }];
  if (host === '::') return [{ host: '::', dualStack: true }];
  return [{ host, dualStack: false }];
}

function codeOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

function bindUdp(candidate: Candidate, port: number): Promise<dgram.Socket> {
  // IPV6_V6ONLY exists only on IPv6 sockets; setting it on an IPv4 one makes bind fail with EINVAL.
  const socket = net.isIPv6(candidate.host)
    ? dgram.createSocket({ type: 'udp6', ipv6Only: !candidate.dualStack, recvBufferSize: 4 * 1024 * 1024 })
    : dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => {
      try {
        socket.close();
      } catch {
        // Already closed by the failed bind.
      }
      reject(e);
    };
    socket.once('error', onError);
    socket.bind(port, candidate.host, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

function listenTcp(candidate: Candidate, port: number, onConnection: (socket: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer({ pauseOnConnect: false }, onConnection);
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => {
      server.close();
      reject(e);
    };
    server.once('error', onError);
    server.listen({ host: candidate.host, port, ipv6Only: !candidate.dualStack && net.isIPv6(candidate.host) }, () => {
      server.off('error', onError);
      resolve(server);
    });
  });
}

function closeUdp(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}

export async function bindListeners(options: BindOptions): Promise<ListenerSockets> {
  const candidates = candidatesFor(options.host);
  const attempts = options.port === 0 ? PORT_ZERO_ATTEMPTS : 1;
  for (let attempt = 1; ; attempt++) {
    let udp: dgram.Socket | undefined;
    let chosen: Candidate | undefined;
    for (const [index, candidate] of candidates.entries()) {
      try {
        udp = await bindUdp(candidate, options.port);
        chosen = candidate;
        break;
      } catch (e) {
        const another = index < candidates.length - 1;
        if (another && NO_IPV6.has(codeOf(e) ?? '')) continue;
        throw new ListenError('udp', options.host, options.port, e);
      }
    }
    if (udp === undefined || chosen === undefined) throw new ListenError('udp', options.host, options.port, new Error('no address to bind'));
    const port = udp.address().port;
    try {
      const tcp = await listenTcp(chosen, port, options.onConnection);
      try {
        udp.setRecvBufferSize(options.udpReceiveBufferBytes);
      } catch {
        // The kernel caps SO_RCVBUF at net.core.rmem_max; the default buffer still works.
      }
      return { udp, tcp, dualStack: chosen.dualStack };
    } catch (e) {
      await closeUdp(udp);
      if (codeOf(e) === 'EADDRINUSE' && attempt < attempts) continue;
      throw new ListenError('tcp', options.host, port, e);
    }
  }
}
