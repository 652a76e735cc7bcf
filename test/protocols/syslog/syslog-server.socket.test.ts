/**
 * The syslog server on real sockets (127.0.0.1 / ::1, port 0) with the real clients: util-linux `logger`
 * over UDP and TCP, RFC 5424 and RFC 3164, newline and octet-counted framing, IPv4 and IPv6; and busybox
 * `syslogd -R` fed by `busybox logger`, as in the microkernel. Each test checks what the directory saw,
 * from which address; then the limits: busy ports, truncation, unknown sources, failing lookups,
 * backpressure and hostile TCP peers.
 */
import { execFile, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.ts';
import { parseSyslogMessage } from '../../../src/protocols/syslog/message-parser.ts';
import { createSyslogServer, type SyslogServer, type SyslogTuning } from '../../../src/protocols/syslog/syslog-server.ts';
import { FakeSyslogDirectory } from '../../support/fake-directory-syslog.ts';
import { captureLog } from '../../support/test-logger.ts';

const execFileP = promisify(execFile);
const NODE = '0123456789abcdef01234567';

const running: SyslogServer[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  for (const s of running.splice(0)) await s.stop();
});

interface Started {
  readonly server: SyslogServer;
  readonly directory: FakeSyslogDirectory;
  readonly port: number;
  readonly lines: () => Record<string, unknown>[];
}

async function startServer(options: { host?: string; maxMessageBytes?: number; tuning?: Partial<SyslogTuning>; directory?: FakeSyslogDirectory } = {}): Promise<Started> {
  const directory = options.directory ?? new FakeSyslogDirectory().bind('127.0.0.1', NODE).bind('::1', NODE);
  const config = loadConfig({ layers: [{ syslog: { enabled: true, host: options.host ?? '127.0.0.1', port: 0, maxMessageBytes: options.maxMessageBytes ?? 8192 } }] });
  const captured = captureLog('debug');
  const server = createSyslogServer({ config, directory, log: captured.log, entities: () => { throw new Error('unused'); } }, options.tuning);
  await server.start();
  running.push(server);
  const port = server.addresses()[0]?.port ?? 0;
  return { server, directory, port, lines: captured.lines };
}

async function logger(args: readonly string[]): Promise<void> {
  await execFileP('logger', [...args], { timeout: 5_000 });
}

async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function sendUdp(port: number, payload: Buffer | string, host = '127.0.0.1'): Promise<void> {
  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) =>
    socket.send(payload, port, host, (e) => {
      socket.close();
      if (e) reject(e);
      else resolve();
    }),
  );
}

function connect(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host, () => resolve(s));
    s.once('error', reject);
    cleanups.push(() => s.destroy());
  });
}

function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
}

const hostname = os.hostname();

