/**
 * A scripted stand-in for Monorail's southbound microkernel API (rackhd.md §3.4), for agent tests: each
 * node's GETs of /api/current/tasks/<id> are answered from a queue the test fills (404 when it is empty,
 * as RackHD answers when no task listens), POSTs are recorded and answered 201 unless the test says
 * otherwise, and /files/<name> and bootstrap.js serve what the test put there. Every request is
 * recorded with its time, and `waitFor` wakes on each one.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { microkernelAgentScript } from '../../src/microkernel/microkernel-image.ts';

export type TaskReply =
  | { readonly kind: 'json'; readonly body: unknown }
  | { readonly kind: 'raw'; readonly status: number; readonly body: string | Buffer }
  /** Accepts the request and never answers: the agent's own timeout must end it. */
  | { readonly kind: 'hang' };

export const jsonReply = (body: unknown): TaskReply => ({ kind: 'json', body });
export const rawReply = (status: number, body: string | Buffer): TaskReply => ({ kind: 'raw', status, body });
export const hangReply: TaskReply = { kind: 'hang' };

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** Milliseconds since the server started. */
  readonly at: number;
  readonly status: number;
}

export interface RecordedPost extends RecordedRequest {
  readonly nodeId: string;
  readonly raw: Buffer;
  /** The parsed body, or undefined when it was not JSON (then `parseError` says why). */
  readonly json: AgentReport | undefined;
  readonly parseError: string | undefined;
  readonly contentType: string | undefined;
}

/** What an agent POSTs: the reply object with per-task outputs (RackHD's bootstrap.js shape). */
export interface AgentReport {
  readonly identifier?: string;
  readonly tasks: readonly AgentTaskResult[];
  readonly [key: string]: unknown;
}

export interface AgentTaskResult {
  readonly cmd?: string;
  readonly stdout?: string;
  readonly stderr?: string;
  readonly error?: null | { readonly code: number | string; readonly message: string; readonly killed?: boolean; readonly signal?: string | null; readonly cmd?: string };
  readonly [key: string]: unknown;
}

export interface MicrokernelTaskServer {
  /** Base URL on 127.0.0.1 (a QEMU user-net guest reaches it at 10.0.2.2 and `port`). */
  readonly url: string;
  readonly port: number;
  /** Date.now() when it started; recorded `at` times count from here. */
  readonly startedAt: number;
  readonly requests: readonly RecordedRequest[];
  readonly posts: readonly RecordedPost[];
  /** Queues replies for the node's next GETs. */
  reply(nodeId: string, ...replies: TaskReply[]): void;
  /** Statuses for the node's next POSTs (201 after they run out). */
  postStatus(nodeId: string, ...statuses: number[]): void;
  file(name: string, body: string | Buffer, status?: number): void;
  /** What bootstrap.js?macAddress=<mac> serves (404 for a MAC without one). */
  bootstrap(mac: string, body: string): void;
  gets(nodeId: string): RecordedRequest[];
  postsOf(nodeId: string): RecordedPost[];
  /** Resolves with the predicate's first defined value, re-checked after every request. */
  waitFor<T>(what: string, predicate: () => T | undefined, timeoutMs: number): Promise<T>;
  close(): Promise<void>;
}

/** The agent as bootstrap.js serves it: its identity as shell assignments right after the first line. */
export function renderedAgent(server: string, nodeId: string, mac: string): string {
  const quote = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;
  const [first, ...rest] = readFileSync(microkernelAgentScript, 'utf8').split('\n');
  return [first, `SERVER=${quote(server)}`, `NODE_ID=${quote(nodeId)}`, `MAC=${quote(mac)}`, ...rest].join('\n');
}

const tasksPath = /^\/api\/(?:current|2\.0|common)\/tasks\/([^/?]+)$/;

