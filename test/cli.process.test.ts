/**
 * The README's first command, as a real process: `monorail start` on the embedded default comes up,
 * says what it serves, stays up, and stops cleanly on SIGTERM; a bad configuration stops it at once with
 * the field named.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'start'], {
    // These tests are about the command, not the microkernel: no image build in the background.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', MONORAIL_MICROKERNEL_IMAGE: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exit, stderr: () => stderr };
}

describe('monorail start', () => {
  it('starts on the embedded default, logs what it serves, stays up and stops cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'monorail-cli-'));
    dirs.push(dataDir);
    const { child, exit } = run({ MONORAIL_DATA_DIR: dataDir, MONORAIL_MEMBER_ID: 'cli-test', MONORAIL_HTTP_HOST: '127.0.0.1', MONORAIL_HTTP_PORT: '0' });
    const lines: Record<string, unknown>[] = [];
    const waiters: (() => void)[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(JSON.parse(line) as Record<string, unknown>);
      for (const w of waiters) w();
    });
    const logged = (msg: string): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (lines.some((l) => l.msg === msg)) resolve();
        };
        waiters.push(check);
        check();
      });
    await logged('monorail started');
    const started = lines.find((l) => l.msg === 'monorail started');
    expect(started).toMatchObject({ memberId: 'cli-test', store: { kind: 'embedded', durability: 'full' }, entities: ['node', 'lookup', 'address'] });
    expect(existsSync(path.join(dataDir, 'store', 'monorail.sqlite'))).toBe(true);

    // Still running a moment later: it does not exit on its own.
    await new Promise((r) => setTimeout(r, 500));
    expect(child.exitCode).toBeNull();

    const before = lines.length;
    child.kill('SIGTERM');
    expect(await exit).toEqual({ code: 0, signal: null });
    await new Promise((r) => setTimeout(r, 50));
    const rest = lines.slice(before);
    expect(rest.map((l) => l.msg)).toEqual(['stopping: passivating entities and closing the store', 'stopped']);
  }, 60_000);

  it('refuses an invalid configuration with the field, the expectation and the value, and exits 2', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'monorail-cli-'));
    dirs.push(dataDir);
    const { exit, stderr } = run({ MONORAIL_DATA_DIR: dataDir, MONORAIL_HTTP_PORT: '99999', MONORAIL_STORE_KIND: 'redis' });
    expect((await exit).code).toBe(2);
    expect(stderr()).toContain('http.port: expected integer between 0 and 65535');
    expect(stderr()).toContain('99999');
    expect(stderr()).toContain('store.kind');
    expect(stderr()).not.toContain('    at '); // a message for an operator, not a stack trace
  }, 60_000);

  it('refuses an unknown MONORAIL_ variable instead of ignoring a typo', async () => {
    const { exit, stderr } = run({ MONORAIL_HTTP_PROT: '8080' });
    expect((await exit).code).toBe(2);
    expect(stderr()).toContain('MONORAIL_HTTP_PROT');
  }, 60_000);

  it('says why when a port cannot be bound, and exits 1', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const dataDir = mkdtempSync(path.join(tmpdir(), 'monorail-cli-'));
    dirs.push(dataDir);
    const { exit, stderr } = run({ MONORAIL_DATA_DIR: dataDir, MONORAIL_HTTP_HOST: '127.0.0.1', MONORAIL_HTTP_PORT: String(port) });
    expect((await exit).code).toBe(1);
    blocker.close();
    expect(stderr()).toContain(`monorail could not start: HTTP server cannot listen on 127.0.0.1:${port}`);
  }, 60_000);
});