describe('real logger (util-linux) → syslog server → node by source address', () => {
  it('UDP, RFC 5424 (logger\'s default for remote)', async () => {
    const { directory, port, server } = await startServer();
    await logger(['--server', '127.0.0.1', '--port', String(port), '--udp', '-p', 'local0.info', '-t', 'e2e', 'hello over udp']);
    const seen = await directory.waitFor((o) => o.observation.message === 'hello over udp');
    expect(seen.nodeId).toBe(NODE);
    expect(seen.observation).toMatchObject({ type: 'syslog', ipAddress: '127.0.0.1', facility: 16, severity: 6, appName: 'e2e', hostname });
    expect(seen.observation.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}[+-]\d{2}:\d{2}$/);
    expect(server.stats()).toMatchObject({ received: 1, receivedUdp: 1, records5424: 1, answered: 1, dropped: 0, malformed: 0 });
  });

  it('UDP, --rfc3164', async () => {
    const { directory, port, server } = await startServer();
    await logger(['--server', '127.0.0.1', '--port', String(port), '--udp', '--rfc3164', '-p', 'user.warning', '-t', 'e2e', 'hello 3164']);
    const seen = await directory.waitFor((o) => o.observation.message === 'hello 3164');
    expect(seen.observation).toMatchObject({ ipAddress: '127.0.0.1', facility: 1, severity: 4, appName: 'e2e', hostname });
    expect(seen.observation.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(server.stats()).toMatchObject({ records3164: 1, answered: 1 });
  });

  it('TCP with newline framing (logger --tcp), several messages on one connection', async () => {
    const { directory, port, server } = await startServer();
    await execFileP('sh', ['-c', `printf 'first\\nsecond\\nthird\\n' | logger --server 127.0.0.1 --port ${port} --tcp -t e2e`], { timeout: 5_000 });
    await eventually(() => directory.observed.length === 3);
    expect(directory.of(NODE).map((o) => o.message)).toEqual(['first', 'second', 'third']);
    expect(directory.of(NODE).every((o) => o.appName === 'e2e' && o.ipAddress === '127.0.0.1')).toBe(true);
    expect(server.stats()).toMatchObject({ receivedTcp: 3, records5424: 3, tcpAccepted: 1, answered: 3 });
  });

  it('TCP with octet counting and structured data (logger --octet-count --sd-id --sd-param --msgid)', async () => {
    const { directory, port } = await startServer();
    const sd = ['--sd-id', 'origin@32473', '--sd-param', 'node="abc"', '--sd-param', 'quote="a\\"b"', '--msgid', 'BOOT'];
    await logger(['--server', '127.0.0.1', '--port', String(port), '--tcp', '--octet-count', ...sd, '-t', 'e2e', 'counted\nwith a newline inside']);
    const seen = await directory.waitFor((o) => o.observation.message.startsWith('counted'));
    expect(seen.observation.message).toBe('counted\nwith a newline inside');
    expect(seen.observation).toMatchObject({ appName: 'e2e', ipAddress: '127.0.0.1', facility: 1, severity: 5 });
  });

  it('the parser reads logger\'s structured data, MSGID and PROCID exactly (bytes captured from the real logger)', async () => {
    const listener = net.createServer();
    let received = Buffer.alloc(0);
    listener.on('connection', (s) => s.on('data', (b: Buffer) => (received = Buffer.concat([received, b]))));
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    cleanups.push(() => listener.close());
    const port = (listener.address() as net.AddressInfo).port;
    await logger(['--server', '127.0.0.1', '--port', String(port), '--tcp', '--octet-count', '--id=4242', '--sd-id', 'origin@32473', '--sd-param', 'node="a\\]b\\"c"', '--msgid', 'BOOT', '-t', 'e2e', 'msg']);
    await eventually(() => received.length > 0);
    const text = received.toString();
    const space = text.indexOf(' ');
    expect(Number(text.slice(0, space))).toBe(Buffer.byteLength(text) - space - 1); // RFC 6587 §3.4.1 MSG-LEN
    const out = parseSyslogMessage(text.slice(space + 1));
    expect(out).toMatchObject({ kind: 'record', record: { format: '5424', appName: 'e2e', procId: '4242', msgId: 'BOOT', message: 'msg' } });
    if (out.kind !== 'record') return;
    expect(out.record.structuredData).toContainEqual({ id: 'origin@32473', params: [{ name: 'node', value: 'a]b"c' }] });
  });

  it('IPv6: a server on ::1 gets UDP and TCP from logger --server ::1', async () => {
    const { directory, port, server } = await startServer({ host: '::1' });
    expect(server.addresses()).toEqual([
      { protocol: 'udp', address: '::1', port },
      { protocol: 'tcp', address: '::1', port },
    ]);
    await logger(['--server', '::1', '--port', String(port), '--udp', '-t', 'v6', 'over udp6']);
    await logger(['--server', '::1', '--port', String(port), '--tcp', '-t', 'v6', 'over tcp6']);
    await eventually(() => directory.observed.length === 2);
    expect(directory.of(NODE).map((o) => [o.ipAddress, o.message]).sort()).toEqual([
      ['::1', 'over tcp6'],
      ['::1', 'over udp6'],
    ]);
  });

  it('0.0.0.0 is one dual-stack socket per transport: IPv4 senders arrive as plain IPv4 addresses, IPv6 as IPv6', async () => {
    const directory = new FakeSyslogDirectory().bind('127.0.0.1', 'node-v4').bind('::1', 'node-v6');
    const { port, server } = await startServer({ host: '0.0.0.0', directory });
    expect(server.addresses().map((a) => [a.protocol, a.address])).toEqual([
      ['udp', '::'],
      ['tcp', '::'],
    ]);
    for (const [host, transport] of [['127.0.0.1', '--udp'], ['127.0.0.1', '--tcp'], ['::1', '--udp'], ['::1', '--tcp']] as const) {
      await logger(['--server', host, '--port', String(port), transport, '-t', 'dual', `${host} ${transport}`]);
    }
    await eventually(() => directory.observed.length === 4);
    expect(directory.of('node-v4').map((o) => o.message).sort()).toEqual(['127.0.0.1 --tcp', '127.0.0.1 --udp']);
    expect(directory.of('node-v6').map((o) => o.message).sort()).toEqual(['::1 --tcp', '::1 --udp']);
    expect(directory.of('node-v4').every((o) => o.ipAddress === '127.0.0.1')).toBe(true);
  });
});

