/**
 * A simulated microkernel agent: the loop `microkernel/agent.sh` runs on a real machine, spoken over real
 * HTTP to a Monorail member, with command output taken from a simulated machine's inventory instead of
 * running tools. Used by the virtual rack, tests and benchmarks. It follows the same protocol rules:
 * fetch `bootstrap.js` by MAC (404 until the node exists), poll `GET /tasks/<id>` with a bounded backoff on
 * 404, run the commands in order, `POST` the results, and end with the reply's `exit` code.
 */

export interface CommandOutput {
  readonly stdout: string;
  readonly stderr?: string;
  /** Non-zero: the command failed with this exit code. */
  readonly exitCode?: number;
}

/** What the simulated machine prints for a command; undefined means "command not found" (127). */
export type Inventory = (cmd: string) => CommandOutput | undefined;

export interface SimAgentOptions {
  readonly server: string;
  readonly mac: string;
  readonly inventory: Inventory;
  readonly signal: AbortSignal;
  readonly pollMinMs?: number;
  readonly pollMaxMs?: number;
  /** Retries of a request that could not connect before the agent gives up (default 50). */
  readonly retries?: number;
  /** Called at each protocol step, for progress displays and tests. */
  readonly onStep?: (step: AgentStep) => void;
}

export type AgentStep =
  | { readonly type: 'bootstrap'; readonly nodeId: string }
  | { readonly type: 'commands'; readonly count: number }
  | { readonly type: 'posted'; readonly status: number }
  | { readonly type: 'exit'; readonly code: number };

interface AgentTask {
  readonly cmd: string;
  readonly acceptedResponseCodes?: readonly number[];
  readonly [k: string]: unknown;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason as Error);
    }, { once: true });
  });

async function fetchRetrying(url: string, init: RequestInit, signal: AbortSignal, retries = 50): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetch(url, { ...init, signal });
    } catch (e) {
      // A connection refused or reset (the member restarting) is retried, as the shell agent's wget loop does.
      if (signal.aborted || attempt >= retries) throw e;
      await sleep(Math.min(2000, 50 * 2 ** Math.min(attempt, 5)), signal);
    }
  }
}

/** Runs the agent until the server tells it to exit; resolves with the exit code. */
export async function runSimAgent(o: SimAgentOptions): Promise<number> {
  const min = o.pollMinMs ?? 100;
  const max = o.pollMaxMs ?? 2000;
  let wait = min;
  let nodeId: string | undefined;
  while (nodeId === undefined) {
    const res = await fetchRetrying(`${o.server}/api/current/tasks/bootstrap.js?macAddress=${encodeURIComponent(o.mac)}`, {}, o.signal, o.retries);
    const text = await res.text();
    if (res.status === 200) {
      const found = /^NODE_ID='([0-9a-f]{24})'$/m.exec(text);
      if (found?.[1] !== undefined) nodeId = found[1];
    }
    if (nodeId === undefined) {
      await sleep(wait, o.signal);
      wait = Math.min(max, wait * 2);
    }
  }
  o.onStep?.({ type: 'bootstrap', nodeId });
  const url = `${o.server}/api/current/tasks/${nodeId}`;
  wait = min;
  for (;;) {
    const res = await fetchRetrying(url, {}, o.signal, o.retries);
    if (res.status !== 200) {
      await res.text();
      await sleep(wait, o.signal);
      wait = Math.min(max, wait * 2);
      continue;
    }
    wait = min;
    const reply = (await res.json()) as { identifier?: string; tasks?: AgentTask[]; exit?: number | { code: number } };
    const tasks = Array.isArray(reply.tasks) ? reply.tasks : [];
    o.onStep?.({ type: 'commands', count: tasks.length });
    const results = tasks.map((t) => {
      const out = o.inventory(t.cmd) ?? { stdout: '', stderr: `sh: ${t.cmd.split(' ')[0] ?? ''}: not found`, exitCode: 127 };
      const code = out.exitCode ?? 0;
      const accepted = code === 0 || (t.acceptedResponseCodes ?? []).includes(code);
      return { ...t, stdout: out.stdout, stderr: out.stderr ?? '', error: accepted ? null : { code, message: out.stderr ?? `exit code ${code}` } };
    });
    if (tasks.length > 0) {
      const posted = await fetchRetrying(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...reply, tasks: results }) }, o.signal, o.retries);
      await posted.text();
      o.onStep?.({ type: 'posted', status: posted.status });
    }
    if (reply.exit !== undefined) {
      const code = typeof reply.exit === 'number' ? reply.exit : reply.exit.code;
      o.onStep?.({ type: 'exit', code });
      return code;
    }
  }
}
