/**
 * Network namespaces for tests that need real L2: a "server" namespace with a bridge (10.99.0.1/24,
 * fd99::1/64) and a "client" namespace on a veth joined to that bridge (real-clients.md §1). Names are
 * unique per test process and call, so test files run in parallel; the addresses exist only inside the
 * namespaces, so every pair can use the same ones. `destroy()` removes both namespaces, which removes
 * the veths, the bridge and any taps with them, and kills what the test started inside.
 *
 * Needs root (CI runs as root). `netnsAvailable()` says whether this machine can do it.
 */
import { execFile, spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
let counter = 0;

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface NetnsPair {
  readonly server: string;
  readonly client: string;
  readonly serverIp: string;
  readonly serverIp6: string;
  /** The client-side interface name (inside the client namespace). */
  readonly clientIf: string;
  /** The bridge in the server namespace (add taps to it for VMs). */
  readonly bridge: string;
  /** Starts a long-running process inside a namespace; it is killed by `destroy()`. */
  spawn(ns: string, command: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Runs a command inside a namespace to completion (killed after `timeoutMs`). */
  run(ns: string, command: string, args: readonly string[], timeoutMs?: number): Promise<RunResult>;
  /** Adds another namespace on the same bridge with the given address (e.g. a site DHCP server). */
  addPeer(name: string, ipCidr: string): Promise<string>;
  destroy(): Promise<void>;
}

/**
 * Whether the namespace tests run. They need root and `ip netns`, which CI has; so a machine without them
 * fails these tests loudly instead of skipping them in silence (a skipped suite looks like a green one),
 * unless `MONORAIL_TEST_SKIP_PRIVILEGED=1` says that skipping is what the developer wants.
 */
export function netnsAvailable(): boolean {
  return privileged('root and `ip netns`', () => process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' }).status === 0);
}

/** Shared by the namespace and QEMU checks: true when `probe` holds, false only when skipping was asked for. */
export function privileged(what: string, probe: () => boolean): boolean {
  if (probe()) return true;
  if (process.env.MONORAIL_TEST_SKIP_PRIVILEGED === '1') return false;
  throw new Error(`this test needs ${what}; run it as root on a machine with them, or set MONORAIL_TEST_SKIP_PRIVILEGED=1 to skip it`);
}

async function ip(...args: string[]): Promise<void> {
  await execFileP('ip', args);
}

export async function createNetnsPair(tag = 't'): Promise<NetnsPair> {
  const id = `${process.pid.toString(36)}${(++counter).toString(36)}`;
  const server = `mr-${tag}-s-${id}`;
  const client = `mr-${tag}-c-${id}`;
  const namespaces = [server, client];
  const children = new Set<ChildProcess>();
  const serverIp = '10.99.0.1';
  const serverIp6 = 'fd99::1';
  const bridge = 'br0';
  try {
    await ip('netns', 'add', server);
    await ip('netns', 'add', client);
    await ip('link', 'add', 'veth-srv', 'netns', server, 'type', 'veth', 'peer', 'name', 'veth-cli', 'netns', client);
    const S = ['-n', server];
    await ip(...S, 'link', 'set', 'lo', 'up');
    await ip(...S, 'link', 'add', bridge, 'type', 'bridge');
    await ip(...S, 'link', 'set', 'veth-srv', 'master', bridge);
    await ip(...S, 'addr', 'add', `${serverIp}/24`, 'dev', bridge);
    await ip(...S, '-6', 'addr', 'add', `${serverIp6}/64`, 'dev', bridge, 'nodad');
    await ip(...S, 'link', 'set', bridge, 'up');
    await ip(...S, 'link', 'set', 'veth-srv', 'up');
    // Node's dgram cannot send to 255.255.255.255 without a route for it (real-clients.md N1).
    await ip(...S, 'route', 'add', '255.255.255.255/32', 'dev', bridge);
    await ip('-n', client, 'link', 'set', 'lo', 'up');
    await ip('-n', client, 'link', 'set', 'veth-cli', 'up');
  } catch (e) {
    for (const ns of namespaces) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    throw e;
  }

  let peers = 0;
  const pair: NetnsPair = {
    server,
    client,
    serverIp,
    serverIp6,
    clientIf: 'veth-cli',
    bridge,
    spawn(ns, command, args, options = {}) {
      const child = spawn('ip', ['netns', 'exec', ns, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
      children.add(child);
      child.on('exit', () => children.delete(child));
      return child;
    },
    async run(ns, command, args, timeoutMs = 30_000) {
      return new Promise<RunResult>((resolve) => {
        const child = spawn('ip', ['netns', 'exec', ns, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        children.add(child);
        let stdout = '';
        let stderr = '';
        child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
        child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        child.on('close', (code) => {
          clearTimeout(timer);
          children.delete(child);
          resolve({ code, stdout, stderr });
        });
      });
    },
    async addPeer(name, ipCidr) {
      const ns = `mr-${tag}-${name}-${id}`.slice(0, 40);
      const ifName = `vp${++peers}`;
      await ip('netns', 'add', ns);
      namespaces.push(ns);
      await ip('link', 'add', `${ifName}-b`, 'netns', server, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      await ip('-n', server, 'link', 'set', `${ifName}-b`, 'master', bridge);
      await ip('-n', server, 'link', 'set', `${ifName}-b`, 'up');
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
      await ip('-n', ns, 'addr', 'add', ipCidr, 'dev', 'eth0');
      await ip('-n', ns, 'link', 'set', 'eth0', 'up');
      await ip('-n', ns, 'route', 'add', '255.255.255.255/32', 'dev', 'eth0');
      return ns;
    },
    async destroy() {
      for (const c of children) c.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 50));
      for (const ns of namespaces) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    },
  };
  return pair;
}
