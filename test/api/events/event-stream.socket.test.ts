/**
 * The Server-Sent Events stream over real HTTP, read by a real client (fetch's body stream): topic
 * filters, resumption with Last-Event-ID from the ring, the reset notice when that is impossible,
 * keep-alive comments, the client limit, slow clients cut off, and streams ended on stop.
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus, routingKeyOf, type DomainEvent } from '../../../src/actors/events/event-bus.ts';
import { ManualClock } from '../../../src/actors/runtime/clock.ts';
import { EventStream, type EventStreamOptions } from '../../../src/api/events/event-stream.ts';
import { eventStreamRoutes } from '../../../src/api/events/event-stream-routes.ts';
import { errorHandler } from '../../../src/api/error-handler.ts';
import { ApiRegistry, type Authenticator } from '../../../src/api/northbound/api-registry.ts';
import type { Role } from '../../../src/api/northbound/api-route.ts';
import { captureLog } from '../../support/test-logger.ts';

const headerAuth: Authenticator = {
  async authenticate(req) {
    const role = req.headers['x-test-role'];
    return role === undefined ? undefined : { username: 'tester', role: role as Role, via: 'token' };
  },
};

interface Message {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

interface Fixture {
  readonly bus: EventBus;
  readonly stream: EventStream;
  readonly base: string;
  readonly clock: ManualClock;
  readonly server: Server;
}

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of open.splice(0).reverse()) await c();
});

async function fixture(options: Partial<EventStreamOptions> = {}): Promise<Fixture> {
  const { log } = captureLog();
  const bus = new EventBus(log);
  const clock = new ManualClock();
  const stream = new EventStream({ log, options, clock });
  stream.start(bus);
  const registry = new ApiRegistry({ authenticator: headerAuth, log });
  registry.add({ name: 'rest', bases: ['/api/2.0'], routes: eventStreamRoutes(stream) });
  const app = express();
  app.set('query parser', 'simple');
  registry.mount(app);
  app.use(errorHandler(log));
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push(async () => {
    stream.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { bus, stream, clock, server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/2.0` };
}

/** A real SSE client on fetch: parses the stream into messages as they arrive (WHATWG HTML §9.2.6). */
async function subscribe(url: string, headers: Record<string, string> = {}): Promise<{ status: number; messages: Message[]; next(n: number): Promise<Message[]>; done: Promise<void>; close(): void }> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { 'x-test-role': 'ReadOnly', ...headers }, signal: abort.signal });
  const messages: Message[] = [];
  const waiters: (() => void)[] = [];
  let ended = false;
  const done = (async () => {
    if (res.body === null) return;
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of res.body) {
        buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        let cut: number;
        while ((cut = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, cut);
          buffered = buffered.slice(cut + 2);
          const m: Message = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) m.comment = line.slice(1).trim();
            else {
              const i = line.indexOf(':');
              const field = i < 0 ? line : line.slice(0, i);
              const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
              if (field === 'id' || field === 'event' || field === 'data') m[field] = value;
            }
          }
          messages.push(m);
          for (const w of waiters.splice(0)) w();
        }
      }
    } catch {
      // aborted by close()
    } finally {
      ended = true;
      for (const w of waiters.splice(0)) w();
    }
  })();
  open.push(async () => {
    abort.abort();
    await done;
  });
  return {
    status: res.status,
    messages,
    async next(n) {
      const deadline = Date.now() + 10_000;
      while (messages.length < n && !ended && Date.now() < deadline) await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 200); });
      if (messages.length < n) throw new Error(`expected ${n} messages, got ${messages.length}: ${JSON.stringify(messages)}`);
      return messages.slice(0, n);
    },
    done,
    close: () => abort.abort(),
  };
}

let n = 0;
const event = (type: string, action: string): DomainEvent => {
  n++;
  return { version: '1.0', type, action, severity: 'information', typeId: `t${n}`, nodeId: `node${n}`, createdAt: new Date().toISOString(), data: { n } };
};
const events = (ms: Message[]): DomainEvent[] => ms.filter((m) => m.data !== undefined && m.event === undefined).map((m) => JSON.parse(m.data ?? '') as DomainEvent);

