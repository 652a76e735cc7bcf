/**
 * Monorail's TFTP server: read requests only (RFC 1350), with option negotiation (RFC 2347), blksize
 * (RFC 2348), timeout and tsize (RFC 2349) and windowsize (RFC 7440). Files come from `tftp.root`, then
 * the fallback directories (Debian's iPXE binaries), after a per-request provider had its chance
 * (`dynamic-files.ts`). Every request, and every transfer's end, is told to the node last seen at the
 * client's address; the wire never waits for that. Why this is our own code and not the `tftp` package:
 * docs/decisions/0005-tftp.md.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { MonorailConfig } from '../../config/schema.ts';
import type { Logger } from '../../logging/logger.ts';
import { derivedTrace } from '../../tracing/trace-context.ts';
import { runInTrace } from '../../tracing/trace-scope.ts';
import type { NodeDirectory, ProtocolObservation } from '../node-directory.ts';
import type { ProtocolServer } from '../protocol-server.ts';
import type { ProtocolTimings } from '../protocol-timings.ts';
import type { ProtocolServerDeps } from '../protocol-servers.ts';
import { noDynamicFiles, type DynamicFileProvider } from './dynamic-files.ts';
import { FileRoots } from './file-source.ts';
import { listenAddresses } from './listen-addresses.ts';
import { toNetascii } from './netascii.ts';
import { negotiate, oackOptions } from './option-negotiation.ts';
import { decodePacket, encodeError, encodeOack, TftpErrorCode, type TftpRequest } from './packet-codec.ts';
import { checkRequestedName } from './path-policy.ts';
import { ReadTransfer, type TransferResult } from './read-transfer.ts';
import { newTftpCounters, type TftpCounters } from './tftp-counters.ts';
import { bufferContent, type TftpContent } from './transfer-content.ts';

export interface TftpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly root: string;
  /** Searched, in order, for names not found under `root` (Debian's `ipxe` package installs to /usr/lib/ipxe). */
  readonly fallbackRoots: readonly string[];
  readonly maxBlksize: number;
  readonly maxWindowsize: number;
  /** Retransmission timeout unless the client asks for its own (RFC 2349). */
  readonly timeoutMs: number;
  /** Retransmissions of a window before the transfer is abandoned. */
  readonly retries: number;
  /** Longest retransmission timeout a client may ask for with the timeout option (RFC 2349); longer requests are not acknowledged. */
  readonly maxRequestedTimeoutMs: number;
  /** Transfers running at once; a request beyond it is answered "busy" (ERROR 0) and the client retries. */
  readonly maxTransfers: number;
  /** netascii renders the whole file in memory; larger files are refused in that mode (octet has no limit). */
  readonly maxNetasciiBytes: number;
  readonly dynamicFiles: DynamicFileProvider;
  /** Where transfer durations go (metrics). */
  readonly timings?: ProtocolTimings;
}

export const tftpDefaults = {
  fallbackRoots: ['/usr/lib/ipxe'],
  maxRequestedTimeoutMs: 10_000,
  maxTransfers: 2000,
  maxNetasciiBytes: 16 * 1024 * 1024,
  dynamicFiles: noDynamicFiles,
} as const satisfies Partial<TftpServerOptions>;

export function tftpServerOptions(config: MonorailConfig['tftp'], overrides: Partial<TftpServerOptions> = {}): TftpServerOptions {
  return {
    host: config.host,
    port: config.port,
    root: config.root,
    maxBlksize: config.maxBlksize,
    maxWindowsize: config.maxWindowsize,
    timeoutMs: config.timeoutMs,
    retries: config.retries,
    ...tftpDefaults,
    fallbackRoots: config.fallbackRoots,
    maxTransfers: config.maxTransfers,
    ...overrides,
  };
}

export function createTftpServer(deps: ProtocolServerDeps, overrides: Partial<TftpServerOptions> = {}): ProtocolServer {
  return new TftpServer(tftpServerOptions(deps.config.tftp, { ...(deps.timings === undefined ? {} : { timings: deps.timings }), ...overrides }), deps.directory, deps.log);
}

interface Listener {
  readonly socket: dgram.Socket;
  readonly address: string;
}

interface Peer {
  readonly address: string;
  readonly port: number;
}

const MAX_LOGGED_NAME = 255;

