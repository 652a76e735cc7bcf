/**
 * microkernel/build.sh through its TypeScript entry point: what the image holds, that it is cached under
 * a key of its inputs, that concurrent builds share one, and that a broken input fails with a message
 * that says what broke. Needs apt with Debian bookworm lists; a cold cache downloads ~90 MB from Debian.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildMicrokernelImage,
  MicrokernelBuildError,
  microkernelAgentScript,
  microkernelBuildScript,
  microkernelImage,
  microkernelSourceDir,
  type MicrokernelImage,
} from '../../src/microkernel/microkernel-image.ts';
import { runCommand } from '../support/run-command.ts';
import { captureLog } from '../support/test-logger.ts';

let image: MicrokernelImage;
let scratch: string;

/**
 * A private cache that already holds the default cache's .debs (hard links) and package resolution, so
 * builds here download nothing and ask apt nothing: only the build itself is timed.
 */
function seededCache(name: string): string {
  const cache = path.join(scratch, name);
  const shared = path.dirname(image.directory);
  mkdirSync(path.join(cache, 'debs'), { recursive: true });
  for (const f of readdirSync(path.join(shared, 'debs'))) linkSync(path.join(shared, 'debs', f), path.join(cache, 'debs', f));
  cpSync(path.join(shared, 'resolved'), path.join(cache, 'resolved'), { recursive: true });
  return cache;
}

function listInitrd(file: string): string[] {
  return execFileSync('sh', ['-c', 'zcat "$1" | busybox cpio -t 2>/dev/null', 'list', file], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })
    .split('\n')
    .filter((l) => l !== '');
}

beforeAll(async () => {
  image = await microkernelImage();
  scratch = mkdtempSync(path.join(tmpdir(), 'monorail-mk-build-'));
}, 600_000);

