/**
 * `/config` without secrets (405 for changes), `/schemas` served from the route declarations, and an OpenAPI
 * document that holds every mounted route of the REST 2.0 groups — and every RackHD 2.0 path they cover.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorPaths, startRest, type RestHarness } from './rest-harness.ts';

const KEY = 'credentials-key-do-not-show-1234';

let h: RestHarness;
beforeAll(async () => {
  h = await startRest({
    layer: {
      secrets: { key: KEY },
      store: { mongodbUrl: 'mongodb://dbuser:dbpass-secret@db.example:27017/monorail' },
      cluster: { amqpUrl: 'amqp://mq:mqpass-secret@mq.example:5672' },
      boot: { httpBaseUrl: 'http://boot:bootpass-secret@10.0.0.1:8080' },
    },
  });
});
afterAll(async () => {
  await h.stop();
});

describe('/config', () => {
  it('shows the configuration without secrets or credentials in URLs', async () => {
    const res = await h.as('ReadOnly').get('/api/2.0/config');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ memberId: 'test', http: { host: '127.0.0.1' }, secrets: '[redacted]', boot: { httpBaseUrl: 'http://[redacted]@10.0.0.1:8080' } });
    for (const secret of [KEY, 'dbpass-secret', 'mqpass-secret', 'bootpass-secret']) expect(res.text).not.toContain(secret);
  });

  it('refuses changes with 405 saying where configuration is changed, for administrators only', async () => {
    const patch = await h.as('Administrator').patch('/api/2.0/config').send({ log: { level: 'debug' } });
    expect(patch.status).toBe(405);
    expect(patch.headers['allow']).toBe('GET');
    expect((patch.body as { message: string }).message).toContain('restart');
    expect((await h.as('Administrator').put('/api/2.0/config').send({})).status).toBe(405);
    expect((await h.as('Operator').patch('/api/2.0/config').send({})).status).toBe(403);
    expect((await h.as().get('/api/2.0/config').unset('x-test-role')).status).toBe(401);
  });
});

describe('/schemas and the OpenAPI document', () => {
  it('lists the request bodies\' schemas and serves each one', async () => {
    const list = await h.as('ReadOnly').get('/api/2.0/schemas');
    const ids = (list.body as { id: string; operations: string[] }[]).map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining(['node.2.0.post', 'obm.2.0.put', 'lookups.2.0.post', 'skus.2.0.upsert', 'tags.2.0.post', 'workflowGraphs.2.0.put', 'workflow.2.0.action']));
    expect((list.body as { id: string; operations: string[] }[]).find((s) => s.id === 'workflow.2.0.action')?.operations.sort()).toEqual(['PUT /api/2.0/nodes/{identifier}/workflows/action', 'PUT /api/2.0/workflows/{identifier}/action']);
    const node = await h.as('ReadOnly').get('/api/2.0/schemas/node.2.0.post.json');
    expect(node.body).toMatchObject({ type: 'object', required: ['name', 'type'], additionalProperties: false });
    expect((await h.as('ReadOnly').get('/api/2.0/schemas/nope')).status).toBe(404);
  });

  it('serves an OpenAPI 3 document that has every mounted route, at /openapi.json and /swagger', async () => {
    const res = await h.as('ReadOnly').get('/api/current/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>> };
    expect(doc.openapi).toBe('3.0.3');
    const mounted = h.registry.mounted();
    for (const r of mounted) {
      const op = doc.paths[r.paths[0] ?? '']?.[r.method];
      expect(op, `${r.method} ${r.paths[0] ?? ''}`).toBeDefined();
      expect(Object.keys(op?.responses ?? {}).length, `${r.method} ${r.paths[0] ?? ''} declares responses`).toBeGreaterThan(0);
    }
    const declared = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    expect(declared).toBe(mounted.length);
    expect((await h.as('ReadOnly').get('/api/2.0/swagger')).body).toEqual(res.body);
    expect(doc.paths['/api/2.0/nodes']?.['post']?.requestBody).toMatchObject({ content: { 'application/json': { schema: { title: 'node.2.0.post' } } } });
  });

  it('covers the RackHD 2.0 paths of these groups (static/monorail-2.0.yaml)', () => {
    const rackhd: [string, string][] = [
      ['get', '/nodes'], ['post', '/nodes'], ['get', '/nodes/{identifier}'], ['patch', '/nodes/{identifier}'], ['delete', '/nodes/{identifier}'],
      ['get', '/nodes/{identifier}/catalogs'], ['get', '/nodes/{identifier}/catalogs/{source}'], ['get', '/nodes/{identifier}/obm'], ['put', '/nodes/{identifier}/obm'],
      ['get', '/nodes/{identifier}/relations'], ['put', '/nodes/{identifier}/relations'], ['delete', '/nodes/{identifier}/relations'],
      ['get', '/nodes/{identifier}/tags'], ['patch', '/nodes/{identifier}/tags'], ['delete', '/nodes/{identifier}/tags/{tagName}'], ['delete', '/nodes/tags/{tagName}'],
      ['get', '/nodes/{identifier}/workflows'], ['post', '/nodes/{identifier}/workflows'], ['put', '/nodes/{identifier}/workflows/action'],
      ['get', '/catalogs'], ['get', '/catalogs/{id}'],
      ['get', '/lookups'], ['post', '/lookups'], ['get', '/lookups/{id}'], ['patch', '/lookups/{id}'], ['delete', '/lookups/{id}'],
      ['get', '/obms'], ['put', '/obms'], ['get', '/obms/definitions'], ['get', '/obms/definitions/{name}'], ['get', '/obms/{id}'], ['patch', '/obms/{id}'], ['delete', '/obms/{id}'],
      ['get', '/skus'], ['post', '/skus'], ['put', '/skus'], ['get', '/skus/{id}'], ['patch', '/skus/{id}'], ['delete', '/skus/{id}'], ['get', '/skus/{id}/nodes'],
      ['get', '/tags'], ['post', '/tags'], ['get', '/tags/{tagName}'], ['delete', '/tags/{tagName}'], ['get', '/tags/{tagName}/nodes'], ['post', '/tags/{tagName}/nodes/workflows'],
      ['get', '/workflows'], ['post', '/workflows'], ['get', '/workflows/{identifier}'], ['put', '/workflows/{identifier}/action'], ['delete', '/workflows/{identifier}'],
      ['get', '/workflows/graphs'], ['put', '/workflows/graphs'], ['get', '/workflows/graphs/{injectableName}'], ['delete', '/workflows/graphs/{injectableName}'],
      ['get', '/workflows/tasks'], ['put', '/workflows/tasks'], ['get', '/workflows/tasks/{injectableName}'], ['delete', '/workflows/tasks/{injectableName}'],
      ['get', '/templates/library/{name}'], ['put', '/templates/library/{name}'], ['delete', '/templates/library/{name}'], ['get', '/templates/metadata'], ['get', '/templates/metadata/{name}'],
      ['get', '/profiles/library/{name}'], ['put', '/profiles/library/{name}'], ['get', '/profiles/metadata'], ['get', '/profiles/metadata/{name}'],
      ['get', '/files'], ['get', '/files/{name}'], ['put', '/files/{name}'], ['delete', '/files/{name}'], ['get', '/files/{name}/md5'], ['get', '/files/{name}/metadata'],
      ['get', '/config'], ['patch', '/config'], ['get', '/schemas'], ['get', '/schemas/{id}'], ['get', '/swagger'],
    ];
    const doc = h.registry.openapi({ title: 'Monorail', version: 'test' }) as { paths: Record<string, Record<string, unknown>> };
    const missing = rackhd.filter(([method, path]) => doc.paths[`/api/2.0${path}`]?.[method] === undefined);
    expect(missing).toEqual([]);
    for (const base of ['/api/current', '/api/common']) expect(h.registry.mounted().every((r) => r.paths.some((p) => p.startsWith(base)))).toBe(true);
  });

  it('names query mistakes (400) on every list', async () => {
    for (const list of ['/nodes', '/catalogs', '/lookups', '/obms', '/skus', '/tags', '/workflows', '/files', '/templates/metadata', '/workflows/graphs']) {
      const res = await h.as('ReadOnly').get(`/api/2.0${list}?$skip=-1`);
      expect(res.status, list).toBe(400);
      expect(errorPaths(res.body), list).toEqual(['query.$skip']);
    }
  });
});