describe('busybox syslogd -R (what the microkernel runs)', () => {
  it('forwards busybox logger lines as RFC 3164 without a hostname; they land on the node', async () => {
    const { directory, port, server } = await startServer();
    // syslogd listens on /dev/log: give it a private /dev in its own mount namespace so the host's is untouched.
    const script = [
      'mount -t tmpfs tmpfs /dev && mknod -m 666 /dev/null c 1 3 || exit 90',
      `busybox syslogd -n -R 127.0.0.1:${port} & pid=$!`,
      'i=0; while [ ! -S /dev/log ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i+1)); done',
      'busybox logger -t microkernel booted',
      'busybox logger -p local0.err -t mk "disk sda failed"',
      'sleep 0.3; kill $pid',
    ].join('\n');
    const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { stdio: 'ignore' });
    cleanups.push(() => child.kill('SIGKILL'));
    await directory.waitFor((o) => o.observation.message === 'disk sda failed');
    expect(directory.of(NODE).map((o) => [o.appName, o.facility, o.severity, o.message, o.hostname])).toEqual([
      ['microkernel', 1, 5, 'booted', undefined],
      ['mk', 16, 3, 'disk sda failed', undefined],
    ]);
    expect(server.stats()).toMatchObject({ records3164: 2, malformed: 0 });
  });
});

describe('binding', () => {
  it('rejects at once, naming udp host:port, when the UDP port is taken (syslog-server 1.0.1 hangs here)', async () => {
    const blocker = dgram.createSocket('udp4');
    await new Promise<void>((r) => blocker.bind(0, '127.0.0.1', r));
    cleanups.push(() => blocker.close());
    const port = blocker.address().port;
    const config = loadConfig({ layers: [{ syslog: { enabled: true, host: '127.0.0.1', port } }] });
    const server = createSyslogServer({ config, directory: new FakeSyslogDirectory(), log: captureLog().log, entities: () => { throw new Error('unused'); } });
    const started = Date.now();
    await expect(server.start()).rejects.toThrow(`syslog cannot listen on udp 127.0.0.1:${port}: address already in use (EADDRINUSE)`);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(server.addresses()).toEqual([]);
    await server.stop(); // safe after a failed start, as startMonorail does
  });

  it('rejects naming tcp host:port when only the TCP port is taken, and leaves no UDP socket behind', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    cleanups.push(() => blocker.close());
    const port = (blocker.address() as net.AddressInfo).port;
    const config = loadConfig({ layers: [{ syslog: { enabled: true, host: '127.0.0.1', port } }] });
    const server = createSyslogServer({ config, directory: new FakeSyslogDirectory(), log: captureLog().log, entities: () => { throw new Error('unused'); } });
    await expect(server.start()).rejects.toMatchObject({ name: 'ListenError', transport: 'tcp', code: 'EADDRINUSE', message: `syslog cannot listen on tcp 127.0.0.1:${port}: address already in use (EADDRINUSE)` });
    // The UDP port was released: something else can bind it now.
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.bind(port, '127.0.0.1', resolve);
    });
    probe.close();
  });

  it('a wildcard server refuses a port an IPv4-only listener holds', async () => {
    const blocker = dgram.createSocket('udp4');
    await new Promise<void>((r) => blocker.bind(0, '0.0.0.0', r));
    cleanups.push(() => blocker.close());
    const port = blocker.address().port;
    const config = loadConfig({ layers: [{ syslog: { enabled: true, host: '0.0.0.0', port } }] });
    const server = createSyslogServer({ config, directory: new FakeSyslogDirectory(), log: captureLog().log, entities: () => { throw new Error('unused'); } });
    await expect(server.start()).rejects.toThrow(`syslog cannot listen on udp 0.0.0.0:${port}`);
  });

  it('instances are independent (no module singleton): two run side by side, stopping one leaves the other serving; a stopped one restarts', async () => {
    const a = await startServer();
    const b = await startServer();
    expect(a.port).not.toBe(b.port);
    await a.server.stop();
    await sendUdp(b.port, '<13>still here');
    await b.directory.waitFor((o) => o.observation.message === 'still here');
    await a.server.start();
    const port = a.server.addresses()[0]?.port ?? 0;
    await sendUdp(port, '<13>back again');
    await a.directory.waitFor((o) => o.observation.message === 'back again');
  });
});

