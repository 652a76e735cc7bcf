/**
 * `monorail sim` as an operator runs it: a real process that discovers its machines, shows progress on
 * stderr, prints the summary, exits 0 only when every machine ended available, stops cleanly on SIGINT
 * (exit 130, summary of what happened, temporary data removed) and refuses bad arguments with exit 2.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { RackSummary } from '../../src/sim/rack-report.ts';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const tmp = mkdtempSync(path.join(tmpdir(), 'monorail-sim-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: readonly string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void) {
  const dir = mkdtempSync(path.join(tmp, 'run-'));
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'sim', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TMPDIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
    onStderr?.(stderr, child);
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string; dir: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr, dir })),
  );
}

describe.concurrent('monorail sim', () => {
  it('discovers three machines, shows progress, prints the summary and exits 0', async () => {
    const r = await run(['--machines', '3', '--seed', '4']);
    expect(r.stderr).toMatch(/monorail sim: 3 machines/);
    expect(r.stderr).toMatch(/\] powered on 3\/3 \| machines: .* \| nodes: 3 discovered, 3 available, 0 failed/);
    expect(r.stdout).toContain('Virtual rack: 3 machines, seed 4');
    expect(r.stdout).toMatch(/Time to all available: \d+\.\d s/);
    expect(r.stdout).toMatch(/p50 \d+\.\d s, p90 \d+\.\d s, p99 \d+\.\d s, max \d+\.\d s/);
    expect(r.stdout).toContain('Nothing lost: yes');
    expect(r.stdout).toContain('ok   nodes with the right SKU: 3/3');
    expect(r.stdout).toContain('Result: every machine discovered and available.');
    expect(r.code).toBe(0);
    // The temporary data directory went with the run.
    expect(readdirSync(r.dir).filter((f) => f.startsWith('monorail-sim-'))).toEqual([]);
  }, 90_000);

  it('prints the summary as JSON with --json', async () => {
    const r = await run(['--machines', '2', '--profiles', 'small-1u', '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as RackSummary;
    expect(summary).toMatchObject({ machines: 2, ok: true, nothingLost: true, profiles: { 'small-1u': 2 }, nodesPerSku: { 'Lenovo ThinkSystem SR250 (1 socket)': 2 }, failures: [] });
    expect(summary.checks).toMatchObject({ nodes: 2, available: 2, obmAtOwnBmc: 2 });
  }, 90_000);

  it('stops cleanly on SIGINT: machines and member stopped, summary of the interrupted run, exit 130', async () => {
    let sent = false;
    const r = await run(['--machines', '4', '--power-on-window', '60000'], (text, child) => {
      if (!sent && text.includes('monorail sim:')) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), 1500);
      }
    });
    expect(r.stderr).toContain('interrupted: stopping the machines and the member');
    expect(r.stdout).toContain('(interrupted)');
    expect(r.stdout).toContain('Result: FAILED.');
    expect(r.code).toBe(130);
    expect(readdirSync(r.dir).filter((f) => f.startsWith('monorail-sim-'))).toEqual([]);
  }, 90_000);

  it('refuses bad arguments with exit 2 and says which', async () => {
    const [zero, junk, profile, durability] = await Promise.all([
      run(['--machines', '0']),
      run(['--machines', '3x']),
      run(['--profiles', 'dell-r640,cray-xc40']),
      run(['--durability', 'sometimes']),
    ]);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('--machines: expected a whole number from 1 to 65535, got "0"');
    expect(junk.code).toBe(2);
    expect(profile.code).toBe(2);
    expect(profile.stderr).toContain('unknown profile "cray-xc40"');
    expect(durability.code).toBe(2);
    expect(durability.stderr).toContain('--durability: expected full or normal');
  }, 90_000);
});