export async function startMicrokernelTaskServer(host = '127.0.0.1'): Promise<MicrokernelTaskServer> {
  const started = Date.now();
  const queues = new Map<string, TaskReply[]>();
  const postStatuses = new Map<string, number[]>();
  const files = new Map<string, { body: Buffer; status: number }>();
  const bootstraps = new Map<string, string>();
  const requests: RecordedRequest[] = [];
  const posts: RecordedPost[] = [];
  const waiters = new Set<() => void>();
  const hanging = new Set<http.ServerResponse>();

  const record = (r: RecordedRequest): void => {
    requests.push(r);
    for (const w of [...waiters]) w();
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const at = Date.now() - started;
      const send = (status: number, body: string | Buffer): void => {
        res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/octet-stream' });
        res.end(body);
      };
      if (req.method === 'GET' && url.pathname.endsWith('/tasks/bootstrap.js')) {
        const body = bootstraps.get((url.searchParams.get('macAddress') ?? '').toLowerCase());
        send(body === undefined ? 404 : 200, body ?? 'no node with that MAC');
        record({ method: 'GET', path: req.url ?? '', at, status: body === undefined ? 404 : 200 });
        return;
      }
      if (req.method === 'GET' && url.pathname.startsWith('/files/')) {
        const f = files.get(decodeURIComponent(url.pathname.slice('/files/'.length)));
        send(f?.status ?? 404, f?.body ?? 'no such file');
        record({ method: 'GET', path: req.url ?? '', at, status: f?.status ?? 404 });
        return;
      }
      const match = tasksPath.exec(url.pathname);
      const nodeId = match?.[1];
      if (nodeId === undefined) {
        send(404, 'not found');
        record({ method: req.method ?? '', path: req.url ?? '', at, status: 404 });
        return;
      }
      if (req.method === 'GET') {
        const next = queues.get(nodeId)?.shift();
        if (next === undefined) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: `no commands for node ${nodeId}`, status: 404 }));
          record({ method: 'GET', path: url.pathname, at, status: 404 });
        } else if (next.kind === 'hang') {
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          record({ method: 'GET', path: url.pathname, at, status: 0 });
        } else if (next.kind === 'raw') {
          send(next.status, next.body);
          record({ method: 'GET', path: url.pathname, at, status: next.status });
        } else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(next.body));
          record({ method: 'GET', path: url.pathname, at, status: 200 });
        }
        return;
      }
      if (req.method === 'POST') {
        const raw = Buffer.concat(chunks);
        let json: AgentReport | undefined;
        let parseError: string | undefined;
        try {
          json = JSON.parse(raw.toString('utf8')) as AgentReport;
        } catch (error) {
          parseError = error instanceof Error ? error.message : String(error);
        }
        const status = postStatuses.get(nodeId)?.shift() ?? 201;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status }));
        const post: RecordedPost = { method: 'POST', path: url.pathname, at, status, nodeId, raw, json, parseError, contentType: req.headers['content-type'] };
        posts.push(post);
        record(post);
        return;
      }
      send(405, 'method not allowed');
      record({ method: req.method ?? '', path: url.pathname, at, status: 405 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${host}:${port}`,
    port,
    startedAt: started,
    requests,
    posts,
    reply: (nodeId, ...replies) => {
      const q = queues.get(nodeId) ?? [];
      q.push(...replies);
      queues.set(nodeId, q);
    },
    postStatus: (nodeId, ...statuses) => {
      const q = postStatuses.get(nodeId) ?? [];
      q.push(...statuses);
      postStatuses.set(nodeId, q);
    },
    file: (name, body, status = 200) => files.set(name, { body: Buffer.isBuffer(body) ? body : Buffer.from(body), status }),
    bootstrap: (mac, body) => bootstraps.set(mac.toLowerCase(), body),
    gets: (nodeId) => requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/tasks/${nodeId}`)),
    postsOf: (nodeId) => posts.filter((p) => p.nodeId === nodeId),
    waitFor: <T>(what: string, predicate: () => T | undefined, timeoutMs: number) =>
      new Promise<T>((resolve, reject) => {
        const check = (): boolean => {
          const value = predicate();
          if (value === undefined) return false;
          waiters.delete(wake);
          clearTimeout(timer);
          resolve(value);
          return true;
        };
        const wake = (): void => void check();
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; requests so far: ${requests.map((r) => `${r.method} ${r.path} ${r.status}`).join(', ')}`));
        }, timeoutMs);
        waiters.add(wake);
        check();
      }),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
