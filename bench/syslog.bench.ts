/**
 * Syslog: messages per second parsed, framed, and ingested over UDP and TCP, with the real `logger`
 * (util-linux) as the load generator in its own process (`logger -f file` sends each line as a message).
 *
 *   npx tsx bench/syslog.bench.ts                 (BENCH_SYSLOG_MESSAGES=200000 by default)
 *
 * - parse: the pure parser on the three shapes real senders use (logger 5424 with SD, logger 3164, busybox);
 * - frame: the RFC 6587 framer on an octet-counted stream in 64 KiB chunks;
 * - ingest: datagrams/frames → parse → node lookup → observe, into a directory that only counts, so the
 *   figure is the server's; a bare dgram socket that only counts datagrams is the UDP reference (loopback
 *   drops datagrams when the receiver falls behind, whoever the receiver is);
 * - member: the same over TCP into a whole Monorail member (embedded store, fsync per commit), where the
 *   node actor keeps every record in its `logs` collection.
 */
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { loadConfig } from '../src/config/load-config.ts';
import { createLogger } from '../src/logging/logger.ts';
import { startMonorail } from '../src/monorail.ts';
import type { NodeDirectory, ProtocolObservation } from '../src/protocols/node-directory.ts';
import { parseSyslogMessage } from '../src/protocols/syslog/message-parser.ts';
import { StreamFramer } from '../src/protocols/syslog/stream-framer.ts';
import { createSyslogServer, type SyslogServer } from '../src/protocols/syslog/syslog-server.ts';

const N = Number(process.env.BENCH_SYSLOG_MESSAGES ?? 200_000);
const MEMBER_N = Number(process.env.BENCH_SYSLOG_MEMBER_MESSAGES ?? 20_000);
const execFileP = promisify(execFile);
const root = mkdtempSync(path.join(tmpdir(), 'monorail-bench-syslog-'));
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const log = createLogger({ level: 'silent', memberId: 'bench' });

function linesFile(count: number, name: string): string {
  const file = path.join(root, name);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(`bench message ${i} from a node that is booting its microkernel`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function parseBench(): void {
  const samples: [string, string][] = [
    ['logger RFC 5424 + SD', '<134>1 2026-11-25T15:51:03.547374+00:00 vm rackhd-test - - [timeQuality tzKnown="1" isSynced="0"] hello from the node'],
    ['logger RFC 3164', '<12>Nov 25 15:51:03 vm rackhd-test: hello from the node'],
    ['busybox (3164, no host)', '<134>Nov 25 16:00:53 microkernel: booted and gathering inventory\n'],
  ];
  const now = new Date();
  for (const [label, text] of samples) {
    const bytes = Buffer.from(text);
    for (let i = 0; i < 20_000; i++) parseSyslogMessage(bytes, now);
    const t0 = performance.now();
    for (let i = 0; i < N; i++) parseSyslogMessage(bytes, now);
    const s = (performance.now() - t0) / 1000;
    console.log(`parse   ${label.padEnd(26)} ${fmt(N / s).padStart(11)} msgs/s   ${fmt((s * 1e6) / N, 2)} µs/msg`);
  }
}

function frameBench(): void {
  const msg = '<134>1 2026-11-25T15:51:03.547374+00:00 vm rackhd-test - - - hello from the node';
  const frame = Buffer.from(`${Buffer.byteLength(msg)} ${msg}`);
  const stream = Buffer.concat(Array.from({ length: N }, () => frame));
  const framer = new StreamFramer({ maxMessageBytes: 8192, maxFrameBytes: 1 << 20 });
  let frames = 0;
  const t0 = performance.now();
  for (let i = 0; i < stream.length; i += 65_536) frames += framer.push(stream.subarray(i, i + 65_536)).frames.length;
  const s = (performance.now() - t0) / 1000;
  console.log(`frame   octet-counted, 64 KiB chunks  ${fmt(frames / s).padStart(11)} frames/s   ${fmt(stream.length / s / 1e6, 0)} MB/s`);
}

class CountingDirectory implements NodeDirectory {
  observed = 0;
  async resolveMac(): Promise<{ nodeId: string; created: boolean }> {
    throw new Error('unused');
  }
  async resolveMachine(): Promise<{ nodeId: string; created: boolean }> {
    throw new Error('unused');
  }
  async nodeOfMac(): Promise<string | undefined> {
    return undefined;
  }

  async nodeAtAddress(): Promise<string | undefined> {
    return 'bench-node';
  }
  async bootDecision(): Promise<never> {
    throw new Error('unused');
  }
  observe(_nodeId: string, _o: ProtocolObservation): void {
    this.observed++;
  }
}

/** Waits until `count()` stops growing for `quietMs` (or reaches `target`); returns first-to-last seconds. */
async function settle(count: () => number, target: number, quietMs = 500): Promise<{ seconds: number; got: number }> {
  let first = 0;
  let last = 0;
  let seen = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 2));
    const now = performance.now();
    const c = count();
    if (c > 0 && first === 0) first = now;
    if (c !== seen) {
      seen = c;
      last = now;
    }
    if (c >= target || (first !== 0 && now - last > quietMs)) return { seconds: (last - first) / 1000, got: c };
  }
}

async function withServer(run: (server: SyslogServer, directory: CountingDirectory, port: number) => Promise<void>): Promise<void> {
  const directory = new CountingDirectory();
  const config = loadConfig({ layers: [{ syslog: { enabled: true, host: '127.0.0.1', port: 0 } }] });
  const server = createSyslogServer({ config, directory, log, entities: () => { throw new Error('unused'); } });
  await server.start();
  try {
    await run(server, directory, server.addresses()[0]?.port ?? 0);
  } finally {
    await server.stop();
  }
}

