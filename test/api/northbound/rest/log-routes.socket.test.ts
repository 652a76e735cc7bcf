/**
 * The logs API on a whole member over real sockets (issue 7 point 6): the member's logger keeps records
 * (createLogger({records}), as src/cli.ts does), its syslog server listens on UDP, and the API is called
 * over HTTP with login tokens. A node's syslog lines come from real datagrams sent to the member; its and a
 * workflow's Monorail records come from the member's own work (the node handling the syslog, a graph run
 * through the API). Both come back newest first, paged with Link headers, filtered by level and time; an
 * OBM password never reaches the records or the log; unknown ids are 404, bad queries 400 naming the field,
 * and a ReadOnly account is refused.
 */
import dgram from 'node:dgram';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/config/load-config.ts';
import { createLogger, forNode, type Logger } from '../../../../src/logging/logger.ts';
import { LogRecords } from '../../../../src/logging/log-records.ts';
import { startMonorail, type Monorail } from '../../../../src/monorail.ts';
import { tempStore, type TempStore } from '../../../support/temp-store.ts';

let temp: TempStore;
let monorail: Monorail;
let log: Logger;
const written: string[] = [];
let httpPort = 0;
let syslogPort = 0;
const tokens: Record<'Operator' | 'ReadOnly', string> = { Operator: '', ReadOnly: '' };
const mac = '52:54:00:10:90:07';
let nodeId = '';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly json: unknown;
  readonly text: string;
}

function call(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<Answer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = {
    ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
    ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
  };
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: httpPort, method, path, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json, text });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const get = (path: string, token = tokens.Operator) => call('GET', path, { token });
type Item = Record<string, unknown>;
const items = (a: Answer): Item[] => a.json as Item[];

/** The paging of one RFC 8288 Link relation of an answer. */
function linkTo(a: Answer, rel: string): { skip: string | null; top: string | null } | undefined {
  const link = String(a.headers['link'] ?? '');
  const target = link.split(', ').find((l) => l.endsWith(`; rel="${rel}"`));
  if (target === undefined) return undefined;
  const url = new URL(target.slice(1, target.indexOf('>')), 'http://x');
  return { skip: url.searchParams.get('$skip'), top: url.searchParams.get('$top') };
}

function sendSyslog(message: string): Promise<void> {
  const socket = dgram.createSocket('udp4');
  return new Promise<void>((resolve, reject) => socket.send(Buffer.from(message), syslogPort, '127.0.0.1', (e) => (e ? reject(e) : resolve()))).finally(() => socket.close());
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  temp = tempStore('monorail-logs-');
  const config = loadConfig({
    layers: [
      {
        memberId: 'logs-test',
        dataDir: temp.dir,
        store: { path: temp.dir },
        actors: { passivateAfterMs: 0 },
        http: { host: '127.0.0.1', port: 0 },
        microkernel: { image: 'none' },
        syslog: { enabled: true, host: '127.0.0.1', port: 0 },
        auth: { passwordHashCost: 12 },
      },
    ],
  });
  // The log itself at info; the records store down to debug, as an operator would set it to see a node's detail.
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      written.push(chunk.toString());
      cb();
    },
  });
  log = createLogger({ level: 'info', memberId: config.memberId, destination, records: new LogRecords({ level: 'debug', keepPerKey: 200 }) });
  monorail = await startMonorail(config, { log });
  httpPort = monorail.servers.find((s) => s.name === 'http')?.addresses()[0]?.port ?? 0;
  syslogPort = monorail.servers.find((s) => s.name === 'syslog')?.addresses().find((a) => a.protocol === 'udp')?.port ?? 0;
  const auth = monorail.api?.auth;
  if (auth === undefined || httpPort === 0 || syslogPort === 0) throw new Error('the member serves no HTTP API or syslog');
  for (const role of ['Operator', 'ReadOnly'] as const) {
    const username = `logs-${role.toLowerCase()}`;
    const password = `pw-${role}-0123456789`;
    await auth.users.create({ username, password, role });
    const login = await call('POST', '/login', { body: { username, password } });
    tokens[role] = (login.json as { token: string }).token;
  }
  // The machine at 127.0.0.1, as its DHCP request would make it known (the directory port DHCP calls).
  nodeId = (await monorail.directory.resolveMac(mac, '127.0.0.1')).nodeId;
}, 60_000);

afterAll(async () => {
  await monorail?.stop();
  temp?.cleanup();
});

