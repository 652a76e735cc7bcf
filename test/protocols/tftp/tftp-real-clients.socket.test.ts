/**
 * The Debian TFTP clients against the server on 127.0.0.1 (they all take a port): what each sends is in
 * real-clients.md F5. sha256 equality for a small and a ~10 MB file, the error for a missing file, and a
 * refused traversal.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTftpFixture, type TftpFixture } from '../../support/tftp-fixture.ts';
import { runCommand } from '../../support/run-command.ts';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let f: TftpFixture;
let outDir: string;
const files = new Map<string, Buffer>();

const run = (command: string, args: string[]) => runCommand(command, args, { cwd: outDir });

type Client = (file: string, out: string) => Promise<{ code: number | null; out: string }>;

/** curl reports TFTP errors by exit code (68 not found, 69 permission) with an unrelated getpeername() message. */
const curlCodes = { notFound: 68, refused: 69 };

const port = (): string => String(f.port);
const clients: Record<string, Client> = {
  // tftp-hpa: a plain RRQ, no options (512-byte blocks); it exits 0 even on an error and prints it.
  'tftp-hpa': (file, out) => run('tftp', ['-m', 'binary', '127.0.0.1', port(), '-c', 'get', file, out]),
  'atftp (blksize 1428, tsize)': (file, out) => run('atftp', ['-g', '-r', file, '-l', out, '--option', 'blksize 1428', '--option', 'tsize 0', '127.0.0.1', port()]),
  'atftp (blksize 1468, windowsize 16, tsize)': (file, out) =>
    run('atftp', ['-g', '-r', file, '-l', out, '--option', 'blksize 1468', '--option', 'windowsize 16', '--option', 'tsize 0', '127.0.0.1', port()]),
  'busybox tftp (blksize 1428, tsize)': (file, out) => run('busybox', ['tftp', '-g', '-b', '1428', '-r', file, '-l', out, '127.0.0.1', port()]),
  // --path-as-is: without it curl removes the dot segments itself and the server never sees them.
  'curl (tsize, blksize 1428, timeout 6)': (file, out) => run('curl', ['-sS', '--path-as-is', '--tftp-blksize', '1428', '-o', out, `tftp://127.0.0.1:${port()}/${file}`]),
};

beforeAll(async () => {
  f = await startTftpFixture({ tftp: { maxWindowsize: 16 }, logLevel: 'info' });
  outDir = mkdtempSync(path.join(os.tmpdir(), 'tftp-clients-'));
  files.set('small.bin', f.file('small.bin', randomBytes(3000)));
  files.set('large.bin', f.file('large.bin', randomBytes(10 * 1024 * 1024 + 123)));
});

afterAll(async () => {
  await f?.stop();
  rmSync(outDir, { recursive: true, force: true });
});

describe('TFTP server with the Debian clients', () => {
  describe.each(Object.entries(clients))('%s', (name, get) => {
    const slug = name.replace(/[^a-z0-9]+/gi, '-');
    it.each(['small.bin', 'large.bin'])('fetches %s byte for byte', async (file) => {
      const out = path.join(outDir, `${slug}-${file}`);
      const r = await get(file, out);
      expect(r.code, r.out).toBe(0);
      expect(sha256(readFileSync(out))).toBe(sha256(files.get(file) ?? Buffer.alloc(0)));
    });

    it('reports a missing file', async () => {
      const r = await get('missing.bin', path.join(outDir, `${slug}-missing`));
      if (name.startsWith('curl')) expect(r.code).toBe(curlCodes.notFound);
      else expect(r.out.toLowerCase()).toContain('file not found');
    });

    it('is refused a path outside the root', async () => {
      const r = await get('../../../etc/passwd', path.join(outDir, `${slug}-passwd`));
      if (name.startsWith('curl')) expect(r.code).toBe(curlCodes.refused);
      else expect(r.out.toLowerCase()).toContain('access violation');
    });
  });

  it('rolls over past block 65535 for tftp-hpa without options (34 MB in 512-byte blocks)', async () => {
    const data = f.file('rollover.bin', randomBytes(512 * 66_000 + 5));
    const out = path.join(outDir, 'rollover.bin');
    const r = await clients['tftp-hpa']?.('rollover.bin', out);
    expect(r?.code, r?.out).toBe(0);
    expect(sha256(readFileSync(out))).toBe(sha256(data));
  });

  it('counted every transfer as completed and none as failed', async () => {
    await f.until(() => f.server.stats().activeTransfers === 0);
    expect(f.server.stats()).toMatchObject({ transfersFailed: 0, transfersCompleted: Object.keys(clients).length * 2 + 1 });
    expect(f.server.stats().accessViolations).toBe(Object.keys(clients).length);
    expect(f.server.stats().notFound).toBe(Object.keys(clients).length);
  });
});
