/**
 * Thousands of random and mutated datagrams at the listening port and at running transfers' sockets
 * (from the transfer's own client and from strangers); afterwards every transfer the fuzz started has
 * ended, no file descriptor leaked, and real clients still fetch correctly. Seeded: TFTP_FUZZ_SEED
 * replays a run.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAck, encodeData, encodeError, encodeOack, encodeRequest } from '../../../src/protocols/tftp/packet-codec.ts';
import { seededRandom } from '../../support/lossy-udp-relay.ts';
import { rawTftpSocket, tftpGet, type RawTftpSocket } from '../../support/tftp-client.ts';
import { startTftpFixture, type TftpFixture } from '../../support/tftp-fixture.ts';

const seed = Number(process.env.TFTP_FUZZ_SEED ?? Date.now() % 1_000_000_000);
const random = seededRandom(seed);
const int = (n: number): number => Math.floor(random() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Valid packets as real clients send them (real-clients.md F5), the seeds of the mutations. */
const corpus: Buffer[] = [
  encodeRequest('rrq', 'f.bin', 'octet'),
  encodeRequest('rrq', 'f.bin', 'octet', [['tsize', '0'], ['blksize', '1468'], ['windowsize', '4']]),
  encodeRequest('rrq', 'f.bin', 'octet', [['blksize', '1432'], ['tsize', '0']]),
  encodeRequest('rrq', 'f.bin', 'octet', [['tsize', '0'], ['blksize', '1428'], ['timeout', '6']]),
  encodeRequest('rrq', 'f.bin', 'netascii', [['blksize', '8'], ['windowsize', '16']]),
  encodeRequest('rrq', 'missing.bin', 'octet'),
  encodeRequest('rrq', '../../etc/passwd', 'octet'),
  encodeRequest('wrq', 'f.bin', 'octet', [['tsize', '1000']]),
  encodeAck(0),
  encodeAck(1),
  encodeAck(65535),
  encodeData(1, randomBytes(512)),
  encodeError(8, 'User aborted the transfer'),
  encodeError(0, ''),
  encodeOack([['blksize', '1468'], ['tsize', '42']]),
];

function randomBytesSeeded(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = int(256);
  return b;
}

function mutate(base: Buffer): Buffer {
  const b = Buffer.from(base);
  switch (int(11)) {
    case 0: {
      for (let i = 0, n = 1 + int(8); i < n && b.length > 0; i++) {
        const at = int(b.length);
        b[at] = (b[at] ?? 0) ^ (1 << int(8));
      }
      return b;
    }
    case 1: {
      for (let i = 0, n = 1 + int(4); i < n && b.length > 0; i++) b[int(b.length)] = pick([0, 0xff, 0x2e, 0x2f, 0x5c, int(256)]);
      return b;
    }
    case 2:
      return b.subarray(0, int(b.length + 1));
    case 3:
      return Buffer.concat([b, randomBytesSeeded(int(600))]);
    case 4: {
      const at = int(b.length + 1);
      return Buffer.concat([b.subarray(0, at), Buffer.alloc(1 + int(3)), b.subarray(at)]);
    }
    case 5: {
      const at = int(b.length + 1);
      return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(8))]);
    }
    case 6: {
      const at = int(b.length + 1);
      return Buffer.concat([b.subarray(0, at), b.subarray(int(b.length)), b.subarray(at)]);
    }
    case 7:
      if (b.length >= 2) b.writeUInt16BE(int(10), 0);
      return b;
    case 8:
      return Buffer.concat([b.subarray(0, int(b.length + 1)), pick(corpus).subarray(int(20))]);
    case 9:
      return randomBytesSeeded(int(1500));
    default:
      // Now and then oversized: beyond any block size and the 512-byte request limit.
      return random() < 0.2 ? Buffer.concat([b, randomBytesSeeded(8000 + int(56_000))]) : Buffer.concat([randomBytesSeeded(int(8)), b]);
  }
}

const openFds = (): number => readdirSync('/proc/self/fd').length;
const pause = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

