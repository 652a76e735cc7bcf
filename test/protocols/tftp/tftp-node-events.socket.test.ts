/**
 * The TFTP server inside a whole member (real actor system, embedded store): a transfer from an address
 * that DHCP bound to a node reaches that node's actor, through the member's NodeDirectory.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type MonorailFixture } from '../../support/monorail-fixture.ts';
import { tftpGet } from '../../support/tftp-client.ts';

let member: MonorailFixture;
let root: string;
let port: number;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'tftp-member-'));
  writeFileSync(path.join(root, 'undionly.kpxe'), randomBytes(70_000));
  member = await startFixture({
    layer: { http: { enabled: false }, boot: { serverAddress: '127.0.0.1' }, tftp: { enabled: true, host: '127.0.0.1', port: 0, root } },
  });
  const tftp = member.monorail.servers.find((s) => s.name === 'tftp');
  port = tftp?.addresses()[0]?.port ?? 0;
});

afterAll(async () => {
  await member.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('TFTP in a member', () => {
  it('is started by the member when tftp.enabled, and its events reach the node found by address', async () => {
    expect(port).toBeGreaterThan(0);
    // What DHCP does on first contact: resolve the MAC and bind the address it was seen at.
    const { nodeId } = await member.monorail.directory.resolveMac('52:54:00:99:00:10', '127.0.0.1');
    await expect(member.monorail.directory.nodeAtAddress('127.0.0.1')).resolves.toBe(nodeId);

    const r = await tftpGet({ host: '127.0.0.1', port, file: 'undionly.kpxe', options: { blksize: 1468, tsize: 0 } });
    expect(r.data.length).toBe(70_000);

    const observed = (): Record<string, unknown>[] => member.captured.lines().filter((l) => l.msg === 'observed' && l.nodeId === nodeId);
    const deadline = Date.now() + 5000;
    while (observed().length < 2 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    expect(observed().map((l) => l.observation)).toEqual([
      { type: 'tftp.request', file: 'undionly.kpxe', ipAddress: '127.0.0.1' },
      { type: 'tftp.transfer', file: 'undionly.kpxe', ipAddress: '127.0.0.1', bytes: 70_000, ok: true },
    ]);
  });
});