async function udpReference(file: string): Promise<void> {
  const socket = dgram.createSocket('udp4');
  let got = 0;
  socket.on('message', () => got++);
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  socket.setRecvBufferSize(4 * 1024 * 1024);
  const sending = execFileP('logger', ['--server', '127.0.0.1', '--port', String(socket.address().port), '--udp', '-t', 'bench', '-f', file]);
  const r = await settle(() => got, N);
  await sending;
  console.log(`ingest  reference: bare dgram socket   ${fmt(r.got / r.seconds).padStart(11)} dgrams/s   received ${fmt((100 * r.got) / N, 1)} % of ${fmt(N)}`);
  socket.close();
}

async function ingest(file: string, label: string, args: string[]): Promise<void> {
  await withServer(async (server, directory, port) => {
    const sending = execFileP('logger', ['--server', '127.0.0.1', '--port', String(port), ...args, '-t', 'bench', '-f', file]);
    const r = await settle(() => directory.observed, N);
    await sending;
    const s = server.stats();
    console.log(
      `ingest  ${label.padEnd(28)} ${fmt(r.got / r.seconds).padStart(11)} msgs/s    delivered ${fmt((100 * r.got) / N, 1)} % of ${fmt(N)}  (received ${fmt(s.received ?? 0)}, dropped ${fmt(s.dropped ?? 0)})`,
    );
  });
}

/** A sender in its own process pacing RFC 5424 datagrams at `rate` per second for `seconds`. */
const PACED_SENDER = `
const dgram = require('node:dgram');
const [port, rate, seconds] = process.argv.slice(1).map(Number);
const s = dgram.createSocket('udp4');
const total = rate * seconds;
const perTick = Math.max(1, Math.round(rate / 1000));
let sent = 0;
const t0 = Date.now();
const tick = () => {
  const due = Math.min(total, Math.round(((Date.now() - t0) / 1000) * rate));
  for (let i = 0; sent < due && i < perTick * 20; i++) s.send('<134>1 2026-11-25T15:51:03.547374+00:00 vm bench - - - paced message ' + sent++, port, '127.0.0.1');
  if (sent < total) setTimeout(tick, 1); else setTimeout(() => { s.close(); console.log(sent); }, 50);
};
tick();
`;

async function pacedUdp(rate: number, seconds: number): Promise<void> {
  await withServer(async (server, directory, port) => {
    const total = rate * seconds;
    const { stdout } = await execFileP(process.execPath, ['-e', PACED_SENDER, String(port), String(rate), String(seconds)]);
    await settle(() => directory.observed, total, 300);
    console.log(
      `ingest  UDP paced at ${fmt(rate)}/s for ${seconds} s`.padEnd(37) +
        `${fmt(directory.observed / seconds).padStart(11)} msgs/s    delivered ${fmt((100 * directory.observed) / total, 2)} % of ${fmt(Number(stdout))}  (dropped ${fmt(server.stats().dropped ?? 0)})`,
    );
  });
}

async function member(file: string, durability: 'full' | 'normal'): Promise<void> {
  const dir = path.join(root, `member-${durability}`);
  const config = loadConfig({
    layers: [{ memberId: 'bench', dataDir: dir, store: { path: dir, durability }, http: { enabled: false }, actors: { askTimeoutMs: 600_000 }, syslog: { enabled: true, host: '127.0.0.1', port: 0 } }],
  });
  const monorail = await startMonorail(config, { log });
  try {
    const { nodeId } = await monorail.directory.resolveMac('52:54:00:be:ec:01', '127.0.0.1');
    await new Promise((r) => setTimeout(r, 200)); // the address binding is a tell
    const server = monorail.servers.find((s) => s.name === 'syslog');
    const port = server?.addresses()[0]?.port ?? 0;
    const t0 = performance.now();
    await execFileP('logger', ['--server', '127.0.0.1', '--port', String(port), '--tcp', '--octet-count', '-t', 'bench', '-f', file]);
    while ((server?.stats().answered ?? 0) < MEMBER_N) await new Promise((r) => setTimeout(r, 5));
    const handedOver = (performance.now() - t0) / 1000;
    // The node's mailbox is FIFO: when this ask is answered, every observation before it has been kept.
    await monorail.nodes.ask(nodeId, { type: 'node.get' });
    const s = (performance.now() - t0) / 1000;
    const kept = await monorail.store.documents.collection('logs').count({ node: nodeId });
    console.log(
      `member  TCP → node actor → logs (${durability.padEnd(6)}) ${fmt(MEMBER_N / s).padStart(8)} msgs/s    ${fmt(MEMBER_N)} messages in ${fmt(s, 2)} s (handed to the node after ${fmt(handedOver, 2)} s; ${fmt(kept)} kept, keepPerNode ${config.syslog.keepPerNode})`,
    );
  } finally {
    await monorail.stop();
  }
}

console.log(`syslog benchmark: ${fmt(N)} messages per run; Node ${process.version}`);
parseBench();
frameBench();
const file = linesFile(N, 'lines.txt');
await udpReference(file);
await ingest(file, 'UDP (logger --udp, a blast)', ['--udp']);
await pacedUdp(20_000, 3);
await pacedUdp(50_000, 3);
await ingest(file, 'TCP newline (logger --tcp)', ['--tcp']);
await ingest(file, 'TCP octet-counted', ['--tcp', '--octet-count']);
const memberFile = linesFile(MEMBER_N, 'member-lines.txt');
await member(memberFile, 'full');
await member(memberFile, 'normal');
rmSync(root, { recursive: true, force: true });
