/**
 * Hostile input over real sockets: thousands of random and mutated datagrams, TCP streams of mutated
 * frames with wrong and absurd octet counts, half frames, abrupt resets, slowloris peers and a connection
 * flood. Afterwards the server holds no leftover state (no connections, no backlog), its counters add up,
 * and the real `logger` still lands on the node over UDP and TCP.
 */
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.ts';
import { createSyslogServer, type SyslogServer } from '../../../src/protocols/syslog/syslog-server.ts';
import { FakeSyslogDirectory } from '../../support/fake-directory-syslog.ts';
import { int, mutant, pick, randomBytes, seeded, type Random } from '../../support/syslog-fuzz.ts';
import { captureLog } from '../../support/test-logger.ts';

const execFileP = promisify(execFile);
const NODE = 'fuzzed0000000000000000ff';
const MAX = 2048;

let server: SyslogServer;
let directory: FakeSyslogDirectory;
let port: number;

beforeAll(async () => {
  directory = new FakeSyslogDirectory().bind('127.0.0.1', NODE);
  const config = loadConfig({ layers: [{ syslog: { enabled: true, host: '127.0.0.1', port: 0, maxMessageBytes: MAX } }] });
  server = createSyslogServer(
    { config, directory, log: captureLog('warn').log, entities: () => { throw new Error('unused'); } },
    { frameTimeoutMs: 400, idleTimeoutMs: 3_000, maxConnectionsPerAddress: 64, maxFrameBytes: 64 * 1024 },
  );
  await server.start();
  port = server.addresses()[0]?.port ?? 0;
});

afterAll(async () => {
  await server.stop();
});

