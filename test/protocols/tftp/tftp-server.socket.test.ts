import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeAck, encodeError, encodeRequest, type TftpPacket } from '../../../src/protocols/tftp/packet-codec.ts';
import { TftpServer, tftpServerOptions } from '../../../src/protocols/tftp/tftp-server.ts';
import { loadConfig } from '../../../src/config/load-config.ts';
import { rawTftpSocket, tftpGet, TftpClientError, type RawTftpSocket } from '../../support/tftp-client.ts';
import { startTftpFixture, type TftpFixture } from '../../support/tftp-fixture.ts';
import { captureLog } from '../../support/test-logger.ts';
import { fakeTftpDirectory } from '../../support/fake-directory-tftp.ts';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fixture(o: Parameters<typeof startTftpFixture>[0] = {}): Promise<TftpFixture> {
  const f = await startTftpFixture(o);
  cleanups.push(() => f.stop());
  return f;
}

async function raw(host = '127.0.0.1'): Promise<RawTftpSocket> {
  const s = await rawTftpSocket(host);
  cleanups.push(() => s.close());
  return s;
}

function op(p: TftpPacket | undefined): string {
  if (p === undefined) return 'garbage';
  if (p.op === 'data' || p.op === 'ack') return `${p.op} ${p.block}`;
  if (p.op === 'error') return `error ${p.code}`;
  return p.op;
}

