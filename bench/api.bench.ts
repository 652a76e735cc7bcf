/**
 * The northbound API under load from Debian's `wrk`: requests per second and latency percentiles for
 * `GET /api/2.0/nodes/:id` and a page of a 10,000-node list, authenticated with a RackHD JWT, on the
 * embedded store. The reference in the same run is a bare express route answering a fixed JSON body of the
 * same size, on the same machine: what the HTTP stack alone costs.
 *
 *   npm run bench:api          (BENCH_NODES=10000 BENCH_SECONDS=10 BENCH_CONNECTIONS=64)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import express from 'express';
import { loadConfig } from '../src/config/load-config.ts';
import { createLogger } from '../src/logging/logger.ts';
import { startMonorail } from '../src/monorail.ts';

const exec = promisify(execFile);
const NODES = Number(process.env.BENCH_NODES ?? 10_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const root = mkdtempSync(path.join(tmpdir(), 'monorail-bench-api-'));
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

interface WrkResult {
  readonly rps: number;
  readonly p50: string;
  readonly p99: string;
  readonly errors: string;
}

async function wrk(url: string, headers: readonly string[] = []): Promise<WrkResult> {
  const args = ['-t2', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', ...headers.flatMap((h) => ['-H', h]), url];
  const { stdout } = await exec('wrk', args, { maxBuffer: 1 << 20 });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN);
  const p50 = /\n\s+50%\s+(\S+)/.exec(stdout)?.[1] ?? '?';
  const p99 = /\n\s+99%\s+(\S+)/.exec(stdout)?.[1] ?? '?';
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1];
  const socketErrors = /Socket errors:([^\n]+)/.exec(stdout)?.[1];
  return { rps, p50, p99, errors: [non2xx === undefined ? '' : `${non2xx} non-2xx`, socketErrors ?? ''].filter((x) => x !== '').join('; ') || 'none' };
}

async function main(): Promise<void> {
  const password = 'bench-admin-password';
  const config = loadConfig({
    layers: [
      {
        memberId: 'bench-api',
        dataDir: root,
        http: { host: '127.0.0.1', port: 0 },
        microkernel: { image: 'none' },
        events: { heartbeatSeconds: 0 },
        auth: { initialAdmin: { username: 'admin', password } },
        actors: { passivateAfterMs: 0 },
      },
    ],
  });
  const monorail = await startMonorail(config, { log: createLogger({ level: 'warn', memberId: 'bench-api' }) });
  const address = monorail.servers.find((s) => s.name === 'http')?.addresses()[0];
  if (address === undefined) throw new Error('no HTTP server');
  const base = `http://127.0.0.1:${address.port}`;
  let next = 0;
  const idOf = (i: number): string => `6700000000000000${i.toString(16).padStart(8, '0')}`;
  await Promise.all(
    Array.from({ length: 256 }, async () => {
      for (let i = next++; i < NODES; i = next++) {
        await monorail.nodes.ask(idOf(i), { type: 'node.create', spec: { name: `bench-${i}`, identifiers: [`52:54:01:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`] } });
      }
    }),
  );
  const login = await fetch(`${base}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
  const { token } = (await login.json()) as { token: string };
  const auth = [`Authorization: JWT ${token}`];
  const one = await fetch(`${base}/api/2.0/nodes/${idOf(Math.floor(NODES / 2))}`, { headers: { authorization: `JWT ${token}` } });
  const body = await one.text();
  if (one.status !== 200) throw new Error(`GET node answered ${one.status}: ${body}`);

  // The reference: the same HTTP stack (express on node:http) answering a fixed body of the same size.
  const bare = express();
  bare.get('/node', (_req, res) => res.type('application/json').send(body));
  const bareServer = createServer(bare);
  await new Promise<void>((resolve) => bareServer.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  const barePort = (bareServer.address() as AddressInfo).port;

  const single = await wrk(`${base}/api/2.0/nodes/${idOf(Math.floor(NODES / 2))}`, auth);
  const page = await wrk(`${base}/api/2.0/nodes?$skip=${Math.floor(NODES / 2)}&$top=100`, auth);
  const reference = await wrk(`http://127.0.0.1:${barePort}/node`);
  await new Promise<void>((resolve) => bareServer.close(() => resolve()));
  await monorail.stop();
  rmSync(root, { recursive: true, force: true });

  console.log(`northbound API, ${fmt(NODES)} nodes on the embedded store, wrk -t2 -c${CONNECTIONS} -d${SECONDS}s, JWT auth`);
  console.log(`  GET /api/2.0/nodes/:id                         ${fmt(single.rps)} req/s  p50 ${single.p50}  p99 ${single.p99}  errors: ${single.errors}`);
  console.log(`  GET /api/2.0/nodes?$skip=${Math.floor(NODES / 2)}&$top=100       ${fmt(page.rps)} req/s  p50 ${page.p50}  p99 ${page.p99}  errors: ${page.errors}`);
  console.log(`  reference: bare express, same ${fmt(body.length)}-byte body  ${fmt(reference.rps)} req/s  p50 ${reference.p50}  p99 ${reference.p99}`);
}

await main();
