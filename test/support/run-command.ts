/** Runs a real client to completion, stdout and stderr together, killed after `timeoutMs`. */
import { spawn } from 'node:child_process';

export function runCommand(command: string, args: readonly string[], options: { cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...(options.cwd === undefined ? {} : { cwd: options.cwd }), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
    // A command that cannot start ends with its reason in the output, as a shell would print it.
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, out: `${out}${e.message}\n` });
    });
    // A command that exits without reading its input (a usage error, say) closes the pipe first: EPIPE here is
    // that, and its exit code and output are what the caller checks.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}