describe('TFTP server: transfers', () => {
  it('serves a plain RFC 1350 transfer in 512-byte blocks, ending with an empty block when the size is a multiple', async () => {
    const f = await fixture();
    const data = f.file('exact.bin', randomBytes(512 * 3));
    const r = await tftpGet({ host: f.host, port: f.port, file: 'exact.bin' });
    expect(r.oack).toBeUndefined();
    expect(r.blocks).toBe(4);
    expect(sha256(r.data)).toBe(sha256(data));
    await f.until(() => f.server.stats().transfersCompleted === 1);
    expect(f.server.stats()).toMatchObject({ requests: 1, transfersStarted: 1, transfersCompleted: 1, transfersFailed: 0, activeTransfers: 0, bytesSent: 1536 });
  });

  it('answers options with an OACK carrying the granted values and the real size (RFC 2347/2348/2349/7440)', async () => {
    const f = await fixture({ tftp: { maxBlksize: 1468, maxWindowsize: 8 } });
    f.file('f.bin', randomBytes(5000));
    const s = await raw();
    s.send(encodeRequest('rrq', 'f.bin', 'octet', [['tsize', '0'], ['blksize', '9000'], ['windowsize', '64'], ['timeout', '3'], ['multicast', '']]), f.port);
    const oack = await s.next();
    expect(oack?.packet).toEqual({
      op: 'oack',
      options: [
        ['tsize', '5000'],
        ['blksize', '1468'],
        ['windowsize', '8'],
        ['timeout', '3'],
      ],
    });
    expect(oack?.port).not.toBe(f.port);
    s.send(encodeAck(0), oack?.port ?? 0);
    const blocks = await s.collect(100);
    // 5000 bytes in 1468-byte blocks: 4 blocks, all in one window
    expect(blocks.map((b) => op(b.packet))).toEqual(['data 1', 'data 2', 'data 3', 'data 4']);
    expect(f.server.stats().optionsIgnored).toBe(1);
  });

  it('starts with DATA 1 when no option is granted (unknown options only)', async () => {
    const f = await fixture();
    f.file('f.bin', 'hello');
    const s = await raw();
    s.send(encodeRequest('rrq', 'f.bin', 'octet', [['rollover', '0'], ['utimeout', '5000']]), f.port);
    expect(op((await s.next())?.packet)).toBe('data 1');
  });

  it('sends netascii with CR LF line ends, and tsize is the size on the wire', async () => {
    const f = await fixture();
    f.file('lines.txt', 'one\ntwo\rthree\n');
    const r = await tftpGet({ host: f.host, port: f.port, file: 'lines.txt', mode: 'netascii', options: { tsize: 0 } });
    expect(r.data.toString()).toBe('one\ntwo\rthree\n');
    expect(r.oack).toEqual({ tsize: String('one\r\ntwo\r\0three\r\n'.length) });
  });

  it('rolls block numbers over past 65535 to 0', async () => {
    const f = await fixture({ tftp: { maxWindowsize: 64 } });
    const data = f.file('long.bin', randomBytes(8 * 70_000 + 3));
    const r = await tftpGet({ host: f.host, port: f.port, file: 'long.bin', options: { blksize: 8, windowsize: 64 } });
    expect(r.blocks).toBe(70_001);
    expect(sha256(r.data)).toBe(sha256(data));
  });

  it('serves many concurrent transfers with mixed options, each correct', async () => {
    const f = await fixture({ tftp: { maxWindowsize: 16 } });
    const files = Array.from({ length: 20 }, (_, i) => f.file(`c${i}.bin`, randomBytes(1000 + i * 3111)));
    const optionSets: Record<string, number>[] = [{}, { blksize: 1468, tsize: 0 }, { blksize: 1432, windowsize: 4 }, { blksize: 512, windowsize: 16, tsize: 0 }];
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => tftpGet({ host: f.host, port: f.port, file: `c${i % 20}.bin`, options: optionSets[i % 4] ?? {} })),
    );
    results.forEach((r, i) => expect(sha256(r.data), `transfer ${i}`).toBe(sha256(files[i % 20] ?? Buffer.alloc(0))));
    await f.until(() => f.server.stats().transfersCompleted === 200);
    expect(f.server.stats().activeTransfers).toBe(0);
  });

  it('binds each transfer to the address the request arrived on', async () => {
    const f = await fixture({ host: '127.0.0.2' });
    f.file('f.bin', 'x');
    const s = await raw();
    s.send(encodeRequest('rrq', 'f.bin', 'octet'), f.port, '127.0.0.2');
    const reply = await s.next();
    expect(reply?.address).toBe('127.0.0.2');
    expect(op(reply?.packet)).toBe('data 1');
  });

  it('serves files from the fallback directories and from a dynamic provider, which sees the node', async () => {
    const fallback = mkdtempSync(path.join(os.tmpdir(), 'tftp-fallback-'));
    cleanups.push(() => rmSync(fallback, { recursive: true, force: true }));
    writeFileSync(path.join(fallback, 'undionly.kpxe'), 'ipxe binary');
    const f = await fixture({
      overrides: {
        fallbackRoots: [fallback],
        dynamicFiles: {
          async provide(req) {
            if (!req.name.endsWith('.ipxe')) return undefined;
            return `#!ipxe\necho ${req.name} for ${(await req.nodeId()) ?? 'unknown'} at ${req.clientAddress} via ${req.localAddress}\n`;
          },
        },
      },
    });
    f.directory.bind('127.0.0.1', 'node-7');
    expect((await tftpGet({ host: f.host, port: f.port, file: 'undionly.kpxe' })).data.toString()).toBe('ipxe binary');
    expect((await tftpGet({ host: f.host, port: f.port, file: '52:54:00:99:00:10.ipxe', options: { tsize: 0 } })).data.toString()).toBe(
      '#!ipxe\necho 52:54:00:99:00:10.ipxe for node-7 at 127.0.0.1 via 127.0.0.1\n',
    );
  });

  it('answers ERROR 0 when the provider fails, and counts it', async () => {
    const f = await fixture({ overrides: { dynamicFiles: { provide: () => Promise.reject(new Error('template broke')) } } });
    await expect(tftpGet({ host: f.host, port: f.port, file: 'x.ipxe' })).rejects.toMatchObject({ code: 0 });
    expect(f.server.stats().providerErrors).toBe(1);
  });
});

