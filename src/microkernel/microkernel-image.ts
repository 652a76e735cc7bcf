/**
 * The discovery microkernel's boot files (vmlinuz, initrd.gz), for `monorail start` and for tests. The
 * image is built by `microkernel/build.sh` from Debian packages and cached under a key of its inputs, so
 * asking costs a few milliseconds once it exists and a build (about 20 s, downloads included) when an
 * input changed. The script holds a lock, so concurrent callers, in this process or others, share one
 * build; within a process the answer is memoised as well.
 */
import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../logging/logger.ts';

/** The repository's `microkernel/` directory: build script, init, agent. */
export const microkernelSourceDir = fileURLToPath(new URL('../../microkernel/', import.meta.url));
export const microkernelBuildScript = path.join(microkernelSourceDir, 'build.sh');
export const microkernelAgentScript = path.join(microkernelSourceDir, 'agent.sh');

export interface MicrokernelImage {
  /** The directory holding both files and manifest.txt (packages, versions, sizes). */
  readonly directory: string;
  readonly kernel: string;
  readonly initrd: string;
}

export interface MicrokernelBuildOptions {
  /** Also copy the files here (e.g. the HTTP static root); the answer then names this directory. */
  readonly outDir?: string;
  /** Cache root; defaults to the script's `${XDG_CACHE_HOME:-$HOME/.cache}/monorail/microkernel`. */
  readonly cacheDir?: string;
  /** Kernel modules to include instead of the script's default list. */
  readonly modules?: readonly string[];
  /** Progress lines from the script go here at info level. */
  readonly log?: Logger;
  readonly signal?: AbortSignal;
}

export class MicrokernelBuildError extends Error {
  constructor(
    message: string,
    /** The end of the script's output, which says what failed. */
    readonly output: string,
  ) {
    super(message);
    this.name = 'MicrokernelBuildError';
  }
}

/** How much of the script's output an error keeps: its last lines hold the reason. */
const OUTPUT_TAIL_BYTES = 8 * 1024;

/** Builds the image unless it is cached, and says where it is. */
export async function buildMicrokernelImage(options: MicrokernelBuildOptions = {}): Promise<MicrokernelImage> {
  const args = [microkernelBuildScript, ...(options.outDir === undefined ? [] : ['--out', options.outDir])];
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (options.cacheDir !== undefined) env['MONORAIL_MICROKERNEL_CACHE'] = options.cacheDir;
  if (options.modules !== undefined) env['MONORAIL_MICROKERNEL_MODULES'] = options.modules.join(' ');
  const { code, stdout, stderr } = await run('bash', args, env, options);
  if (code !== 0) {
    const reason = /error: (.*)$/m.exec(stderr)?.[1] ?? `exit status ${String(code)}`;
    throw new MicrokernelBuildError(`microkernel build failed: ${reason}`, stderr.slice(-OUTPUT_TAIL_BYTES));
  }
  const directory = stdout.trim().split('\n').pop() ?? '';
  const image = { directory, kernel: path.join(directory, 'vmlinuz'), initrd: path.join(directory, 'initrd.gz') };
  try {
    await Promise.all([access(image.kernel), access(image.initrd)]);
  } catch {
    throw new MicrokernelBuildError(`microkernel build printed ${JSON.stringify(directory)}, which holds no vmlinuz and initrd.gz`, stderr.slice(-OUTPUT_TAIL_BYTES));
  }
  return image;
}

let memo: Promise<MicrokernelImage> | undefined;

/** The default image (cache, default modules), built at most once per process; a failure is not kept. */
export function microkernelImage(log?: Logger): Promise<MicrokernelImage> {
  memo ??= buildMicrokernelImage(log === undefined ? {} : { log }).catch((error: unknown) => {
    memo = undefined;
    throw error;
  });
  return memo;
}

function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: MicrokernelBuildOptions,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], ...(options.signal === undefined ? {} : { signal: options.signal }) });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr = (stderr + s).slice(-4 * OUTPUT_TAIL_BYTES);
      if (options.log === undefined) return;
      pending += s;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('[microkernel]')) options.log.info({ component: 'microkernel-build' }, line.slice('[microkernel] '.length));
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