export class TftpServer implements ProtocolServer {
  readonly name = 'tftp';
  private readonly counters: TftpCounters = newTftpCounters();
  private readonly log: Logger;
  private readonly files: FileRoots;
  private listeners: Listener[] = [];
  /** Running transfers by client address:port, so a repeated request is recognised. */
  private readonly transfers = new Map<string, { readonly transfer: ReadTransfer; readonly request: Buffer }>();
  /** Requests being set up (file opened, socket bound) by client address:port, with their bytes. */
  private readonly settingUp = new Map<string, Buffer>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    private readonly options: TftpServerOptions,
    private readonly directory: NodeDirectory,
    log: Logger,
  ) {
    this.log = log.child({ component: 'tftp' });
    this.files = new FileRoots([options.root, ...options.fallbackRoots]);
  }

  async start(): Promise<void> {
    const addresses = listenAddresses(this.options.host);
    let port = this.options.port;
    try {
      for (const address of addresses) {
        const socket = await bindSocket(address, port);
        // With port 0 the first listener picks a port and the others share it, so the server has one port.
        port = socket.address().port;
        socket.on('message', (msg, rinfo) => this.onRequest(msg, { address: rinfo.address, port: rinfo.port }, address, socket));
        socket.on('error', (e) => this.log.error({ err: e, address }, 'tftp listener error'));
        this.listeners.push({ socket, address });
      }
    } catch (e) {
      for (const l of this.listeners) l.socket.close();
      this.listeners = [];
      throw e;
    }
    const [root, ...fallbacks] = await this.files.resolved();
    const roots = [root, ...fallbacks].filter((r): r is string => r !== undefined);
    if (root === undefined) this.log.warn({ root: this.options.root, serving: roots }, 'tftp root does not exist');
    this.log.info({ addresses: this.addresses(), roots }, 'tftp server listening');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const l of this.listeners) l.socket.close();
    this.listeners = [];
    await Promise.allSettled([...this.inFlight]);
    for (const { transfer } of [...this.transfers.values()]) transfer.abort('server shutting down');
    this.transfers.clear();
  }

  stats(): Readonly<TftpCounters> {
    return { ...this.counters, activeTransfers: this.transfers.size };
  }

  addresses(): readonly { readonly protocol: 'udp' | 'tcp'; readonly address: string; readonly port: number }[] {
    return this.listeners.map((l) => ({ protocol: 'udp' as const, address: l.address, port: l.socket.address().port }));
  }

  private onRequest(msg: Buffer, peer: Peer, localAddress: string, listener: dgram.Socket): void {
    const c = this.counters;
    c.received++;
    if (this.stopping) return;
    const decoded = decodePacket(msg);
    const from = `${peer.address}:${peer.port}`;
    if (!decoded.ok) {
      c.malformed++;
      // A request we cannot read is answered (RFC 1350 §5: illegal operation); other garbage is dropped,
      // so the server never answers arbitrary datagrams (no reflection).
      const opcode = msg.length >= 2 ? msg.readUInt16BE(0) : 0;
      if (opcode === 1 || opcode === 2) this.refuse(listener, peer, TftpErrorCode.illegalOperation, decoded.reason);
      this.log.debug({ from, reason: decoded.reason, bytes: msg.length }, 'malformed tftp datagram');
      return;
    }
    const p = decoded.packet;
    if (p.op !== 'rrq' && p.op !== 'wrq') {
      // DATA/ACK/ERROR/OACK belong on transfer sockets; here they are late or misdirected.
      c.dropped++;
      this.log.debug({ from, op: p.op }, 'tftp packet other than a request at the listening port dropped');
      return;
    }
    // One trace per request, derived from the client's address, port and file name: a retransmitted RRQ
    // (same port, RFC 1350 §2) is the same trace, on whichever member it lands (decision 0008).
    const trace = derivedTrace('tftp', peer.address, String(peer.port), p.filename);
    const work = runInTrace(trace, () => this.handleRequest(p, msg, peer, localAddress, listener)).catch((e: unknown) => {
      this.log.error({ err: e, from }, 'tftp request failed unexpectedly');
      this.refuse(listener, peer, TftpErrorCode.notDefined, 'internal error');
    });
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async handleRequest(req: TftpRequest, raw: Buffer, peer: Peer, localAddress: string, listener: dgram.Socket): Promise<void> {
    const c = this.counters;
    const key = `${peer.address}:${peer.port}`;
    const running = this.transfers.get(key);
    if ((running !== undefined && running.request.equals(raw)) || this.settingUp.get(key)?.equals(raw)) {
      // The client repeated its request because our answer was lost or slow (RFC 1350 §2).
      c.duplicateRequests++;
      running?.transfer.resendFirst();
      return;
    }
    c.requests++;
    const file = req.filename.slice(0, MAX_LOGGED_NAME);
    const log = this.log.child({ client: key, file });
    const nodeId = this.nodeAt(peer.address);
    this.observe(nodeId, { type: 'tftp.request', file, ipAddress: peer.address });
    const refuse = (code: TftpErrorCode, message: string): void => {
      this.refuse(listener, peer, code, message);
      this.observe(nodeId, { type: 'tftp.transfer', file, ipAddress: peer.address, bytes: 0, ok: false, error: message });
    };

    if (req.op === 'wrq') {
      c.writesRefused++;
      log.info('tftp write request refused');
      refuse(TftpErrorCode.accessViolation, 'writes are not accepted');
      return;
    }
    if (req.mode !== 'octet' && req.mode !== 'netascii') {
      c.malformed++;
      log.debug({ mode: req.mode }, 'tftp request with an unsupported mode');
      refuse(TftpErrorCode.illegalOperation, `unsupported mode "${req.mode.slice(0, 20)}"`);
      return;
    }
    const name = checkRequestedName(req.filename);
    if (!name.ok) {
      c.accessViolations++;
      log.warn({ reason: name.reason }, 'tftp request refused by the path policy');
      refuse(TftpErrorCode.accessViolation, 'access violation');
      return;
    }
    if (this.transfers.size + this.settingUp.size >= this.options.maxTransfers) {
      c.busy++;
      log.warn({ maxTransfers: this.options.maxTransfers }, 'tftp request refused: too many transfers');
      refuse(TftpErrorCode.notDefined, 'server busy, try again');
      return;
    }

    this.settingUp.set(key, raw);
    let content: TftpContent | undefined;
    let socket: dgram.Socket | undefined;
    try {
      const found = await this.content(name.relative, req.mode === 'netascii', peer, localAddress, nodeId, log);
      if (found.kind !== 'found') {
        if (found.kind === 'not-found') c.notFound++;
        else c.accessViolations++;
        refuse(found.kind === 'not-found' ? TftpErrorCode.fileNotFound : found.code, found.message);
        return;
      }
      content = found.content;
      const negotiated = negotiate(req.options, this.options);
      c.optionsIgnored += negotiated.ignored.length + req.malformedOptions;
      if (negotiated.ignored.length > 0) log.debug({ ignored: negotiated.ignored }, 'tftp options left out of the OACK');
      try {
        socket = await bindSocket(localAddress, 0);
      } catch (e) {
        // Out of sockets or ports (EMFILE, EADDRINUSE): the client will retry its request.
        log.warn({ err: e }, 'tftp cannot open a transfer socket');
        refuse(TftpErrorCode.notDefined, 'server busy, try again');
        return;
      }
      if (this.stopping) return;
      c.answered++;
      c.transfersStarted++;
      const oack = negotiated.granted.length === 0 ? undefined : encodeOack(oackOptions(negotiated, content.size));
      const transfer: ReadTransfer = new ReadTransfer({
        socket,
        peer,
        content,
        oack,
        blksize: negotiated.blksize,
        windowsize: negotiated.windowsize,
        timeoutMs: negotiated.timeoutMs ?? this.options.timeoutMs,
        retries: this.options.retries,
        counters: c,
        log,
        onEnd: (result) => {
          if (this.transfers.get(key)?.transfer === transfer) this.transfers.delete(key);
          this.ended(result, file, peer, nodeId, log);
        },
      });
      running?.transfer.abort('superseded by a new request from the same port');
      this.transfers.set(key, { transfer, request: raw });
      log.debug({ size: content.size, blksize: negotiated.blksize, windowsize: negotiated.windowsize, options: req.options }, 'tftp transfer starting');
      transfer.start();
      content = undefined;
      socket = undefined;
    } finally {
      this.settingUp.delete(key);
      if (content !== undefined) await content.close().catch(() => undefined);
      socket?.close();
    }
  }

  private async content(
    relative: string,
    netascii: boolean,
    peer: Peer,
    localAddress: string,
    nodeId: Promise<string | undefined>,
    log: Logger,
  ): Promise<{ kind: 'found'; content: TftpContent } | { kind: 'not-found'; message: string } | { kind: 'refused'; code: TftpErrorCode; message: string }> {
    let dynamic: Buffer | string | undefined;
    try {
      dynamic = await this.options.dynamicFiles.provide({ name: relative, clientAddress: peer.address, clientPort: peer.port, localAddress, nodeId: () => nodeId });
    } catch (e) {
      this.counters.providerErrors++;
      log.warn({ err: e }, 'tftp dynamic file provider failed');
      return { kind: 'refused', code: TftpErrorCode.notDefined, message: 'cannot produce the file' };
    }
    if (dynamic !== undefined) {
      const data = typeof dynamic === 'string' ? Buffer.from(dynamic, 'utf8') : dynamic;
      return { kind: 'found', content: bufferContent(netascii ? toNetascii(data) : data) };
    }
    const lookup = await this.files.open(relative);
    switch (lookup.kind) {
      case 'not-found':
        log.info('tftp file not found');
        return { kind: 'not-found', message: 'file not found' };
      case 'refused':
        log.warn({ reason: lookup.reason }, 'tftp request refused');
        return { kind: 'refused', code: TftpErrorCode.accessViolation, message: 'access violation' };
      case 'found':
        break;
    }
    if (!netascii) return { kind: 'found', content: lookup.content };
    const { content } = lookup;
    try {
      if (content.size > this.options.maxNetasciiBytes) {
        return { kind: 'refused', code: TftpErrorCode.notDefined, message: 'file too large for netascii mode, use octet' };
      }
      return { kind: 'found', content: bufferContent(toNetascii(await content.read(0, content.size))) };
    } finally {
      await content.close();
    }
  }

  private ended(result: TransferResult, file: string, peer: Peer, nodeId: Promise<string | undefined>, log: Logger): void {
    const c = this.counters;
    this.options.timings?.tftpTransfer(result.ms / 1000, result.outcome);
    switch (result.outcome) {
      case 'completed':
        c.transfersCompleted++;
        log.info({ bytes: result.bytes, ms: result.ms }, 'tftp transfer completed');
        this.observe(nodeId, { type: 'tftp.transfer', file, ipAddress: peer.address, bytes: result.bytes, ok: true });
        return;
      case 'declined':
        // EDK2 asks for tsize, then ends with ERROR 8 and asks again (real-clients.md F5): no transfer happened.
        c.abortedAfterOack++;
        log.debug({ code: result.code, message: result.message }, 'tftp client ended the transfer after the OACK');
        return;
      case 'failed':
        c.transfersFailed++;
        log.warn({ error: result.error, bytes: result.bytes, ms: result.ms }, 'tftp transfer failed');
        this.observe(nodeId, { type: 'tftp.transfer', file, ipAddress: peer.address, bytes: result.bytes, ok: false, error: result.error });
        return;
    }
  }

  private refuse(listener: dgram.Socket, peer: Peer, code: TftpErrorCode, message: string): void {
    this.counters.answered++;
    // Errors go out from the listening socket: a request that starts no transfer gets no socket of its own.
    try {
      listener.send(encodeError(code, message), peer.port, peer.address, (e) => {
        if (e) this.counters.sendErrors++;
      });
    } catch {
      // The listener closed while the request was being handled (stop()).
      this.counters.sendErrors++;
    }
  }

  /** The node at the client's address, looked up once per request; never rejects. */
  private nodeAt(address: string): Promise<string | undefined> {
    return this.directory.nodeAtAddress(address).then(
      (nodeId) => {
        if (nodeId === undefined) this.counters.unknownAddress++;
        return nodeId;
      },
      (e: unknown) => {
        this.counters.directoryErrors++;
        this.log.debug({ err: e, address }, 'tftp could not look up the node at a client address');
        return undefined;
      },
    );
  }

  private observe(nodeId: Promise<string | undefined>, observation: ProtocolObservation): void {
    void nodeId.then((id) => {
      if (id === undefined) return;
      try {
        this.directory.observe(id, observation);
      } catch (e) {
        this.counters.directoryErrors++;
        this.log.debug({ err: e, nodeId: id }, 'tftp could not tell a node what it did');
      }
    });
  }
}

function bindSocket(address: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    // Room for a burst of RRQs and ACKs while the event loop is busy (see the DHCP endpoint's note).
    const socket = dgram.createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', recvBufferSize: 1024 * 1024 });
    const onError = (e: Error): void => {
      socket.close();
      reject(new Error(`tftp cannot bind ${address}:${port}: ${e.message}`, { cause: e }));
    };
    socket.once('error', onError);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}