async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`condition not met in time; stats ${JSON.stringify(server.stats())}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A TCP byte stream: frames of mutated messages with right, wrong or absurd counts, lines, noise and half frames. */
function hostileStream(rnd: Random): Buffer {
  const parts: Buffer[] = [];
  for (let n = int(rnd, 1, 12); n > 0; n--) {
    const body = mutant(rnd);
    switch (int(rnd, 0, 6)) {
      case 0:
        parts.push(Buffer.from(`${body.length} `), body);
        break;
      case 1:
        parts.push(Buffer.from(`${Math.max(1, body.length + int(rnd, -20, 20))} `), body);
        break;
      case 2:
        parts.push(Buffer.from(`${pick(rnd, ['4294967296', '999999999', '65537', '0', '00012'])} `), body);
        break;
      case 3:
        parts.push(body, Buffer.from('\n'));
        break;
      case 4:
        parts.push(randomBytes(rnd, int(rnd, 1, 5_000)));
        break;
      case 5:
        parts.push(Buffer.from(`${int(rnd, 100, 60_000)} `), body.subarray(0, int(rnd, 0, body.length)));
        break;
      default:
        parts.push(Buffer.alloc(int(rnd, 1, 20_000), pick(rnd, ['a', '1', ' ', '\n', '<'])));
    }
  }
  return Buffer.concat(parts);
}

function tcpSession(rnd: Random): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    s.on('connect', () => {
      const stream = hostileStream(rnd);
      // Split into random chunks, then end politely, end mid-way, or reset.
      let at = 0;
      while (at < stream.length) {
        const n = int(rnd, 1, 4_000);
        s.write(stream.subarray(at, at + n));
        at += n;
      }
      const how = int(rnd, 0, 2);
      if (how === 0) s.end();
      else if (how === 1) setTimeout(() => s.end(), int(rnd, 0, 50));
      else setTimeout(() => s.resetAndDestroy(), int(rnd, 0, 20));
    });
    setTimeout(() => s.destroy(), 5_000).unref();
  });
}

describe('syslog server under fuzz', () => {
  it('survives 6,000 random and mutated datagrams', async () => {
    const rnd = seeded(5426);
    const sockets = [dgram.createSocket('udp4'), dgram.createSocket('udp4'), dgram.createSocket('udp4')];
    let sent = 0;
    for (let batch = 0; batch < 60; batch++) {
      // Paced: sender and server share this event loop, and an unpaced burst overflows the socket buffer.
      const paceUntil = Date.now() + 200;
      while ((server.stats().receivedUdp ?? 0) < sent * 0.95 && Date.now() < paceUntil) await new Promise((r) => setTimeout(r, 2));
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => {
          const payload = i % 3 === 0 ? randomBytes(rnd, int(rnd, 0, 3_000)) : mutant(rnd);
          sent++;
          return new Promise<void>((r) => pick(rnd, sockets).send(payload, port, '127.0.0.1', () => r()));
        }),
      );
    }
    for (const s of sockets) s.close();
    // Wait until the datagrams stop arriving and the backlog is empty.
    let last = -1;
    await eventually(() => {
      const now = server.stats().receivedUdp ?? 0;
      const settled = now === last && server.stats().pending === 0;
      last = now;
      return settled;
    });
    const stats = server.stats();
    // Loopback may still drop a few datagrams of a burst; nearly all arrive, none is counted twice.
    expect(stats.receivedUdp).toBeGreaterThan(sent * 0.8);
    expect(stats.receivedUdp).toBeLessThanOrEqual(sent);
  });

  it('survives 300 hostile TCP sessions, 20 slowloris peers and a connection flood', async () => {
    const rnd = seeded(6587);
    for (let wave = 0; wave < 6; wave++) await Promise.all(Array.from({ length: 50 }, () => tcpSession(rnd)));

    const slow: net.Socket[] = [];
    for (let i = 0; i < 20; i++) {
      const s = net.connect(port, '127.0.0.1', () => s.write(`${int(rnd, 100, 2_000)} <13>1 - - - - - - half`));
      s.on('error', () => undefined);
      slow.push(s);
    }
    const flood = await Promise.all(
      Array.from(
        { length: 150 },
        () =>
          new Promise<net.Socket>((resolve) => {
            const s = net.connect(port, '127.0.0.1', () => resolve(s));
            s.on('error', () => resolve(s));
          }),
      ),
    );
    await eventually(() => (server.stats().tcpRejected ?? 0) > 0);
    for (const s of flood) s.destroy();
    // Slowloris peers are cut by the frame deadline, not left holding buffers.
    await eventually(() => slow.every((s) => s.destroyed || s.readyState === 'closed') || (server.stats().frameTimeouts ?? 0) >= 20);
    for (const s of slow) s.destroy();
    await eventually(() => server.stats().tcpConnections === 0 && server.stats().pending === 0);
    expect(server.stats().frameTimeouts).toBeGreaterThanOrEqual(20);
    expect(server.stats().framingErrors).toBeGreaterThan(0);
  });

  it('afterwards: counters add up, every delivered message respects the limit, and the real logger still lands', async () => {
    const s = server.stats();
    expect(s.received).toBe((s.receivedUdp ?? 0) + (s.receivedTcp ?? 0));
    expect(s.received).toBe((s.records5424 ?? 0) + (s.records3164 ?? 0) + (s.recordsRaw ?? 0) + (s.empty ?? 0));
    expect(s.dropped).toBe((s.empty ?? 0) + (s.unknownSource ?? 0) + (s.deliveryFailed ?? 0) + (s.overloaded ?? 0) + (s.incompleteFrame ?? 0));
    expect(s.answered).toBe(directory.observed.length);
    // At most MAX bytes were decoded; an invalid byte becomes one U+FFFD, so characters are bounded by MAX too.
    for (const o of directory.observed) expect(o.observation.message.length).toBeLessThanOrEqual(MAX);

    await execFileP('logger', ['--server', '127.0.0.1', '--port', String(port), '--udp', '-t', 'after-fuzz', 'udp still works'], { timeout: 5_000 });
    await execFileP('logger', ['--server', '127.0.0.1', '--port', String(port), '--tcp', '--octet-count', '-t', 'after-fuzz', 'tcp still works'], { timeout: 5_000 });
    await directory.waitFor((o) => o.observation.message === 'udp still works' && o.observation.appName === 'after-fuzz');
    await directory.waitFor((o) => o.observation.message === 'tcp still works' && o.observation.appName === 'after-fuzz');
    console.log('syslog fuzz stats', JSON.stringify(server.stats()));
  });
});