describe('GET /nodes/{identifier}/logs (syslog)', () => {
  it('returns the syslog lines the machine sent, newest first and paged, filtered by severity and time', async () => {
    // 25 RFC 5424 lines, severities cycling 0..7 (facility 1, user).
    for (let i = 0; i < 25; i += 1) await sendSyslog(`<${8 + (i % 8)}>1 2026-03-01T10:00:${String(i).padStart(2, '0')}Z node7 installer 42 - - line ${i}`);
    await until('the node to keep all 25 lines', async () => ((await get(`/api/2.0/nodes/${nodeId}/logs?$top=1`)).headers['x-total-count'] === '25' ? true : undefined));

    const first = await get(`/api/2.0/nodes/${nodeId}/logs?$top=10`);
    expect(first.status).toBe(200);
    expect(first.headers['x-total-count']).toBe('25');
    expect(items(first).map((l) => l['message'])).toEqual(Array.from({ length: 10 }, (_, k) => `line ${24 - k}`));
    expect(items(first)[0]).toMatchObject({ node: nodeId, source: 'syslog', ipAddress: '127.0.0.1', appName: 'installer', hostname: 'node7', facility: 1, severity: 0 });
    expect(linkTo(first, 'next')).toEqual({ skip: '10', top: '10' });
    expect(linkTo(first, 'last')).toEqual({ skip: '20', top: '10' });

    const last = await get(`/api/2.0/nodes/${nodeId}/logs?$skip=20&$top=10`);
    expect(items(last).map((l) => l['message'])).toEqual(['line 4', 'line 3', 'line 2', 'line 1', 'line 0']);
    expect(linkTo(last, 'prev')).toEqual({ skip: '10', top: '10' });
    expect(linkTo(last, 'next')).toBeUndefined();

    // By MAC too, as every node sub-resource.
    expect((await get(`/api/2.0/nodes/${encodeURIComponent(mac)}/logs?$top=1`)).headers['x-total-count']).toBe('25');

    // err: severities 0..3.
    const errors = await get(`/api/2.0/nodes/${nodeId}/logs?level=err`);
    expect(items(errors).length).toBe(13);
    expect(items(errors).every((l) => (l['severity'] as number) <= 3)).toBe(true);

    // Time received: everything from the 20th line's arrival on.
    const all = items(await get(`/api/2.0/nodes/${nodeId}/logs`));
    const pivot = all.find((l) => l['message'] === 'line 5');
    const since = String(pivot?.['receivedAt']);
    const after = items(await get(`/api/2.0/nodes/${nodeId}/logs?since=${encodeURIComponent(since)}`));
    expect(after.length).toBe(all.filter((l) => String(l['receivedAt']) >= since).length);
    expect(after.map((l) => l['message'])).toContain('line 5');
    // Lines received in the same millisecond as line 5 belong after it too; none received earlier does.
    expect(after.every((l) => String(l['receivedAt']) >= since)).toBe(true);
    const before = items(await get(`/api/2.0/nodes/${nodeId}/logs?until=${encodeURIComponent(since)}`));
    expect(before.length + after.length - all.filter((l) => l['receivedAt'] === since).length).toBe(25);
    expect((await get(`/api/2.0/nodes/${nodeId}/logs?until=2000-01-01T00:00:00Z`)).json).toEqual([]);
  });
});

