/**
 * The EventService against real HTTP receivers started by the test: subscriptions are created (201 +
 * Location), kept in the store across a restart, and refused when they conflict or make no sense; RackHD's
 * events reach them as Redfish events (a node added or removed → ResourceEvent, a graph started or finished
 * → TaskEvent) that validate against the DMTF Event schema, with the subscription's Context and secret
 * headers; SubmitTestEvent goes the same way. A receiver that fails and recovers gets the event after
 * retries; one that keeps failing suspends or terminates the subscription, as its DeliveryRetryPolicy says,
 * and the subscription shows it. Every attempt carries a W3C `traceparent` in the trace the event was
 * published in, a span of its own that the attempt's log lines carry too.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/actors/events/event-bus.ts';
import { loadRedfishSchemas, type RedfishSchemaValidator } from '../../../src/api/redfish/json-schema-validator.ts';
import { newTrace, parseTraceparent, type TraceContext } from '../../../src/tracing/trace-context.ts';
import { runInTrace, runUntraced } from '../../../src/tracing/trace-scope.ts';
import { tempStore } from '../../support/temp-store.ts';
import { ADMIN, basic, bodyOf, errorOf, startRedfishService, workflowFinished, type RedfishService } from '../../support/redfish-service.ts';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: { Context?: string; Events: { MessageId: string; MessageArgs: string[]; OriginOfCondition?: { '@odata.id': string }; Context?: string; EventType: string }[] } & Record<string, unknown>;
}

/** An HTTP receiver that answers `fail` failures (503) before it answers 204; `Infinity` never recovers. */
class Receiver {
  readonly received: Received[] = [];
  /** The headers of every request, answered or failed. */
  readonly heads: IncomingHttpHeaders[] = [];
  attempts = 0;
  private readonly server: Server;

