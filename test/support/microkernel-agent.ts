/**
 * Runs the microkernel agent on the host under Debian's busybox `sh`, with a PATH whose first directory
 * links every busybox applet, so the agent and its task commands (`MK_TASK_SHELL=sh`) use busybox's
 * wget, awk, sed, od, timeout… as they do inside the microkernel: a fast check of the protocol without
 * a VM. Debian package: busybox.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { microkernelAgentScript } from '../../src/microkernel/microkernel-image.ts';

let appletDir: string | undefined;

/** A directory of symlinks to busybox, one per applet; made once per test process. */
export function busyboxAppletDir(): string {
  if (appletDir !== undefined) return appletDir;
  const which = spawnSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' });
  const busybox = which.stdout.trim();
  if (which.status !== 0 || busybox === '') throw new Error('busybox is not installed: apt-get install -y --no-install-recommends busybox');
  const list = spawnSync(busybox, ['--list'], { encoding: 'utf8' });
  const dir = mkdtempSync(path.join(tmpdir(), 'monorail-busybox-'));
  for (const applet of list.stdout.split('\n').filter((a) => a !== '' && a !== 'busybox')) symlinkSync(busybox, path.join(dir, applet));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  appletDir = dir;
  return dir;
}

export interface AgentOptions {
  readonly server: string;
  readonly nodeId: string;
  readonly mac?: string;
  /** More environment: MK_POLL_MIN_MS, MK_MAX_OUTPUT, … (see microkernel/agent.sh). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface AgentRun {
  readonly process: ChildProcess;
  readonly workdir: string;
  /** The agent's log so far (its stderr). */
  log(): string;
  /** The agent's exit status (or the signal that ended it). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export function startAgent(o: AgentOptions): AgentRun {
  const workdir = mkdtempSync(path.join(tmpdir(), 'monorail-agent-'));
  mkdirSync(path.join(workdir, 'work'));
  // Its own process group, so stopping it also stops the sleep, wget or command it is running.
  const child = spawn('busybox', ['sh', microkernelAgentScript], {
    cwd: workdir,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: `${busyboxAppletDir()}:/usr/sbin:/usr/bin:/sbin:/bin`,
      SERVER: o.server,
      NODE_ID: o.nodeId,
      MAC: o.mac ?? '52:54:00:00:00:01',
      MK_WORKDIR: path.join(workdir, 'work'),
      MK_TASK_SHELL: 'sh',
      MK_POLL_MIN_MS: '50',
      MK_POLL_MAX_MS: '200',
      MK_HTTP_TIMEOUT: '5',
      ...o.env,
    },
  });
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (log += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    process: child,
    workdir,
    log: () => log,
    exited,
    stop: async () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is gone already.
      }
      await exited;
      rmSync(workdir, { recursive: true, force: true });
    },
  };
}