describe('TFTP server: refusals', () => {
  it('refuses writes with ERROR 2', async () => {
    const f = await fixture();
    const s = await raw();
    s.send(encodeRequest('wrq', 'upload.bin', 'octet'), f.port);
    expect((await s.next())?.packet).toEqual({ op: 'error', code: 2, message: 'writes are not accepted' });
    expect(f.server.stats().writesRefused).toBe(1);
  });

  it('answers a missing file with ERROR 1', async () => {
    const f = await fixture();
    await expect(tftpGet({ host: f.host, port: f.port, file: 'missing.bin' })).rejects.toMatchObject({ code: 1 });
    expect(f.server.stats().notFound).toBe(1);
  });

  it('refuses traversal with ERROR 2 and counts each', async () => {
    const f = await fixture();
    symlinkSync('/etc/hostname', path.join(f.root, 'escape'));
    const names = ['../etc/passwd', 'a/../../etc/passwd', '/etc/passwd', '..\\..\\etc\\passwd', 'escape', 'x\u0001y'];
    for (const file of names) {
      const e = await tftpGet({ host: f.host, port: f.port, file }).catch((x: unknown) => x);
      expect(e, file).toBeInstanceOf(TftpClientError);
      expect((e as TftpClientError).code, file).toBe(2);
    }
    expect(f.server.stats().accessViolations).toBe(names.length);
    expect(f.captured.lines().filter((l) => l.level === 'warn' && String(l.client).startsWith('127.0.0.1:')).length).toBeGreaterThanOrEqual(names.length);
  });

  it('answers an unreadable request with ERROR 4 and drops other garbage without answering', async () => {
    const f = await fixture();
    const s = await raw();
    s.send(Buffer.from([0, 1, 0x66, 0x69, 0x6c, 0x65]), f.port);
    expect(op((await s.next())?.packet)).toBe('error 4');
    s.send(encodeRequest('rrq', 'f', 'mail'), f.port);
    expect(op((await s.next())?.packet)).toBe('error 4');
    s.send(Buffer.from([0, 9, 1, 2, 3]), f.port);
    s.send(Buffer.from([1]), f.port);
    s.send(encodeAck(3), f.port);
    expect(await s.collect(100)).toEqual([]);
    expect(f.server.stats()).toMatchObject({ malformed: 4, dropped: 1 });
  });

  it('answers "busy" beyond maxTransfers', async () => {
    const f = await fixture({ overrides: { maxTransfers: 1 } });
    f.file('f.bin', randomBytes(2000));
    const a = await raw();
    a.send(encodeRequest('rrq', 'f.bin', 'octet'), f.port);
    expect(op((await a.next())?.packet)).toBe('data 1');
    const b = await raw();
    b.send(encodeRequest('rrq', 'f.bin', 'octet'), f.port);
    expect((await b.next())?.packet).toMatchObject({ op: 'error', code: 0, message: 'server busy, try again' });
    expect(f.server.stats().busy).toBe(1);
  });
});