describe('Monorail\'s own records', () => {
  it('GET /nodes/{identifier}/logs/monorail returns the member\'s records about the node, at the store\'s level, newest first and paged', async () => {
    await sendSyslog('<14>1 2026-03-01T11:00:00Z node7 app - - - one more');
    // The node entity logs each observation at debug: below the log's level, kept by the store.
    const page = await until('the node\'s records', async () => {
      const a = await get(`/api/2.0/nodes/${nodeId}/logs/monorail?$top=5`);
      return items(a).length > 0 && Number(a.headers['x-total-count']) >= 26 ? a : undefined;
    });
    expect(page.status).toBe(200);
    expect(page.headers['x-monorail-member']).toBe('logs-test');
    expect(items(page)).toHaveLength(5);
    expect(linkTo(page, 'next')).toEqual({ skip: '5', top: '5' });
    const records = items(await get(`/api/2.0/nodes/${nodeId}/logs/monorail?$top=1000`));
    expect(records.every((r) => r['nodeId'] === nodeId && r['memberId'] === 'logs-test')).toBe(true);
    const observed = records.filter((r) => r['msg'] === 'observed');
    expect(observed.length).toBeGreaterThanOrEqual(26);
    expect(observed.every((r) => r['level'] === 'debug')).toBe(true);
    // Newest first.
    const times = records.map((r) => Date.parse(String(r['time'])));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    // The log's own destination got none of the debug records.
    expect(written.join('')).not.toMatch(/"msg":"observed"/);
    // level=info leaves the debug records out.
    expect(items(await get(`/api/2.0/nodes/${nodeId}/logs/monorail?level=info`)).some((r) => r['level'] === 'debug')).toBe(false);
    // A time window after everything is empty.
    expect((await get(`/api/2.0/nodes/${nodeId}/logs/monorail?since=2999-01-01T00:00:00Z`)).json).toEqual([]);
  });

  it('GET /workflows/{identifier}/logs returns the records of a graph run on the node', async () => {
    const run = await call('POST', `/api/2.0/nodes/${nodeId}/workflows?name=Graph.noop-example`, { token: tokens.Operator });
    expect(run.status).toBe(201);
    const workflowId = String((run.json as Item)['instanceId'] ?? (run.json as Item)['id']);
    await until('the graph to finish', async () => {
      const wf = (await get(`/api/2.0/workflows/${workflowId}`)).json as Item;
      return ['succeeded', 'failed', 'cancelled'].includes(String(wf['status'])) ? true : undefined;
    });
    const records = items(await get(`/api/2.0/workflows/${workflowId}/logs`));
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => r['workflowId'] === workflowId)).toBe(true);
    expect(records.map((r) => r['msg'])).toContain('workflow created');
    const paged = await get(`/api/2.0/workflows/${workflowId}/logs?$top=1&$skip=1`);
    expect(items(paged)).toEqual([records[1]]);
    expect(paged.headers['x-total-count']).toBe(String(records.length));
    // The node's records include the run's (they carry the node id too).
    const nodeRecords = items(await get(`/api/2.0/nodes/${nodeId}/logs/monorail?$top=1000`));
    expect(nodeRecords.some((r) => r['workflowId'] === workflowId && r['msg'] === 'workflow created')).toBe(true);
  });

  it('never shows an OBM password, whether set through the API or logged by the member', async () => {
    const secret = 'Obm-Secret-9c41e2';
    const put = await call('PUT', `/api/2.0/nodes/${nodeId}/obm`, { token: tokens.Operator, body: { service: 'ipmi-obm-service', config: { host: '10.9.9.9', user: 'admin', password: secret } } });
    expect(put.status).toBeLessThan(300);
    forNode(log, nodeId).warn({ obm: { service: 'ipmi-obm-service', config: { host: '10.9.9.9', user: 'admin', password: secret } } }, 'obm logged with its password field');
    log.child({ nodeId, bmcPassword: secret }).error('bound secret');
    const records = await get(`/api/2.0/nodes/${nodeId}/logs/monorail?$top=1000`);
    expect(records.text).toContain('obm logged with its password field');
    expect(records.text).toContain('bound secret');
    expect(records.text).toContain('[redacted]');
    expect(records.text).not.toContain(secret);
    expect(written.join('')).not.toContain(secret);
  });
});

describe('refusals', () => {
  it('404 for an unknown node or workflow', async () => {
    for (const path of ['/api/2.0/nodes/0123456789abcdef01234567/logs', '/api/2.0/nodes/0123456789abcdef01234567/logs/monorail', '/api/2.0/nodes/no-such-node/logs', '/api/2.0/workflows/0123456789abcdef01234567/logs']) {
      const a = await get(path);
      expect(a.status, path).toBe(404);
    }
  });

  it('400 naming the field for a malformed query', async () => {
    const cases: [string, string][] = [
      ['$top=0', 'query.$top'],
      ['$top=1001', 'query.$top'],
      ['$top=ten', 'query.$top'],
      ['$skip=-1', 'query.$skip'],
      ['level=verbose', 'query.level'],
      ['since=yesterday', 'query.since'],
      ['since=2026-02-30T00:00:00Z', 'query.since'],
      ['until=2026-13-01T00:00:00Z', 'query.until'],
      ['since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z', 'query.until'],
      ['source=monorail', 'query.source'],
    ];
    for (const base of [`/api/2.0/nodes/${nodeId}/logs`, `/api/2.0/nodes/${nodeId}/logs/monorail`]) {
      for (const [query, field] of cases) {
        const a = await get(`${base}?${query}`);
        expect(a.status, `${base}?${query}`).toBe(400);
        expect(JSON.stringify(a.json), `${base}?${query}`).toContain(field);
      }
    }
    // Each route's own level scale: a pino level is not a syslog severity and the reverse.
    expect((await get(`/api/2.0/nodes/${nodeId}/logs?level=warn`)).status).toBe(400);
    expect((await get(`/api/2.0/nodes/${nodeId}/logs/monorail?level=err`)).status).toBe(400);
    expect((await get(`/api/2.0/nodes/${nodeId}/logs?level=warning&since=2026-03-01t00:00:00z`)).status).toBe(200);
  });

  it('is for Operators: 401 anonymously, 403 for ReadOnly', async () => {
    for (const path of [`/api/2.0/nodes/${nodeId}/logs`, `/api/2.0/nodes/${nodeId}/logs/monorail`, '/api/2.0/workflows/0123456789abcdef01234567/logs']) {
      expect((await call('GET', path)).status, path).toBe(401);
      expect((await get(path, tokens.ReadOnly)).status, path).toBe(403);
    }
  });
});
