/**
 * RackHD 2.0 OBM settings on a real member: stored sealed (the plaintext never reaches the store and never
 * comes back in any answer), readable by the member's OBM service with its key, upserted per node and service,
 * re-sealed by PATCH, deleted with the node's reference; definitions served as JSON schemas.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObmServiceName } from '../../../../src/actors/obm/obm-port.ts';
import { openObmSettings } from '../../../../src/secrets/obm-credentials.ts';
import { errorPaths, startRest, type RestHarness } from './rest-harness.ts';

const SECRET = 'hunter2-very-secret';
const SECRET2 = 'correct-horse-battery';

let h: RestHarness;
let node: string;
const answers: string[] = [];
beforeAll(async () => {
  h = await startRest();
  node = ((await h.as().post('/api/2.0/nodes').send({ name: 'bmc-node', type: 'compute', identifiers: ['52:54:00:cc:00:01'] })).body as { id: string }).id;
});
afterAll(async () => {
  // Secrets never returned: not in any answer any test of this file received.
  for (const text of answers) {
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(SECRET2);
  }
  await h.stop();
});

const keep = <T extends { text: string }>(res: T): T => {
  answers.push(res.text);
  return res;
};

async function opened(id: string): Promise<Record<string, unknown>> {
  const doc = await h.ports.documents.collection('obms').get(id);
  if (doc === undefined) throw new Error(`no obm ${id}`);
  expect(JSON.stringify(doc)).not.toContain(SECRET);
  return openObmSettings({ service: doc.service as ObmServiceName, config: doc.config }, h.box).config as unknown as Record<string, unknown>;
}

describe('/obms', () => {
  it('stores settings sealed (201), answers them redacted, and keeps one record per node and service', async () => {
    const res = keep(await h.as('Operator').put('/api/2.0/obms').send({ nodeId: node, service: 'ipmi-obm-service', config: { host: '10.2.0.1', user: 'admin', password: SECRET } }));
    expect(res.status).toBe(201);
    const obm = res.body as { id: string; node: string; service: string; config: Record<string, unknown> };
    expect(obm).toMatchObject({ node: `/api/2.0/nodes/${node}`, service: 'ipmi-obm-service', config: { host: '10.2.0.1', user: 'admin', password: '[redacted]' } });
    expect(res.headers['location']).toBe(`/api/2.0/obms/${obm.id}`);
    expect(await opened(obm.id)).toMatchObject({ host: '10.2.0.1', user: 'admin', password: SECRET });
    expect((keep(await h.as().get(`/api/2.0/nodes/${node}`)).body as { obms: unknown[] }).obms).toEqual([{ service: 'ipmi-obm-service', ref: `/api/2.0/obms/${obm.id}` }]);

    const again = keep(await h.as().put('/api/2.0/obms').send({ nodeId: '52-54-00-cc-00-01', service: 'ipmi-obm-service', config: { host: '10.2.0.2', user: 'admin', password: SECRET } }));
    expect(again.status).toBe(201);
    expect((again.body as { id: string }).id).toBe(obm.id);
    expect(await h.ports.documents.collection('obms').count({ node })).toBe(1);

    const list = keep(await h.as('ReadOnly').get(`/api/2.0/obms?node=${node}`));
    expect(list.body).toMatchObject([{ id: obm.id, config: { host: '10.2.0.2', password: '[redacted]' } }]);
    expect(list.headers['x-total-count']).toBe('1');
    expect(keep(await h.as('ReadOnly').get(`/api/2.0/obms/${obm.id}`)).body).toMatchObject({ config: { password: '[redacted]' } });
    expect(keep(await h.as('ReadOnly').get(`/api/2.0/nodes/${node}/obm`)).body).toMatchObject([{ id: obm.id, config: { password: '[redacted]' } }]);
  });

  it('publishes RackHD\'s node.obms.assigned, then node.obms.updated, without the credentials', async () => {
    const node2 = ((await h.as().post('/api/2.0/nodes').send({ name: 'bmc-node-2', type: 'compute', identifiers: ['52:54:00:cc:00:02'] })).body as { id: string }).id;
    const seen: { action: string; data: Readonly<Record<string, unknown>> }[] = [];
    const unsubscribe = h.ports.events.subscribe((e) => {
      if (e.type === 'node' && e.nodeId === node2 && e.action.startsWith('obms.')) seen.push({ action: e.action, data: e.data });
    });
    try {
      expect((await h.as('Operator').put(`/api/2.0/nodes/${node2}/obm`).send({ service: 'ipmi-obm-service', config: { host: '10.2.0.9', user: 'admin', password: SECRET } })).status).toBe(201);
      expect((await h.as('Operator').put(`/api/2.0/nodes/${node2}/obm`).send({ service: 'ipmi-obm-service', config: { host: '10.2.0.10', user: 'admin', password: SECRET } })).status).toBe(201);
      expect(seen).toEqual([
        { action: 'obms.assigned', data: { nodeId: node2, service: 'ipmi-obm-service', host: '10.2.0.9' } },
        { action: 'obms.updated', data: { nodeId: node2, service: 'ipmi-obm-service', host: '10.2.0.10' } },
      ]);
      expect(JSON.stringify(seen)).not.toContain(SECRET);
    } finally {
      unsubscribe();
    }
  });

  it('PATCH keeps stored secrets sealed, re-seals new ones, and needs the whole config for a new service', async () => {
    const put = keep(await h.as().put(`/api/2.0/nodes/${node}/obm`).send({ service: 'redfish-obm-service', config: { uri: 'https://10.2.0.9', username: 'root', password: SECRET } }));
    expect(put.status).toBe(201);
    const id = (put.body as { id: string }).id;
    const hostOnly = keep(await h.as().patch(`/api/2.0/obms/${id}`).send({ config: { uri: 'https://10.2.0.10', verifySSL: false } }));
    expect(hostOnly.status).toBe(200);
    expect(hostOnly.body).toMatchObject({ config: { uri: 'https://10.2.0.10', verifySSL: false, password: '[redacted]' } });
    expect(await opened(id)).toMatchObject({ uri: 'https://10.2.0.10', password: SECRET });
    const newSecret = keep(await h.as().patch(`/api/2.0/obms/${id}`).send({ config: { password: SECRET2 } }));
    expect(newSecret.status).toBe(200);
    expect(await opened(id)).toMatchObject({ password: SECRET2 });

    const service = keep(await h.as().patch(`/api/2.0/obms/${id}`).send({ service: 'ipmi-obm-service', config: { host: '10.2.0.11' } }));
    expect(service.status).toBe(400);
    expect(errorPaths(service.body).sort()).toEqual(['body.config.password', 'body.config.user']);
    // The node already has IPMI settings: a second record for that service is refused.
    const clash = keep(await h.as().patch(`/api/2.0/obms/${id}`).send({ service: 'ipmi-obm-service', config: { host: '10.2.0.11', user: 'u', password: SECRET2 } }));
    expect(clash.status).toBe(400);
    expect(errorPaths(clash.body)).toEqual(['body.service']);
    expect(keep(await h.as().patch('/api/2.0/obms/5f000000000000000000dead').send({ config: {} })).status).toBe(404);
  });

  it('deletes a record with the node\'s reference (204), then 404', async () => {
    const ipmi = (await h.ports.documents.collection('obms').findOne({ node, service: 'ipmi-obm-service' }))?.id ?? '';
    expect((await h.as('Operator').delete(`/api/2.0/obms/${ipmi}`)).status).toBe(204);
    expect((keep(await h.as().get(`/api/2.0/nodes/${node}`)).body as { obms: { service: string }[] }).obms.map((o) => o.service)).toEqual(['redfish-obm-service']);
    expect((await h.as().get(`/api/2.0/obms/${ipmi}`)).status).toBe(404);
    expect((await h.as().delete(`/api/2.0/obms/${ipmi}`)).status).toBe(404);
  });

  it('answers bad settings with 400 naming the field and unknown nodes with 404', async () => {
    const noHost = keep(await h.as().put('/api/2.0/obms').send({ nodeId: node, service: 'ipmi-obm-service', config: { user: 'u', password: SECRET, extra: 1 } }));
    expect(noHost.status).toBe(400);
    expect(errorPaths(noHost.body).sort()).toEqual(['body.config.extra', 'body.config.host']);
    expect(errorPaths(keep(await h.as().put('/api/2.0/obms').send({ nodeId: node, service: 'amt-obm-service', config: {} })).body)).toEqual(['body.service']);
    expect(errorPaths(keep(await h.as().put('/api/2.0/obms').send({ service: 'ipmi-obm-service', config: {} })).body)).toEqual(['body.nodeId']);
    expect(keep(await h.as().put('/api/2.0/obms').send({ nodeId: '5f000000000000000000dead', service: 'ipmi-obm-service', config: { host: 'h', user: 'u', password: SECRET } })).status).toBe(404);
    expect(keep(await h.as().put('/api/2.0/nodes/5f000000000000000000dead/obm').send({ service: 'ipmi-obm-service', config: { host: 'h', user: 'u', password: SECRET } })).status).toBe(404);
    expect(keep(await h.as('ReadOnly').put(`/api/2.0/nodes/${node}/obm`).send({ service: 'ipmi-obm-service', config: { host: 'h', user: 'u', password: SECRET } })).status).toBe(403);
  });

  it('stores the OBM settings a node is created with, sealed', async () => {
    const res = keep(await h.as().post('/api/2.0/nodes').send({ name: 'with-obm', type: 'compute', obms: [{ service: 'ipmi-obm-service', config: { host: '10.2.0.20', user: 'admin', password: SECRET } }] }));
    expect(res.status).toBe(201);
    const created = res.body as { id: string; obms: { service: string; ref: string }[] };
    expect(created.obms).toHaveLength(1);
    const id = created.obms[0]?.ref.split('/').pop() ?? '';
    expect(await opened(id)).toMatchObject({ host: '10.2.0.20', password: SECRET });
    const bad = keep(await h.as().post('/api/2.0/nodes').send({ name: 'bad-obm', type: 'compute', obms: [{ service: 'ipmi-obm-service', config: { host: 'h' } }] }));
    expect(errorPaths(bad.body).sort()).toEqual(['body.obms.0.config.password', 'body.obms.0.config.user']);
    expect(await h.ports.documents.collection('nodes').count({ name: 'bad-obm' })).toBe(0);
  });
});

describe('/obms/definitions', () => {
  it('lists the services and serves each one\'s JSON schema', async () => {
    expect((await h.as('ReadOnly').get('/api/2.0/obms/definitions')).body).toEqual(['/api/2.0/obms/definitions/ipmi-obm-service.json', '/api/2.0/obms/definitions/redfish-obm-service.json']);
    const ipmi = await h.as('ReadOnly').get('/api/2.0/obms/definitions/ipmi-obm-service.json');
    expect(ipmi.body).toMatchObject({ title: 'ipmi-obm-service', properties: { config: { required: ['host', 'user', 'password'] } } });
    expect((await h.as('ReadOnly').get('/api/2.0/obms/definitions/redfish-obm-service')).body).toMatchObject({ properties: { service: { const: 'redfish-obm-service' } } });
    expect((await h.as('ReadOnly').get('/api/2.0/obms/definitions/snmp-obm-service')).status).toBe(404);
  });
});