  constructor(public fail = 0) {
    this.server = createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (text += c));
      req.on('end', () => {
        this.attempts += 1;
        this.heads.push(req.headers);
        if (this.fail > 0) {
          this.fail -= 1;
          res.writeHead(503).end();
          return;
        }
        this.received.push({ headers: req.headers, body: JSON.parse(text) as Received['body'] });
        res.writeHead(204).end();
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/events`;
  }

  async until(predicate: (r: Received[]) => boolean, what: string): Promise<void> {
    for (let i = 0; i < 500; i++) {
      if (predicate(this.received)) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`receiver never saw ${what}; got ${JSON.stringify(this.received.map((r) => r.body.Events.map((e) => e.MessageId)))}`);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let s: RedfishService;
let schemas: RedfishSchemaValidator;
const receivers: Receiver[] = [];
const admin = { Authorization: basic(ADMIN) };
const subscriptions = '/redfish/v1/EventService/Subscriptions';

async function receiver(fail = 0): Promise<Receiver> {
  const r = await new Receiver(fail).start();
  receivers.push(r);
  return r;
}

/** Polls `check` until it holds (the delivery queue works in the background). */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never: ${what}`);
}

const stateOf = async (location: string): Promise<string | undefined> => {
  const res = await request(s.app).get(location).set(admin);
  return res.status === 200 ? (bodyOf(res)['Status'] as { State: string }).State : undefined;
};

async function subscribe(body: Record<string, unknown>): Promise<string> {
  const res = await request(s.app).post(subscriptions).set(admin).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return String(res.headers['location']);
}

beforeAll(async () => {
  schemas = loadRedfishSchemas();
  s = await startRedfishService({ retryAttempts: 2, retryIntervalMs: 30 });
});
afterEach(async () => {
  // Each test subscribes its own receivers; they are removed so other tests' events do not reach them.
  for (const sub of await s.fixture.monorail.store.documents.collection('subscriptions').find({})) await s.fixture.monorail.store.documents.collection('subscriptions').delete(sub.id);
  await s.delivery.drained();
});
afterAll(async () => {
  for (const r of receivers) await r.close();
  await s?.stop();
});

describe('EventService subscriptions', () => {
  it('a node added and removed, and a graph started and finished, arrive as ResourceEvent and TaskEvent events that validate, with Context and secret headers', async () => {
    const r = await receiver();
    const location = await subscribe({ Destination: r.url, Context: 'rack-7', Protocol: 'Redfish', HttpHeaders: [{ 'X-Hook-Secret': 'hunter2-long-secret' }] });
    const got = await request(s.app).get(location).set(admin);
    expect(bodyOf(got)).toMatchObject({ Destination: r.url, Context: 'rack-7', HttpHeaders: [], DeliveryRetryPolicy: 'SuspendRetries', Status: { State: 'Enabled', Health: 'OK' } });
    expect(schemas.validatorFor(String(bodyOf(got)['@odata.type']))(got.body)).toBe(true);
    const stored = JSON.stringify(await s.fixture.monorail.store.documents.collection('subscriptions').find({}));
    expect(stored).not.toContain('hunter2');

    const m = s.fixture.monorail;
    const nodeId = '5f00000000000000000d0001';
    await m.nodes.ask(nodeId, { type: 'node.create', spec: { name: 'evt', identifiers: ['52:54:00:dd:00:01'], type: 'compute' } });
    const wf = await m.workflows.run({ graphName: 'Graph.noop-example' });
    await workflowFinished(s, wf.id);
    await m.nodes.ask(nodeId, { type: 'node.delete' });
    await r.until((got) => got.length >= 4, 'four events');

    const events = r.received.map((x) => x.body.Events[0]);
    expect(events.map((e) => e?.MessageId)).toEqual(['ResourceEvent.1.4.ResourceCreated', 'TaskEvent.1.0.TaskStarted', 'TaskEvent.1.0.TaskCompletedOK', 'ResourceEvent.1.4.ResourceRemoved']);
    expect(events[0]).toMatchObject({ EventType: 'ResourceAdded', OriginOfCondition: { '@odata.id': `/redfish/v1/Systems/${nodeId}` }, Context: 'rack-7' });
    expect(events[2]).toMatchObject({ MessageArgs: [wf.id], OriginOfCondition: { '@odata.id': `/redfish/v1/TaskService/Tasks/${wf.id}` } });
    for (const x of r.received) {
      expect(x.headers['x-hook-secret']).toBe('hunter2-long-secret');
      expect(x.headers['content-type']).toMatch(/^application\/json/);
      expect(x.body.Context).toBe('rack-7');
      const validate = schemas.validatorFor(String(x.body['@odata.type']));
      expect(validate(x.body), JSON.stringify(validate.errors)).toBe(true);
    }
    await s.delivery.drained();
    expect(bodyOf(await request(s.app).get(location).set(admin))).toMatchObject({ Oem: { Monorail: { Delivery: { delivered: 4, failedAttempts: 0 } } } });
  });

  it('RegistryPrefixes and ResourceTypes filter what a subscriber gets', async () => {
    const tasks = await receiver();
    const systems = await receiver();
    await subscribe({ Destination: tasks.url, RegistryPrefixes: ['TaskEvent'] });
    await subscribe({ Destination: systems.url, ResourceTypes: ['ComputerSystem'] });
    const m = s.fixture.monorail;
    await m.nodes.ask('5f00000000000000000d0002', { type: 'node.create', spec: { name: 'filtered', identifiers: ['52:54:00:dd:00:02'], type: 'compute' } });
    await m.nodes.ask('5f00000000000000000d0003', { type: 'node.create', spec: { name: 'a-switch', identifiers: ['52:54:00:dd:00:03'], type: 'switch' } });
    await workflowFinished(s, (await m.workflows.run({ graphName: 'Graph.noop-example' })).id);
    await tasks.until((got) => got.length >= 2, 'the task events');
    await systems.until((got) => got.length >= 1, 'the system event');
    await s.delivery.drained();
    expect(tasks.received.map((x) => x.body.Events[0]?.MessageId)).toEqual(['TaskEvent.1.0.TaskStarted', 'TaskEvent.1.0.TaskCompletedOK']);
    // The switch is not a ComputerSystem: no event.
    expect(systems.received.map((x) => x.body.Events[0]?.MessageId)).toEqual(['ResourceEvent.1.4.ResourceCreated']);
  });

  it('SubmitTestEvent sends a test event to the subscribers', async () => {
    const r = await receiver();
    await subscribe({ Destination: r.url, Context: 'test' });
    const res = await request(s.app).post('/redfish/v1/EventService/Actions/EventService.SubmitTestEvent').set(admin).send({ MessageId: 'ResourceEvent.1.4.TestMessage', EventId: 'probe-1', Severity: 'OK', OriginOfCondition: '/redfish/v1/Systems' });
    expect(res.status).toBe(204);
    await r.until((got) => got.length >= 1, 'the test event');
    expect(r.received[0]?.body.Events[0]).toMatchObject({ MessageId: 'ResourceEvent.1.4.TestMessage', EventId: 'probe-1', OriginOfCondition: { '@odata.id': '/redfish/v1/Systems' }, Context: 'test' });
    const bad = await request(s.app).post('/redfish/v1/EventService/Actions/EventService.SubmitTestEvent').set(admin).send({ MessageArgs: 'not-a-list' });
    expect(bad.status).toBe(400);
    expect(errorOf(bad).code).toBe('Base.1.22.ActionParameterValueTypeError');
  });
});

describe('delivery with retries', () => {
  it('a receiver that fails twice and recovers gets the event, after the retries the subscription counts', async () => {
    const r = await receiver(2);
    const location = await subscribe({ Destination: r.url });
    await request(s.app).post('/redfish/v1/EventService/Actions/EventService.SubmitTestEvent').set(admin).send({});
    await r.until((got) => got.length === 1, 'the event after two failures');
    expect(r.attempts).toBe(3);
    await s.delivery.drained();
    const sub = await request(s.app).get(location).set(admin);
    expect(bodyOf(sub)).toMatchObject({ Status: { State: 'Enabled', Health: 'OK' }, Oem: { Monorail: { Delivery: { delivered: 1, failedAttempts: 2, lastError: 'HTTP 503' } } } });
  });

  it('SuspendRetries: a receiver that never answers suspends the subscription; ResumeSubscription brings it back', async () => {
    const r = await receiver(Infinity);
    const location = await subscribe({ Destination: r.url, DeliveryRetryPolicy: 'SuspendRetries' });
    await request(s.app).post('/redfish/v1/EventService/Actions/EventService.SubmitTestEvent').set(admin).send({});
    await eventually(async () => (await stateOf(location)) === 'Disabled', 'the subscription suspended');
    await s.delivery.drained();
    expect(r.attempts).toBe(3);
    expect(bodyOf(await request(s.app).get(location).set(admin))).toMatchObject({ Status: { State: 'Disabled', Health: 'Critical' }, Oem: { Monorail: { Delivery: { failedAttempts: 3, dropped: 1 } } } });
    // Suspended: events are not even attempted.
    await request(s.app).post('/redfish/v1/EventService/Actions/EventService.SubmitTestEvent').set(admin).send({});
    await s.delivery.drained();
    expect(r.attempts).toBe(3);

    r.fail = 0;
    expect((await request(s.app).post(`${location}/Actions/EventDestination.ResumeSubscription`).set(admin).send({})).status).toBe(204);
    await request(s.app).post('/redfish/v1/EventService/Actions/EventService.SubmitTestEvent').set(admin).send({ EventId: 'after-resume' });
    await r.until((got) => got.some((x) => x.body.Events[0]?.MessageId !== undefined), 'an event after resuming');
    expect(bodyOf(await request(s.app).get(location).set(admin))['Status']).toMatchObject({ State: 'Enabled' });
  });

  it('TerminateAfterRetries: a receiver that never answers ends the subscription', async () => {
    const r = await receiver(Infinity);
    const location = await subscribe({ Destination: r.url, DeliveryRetryPolicy: 'TerminateAfterRetries' });
    await request(s.app).post('/redfish/v1/EventService/Actions/EventService.SubmitTestEvent').set(admin).send({});
    await eventually(async () => (await stateOf(location)) === undefined, 'the subscription terminated');
    expect((await request(s.app).get(location).set(admin)).status).toBe(404);
    expect(r.attempts).toBe(3);
  });

  it('a destination nobody listens on counts as a failure, not a crash', async () => {
    const closed = await receiver();
    const url = closed.url;
    await closed.close();
    receivers.splice(receivers.indexOf(closed), 1);
    const location = await subscribe({ Destination: url, DeliveryRetryPolicy: 'SuspendRetries' });
    await request(s.app).post('/redfish/v1/EventService/Actions/EventService.SubmitTestEvent').set(admin).send({});
    await eventually(async () => (await stateOf(location)) === 'Disabled', 'the subscription suspended');
    const delivery = (bodyOf(await request(s.app).get(location).set(admin))['Oem'] as { Monorail: { Delivery: { lastError: string; failedAttempts: number } } }).Monorail.Delivery;
    expect(delivery.failedAttempts).toBe(3);
    expect(delivery.lastError).toMatch(/fetch failed|ECONNREFUSED/);
  });
});

describe('bad subscriptions', () => {
  it('a second subscription to the same Destination is 409 ResourceAlreadyExists', async () => {
    const r = await receiver();
    await subscribe({ Destination: r.url });
    const again = await request(s.app).post(subscriptions).set(admin).send({ Destination: r.url, Context: 'other' });
    expect(again.status).toBe(409);
    expect(errorOf(again)['@Message.ExtendedInfo'][0]).toMatchObject({ MessageId: 'Base.1.22.ResourceAlreadyExists', MessageArgs: ['EventDestination', 'Destination', r.url] });
  });

  it('refuses what it cannot honour, naming every property, and creates nothing', async () => {
    const cases: [unknown, string[]][] = [
      [{}, ['CreateFailedMissingReqProperties']],
      [{ Destination: 'ftp://example.com/x' }, ['PropertyValueFormatError']],
      [{ Destination: 'not a url' }, ['PropertyValueFormatError']],
      [{ Destination: 42 }, ['PropertyValueTypeError']],
      [{ Destination: 'http://127.0.0.1:1/x', Protocol: 'SNMPv2c' }, ['PropertyValueNotInList']],
      [{ Destination: 'http://127.0.0.1:1/x', RegistryPrefixes: ['Nope'], ResourceTypes: 'Task' }, ['PropertyValueNotInList', 'PropertyValueTypeError']],
      [{ Destination: 'http://127.0.0.1:1/x', HttpHeaders: { a: 'b' } }, ['PropertyValueTypeError']],
      [{ Destination: 'http://127.0.0.1:1/x', DeliveryRetryPolicy: 'Sometimes', Colour: 'red' }, ['PropertyValueNotInList', 'PropertyUnknown']],
      [{ Destination: `http://example.com/${'x'.repeat(3000)}` }, ['PropertyValueFormatError']],
    ];
    for (const [body, keys] of cases) {
      const res = await request(s.app).post(subscriptions).set(admin).send(body as object);
      expect(res.status, JSON.stringify(body).slice(0, 100)).toBe(400);
      expect(errorOf(res)['@Message.ExtendedInfo'].map((m) => m.MessageId.split('.').pop()), JSON.stringify(body).slice(0, 100)).toEqual(keys);
    }
    const garbage = await request(s.app).post(subscriptions).set(admin).set('Content-Type', 'application/json').send('{"Destination": ');
    expect(errorOf(garbage).code).toBe('Base.1.22.MalformedJSON');
    expect(await s.fixture.monorail.store.documents.collection('subscriptions').count({})).toBe(0);
  });

  it('PATCH changes Context and the retry policy only; DELETE unsubscribes', async () => {
    const r = await receiver();
    const location = await subscribe({ Destination: r.url });
    const patched = await request(s.app).patch(location).set(admin).send({ Context: 'renamed', DeliveryRetryPolicy: 'RetryForever' });
    expect(patched.status).toBe(200);
    expect(bodyOf(patched)).toMatchObject({ Context: 'renamed', DeliveryRetryPolicy: 'RetryForever' });
    const readOnly = await request(s.app).patch(location).set(admin).send({ Destination: 'http://elsewhere/' });
    expect(readOnly.status).toBe(400);
    expect(errorOf(readOnly).code).toBe('Base.1.22.PropertyNotWritable');
    expect((await request(s.app).delete(location).set(admin)).status).toBe(204);
    expect((await request(s.app).get(location).set(admin)).status).toBe(404);
    expect((await request(s.app).delete(location).set(admin)).status).toBe(404);
  });
});

describe('persistence', () => {
  it('a subscription survives a restart of the member', async () => {
    const temp = tempStore();
    try {
      const first = await startRedfishService({ temp });
      const created = await request(first.app).post(subscriptions).set(admin).send({ Destination: 'http://127.0.0.1:9/kept', Context: 'kept' });
      expect(created.status).toBe(201);
      await first.stop();
      const second = await startRedfishService({ temp });
      try {
        const got = await request(second.app).get(String(created.headers['location'])).set(admin);
        expect(got.status).toBe(200);
        expect(bodyOf(got)).toMatchObject({ Destination: 'http://127.0.0.1:9/kept', Context: 'kept' });
      } finally {
        await second.stop();
      }
    } finally {
      temp.cleanup();
    }
  });
});

/** A compute node added, as the node entity publishes it. */
function nodeAdded(nodeId: string): DomainEvent {
  return { version: '1.0', type: 'node', action: 'added', severity: 'information', typeId: nodeId, nodeId, createdAt: new Date().toISOString(), data: { nodeType: 'compute' } };
}

function traceOf(headers: IncomingHttpHeaders | undefined): TraceContext {
  const raw = headers?.['traceparent'];
  const parsed = typeof raw === 'string' ? parseTraceparent(raw) : undefined;
  if (parsed === undefined) throw new Error(`no valid traceparent: ${JSON.stringify(raw)}`);
  return parsed;
}

describe('trace context', () => {
  it('every attempt carries the trace the event was published in, as a span of its own that its log lines carry', async () => {
    const r = await receiver(1);
    const fixed = `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`;
    // A subscriber's own traceparent is not kept: each request names its own span.
    await subscribe({ Destination: r.url, HttpHeaders: [{ 'X-Hook-Secret': 'hunter2-long-secret', TraceParent: fixed, tracestate: 'x=y' }] });
    const published = newTrace();
    const nodeId = '5f00000000000000000d0101';
    runInTrace(published, () => s.fixture.monorail.events.publish(nodeAdded(nodeId)));
    await r.until((got) => got.length === 1, 'the event after one failure');
    await s.delivery.drained();
    expect(r.heads).toHaveLength(2);
    const [first, retry] = r.heads.map(traceOf);
    expect(first).toMatchObject({ traceId: published.traceId, flags: published.flags });
    expect(retry?.traceId).toBe(published.traceId);
    expect(new Set([published.spanId, first?.spanId, retry?.spanId]).size).toBe(3);
    for (const h of r.heads) {
      expect(h['traceparent']).not.toBe(fixed);
      expect(h['tracestate']).toBeUndefined();
      expect(h['x-hook-secret']).toBe('hunter2-long-secret');
    }
    const lines = s.fixture.captured.lines();
    expect(lines.find((l) => l['msg'] === 'redfish event delivery failed; retrying' && l['traceId'] === published.traceId)).toMatchObject({ spanId: first?.spanId, attempt: 1 });
    expect(lines.find((l) => l['msg'] === 'redfish event delivered' && l['traceId'] === published.traceId)).toMatchObject({ spanId: retry?.spanId, attempt: 2 });
  });

  it('an event published outside any trace is sent in a trace of its own, kept across retries', async () => {
    const r = await receiver(1);
    const location = await subscribe({ Destination: r.url });
    // As a subscription stored before traceparent was reserved would hold it: the delivery leaves it out too.
    const fixed = `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`;
    await s.fixture.monorail.store.documents.collection('subscriptions').update(location.split('/').pop() ?? '', { $set: { httpHeaders: s.ports.sealer.seal(JSON.stringify({ Traceparent: fixed, 'X-Kept': 'yes' })) } });
    runUntraced(() => s.fixture.monorail.events.publish(nodeAdded('5f00000000000000000d0102')));
    await r.until((got) => got.length === 1, 'the event after one failure');
    await s.delivery.drained();
    const [first, retry] = r.heads.map(traceOf);
    expect(retry?.traceId).toBe(first?.traceId);
    expect(retry?.spanId).not.toBe(first?.spanId);
    expect(first?.traceId).not.toBe('ab'.repeat(16));
    expect(r.heads.every((h) => h['x-kept'] === 'yes')).toBe(true);
  });
});