let f: TftpFixture;
let data: Buffer;
const sockets: RawTftpSocket[] = [];

beforeAll(async () => {
  console.log(`tftp fuzz seed ${seed} (TFTP_FUZZ_SEED=${seed} replays it)`);
  // Short timers so that the transfers the fuzz starts and abandons end quickly.
  f = await startTftpFixture({ tftp: { retries: 1, maxWindowsize: 16 }, overrides: { timeoutMs: 30, maxRequestedTimeoutMs: 1000 }, logLevel: 'warn' });
  data = f.file('f.bin', randomBytes(100_000));
  for (let i = 0; i < 8; i++) sockets.push(await rawTftpSocket());
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await f?.stop();
});

describe(`TFTP server under fuzz (seed ${seed})`, () => {
  it('survives thousands of mutated datagrams at the listening port and at transfer sockets, then serves correctly', async () => {
    const fdsBefore = openFds();

    // 1. The listening port: 6,000 datagrams from 8 client ports, paced so that the socket buffer keeps up.
    for (let i = 0; i < 6000; i++) {
      pick(sockets).send(random() < 0.1 ? randomBytesSeeded(int(64)) : mutate(pick(corpus)), f.port);
      if (i % 20 === 19) await pause(1);
    }
    await pause(50);
    const atListener = f.server.stats().received;
    expect(atListener).toBeGreaterThan(6000 * 0.9);

    // 2. Transfer sockets: 24 rounds, each starting a transfer and sending it 250 mutations, half from its
    // own client (the transfer ID it answers) and half from a stranger (RFC 1350 §4: ERROR 5).
    const strangers = dgram.createSocket('udp4');
    await new Promise<void>((r) => strangers.bind(0, '127.0.0.1', r));
    let started = 0;
    for (let round = 0; round < 24; round++) {
      const client = await rawTftpSocket();
      sockets.push(client);
      client.send(pick(corpus.slice(0, 5)), f.port);
      const first = await client.next(1000);
      if (!first) continue;
      started++;
      for (let i = 0; i < 250; i++) {
        // A well-formed ERROR from the client ends its transfer at once, as it should; mutations of it still come.
        const packet = mutate(pick(corpus.filter((p) => p.readUInt16BE(0) !== 5 || random() < 0.05)));
        if (random() < 0.5) client.send(packet, first.port);
        else strangers.send(packet, first.port, '127.0.0.1');
        if (i % 20 === 19) await pause(1);
      }
    }
    strangers.close();
    expect(started).toBeGreaterThan(20);
    expect(f.server.stats().received - atListener).toBeGreaterThan(1000);

    // 3. Everything the fuzz started ends by itself: timeouts, client errors, completions.
    await f.until(() => f.server.stats().activeTransfers === 0, 10_000);
    const stats = f.server.stats();
    console.log('after fuzz:', JSON.stringify(stats));
    expect(stats.malformed).toBeGreaterThan(100);
    expect(stats.unknownTid).toBeGreaterThan(100);
    expect(stats.accessViolations).toBeGreaterThan(0);

    // 4. Real clients still get the right bytes, with and without options.
    for (const s of sockets) while ((await s.next(0)) !== undefined);
    const ours = await tftpGet({ host: f.host, port: f.port, file: 'f.bin', options: { blksize: 1468, windowsize: 16, tsize: 0 } });
    expect(sha256(ours.data)).toBe(sha256(data));
    const out = path.join(f.root, 'after-fuzz.bin');
    const code = await new Promise<number | null>((resolve) => {
      spawn('tftp', ['-m', 'binary', '127.0.0.1', String(f.port), '-c', 'get', 'f.bin', out], { stdio: 'ignore' }).on('close', resolve);
    });
    expect(code).toBe(0);
    expect(sha256(readFileSync(out))).toBe(sha256(data));

    // 5. Nothing leaked: every transfer socket and file handle the fuzz caused is closed again.
    await f.until(() => f.server.stats().activeTransfers === 0);
    await pause(50);
    expect(openFds()).toBeLessThanOrEqual(fdsBefore + 24 + 2);
  });
});