describe('limits and failures', () => {
  it('truncates messages longer than maxMessageBytes, over UDP and TCP, and counts them', async () => {
    const { directory, port, server } = await startServer({ maxMessageBytes: 480 });
    await sendUdp(port, `<13>udp ${'u'.repeat(2_000)}`);
    const s = await connect(port);
    s.write(`2000 <13>tcp ${'t'.repeat(1_992)}<13>after\n`);
    await eventually(() => directory.observed.length === 3);
    const messages = directory.of(NODE).map((o) => o.message);
    expect(messages.find((m) => m.startsWith('udp'))).toHaveLength(476);
    expect(messages.find((m) => m.startsWith('tcp'))).toHaveLength(476);
    expect(messages).toContain('after');
    expect(server.stats()).toMatchObject({ truncated: 2, received: 3 });
  });

  it('counts messages from unknown addresses per address and logs them at debug', async () => {
    const { port, server, lines } = await startServer({ directory: new FakeSyslogDirectory() });
    for (let i = 0; i < 5; i++) await sendUdp(port, `<13>who am I ${i}`);
    await eventually(() => server.stats().unknownSource === 5);
    expect(server.unknownSources()).toEqual([{ address: '127.0.0.1', messages: 5 }]);
    expect(server.stats()).toMatchObject({ dropped: 5, unknownSourceAddresses: 1, answered: 0 });
    expect(lines().some((l) => l.msg === 'syslog from an address no node is bound to' && l.peer === '127.0.0.1' && l.level === 'debug')).toBe(true);
  });

  it('delivers one source\'s burst in order with far fewer lookups than messages', async () => {
    const directory = new FakeSyslogDirectory().bind('127.0.0.1', NODE);
    directory.lookupDelayMs = 20;
    const { port } = await startServer({ directory });
    const s = await connect(port);
    s.write(Array.from({ length: 500 }, (_, i) => `<13>m${i}\n`).join(''));
    await eventually(() => directory.observed.length === 500);
    expect(directory.of(NODE).map((o) => o.message)).toEqual(Array.from({ length: 500 }, (_, i) => `m${i}`));
    expect(directory.lookups).toBeLessThan(50);

    const udp = dgram.createSocket('udp4');
    cleanups.push(() => udp.close());
    for (let i = 0; i < 200; i++) await new Promise<void>((r) => udp.send(`<13>d${i}`, port, '127.0.0.1', () => r()));
    await eventually(() => directory.observed.length === 700);
    expect(directory.of(NODE).slice(500).map((o) => o.message)).toEqual(Array.from({ length: 200 }, (_, i) => `d${i}`));
    expect(directory.lookups).toBeLessThan(100);
  });

  it('a failing or silent directory costs the messages (counted, warned once) but never the server', async () => {
    const directory = new FakeSyslogDirectory().bind('127.0.0.1', NODE);
    directory.failLookups = true;
    const { port, server, lines } = await startServer({ directory, tuning: { lookupTimeoutMs: 100 } });
    await sendUdp(port, '<13>lost 1');
    await eventually(() => server.stats().deliveryFailed === 1);
    directory.failLookups = false;
    directory.lookupDelayMs = Infinity;
    await sendUdp(port, '<13>lost 2');
    await eventually(() => server.stats().deliveryFailed === 2);
    expect(server.stats().pending).toBe(0);
    expect(lines().filter((l) => l.msg === 'syslog messages dropped: delivery to the node failed' && l.level === 'warn')).toHaveLength(1);
    directory.lookupDelayMs = 0;
    await sendUdp(port, '<13>delivered');
    await directory.waitFor((o) => o.observation.message === 'delivered');
  });

  it('UDP beyond the delivery backlog is dropped and counted; TCP is paused instead and loses nothing', async () => {
    const directory = new FakeSyslogDirectory().bind('127.0.0.1', NODE);
    directory.lookupDelayMs = 50;
    const { port, server } = await startServer({ directory, tuning: { maxPending: 20 } });
    const udp = dgram.createSocket('udp4');
    cleanups.push(() => udp.close());
    await Promise.all(Array.from({ length: 200 }, (_, i) => new Promise<void>((r) => udp.send(`<13>u${i}`, port, '127.0.0.1', () => r()))));
    await eventually(() => server.stats().receivedUdp === 200 && server.stats().pending === 0);
    const udpStats = server.stats();
    expect(udpStats.overloaded).toBeGreaterThan(0);
    expect((udpStats.answered ?? 0) + (udpStats.overloaded ?? 0)).toBe(200);

    const before = directory.observed.length;
    const s = await connect(port);
    for (let chunk = 0; chunk < 20; chunk++) s.write(Array.from({ length: 100 }, (_, i) => `<13>t${chunk * 100 + i}\n`).join(''));
    await eventually(() => directory.observed.length === before + 2_000, 15_000);
    expect(directory.observed.slice(before).map((o) => o.observation.message)).toEqual(Array.from({ length: 2_000 }, (_, i) => `t${i}`));
    expect(server.stats().overloaded).toBe(udpStats.overloaded);
  });

  it('closes TCP peers that break the rules: too many connections, idle, a frame never finished, an absurd octet count', async () => {
    const { port, server } = await startServer({ tuning: { maxConnectionsPerAddress: 2, idleTimeoutMs: 300, frameTimeoutMs: 300 } });
    const a = await connect(port);
    const b = await connect(port);
    const c = await connect(port);
    await closed(c);
    await eventually(() => server.stats().tcpRejected === 1);

    // Slowloris: a byte every 50 ms keeps the idle timer alive but never finishes the frame.
    const dribble = setInterval(() => a.write('x'), 50);
    cleanups.push(() => clearInterval(dribble));
    a.write('100 <13>');
    await closed(a);
    clearInterval(dribble);
    expect(server.stats().frameTimeouts).toBe(1);

    await closed(b); // said nothing at all
    expect(server.stats().idleTimeouts).toBe(1);

    const d = await connect(port);
    d.write('9999999999 <13>x');
    await closed(d);
    expect(server.stats()).toMatchObject({ framingErrors: 1, malformed: 1 });

    const e = await connect(port);
    e.write('<13>still serving\n');
    e.end();
    await eventually(() => server.stats().answered === 1);
    expect(server.stats().tcpConnections).toBe(0);
  });

  it('stop() closes open TCP connections and delivers what was already read', async () => {
    const directory = new FakeSyslogDirectory().bind('127.0.0.1', NODE);
    directory.lookupDelayMs = 100;
    const { port, server } = await startServer({ directory });
    const s = await connect(port);
    s.write('<13>read before stop\n');
    await eventually(() => server.stats().receivedTcp === 1);
    await server.stop();
    expect(directory.of(NODE).map((o) => o.message)).toEqual(['read before stop']);
    await closed(s);
    expect(server.addresses()).toEqual([]);
  });
});
