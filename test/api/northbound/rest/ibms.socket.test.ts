/**
 * RackHD 2.0 IBM settings (`/ibms`, `/nodes/{id}/ssh`) on a real member: secrets (SSH password and private
 * key, SNMP community) are sealed with the member's SecretBox before they are stored, bound to their service
 * and field, and never come back in any answer; one record per node and service; PATCH keeps stored secrets
 * and seals new ones; definitions are JSON schemas; bad bodies and unknown ids are named 4xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ibmSecretContext } from '../../../../src/api/northbound/rest/ibm-sealing.ts';
import { errorPaths, startRest, type RestHarness } from './rest-harness.ts';

const PASSWORD = 'ssh-Pa55word-never-shown';
const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-secret-key\n-----END OPENSSH PRIVATE KEY-----';
const COMMUNITY = 'community-secret-7';
let h: RestHarness;
let node: string;
const answers: string[] = [];
const keep = <T extends { text: string }>(res: T): T => {
  answers.push(res.text);
  return res;
};

beforeAll(async () => {
  h = await startRest();
  node = ((await h.as().post('/api/2.0/nodes').send({ name: 'switch-1', type: 'switch', identifiers: ['52:54:00:dd:00:01'] })).body as { id: string }).id;
});
afterAll(async () => {
  for (const text of answers) for (const secret of [PASSWORD, KEY, COMMUNITY, 'b3BlbnNzaC1rZXktdjEAAAAA']) expect(text).not.toContain(secret);
  await h.stop();
});

async function stored(id: string): Promise<Record<string, unknown>> {
  const doc = await h.ports.documents.collection('ibms').get(id);
  if (doc === undefined) throw new Error(`no ibm ${id}`);
  for (const secret of [PASSWORD, KEY, COMMUNITY]) expect(JSON.stringify(doc)).not.toContain(secret);
  return { ...doc.config };
}
const open = (service: string, field: string, sealed: unknown): string => h.box.open(sealed, ibmSecretContext(service, field));

describe('/ibms', () => {
  it('stores SNMP and SSH settings sealed (201), redacted in every answer, one record per node and service', async () => {
    const snmp = keep(await h.as('Operator').put('/api/2.0/ibms').send({ nodeId: node, service: 'snmp-ibm-service', config: { host: '10.3.0.1', community: COMMUNITY } }));
    expect(snmp.status).toBe(201);
    const rec = snmp.body as { id: string };
    expect(snmp.body).toMatchObject({ node: `/api/2.0/nodes/${node}`, service: 'snmp-ibm-service', config: { host: '10.3.0.1', community: '[redacted]' } });
    expect(snmp.headers['location']).toBe(`/api/2.0/ibms/${rec.id}`);
    const sealed = (await stored(rec.id))['community'];
    expect(open('snmp-ibm-service', 'community', sealed)).toBe(COMMUNITY);
    // Bound to service and field: the sealed community does not open as another service's or field's secret.
    expect(() => open('ssh-ibm-service', 'community', sealed)).toThrow();
    expect(() => open('snmp-ibm-service', 'password', sealed)).toThrow();

    const ssh = keep(await h.as().put('/api/2.0/ibms').send({ nodeId: '52-54-00-dd-00-01', service: 'ssh-ibm-service', config: { host: '10.3.0.1', user: 'admin', password: PASSWORD, privateKey: KEY, publicKey: 'ssh-ed25519 AAAAC3 admin@x' } }));
    expect(ssh.status).toBe(201);
    expect(ssh.body).toMatchObject({ config: { password: '[redacted]', privateKey: '[redacted]', publicKey: 'ssh-ed25519 AAAAC3 admin@x' } });
    const sshId = (ssh.body as { id: string }).id;
    const config = await stored(sshId);
    expect(open('ssh-ibm-service', 'password', config['password'])).toBe(PASSWORD);
    expect(open('ssh-ibm-service', 'privateKey', config['privateKey'])).toBe(KEY);

    const again = keep(await h.as().put('/api/2.0/ibms').send({ nodeId: node, service: 'snmp-ibm-service', config: { host: '10.3.0.2', community: COMMUNITY } }));
    expect((again.body as { id: string }).id).toBe(rec.id);
    expect(await h.ports.documents.collection('ibms').count({ node })).toBe(2);

    const list = keep(await h.as('ReadOnly').get(`/api/2.0/ibms?node=${node}&service=snmp-ibm-service`));
    expect(list.body).toMatchObject([{ id: rec.id, config: { host: '10.3.0.2', community: '[redacted]' } }]);
    expect(list.headers['x-total-count']).toBe('1');
    expect(keep(await h.as('ReadOnly').get(`/api/2.0/ibms/${sshId}`)).body).toMatchObject({ service: 'ssh-ibm-service', config: { password: '[redacted]' } });
  });

  it('PATCH keeps stored secrets, seals new ones, and checks the merged settings', async () => {
    const made = keep(await h.as().put('/api/2.0/ibms').send({ nodeId: node, service: 'ssh-ibm-service', config: { host: '10.3.0.9', user: 'root', password: PASSWORD } }));
    const id = (made.body as { id: string }).id;
    const before = await stored(id);
    const patched = keep(await h.as('Operator').patch(`/api/2.0/ibms/${id}`).send({ config: { host: '10.3.0.10' } }));
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ config: { host: '10.3.0.10', user: 'root', password: '[redacted]' } });
    expect((await stored(id))['password']).toEqual(before['password']);
    keep(await h.as().patch(`/api/2.0/ibms/${id}`).send({ config: { password: `${PASSWORD}-2` } }));
    expect(open('ssh-ibm-service', 'password', (await stored(id))['password'])).toBe(`${PASSWORD}-2`);

    const bad = await h.as().patch(`/api/2.0/ibms/${id}`).send({ config: { port: 70000 } });
    expect(bad.status).toBe(400);
    expect(errorPaths(bad.body)).toContain('body.config.port');
    // Another service needs its whole config: sealed values are bound to theirs.
    const switched = await h.as().patch(`/api/2.0/ibms/${id}`).send({ service: 'snmp-ibm-service' });
    expect(switched.status).toBe(400);
    expect(errorPaths(switched.body)).toContain('body.config.host');
    expect((await h.as().patch('/api/2.0/ibms/ffffffffffffffffffffffff').send({ config: {} })).status).toBe(404);
    expect((await h.as().patch(`/api/2.0/ibms/${id}`).send({ nodeId: 'no-such-node' })).status).toBe(404);
  });

  it('refuses bad bodies naming the field, and unknown nodes and records', async () => {
    const cases: [unknown, string][] = [
      [{ nodeId: node, service: 'telnet-ibm-service', config: {} }, 'body.service'],
      [{ nodeId: node, service: 'snmp-ibm-service', config: { host: '10.0.0.1' } }, 'body.config.community'],
      [{ nodeId: node, service: 'snmp-ibm-service', config: { host: '10.0.0.1', community: 'c', extra: 1 } }, 'body.config.extra'],
      [{ nodeId: node, service: 'ssh-ibm-service', config: { host: '10.0.0.1', user: 'u' } }, 'body.config.password'],
      [{ service: 'ssh-ibm-service', config: {} }, 'body.nodeId'],
      [{ nodeId: node, service: 'ssh-ibm-service', config: 'x' }, 'body.config'],
    ];
    for (const [body, path] of cases) {
      const res = await h.as().put('/api/2.0/ibms').send(body as object);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(errorPaths(res.body), JSON.stringify(body)).toContain(path);
    }
    expect((await h.as().put('/api/2.0/ibms').set('content-type', 'text/plain').send('host=1')).status).toBe(415);
    expect((await h.as().put('/api/2.0/ibms').send({ nodeId: 'ffffffffffffffffffffffff', service: 'snmp-ibm-service', config: { host: 'h', community: 'c' } })).status).toBe(404);
    expect((await h.as().get('/api/2.0/ibms/ffffffffffffffffffffffff')).status).toBe(404);
    expect((await h.as().delete('/api/2.0/ibms/ffffffffffffffffffffffff')).status).toBe(404);
    expect((await h.as().get('/api/2.0/ibms?colour=red')).status).toBe(400);
    expect((await h.as('ReadOnly').put('/api/2.0/ibms').send({})).status).toBe(403);
  });

  it('serves the definitions as JSON schemas', async () => {
    expect((await h.as().get('/api/2.0/ibms/definitions')).body).toEqual(['/api/2.0/ibms/definitions/snmp-ibm-service.json', '/api/2.0/ibms/definitions/ssh-ibm-service.json']);
    const ssh = await h.as().get('/api/2.0/ibms/definitions/ssh-ibm-service.json');
    expect(ssh.status).toBe(200);
    expect(ssh.body).toMatchObject({ title: 'ssh-ibm-service', properties: { config: { properties: { host: {}, user: {}, privateKey: {} } } } });
    expect((await h.as().get('/api/2.0/ibms/definitions/snmp-ibm-service')).body).toMatchObject({ title: 'snmp-ibm-service' });
    expect((await h.as().get('/api/2.0/ibms/definitions/ipmi-obm-service')).status).toBe(404);
  });

  it('deletes a record (204), and a deleted node takes its records along', async () => {
    const made = keep(await h.as().put('/api/2.0/ibms').send({ nodeId: node, service: 'snmp-ibm-service', config: { host: 'h', community: COMMUNITY } }));
    const id = (made.body as { id: string }).id;
    expect((await h.as('Operator').delete(`/api/2.0/ibms/${id}`)).status).toBe(204);
    expect((await h.as().get(`/api/2.0/ibms/${id}`)).status).toBe(404);

    const other = ((await h.as().post('/api/2.0/nodes').send({ name: 'doomed', type: 'compute' })).body as { id: string }).id;
    keep(await h.as().post(`/api/2.0/nodes/${other}/ssh`).send({ config: { host: 'h', user: 'u', password: PASSWORD } }));
    expect((await h.as().delete(`/api/2.0/nodes/${other}`)).status).toBe(204);
    expect(await h.ports.documents.collection('ibms').count({ node: other })).toBe(0);
  });
});

describe('/nodes/{id}/ssh', () => {
  it('stores the node\'s SSH settings sealed (201) and lists them redacted', async () => {
    const n = ((await h.as().post('/api/2.0/nodes').send({ name: 'ssh-node', type: 'compute', identifiers: ['52:54:00:dd:00:02'] })).body as { id: string }).id;
    expect(keep(await h.as().get(`/api/2.0/nodes/${n}/ssh`)).body).toEqual([]);
    const post = keep(await h.as('Operator').post('/api/2.0/nodes/52:54:00:dd:00:02/ssh').send({ service: 'ssh-ibm-service', config: { host: '10.3.1.1', user: 'monorail', password: PASSWORD } }));
    expect(post.status).toBe(201);
    expect(post.body).toMatchObject({ node: `/api/2.0/nodes/${n}`, service: 'ssh-ibm-service', config: { user: 'monorail', password: '[redacted]' } });
    const again = keep(await h.as().post(`/api/2.0/nodes/${n}/ssh`).send({ config: { host: '10.3.1.2', user: 'monorail', privateKey: KEY } }));
    expect((again.body as { id: string }).id).toBe((post.body as { id: string }).id);
    const list = keep(await h.as('ReadOnly').get(`/api/2.0/nodes/${n}/ssh`));
    expect(list.body).toMatchObject([{ config: { host: '10.3.1.2', privateKey: '[redacted]' } }]);
    expect((list.body as { config: Record<string, unknown> }[])[0]?.config).not.toHaveProperty('password');
  });

  it('refuses other services, bad settings and unknown nodes', async () => {
    const snmp = await h.as().post(`/api/2.0/nodes/${node}/ssh`).send({ service: 'snmp-ibm-service', config: { host: 'h', community: 'c' } });
    expect(snmp.status).toBe(400);
    expect(errorPaths(snmp.body)).toContain('body.service');
    const noAuth = await h.as().post(`/api/2.0/nodes/${node}/ssh`).send({ config: { host: 'h', user: 'u' } });
    expect(noAuth.status).toBe(400);
    expect((await h.as().post('/api/2.0/nodes/no-such-node/ssh').send({ config: { host: 'h', user: 'u', password: 'p' } })).status).toBe(404);
    expect((await h.as().get('/api/2.0/nodes/no-such-node/ssh')).status).toBe(404);
    expect((await h.as('ReadOnly').post(`/api/2.0/nodes/${node}/ssh`).send({ config: {} })).status).toBe(403);
  });
});