describe('TFTP server: retransmission', () => {
  it('never answers a duplicate ACK with windowsize 1 (no Sorcerer’s Apprentice, RFC 1123 §4.2.3.1)', async () => {
    const f = await fixture({ tftp: { timeoutMs: 2000 } });
    f.file('f.bin', randomBytes(512 * 10));
    const s = await raw();
    s.send(encodeRequest('rrq', 'f.bin', 'octet'), f.port);
    const d1 = await s.next();
    expect(op(d1?.packet)).toBe('data 1');
    s.send(encodeAck(1), d1?.port ?? 0);
    s.send(encodeAck(1), d1?.port ?? 0);
    s.send(encodeAck(1), d1?.port ?? 0);
    expect((await s.collect(200)).map((x) => op(x.packet))).toEqual(['data 2']);
    expect(f.server.stats().duplicateAcks).toBe(2);
  });

  it('with a window, resends once on the first duplicate ACK and restarts after a partial ACK (RFC 7440 §4)', async () => {
    const f = await fixture({ tftp: { timeoutMs: 2000, maxWindowsize: 4 } });
    f.file('f.bin', randomBytes(512 * 20));
    const s = await raw();
    s.send(encodeRequest('rrq', 'f.bin', 'octet', [['windowsize', '4']]), f.port);
    const oack = await s.next();
    const port = oack?.port ?? 0;
    s.send(encodeAck(0), port);
    expect((await s.collect(100)).map((x) => op(x.packet))).toEqual(['data 1', 'data 2', 'data 3', 'data 4']);
    s.send(encodeAck(4), port);
    expect((await s.collect(100)).map((x) => op(x.packet))).toEqual(['data 5', 'data 6', 'data 7', 'data 8']);
    // Block 5 lost: the client reports the last in-order block (twice); the window is resent once.
    s.send(encodeAck(4), port);
    s.send(encodeAck(4), port);
    expect((await s.collect(100)).map((x) => op(x.packet))).toEqual(['data 5', 'data 6', 'data 7', 'data 8']);
    s.send(encodeAck(4), port);
    expect(await s.collect(100)).toEqual([]);
    // Block 7 lost: a partial ACK moves the window to block 7.
    s.send(encodeAck(6), port);
    expect((await s.collect(100)).map((x) => op(x.packet))).toEqual(['data 7', 'data 8', 'data 9', 'data 10']);
    expect(f.server.stats()).toMatchObject({ duplicateAcks: 3 });
  });

  it('honours the timeout the client asks for (RFC 2349 §2), not its own', async () => {
    const f = await fixture({ tftp: { timeoutMs: 5000 } });
    f.file('f.bin', 'x');
    const s = await raw();
    const t0 = Date.now();
    s.send(encodeRequest('rrq', 'f.bin', 'octet', [['timeout', '1']]), f.port);
    expect(op((await s.next())?.packet)).toBe('oack');
    const again = await s.next(3000);
    const waited = Date.now() - t0;
    expect(op(again?.packet)).toBe('oack');
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(waited).toBeLessThan(2000);
  });

  it('backs off exponentially, gives up after `retries` retransmissions, tells the client, and leaks nothing', async () => {
    const f = await fixture({ tftp: { timeoutMs: 100, retries: 3 } });
    f.file('f.bin', randomBytes(3000));
    f.directory.bind('127.0.0.1', 'node-1');
    const s = await raw();
    const t0 = Date.now();
    s.send(encodeRequest('rrq', 'f.bin', 'octet'), f.port);
    const got: string[] = [];
    const at: number[] = [];
    for (let i = 0; i < 5; i++) {
      got.push(op((await s.next(2000))?.packet));
      at.push(Date.now() - t0);
    }
    expect(got).toEqual(['data 1', 'data 1', 'data 1', 'data 1', 'error 0']);
    // waits of 100, 200, 400 and 800 ms (RFC 1123 §4.2.3.2)
    const gaps = at.slice(1).map((t, i) => t - (at[i] ?? 0));
    gaps.forEach((gap, i) => expect(gap, `wait ${i}`).toBeGreaterThanOrEqual(100 * 2 ** i - 15));
    expect(at[4]).toBeLessThan(2500);
    await f.until(() => f.server.stats().activeTransfers === 0);
    expect(f.server.stats()).toMatchObject({ retransmissions: 3, timeouts: 1, transfersFailed: 1 });
    await f.until(() => f.directory.observed.length === 2);
    expect(f.directory.observed[1]).toEqual({
      nodeId: 'node-1',
      observation: { type: 'tftp.transfer', file: 'f.bin', ipAddress: '127.0.0.1', bytes: 0, ok: false, error: 'timed out: no ACK for block 1 after 3 retransmissions' },
    });
  });

  it("treats EDK2's ERROR after the OACK as a size probe, not a failure (real-clients.md F5)", async () => {
    const f = await fixture();
    const data = f.file('snponly.efi', randomBytes(40_000));
    f.directory.bind('127.0.0.1', 'node-uefi');
    const s = await raw();
    s.send(encodeRequest('rrq', 'snponly.efi', 'octet', [['tsize', '0'], ['blksize', '1468'], ['windowsize', '4']]), f.port);
    const oack = await s.next();
    expect(oack?.packet).toMatchObject({ op: 'oack', options: [['tsize', '40000'], ['blksize', '1468'], ['windowsize', '4']] });
    s.send(encodeError(8, 'User aborted the transfer'), oack?.port ?? 0);
    const r = await tftpGet({ host: f.host, port: f.port, file: 'snponly.efi', options: { blksize: 1468, windowsize: 4 } });
    expect(sha256(r.data)).toBe(sha256(data));
    await f.until(() => f.server.stats().transfersCompleted === 1);
    expect(f.server.stats()).toMatchObject({ abortedAfterOack: 1, transfersFailed: 0, transfersCompleted: 1 });
    await f.until(() => f.directory.observed.length === 3);
    expect(f.directory.observed.map((o) => o.observation.type)).toEqual(['tftp.request', 'tftp.request', 'tftp.transfer']);
  });

  it('answers a stranger on a transfer socket with ERROR 5 and carries on (RFC 1350 §4)', async () => {
    const f = await fixture();
    const data = f.file('f.bin', randomBytes(2000));
    const s = await raw();
    const stranger = await raw();
    s.send(encodeRequest('rrq', 'f.bin', 'octet'), f.port);
    const d1 = await s.next();
    stranger.send(encodeAck(1), d1?.port ?? 0);
    expect(op((await stranger.next())?.packet)).toBe('error 5');
    s.send(encodeAck(1), d1?.port ?? 0);
    expect(op((await s.next())?.packet)).toBe('data 2');
    expect(f.server.stats().unknownTid).toBe(1);
    expect(data.length).toBe(2000);
  });

  it('answers a repeated request from the same port with the same transfer', async () => {
    const f = await fixture({ tftp: { timeoutMs: 2000 } });
    f.file('f.bin', randomBytes(2000));
    const s = await raw();
    const rrq = encodeRequest('rrq', 'f.bin', 'octet', [['blksize', '1024']]);
    s.send(rrq, f.port);
    const first = await s.next();
    s.send(rrq, f.port);
    const second = await s.next();
    expect(op(second?.packet)).toBe('oack');
    expect(second?.port).toBe(first?.port);
    expect(f.server.stats()).toMatchObject({ requests: 1, duplicateRequests: 1, transfersStarted: 1 });
  });
});

