/**
 * Runs the iPXE scripts Monorail serves the way iPXE would, for a simulated machine: `kernel` and `initrd`
 * download their image (a failed download fails the command), `boot` hands over to the loaded kernel,
 * `chain` replaces the script with the one at its URL, `exit` returns to the firmware (which boots the
 * next device: the disk), `sleep`, `goto`, labels and `|| goto` behave as in iPXE, `echo` and comments do
 * nothing. Commands outside that subset fail the script, as an unknown command fails in iPXE, and a
 * failing command without `||` ends the script with an error (iPXE then returns to the firmware too).
 */

export type IpxeOutcome =
  | { readonly kind: 'boot'; readonly kernel: string; readonly args: Readonly<Record<string, string>>; readonly initrds: readonly string[] }
  | { readonly kind: 'chain'; readonly url: string }
  | { readonly kind: 'exit'; readonly reason: string };

export interface IpxeHost {
  /** Downloads an image; resolves false when the download fails. */
  fetchImage(url: string): Promise<boolean>;
  sleep(seconds: number): Promise<void>;
}

/** A script that loops on itself without chaining is cut off after this many commands. */
const MAX_STEPS = 10_000;

function tokens(line: string): string[] {
  return line.trim().split(/\s+/).filter((t) => t !== '');
}

export async function runIpxeScript(text: string, host: IpxeHost): Promise<IpxeOutcome> {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== '#!ipxe') return { kind: 'exit', reason: 'not an iPXE script (no #!ipxe line)' };
  const labels = new Map<string, number>();
  lines.forEach((line, i) => {
    const m = /^\s*:(\S+)/.exec(line);
    if (m?.[1] !== undefined) labels.set(m[1], i);
  });
  let kernel: { url: string; args: Record<string, string> } | undefined;
  const initrds: string[] = [];
  let pc = 1;
  for (let steps = 0; pc < lines.length; steps++) {
    if (steps > MAX_STEPS) return { kind: 'exit', reason: 'script did not finish' };
    const line = (lines[pc] ?? '').trim();
    pc += 1;
    if (line === '' || line.startsWith('#') || line.startsWith(':')) continue;
    const [command, fallback] = line.split(/\s*\|\|\s*/, 2);
    const words = tokens(command ?? '');
    const ok = await step(words);
    if (typeof ok === 'object') return ok;
    if (ok) continue;
    const onFail = tokens(fallback ?? '');
    if (onFail[0] === 'goto' && onFail[1] !== undefined && labels.has(onFail[1])) {
      pc = (labels.get(onFail[1]) ?? 0) + 1;
      continue;
    }
    return { kind: 'exit', reason: `command failed: ${command ?? ''}` };
  }
  return { kind: 'exit', reason: 'end of script' };

  /** true: carry on; false: the command failed; an outcome: the script is over. */
  async function step(words: string[]): Promise<boolean | IpxeOutcome> {
    const [cmd, ...rest] = words;
    const args = rest.filter((w) => !w.startsWith('--'));
    switch (cmd) {
      case 'echo':
        return true;
      case 'sleep':
        await host.sleep(Number(args[0] ?? 0) || 0);
        return true;
      case 'goto': {
        const target = labels.get(args[0] ?? '');
        if (target === undefined) return false;
        pc = target + 1;
        return true;
      }
      case 'kernel':
      case 'imgfetch':
      case 'initrd': {
        const url = args[0];
        if (url === undefined || !(await host.fetchImage(url))) return false;
        if (cmd === 'kernel') {
          const params: Record<string, string> = {};
          for (const a of args.slice(1)) {
            const eq = a.indexOf('=');
            if (eq > 0) params[a.slice(0, eq)] = a.slice(eq + 1);
          }
          kernel = { url, args: params };
        } else {
          initrds.push(url);
        }
        return true;
      }
      case 'boot':
        return kernel === undefined ? false : { kind: 'boot', kernel: kernel.url, args: kernel.args, initrds };
      case 'chain':
        return args[0] === undefined ? false : { kind: 'chain', url: args[0] };
      case 'exit':
        return { kind: 'exit', reason: 'exit' };
      default:
        return false;
    }
  }
}