describe('the event stream', () => {
  it('streams the events whose routing key matches the filter, with ids, after a retry hint', async () => {
    const f = await fixture();
    const c = await subscribe(`${f.base}/events?filter=node.%23,graph.finished.%23`);
    expect(c.status).toBe(200);
    await c.next(1);
    expect(c.messages[0]?.comment).toContain('monorail events');
    const sent = [event('node', 'added'), event('graph', 'started'), event('graph', 'finished'), event('heartbeat', 'updated'), event('node', 'removed')];
    for (const e of sent) f.bus.publish(e);
    const got = events(await c.next(4)).map(routingKeyOf);
    expect(got).toEqual([sent[0], sent[2], sent[4]].map((e) => routingKeyOf(e as DomainEvent)));
    expect(c.messages.slice(1).every((m) => /^[0-9a-z]+-\d+$/.test(m.id ?? ''))).toBe(true);
  });

  it('resumes after Last-Event-ID with what was missed, then live', async () => {
    const f = await fixture();
    const first = await subscribe(`${f.base}/events?filter=node.%23`);
    await first.next(1);
    f.bus.publish(event('node', 'added'));
    const [, m1] = await first.next(2);
    first.close();
    await first.done;
    const missed = [event('node', 'discovered'), event('graph', 'started'), event('node', 'sku.assigned')];
    for (const e of missed) f.bus.publish(e);
    const again = await subscribe(`${f.base}/events?filter=node.%23`, { 'Last-Event-ID': m1?.id ?? '' });
    await again.next(3);
    const live = event('node', 'removed');
    f.bus.publish(live);
    const got = events(await again.next(4));
    expect(got.map(routingKeyOf)).toEqual([missed[0], missed[2], live].map((e) => routingKeyOf(e as DomainEvent)));
    // The query parameter does the same for clients that cannot set the header.
    const byQuery = await subscribe(`${f.base}/events?filter=node.%23&lastEventId=${encodeURIComponent(m1?.id ?? '')}`);
    expect(events(await byQuery.next(4)).map(routingKeyOf)).toEqual([missed[0], missed[2], live].map((e) => routingKeyOf(e as DomainEvent)));
  });

  it('says `reset` when it cannot resume: an id from another run, or older than the ring', async () => {
    const f = await fixture({ replay: 5 });
    const foreign = await subscribe(`${f.base}/events`, { 'Last-Event-ID': 'zzzz-3' });
    const [, reset] = await foreign.next(2);
    expect(reset?.event).toBe('reset');
    expect(JSON.parse(reset?.data ?? '{}')).toMatchObject({ reason: expect.stringContaining('not from this stream') as string });
    const c = await subscribe(`${f.base}/events`);
    await c.next(1);
    for (let i = 0; i < 3; i++) f.bus.publish(event('node', 'added'));
    const [, firstId] = await c.next(2);
    for (let i = 0; i < 10; i++) f.bus.publish(event('node', 'added'));
    const late = await subscribe(`${f.base}/events`, { 'Last-Event-ID': firstId?.id ?? '' });
    const ms = await late.next(7);
    expect(ms[1]?.event).toBe('reset');
    expect(events(ms)).toHaveLength(5);
    const ahead = await subscribe(`${f.base}/events`, { 'Last-Event-ID': `${f.stream.epoch}-999` });
    expect((await ahead.next(2))[1]?.event).toBe('reset');
  });

  it('sends keep-alive comments while quiet', async () => {
    const f = await fixture({ keepAliveSeconds: 15 });
    const c = await subscribe(`${f.base}/events`);
    await c.next(1);
    f.clock.advance(15_000);
    const [, ka] = await c.next(2);
    expect(ka?.comment).toBe('keep-alive');
  });

  it('refuses bad filters (400 naming query.filter), missing credentials (401) and clients beyond the limit (429)', async () => {
    const f = await fixture({ maxClients: 1 });
    for (const bad of ['node..added', 'node.add*', '', 'a b']) {
      const res = await fetch(`${f.base}/events?filter=${encodeURIComponent(bad)}`, { headers: { 'x-test-role': 'ReadOnly' } });
      expect(res.status, bad).toBe(400);
      const body = (await res.json()) as { errors: { path: string }[] };
      expect(body.errors[0]?.path).toBe('query.filter');
    }
    expect((await fetch(`${f.base}/events`)).status).toBe(401);
    const one = await subscribe(`${f.base}/events`);
    await one.next(1);
    const two = await fetch(`${f.base}/events`, { headers: { 'x-test-role': 'ReadOnly' } });
    expect(two.status).toBe(429);
    expect(two.headers.get('retry-after')).toBe('2');
  });

  it('cuts off a client that does not read, and ends every stream on stop', async () => {
    const f = await fixture({ maxBufferedBytes: 64 * 1024 });
    const port = (f.server.address() as AddressInfo).port;
    const sock = connect(port, '127.0.0.1');
    sock.pause();
    await new Promise<void>((resolve) => sock.once('connect', resolve));
    sock.write('GET /api/2.0/events HTTP/1.1\r\nHost: x\r\nx-test-role: ReadOnly\r\n\r\n');
    const reader = await subscribe(`${f.base}/events?filter=small.%23`);
    await reader.next(1);
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 2000 && f.stream.stats().slowDisconnects === 0; i++) {
      f.bus.publish({ ...event('big', 'blob'), data: { big } });
      if (i % 10 === 0) await new Promise((r) => setImmediate(r));
      if (i === 0) expect(f.stream.stats().clients).toBe(2);
    }
    expect(f.stream.stats().slowDisconnects).toBe(1);
    expect(f.stream.stats().clients).toBe(1);
    sock.destroy();
    f.stream.stop();
    await reader.done;
    expect(f.stream.stats().clients).toBe(0);
  });
});