describe('TFTP server: node events', () => {
  it('tells the node at the client address about each request and each finished transfer', async () => {
    const f = await fixture();
    const data = f.file('undionly.kpxe', randomBytes(3000));
    f.directory.bind('127.0.0.1', 'node-1');
    await tftpGet({ host: f.host, port: f.port, file: 'undionly.kpxe', options: { tsize: 0 } });
    await expect(tftpGet({ host: f.host, port: f.port, file: 'nope' })).rejects.toThrow();
    await f.until(() => f.directory.observed.length === 4);
    expect(f.directory.observed).toEqual([
      { nodeId: 'node-1', observation: { type: 'tftp.request', file: 'undionly.kpxe', ipAddress: '127.0.0.1' } },
      { nodeId: 'node-1', observation: { type: 'tftp.transfer', file: 'undionly.kpxe', ipAddress: '127.0.0.1', bytes: data.length, ok: true } },
      { nodeId: 'node-1', observation: { type: 'tftp.request', file: 'nope', ipAddress: '127.0.0.1' } },
      { nodeId: 'node-1', observation: { type: 'tftp.transfer', file: 'nope', ipAddress: '127.0.0.1', bytes: 0, ok: false, error: 'file not found' } },
    ]);
  });

  it('serves clients at unknown addresses, and when the directory fails, and counts both', async () => {
    const f = await fixture();
    f.file('f.bin', 'data');
    await tftpGet({ host: f.host, port: f.port, file: 'f.bin' });
    f.directory.failLookups(true);
    await tftpGet({ host: f.host, port: f.port, file: 'f.bin' });
    await f.until(() => f.server.stats().directoryErrors === 1 && f.server.stats().transfersCompleted === 2);
    expect(f.server.stats()).toMatchObject({ unknownAddress: 1, directoryErrors: 1 });
    expect(f.directory.observed).toEqual([]);
  });
});

describe('TFTP server: life cycle', () => {
  it('stop() ends running transfers with an ERROR and closes every socket', async () => {
    const f = await startTftpFixture();
    f.file('f.bin', randomBytes(5000));
    const s = await raw();
    s.send(encodeRequest('rrq', 'f.bin', 'octet'), f.port);
    expect(op((await s.next())?.packet)).toBe('data 1');
    await f.stop();
    expect((await s.next())?.packet).toMatchObject({ op: 'error', code: 0, message: 'server shutting down' });
    expect(f.server.stats().activeTransfers).toBe(0);
    expect(f.server.addresses()).toEqual([]);
  });

  it('refuses to start on a port in use, naming the address', async () => {
    const f = await fixture();
    const config = loadConfig({ layers: [{ tftp: { host: '127.0.0.1', port: f.port, root: f.root } }] });
    const second = new TftpServer(tftpServerOptions(config.tftp), fakeTftpDirectory(), captureLog().log);
    await expect(second.start()).rejects.toThrow(`tftp cannot bind 127.0.0.1:${f.port}`);
  });
});
