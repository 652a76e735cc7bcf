/**
 * TFTP end to end in network namespaces: a full Monorail member in the server namespace serves TFTP on
 * the standard port 69 with the wildcard host (one listener per local address, so replies leave from
 * 10.99.0.1); a machine in the client namespace (10.99.0.2) first becomes a node by asking for its iPXE
 * profile over HTTP, as iPXE does, then fetches with the Debian clients. iPXE binaries missing from the
 * root come from Debian's ipxe package (/usr/lib/ipxe), and every request and transfer lands on the node.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMember, type LogLine, type MemberProcess } from '../../support/member-process.ts';
import { createNetnsPair, netnsAvailable, type NetnsPair } from '../../support/netns.ts';

const MAC = '52:54:00:99:00:69';
const CLIENT_IP = '10.99.0.2';
const IPXE = '/usr/lib/ipxe/undionly.kpxe';
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe.skipIf(!netnsAvailable())('TFTP on a full member in a namespace, real clients in another', () => {
  let pair: NetnsPair;
  let member: MemberProcess;
  let root: string;
  let out: string;
  let blob: Buffer;

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'tftp-netns-root-'));
    out = mkdtempSync(path.join(os.tmpdir(), 'tftp-netns-out-'));
    chmodSync(root, 0o755);
    blob = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(path.join(root, 'blob.bin'), blob);
    pair = await createNetnsPair('tf');
    await pair.run(pair.client, 'ip', ['addr', 'add', `${CLIENT_IP}/24`, 'dev', pair.clientIf]);
    member = await startMember(
      {
        MONORAIL_MEMBER_ID: 'tftp-netns',
        MONORAIL_LOG_LEVEL: 'debug',
        MONORAIL_TFTP_ENABLED: 'true',
        MONORAIL_TFTP_ROOT: root,
        MONORAIL_BOOT_SERVER_ADDRESS: '10.99.0.1',
        MONORAIL_HTTP_HOST: '10.99.0.1',
        MONORAIL_HTTP_PORT: '8080',
        MONORAIL_ACTORS_PASSIVATE_AFTER_MS: '0',
      },
      { pair, ns: pair.server },
    );
  });

  afterAll(async () => {
    await member?.stop();
    await pair?.destroy();
    for (const dir of [root, out]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const get = async (command: string, args: string[]): Promise<string> => {
    const r = await pair.run(pair.client, command, args, 30_000);
    expect(r.code, `${command} ${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
    return r.stdout + r.stderr;
  };

  it('serves on port 69 of every local address, to each client as it speaks, and tells the node', async () => {
    const serving = await member.waitFor((l) => l.msg === 'serving' && l.server === 'tftp', 5_000, 'tftp serving');
    expect(serving.addresses).toEqual([
      { protocol: 'udp', address: '127.0.0.1', port: 69 },
      { protocol: 'udp', address: '10.99.0.1', port: 69 },
    ]);

    const profile = await pair.run(pair.client, 'curl', ['-sf', `http://10.99.0.1:8080/api/current/profiles?macs=${MAC}&ips=${CLIENT_IP}`]);
    expect(profile.code, profile.stderr).toBe(0);

    const file = (name: string): string => path.join(out, name);
    await get('tftp', ['-m', 'binary', '10.99.0.1', '-c', 'get', 'blob.bin', file('hpa')]);
    await get('atftp', ['-g', '-r', 'blob.bin', '-l', file('atftp'), '--option', 'blksize 1468', '--option', 'windowsize 8', '--option', 'tsize 0', '10.99.0.1']);
    await get('busybox', ['tftp', '-g', '-b', '1428', '-r', 'blob.bin', '-l', file('busybox'), '10.99.0.1']);
    await get('curl', ['-sS', '--tftp-blksize', '1428', '-o', file('curl'), 'tftp://10.99.0.1/blob.bin']);
    for (const name of ['hpa', 'atftp', 'busybox', 'curl']) expect(sha256(readFileSync(file(name))), name).toBe(sha256(blob));

    if (existsSync(IPXE)) {
      await get('atftp', ['-g', '-r', 'undionly.kpxe', '-l', file('ipxe'), '--option', 'blksize 1432', '--option', 'tsize 0', '10.99.0.1']);
      expect(sha256(readFileSync(file('ipxe')))).toBe(sha256(readFileSync(IPXE)));
    }

    expect(await get('tftp', ['10.99.0.1', '-c', 'get', 'missing.bin', file('missing')])).toContain('file not found');
    expect(await get('tftp', ['10.99.0.1', '-c', 'get', '../../etc/passwd', file('passwd')])).toContain('access violation');

    const completed = (l: LogLine): boolean => l.msg === 'tftp transfer completed' && String(l.client).startsWith(`${CLIENT_IP}:`);
    const fetches = existsSync(IPXE) ? 5 : 4;
    await member.waitFor(() => member.lines().filter(completed).length === fetches, 5_000, 'tftp transfers completed');

    // The node that asked for its profile from 10.99.0.2 got every request and transfer.
    const observed = (type: string): LogLine[] => member.lines().filter((l) => l.msg === 'observed' && (l.observation as { type?: string } | undefined)?.type === type);
    await member.waitFor(() => observed('tftp.transfer').length === fetches + 2, 5_000, 'tftp.transfer observations');
    expect(observed('tftp.request')).toHaveLength(fetches + 2);
    const nodes = new Set([...observed('tftp.request'), ...observed('tftp.transfer')].map((l) => l.nodeId));
    expect(nodes.size).toBe(1);
    expect(observed('tftp.transfer').filter((l) => (l.observation as { ok: boolean }).ok)).toHaveLength(fetches);
  });
});
