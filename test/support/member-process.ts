/**
 * A whole Monorail member as a child process (`src/cli.ts start`), optionally inside a network
 * namespace, configured by MONORAIL_* variables; its JSON log lines are collected so tests can wait for
 * and assert on what it did.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { NetnsPair } from './netns.ts';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

export type LogLine = Record<string, unknown> & { readonly msg?: string };

export interface MemberProcess {
  readonly dataDir: string;
  readonly child: ChildProcess;
  lines(): readonly LogLine[];
  /** Resolves with the first line (already seen or future) matching, or rejects after `timeoutMs`. */
  waitFor(match: (line: LogLine) => boolean, timeoutMs: number, what?: string): Promise<LogLine>;
  stderr(): string;
  /** SIGTERM, then SIGKILL after 10 s; removes the data directory unless `keepData`. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export async function startMember(env: Record<string, string>, netns?: { pair: NetnsPair; ns: string }, extraArgs: readonly string[] = []): Promise<MemberProcess> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'monorail-member-'));
  // No microkernel build unless a test asks for one (MONORAIL_MICROKERNEL_IMAGE=build or a static root holding it).
  const fullEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', MONORAIL_DATA_DIR: dataDir, MONORAIL_MICROKERNEL_IMAGE: 'none', ...env };
  const args = ['--import', 'tsx', cli, 'start', ...extraArgs];
  const child = netns
    ? netns.pair.spawn(netns.ns, process.execPath, args, { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'], cwd: process.cwd() })
    : spawn(process.execPath, args, { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'], cwd: process.cwd() });
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (text) => {
      try {
        lines.push(JSON.parse(text) as LogLine);
      } catch {
        lines.push({ msg: text });
      }
      for (const w of [...waiters]) w();
    });
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const member: MemberProcess = {
    dataDir,
    child,
    lines: () => lines,
    waitFor(match, timeoutMs, what = 'log line') {
      return new Promise<LogLine>((resolve, reject) => {
        const check = (): void => {
          const found = lines.find(match);
          if (found) {
            cleanup();
            resolve(found);
          } else if (child.exitCode !== null) {
            cleanup();
            reject(new Error(`member exited (${child.exitCode}) before ${what}; stderr: ${stderr.slice(-2000)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${what} within ${timeoutMs} ms; last lines: ${JSON.stringify(lines.slice(-5))}; stderr: ${stderr.slice(-2000)}`));
        }, timeoutMs);
        const onExit = (): void => check();
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off('exit', onExit);
        };
        waiters.add(check);
        child.on('exit', onExit);
        check();
      });
    },
    stderr: () => stderr,
    async stop(options = {}) {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await member.waitFor((l) => l.msg === 'monorail started', 60_000, "'monorail started'");
  } catch (e) {
    // Never leave a half-started member behind (it may hold ports in the namespace).
    await member.stop();
    throw e;
  }
  return member;
}