afterAll(() => {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

describe('microkernel image', () => {
  it('holds the kernel, busybox, the inventory tools with their libraries, the modules, init and the agent', () => {
    expect(statSync(image.kernel).size).toBeGreaterThan(4_000_000);
    const files = new Set(listInitrd(image.initrd));
    for (const f of [
      'init',
      'usr/bin/busybox',
      'usr/bin/monorail-agent',
      'usr/share/udhcpc/default.script',
      'usr/sbin/dmidecode',
      'usr/bin/lshw',
      'usr/bin/lspci',
      'usr/bin/ipmitool',
      'usr/sbin/smartctl',
      'usr/sbin/ethtool',
      'usr/bin/lsblk',
      'usr/bin/ip',
      'usr/bin/dash',
      'usr/lib/x86_64-linux-gnu/libc.so.6',
      'usr/lib/x86_64-linux-gnu/libstdc++.so.6',
      'usr/lib/x86_64-linux-gnu/libcrypto.so.3',
      'usr/lib64/ld-linux-x86-64.so.2',
      'usr/share/misc/pci.ids',
      'etc/monorail-microkernel',
    ]) {
      expect(files, f).toContain(f);
    }
    const modules = [...files].filter((f) => f.endsWith('.ko')).map((f) => path.basename(f, '.ko'));
    expect(modules).toEqual(expect.arrayContaining(['e1000', 'virtio_net', 'virtio_pci', 'net_failover', 'virtio_blk', 'ipmi_si', 'ipmi_devintf', 'ipmi_msghandler']));
    expect([...files].some((f) => /^usr\/lib\/modules\/[^/]+\/modules\.alias$/.test(f))).toBe(true);

    const unpacked = mkdtempSync(path.join(scratch, 'initrd-'));
    execFileSync('sh', ['-c', 'cd "$2" && zcat "$1" | busybox cpio -i -d usr/bin/monorail-agent init 2>/dev/null', 'x', image.initrd, unpacked]);
    expect(readFileSync(path.join(unpacked, 'usr/bin/monorail-agent')).equals(readFileSync(microkernelAgentScript))).toBe(true);
    expect(readFileSync(path.join(unpacked, 'init')).equals(readFileSync(path.join(microkernelSourceDir, 'init')))).toBe(true);
    const manifest = readFileSync(path.join(image.directory, 'manifest.txt'), 'utf8');
    expect(manifest).toMatch(/^kernel=\d+\.\d+\.\d+-\d+-amd64$/m);
    expect(manifest).toMatch(/^package=busybox-static=/m);
    expect(manifest).toMatch(/^initrd_bytes=\d+$/m);
  });

  it('is keyed by its inputs: the same inputs find the cached image, a changed file gets a new key', async () => {
    const key = (await runCommand('bash', [microkernelBuildScript, '--print-key'])).out.trim();
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(path.basename(image.directory)).toBe(key);

    const copy = path.join(scratch, 'source');
    cpSync(microkernelSourceDir, copy, { recursive: true });
    expect((await runCommand('bash', [path.join(copy, 'build.sh'), '--print-key'])).out.trim()).toBe(key);
    writeFileSync(path.join(copy, 'agent.sh'), `${readFileSync(path.join(copy, 'agent.sh'), 'utf8')}\n# changed\n`);
    expect((await runCommand('bash', [path.join(copy, 'build.sh'), '--print-key'])).out.trim()).not.toBe(key);

    const again = await runCommand('bash', [microkernelBuildScript]);
    expect(again.code).toBe(0);
    expect(again.out).toContain(`cached: ${image.directory}`);
  });

  it('copies the image into a directory it is given, once, leaving the other files there alone', async () => {
    const out = path.join(scratch, 'static');
    mkdirSync(out);
    writeFileSync(path.join(out, 'other.txt'), 'keep');
    const first = captureLog('info');
    const copied = await buildMicrokernelImage({ outDir: out, log: first.log });
    expect(copied).toEqual({ directory: out, kernel: path.join(out, 'vmlinuz'), initrd: path.join(out, 'initrd.gz') });
    expect(readFileSync(copied.initrd).equals(readFileSync(image.initrd))).toBe(true);
    expect(readFileSync(copied.kernel).equals(readFileSync(image.kernel))).toBe(true);
    expect(readFileSync(path.join(out, 'other.txt'), 'utf8')).toBe('keep');
    expect(first.lines().map((l) => l['msg'])).toContain(`copied to ${out}`);
    const second = captureLog('info');
    await buildMicrokernelImage({ outDir: out, log: second.log });
    expect(second.lines().map((l) => l['msg'])).not.toContain(`copied to ${out}`);
  });

  it('builds once for concurrent callers, and reports progress to the logger', async () => {
    const cache = seededCache('concurrent');
    const logs = [captureLog('info'), captureLog('info')];
    const [a, b] = await Promise.all(logs.map((l) => buildMicrokernelImage({ cacheDir: cache, log: l.log })));
    expect(a!.directory).toBe(b!.directory);
    expect(path.dirname(a!.directory)).toBe(cache);
    // One of them built; the other waited for the lock and then found the image.
    const said = (prefix: string): number => logs.flatMap((l) => l.lines()).filter((l) => typeof l['msg'] === 'string' && l['msg'].startsWith(prefix)).length;
    expect(said('building ')).toBe(1);
    expect(said('cached: ')).toBe(1);
    expect(readFileSync(a!.initrd).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    // Nothing half-built is left behind.
    expect(readdirSync(cache).filter((f) => f.startsWith('.build.'))).toEqual([]);
  }, 300_000);

  it('fails with a message naming what is wrong, and leaves no image behind', async () => {
    const cache = seededCache('failing');
    const failure = buildMicrokernelImage({ cacheDir: cache, modules: ['e1000', 'no_such_module'] });
    await expect(failure).rejects.toBeInstanceOf(MicrokernelBuildError);
    await expect(failure).rejects.toThrow(/kernel module no_such_module is not in linux-image-/);
    expect(readdirSync(cache).filter((f) => /^[0-9a-f]{16}$/.test(f) || f.startsWith('.build.'))).toEqual([]);

    const badArgument = await runCommand('bash', [microkernelBuildScript, '--bogus']);
    expect(badArgument.code).toBe(1);
    expect(badArgument.out).toMatch(/error: unknown argument: --bogus/);
  }, 300_000);
});
