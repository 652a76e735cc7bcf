/**
 * `POST /api/2.0/notification/alerts` and `GET /api/2.0/notification/progress` on a real member over real
 * sockets. A Redfish alert from a BMC's address (the test's 127.0.0.1, stored as a node's IPMI OBM host,
 * Redfish OBM URI, or `bmc` catalog address) is published on the event bus as RackHD's `node.alerts` event;
 * a sender that is no known BMC, a body that is not an alert, a wrong media type and an oversized body are
 * refused. Progress by node id or task id reaches the node's waiting task.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../../src/actors/events/event-bus.ts';
import { routingKeyOf } from '../../../../src/actors/events/event-bus.ts';
import { errorPaths, startRest, type RestHarness } from './rest-harness.ts';

let h: RestHarness;
const events: DomainEvent[] = [];
let unsubscribe: () => void;
beforeAll(async () => {
  h = await startRest();
  unsubscribe = h.ports.events.subscribe((e) => {
    if (e.type === 'node' && e.action === 'alerts') events.push(e);
  });
});
afterAll(async () => {
  unsubscribe();
  await h.stop();
});

const dellAlert = { EventType: 'Alert', EventId: '8689', Severity: 'Critical', Message: 'The coin cell battery in CMC 1 is not working.', MessageId: 'CMC8572', MessageArgs: ['1'], OriginOfCondition: 'CMC.Integrated.1', EventTimestamp: '2017-03-29T15:39:34-0500' };
const anonymous = () => ({ post: (url: string) => h.as().post(url).unset('x-test-role') });

async function newNode(name: string): Promise<string> {
  return ((await h.as().post('/api/2.0/nodes').send({ name, type: 'compute' })).body as { id: string }).id;
}

describe('POST /notification/alerts', () => {
  it('turns an alert from a known BMC address into a node.alerts event, without credentials', async () => {
    const node = await newNode('alerting');
    expect((await h.as().put(`/api/2.0/nodes/${node}/obm`).send({ service: 'ipmi-obm-service', config: { host: '127.0.0.1', user: 'admin', password: 'pw' } })).status).toBe(201);
    events.length = 0;
    const res = await anonymous().post('/api/2.0/notification/alerts').send(dellAlert);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ version: '1.0', type: 'node', action: 'alerts', severity: 'critical', typeId: node, nodeId: node, data: { ...dellAlert, nodeId: node, sourceIpAddress: '127.0.0.1', foundBy: 'ipmi-obm' } });
    expect(events).toHaveLength(1);
    expect(routingKeyOf(events[0] as DomainEvent)).toBe(`node.alerts.critical.${node}.${node}`);
    await h.as().delete(`/api/2.0/nodes/${node}`);
  });

  it('takes a Redfish Event with several records (one event each) and JSON labelled as a form, as vendors send it', async () => {
    const node = await newNode('redfish-alerting');
    await h.as().put(`/api/2.0/nodes/${node}/obm`).send({ service: 'redfish-obm-service', config: { uri: 'https://127.0.0.1:8443', username: 'root', password: 'pw' } });
    events.length = 0;
    const event = {
      '@odata.type': '#Event.v1_7_0.Event',
      Id: '1',
      Name: 'Event Array',
      Context: 'monorail',
      Events: [
        { EventType: 'Alert', EventId: '1', Severity: 'Warning', Message: 'Fan 2 slow', MessageId: 'ThermalEvents.1.0.FanSlow', OriginOfCondition: { '@odata.id': '/redfish/v1/Chassis/1/Thermal' } },
        { EventType: 'Alert', EventId: '2', Severity: 'OK', Message: 'Fan 2 normal', MessageId: 'ThermalEvents.1.0.FanNormal' },
      ],
    };
    const res = await anonymous().post('/api/2.0/notification/alerts').set('content-type', 'application/x-www-form-urlencoded').send(JSON.stringify(event));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject([
      { severity: 'warning', nodeId: node, data: { Context: 'monorail', MessageId: 'ThermalEvents.1.0.FanSlow', foundBy: 'redfish-obm' } },
      { severity: 'information', nodeId: node, data: { EventId: '2' } },
    ]);
    expect(events.map((e) => e.severity)).toEqual(['warning', 'information']);
    await h.as().delete(`/api/2.0/nodes/${node}`);
  });

  it('finds the node by its bmc catalog\u2019s address when no OBM record names it', async () => {
    const node = await newNode('catalogued');
    await h.ports.documents.collection('catalogs').put({ id: 'c0ffee0000000000000000a1', node, source: 'bmc', data: { 'IP Address': '127.0.0.1', 'MAC Address': '52:54:00:ee:00:01' }, createdAt: new Date().toISOString() });
    const res = await anonymous().post('/api/2.0/notification/alerts').send(dellAlert);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ nodeId: node, data: { sourceMacAddress: '52:54:00:ee:00:01', foundBy: 'bmc-catalog' } });
    await h.ports.documents.collection('catalogs').delete('c0ffee0000000000000000a1');
  });

  it('lets an authenticated relay name the node through Monorail\u2019s Redfish tree, but not an anonymous sender', async () => {
    const node = await newNode('relayed');
    const alert = { ...dellAlert, OriginOfCondition: { '@odata.id': `/redfish/v1/Systems/${node}` } };
    const relayed = await h.as('Operator').post('/api/2.0/notification/alerts').send(alert);
    expect(relayed.status).toBe(201);
    expect(relayed.body).toMatchObject({ nodeId: node, data: { foundBy: 'origin-of-condition' } });
    const forged = await anonymous().post('/api/2.0/notification/alerts').send(alert);
    expect(forged.status).toBe(400);
    expect((forged.body as { message: string }).message).toMatch(/unrecognized node/);
  });

  it('refuses alerts from no known BMC, bodies that are not alerts, other media types and oversized bodies', async () => {
    events.length = 0;
    const unknown = await anonymous().post('/api/2.0/notification/alerts').send(dellAlert);
    expect(unknown.status).toBe(400);
    expect(errorPaths(unknown.body)).toEqual(['body']);
    for (const body of ['[1,2]', '"alert"', '{}', '{"Events": []}', '{"Events": [{"Severity": 3}]}', '{"Severity": {"x": 1}}', '{not json']) {
      const res = await anonymous().post('/api/2.0/notification/alerts').set('content-type', 'application/json').send(body);
      expect(res.status, body).toBe(400);
    }
    expect((await anonymous().post('/api/2.0/notification/alerts').set('content-type', 'text/plain').send('alert')).status).toBe(415);
    const huge = { ...dellAlert, Message: 'x'.repeat(70 * 1024) };
    expect((await anonymous().post('/api/2.0/notification/alerts').send(huge)).status).toBe(413);
    expect(events).toHaveLength(0);
  });
});

describe('GET /notification/progress', () => {
  it('delivers a milestone by node id or task id, without credentials, and names bad queries', async () => {
    const node = await newNode('installing');
    const get = (q: string) => h.as().get(`/api/2.0/notification/progress?${q}`).unset('x-test-role');
    const byNode = await get(`nodeId=${node}&value=1&maximum=4&description=partitioning`);
    expect(byNode.status).toBe(200);
    expect(byNode.headers['content-type']).toMatch(/^text\/plain/);
    expect(byNode.text).toMatch(/delivered to 0 tasks/);

    await h.ports.documents.collection('tasks').put({ id: 'task-progress-1', node, state: 'running' });
    expect((await get('taskId=task-progress-1&value=2&maximum=4')).status).toBe(200);

    expect(errorPaths((await get('taskId=no-such-task&value=1&maximum=2')).body)).toEqual(['query.taskId']);
    expect(errorPaths((await get('value=1&maximum=2')).body)).toEqual(['query.taskId']);
    expect((await get('nodeId=ffffffffffffffffffffffff&value=1&maximum=2')).status).toBe(404);
    expect(errorPaths((await get(`nodeId=${node}&value=x&maximum=2`)).body)).toContain('query.value');
    expect(errorPaths((await get(`nodeId=${node}&value=1`)).body)).toContain('query.maximum');
    expect(errorPaths((await get(`nodeId=${node}&value=5&maximum=2`)).body)).toEqual(['query.value']);
    expect(errorPaths((await get(`nodeId=${node}&value=1&maximum=2&colour=red`)).body)).toContain('query.colour');
  });
});
