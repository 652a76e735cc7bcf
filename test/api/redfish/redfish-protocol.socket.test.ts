/**
 * The normative statements of DSP0266 that apply to Monorail's Redfish service, one test per statement,
 * named by its id in the DMTF Protocol Validator's list (protocol-assertions.txt), against the service on a
 * real member over real HTTP.
 *
 * Not covered here, and why:
 * - SERV_SSDP_*: no SSDP discovery is offered (ManagerNetworkProtocol says SSDP ProtocolEnabled false).
 * - SERV_SSE_*: no server-sent event stream (EventService has no ServerSentEventUri).
 * - SEC_TLS_1_1, SEC_DEFAULT_CERT_REPLACE, SEC_CERTS_CONFORM_X509V3, SEC_BASIC_AUTH_OVER_HTTPS,
 *   SEC_SESSION_CREATE_HTTPS_ONLY, SEC_SUPPORT_BASIC_AUTH (its TLS half): the HTTPS listener and the
 *   authenticator's Basic-over-HTTP rule (src/api/auth), not these routes.
 * - SEC_PWD_CHANGE_REQ_*: named tests in test/api/auth/password-change.socket.test.ts, which runs the real
 *   user directory (this service runs the auth-port doubles).
 * - The query parameters in depth (each `$expand` form, `$select`, `$filter`): query-parameters.socket.test.ts.
 * - PROTO_REDIRECT_ENFORCES_TARGET_PRIVS: the service never redirects (`/redfish/v1` is served as `/redfish/v1/`).
 * - REQ_PATCH_ARRAY_*: no resource has a writable array property (see the REQ_PATCH_ARRAY test).
 */
import { execFileSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redfishHttp } from '../../../src/api/redfish/redfish-http.ts';
import { RouteTable } from '../../../src/api/redfish/route-table.ts';
import { recordingObmFactory, type ObmCall } from '../../support/workflow-harness.ts';
import { ADMIN, OPERATOR, READER, basic, bodyOf, errorOf, seedCatalogedNode, startRedfishService, type RedfishService } from '../../support/redfish-service.ts';

let s: RedfishService;
const calls: ObmCall[] = [];
const nodeA = '5f00000000000000000e0001';
const nodeB = '5f00000000000000000e0002';
const admin = { Authorization: basic(ADMIN) };
/** Every URI the tree links to, and every GET answer on the way. */
const tree = new Map<string, { status: number; headers: Record<string, string>; body: Record<string, unknown> }>();
const uris: string[] = [];

function collect(value: unknown, out: string[]): void {
  if (Array.isArray(value)) for (const v of value) collect(v, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if ((k === '@odata.id' || k === 'target' || k === 'TaskMonitor' || k === 'Uri' || k.endsWith('@odata.nextLink')) && typeof v === 'string') out.push(v);
      else collect(v, out);
    }
  }
}

beforeAll(async () => {
  s = await startRedfishService({ obmFactory: recordingObmFactory(calls) });
  await seedCatalogedNode(s, nodeA, '52:54:00:ee:00:01');
  await seedCatalogedNode(s, nodeB, '52:54:00:ee:00:02');
  const queue = ['/redfish/v1/'];
  const seen = new Set(queue);
  while (queue.length > 0) {
    const uri = queue.shift() ?? '';
    const res = await request(s.app).get(uri).set(admin);
    tree.set(uri, { status: res.status, headers: res.headers, body: bodyOf(res) });
    const found: string[] = [];
    collect(res.body, found);
    uris.push(...found);
    // Schema files are documents, not resources: their own @odata.id-like strings are DMTF URLs.
    if (uri.endsWith('.json')) continue;
    for (const next of found) if (next.startsWith('/redfish/v1') && !next.includes('#') && !next.includes('/Actions/') && !seen.has(next)) {
      seen.add(next);
      queue.push(next);
    }
  }
}, 60_000);
afterAll(async () => {
  await s?.stop();
});

const get = (uri: string) => request(s.app).get(uri).set(admin);

describe('URIs (DSP0266 §6.1)', () => {
  it('PROTO_URI_SAFE_CHARS: no URI holds an RFC 1738 unsafe character', () => {
    const unsafe = uris.map((u) => u.split('#')[0] ?? '').filter((u) => /[\s<>"{}|\\^~[\]`]/.test(u) || u.includes('#'));
    expect(uris.length).toBeGreaterThan(300);
    expect(unsafe).toEqual([]);
  });

  it('PROTO_URI_NO_ENCODED_CHARS: no URI holds percent-encoding', () => {
    expect(uris.filter((u) => u.includes('%'))).toEqual([]);
  });

  it('PROTO_URI_RELATIVE_REFS: every reference is an absolute path (/…) or a full URL (the DMTF publication addresses)', () => {
    expect(uris.filter((u) => !u.startsWith('/') && !/^https?:\/\/redfish\.dmtf\.org\//.test(u))).toEqual([]);
  });
});

describe('HTTP methods and media types (§6.2, §6.3)', () => {
  it('PROTO_HTTP_SUPPORTED_METHODS: POST, GET, PATCH and DELETE are all served', async () => {
    const post = await request(s.app).post('/redfish/v1/AccountService/Accounts').set(admin).send({ UserName: 'methods', Password: 'methods-secret-1', RoleId: 'ReadOnly' });
    expect(post.status).toBe(201);
    expect((await get(String(post.headers['location']))).status).toBe(200);
    expect((await request(s.app).patch(String(post.headers['location'])).set(admin).send({ RoleId: 'Operator' })).status).toBe(200);
    expect((await request(s.app).delete(String(post.headers['location'])).set(admin)).status).toBe(204);
  });

  it('PROTO_HTTP_UNSUPPORTED_METHODS: an unsupported or undocumented method gets 405', async () => {
    const put = await request(s.app).put(`/redfish/v1/Systems/${nodeA}`).set(admin).send({});
    expect(put.status).toBe(405);
    const trace = await rawRequest('TRACE', `/redfish/v1/Systems/${nodeA}`, { Authorization: admin.Authorization });
    expect(trace.status).toBe(405);
  });

  it('PROTO_JSON_ALL_RESOURCES: every resource is available as application/json', () => {
    const notJson = [...tree].filter(([, r]) => !/^application\/json/.test(r.headers['content-type'] ?? ''));
    expect(notJson.map(([u]) => u)).toEqual([]);
  });

  it('PROTO_JSON_RFC: every resource is a JSON object', () => {
    expect([...tree].filter(([, r]) => typeof r.body !== 'object' || r.body === null || Array.isArray(r.body)).map(([u]) => u)).toEqual([]);
  });

  it('PROTO_JSON_ACCEPTED: a JSON request body is accepted, with or without a charset', async () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8']) {
      const res = await request(s.app).post('/redfish/v1/SessionService/Sessions').set('Content-Type', type).send(JSON.stringify({ UserName: READER.username, Password: READER.password }));
      expect(res.status, type).toBe(201);
    }
  });
});

describe('ETags (§6.5)', () => {
  it('PROTO_ETAG_ON_GET_ACCOUNT: GET of a ManagerAccount returns an ETag', async () => {
    const res = await get(`/redfish/v1/AccountService/Accounts/${READER.username}`);
    expect(res.status).toBe(200);
    expect(res.headers['etag']).toMatch(/^W\/"[^"]+"$/);
  });

  it('PROTO_ETAG_RFC7232: ETags are RFC 7232 entity tags that change when the resource does and honour If-Match', async () => {
    await request(s.app).post('/redfish/v1/AccountService/Accounts').set(admin).send({ UserName: 'etag', Password: 'etag-secret-11', RoleId: 'ReadOnly' });
    const first = await get('/redfish/v1/AccountService/Accounts/etag');
    const tag = String(first.headers['etag']);
    expect(tag).toMatch(/^W\/"[\x21\x23-\x7e]+"$/);
    const changed = await request(s.app).patch('/redfish/v1/AccountService/Accounts/etag').set(admin).set('If-Match', tag).send({ Password: 'etag-secret-22' });
    expect(changed.status).toBe(200);
    expect(changed.headers['etag']).not.toBe(tag);
    expect((await get('/redfish/v1/AccountService/Accounts/etag')).headers['etag']).toBe(changed.headers['etag']);
  });

  it('RESP_HEADERS_ETAG: every GET of every ManagerAccount carries an ETag', async () => {
    const accounts = bodyOf(await get('/redfish/v1/AccountService/Accounts'))['Members'] as { '@odata.id': string }[];
    expect(accounts.length).toBeGreaterThanOrEqual(3);
    for (const a of accounts) expect((await get(a['@odata.id'])).headers['etag'], a['@odata.id']).toMatch(/^W\/"/);
  });

  it('SEC_ACCOUNTS_SUPPORT_ETAGS: a PATCH with a stale ETag is refused with 412 and changes nothing', async () => {
    await request(s.app).post('/redfish/v1/AccountService/Accounts').set(admin).send({ UserName: 'atomic', Password: 'atomic-secret-1', RoleId: 'ReadOnly' });
    const stale = String((await get('/redfish/v1/AccountService/Accounts/atomic')).headers['etag']);
    await request(s.app).patch('/redfish/v1/AccountService/Accounts/atomic').set(admin).send({ RoleId: 'Operator' });
    const refused = await request(s.app).patch('/redfish/v1/AccountService/Accounts/atomic').set(admin).set('If-Match', stale).send({ RoleId: 'Administrator' });
    expect(refused.status).toBe(412);
    expect(errorOf(refused).code).toBe('Base.1.22.PreconditionFailed');
    expect(bodyOf(await get('/redfish/v1/AccountService/Accounts/atomic'))['RoleId']).toBe('Operator');
  });

  it('REQ_HEADERS_IF_MATCH: If-Match with the current ETag, or *, lets the change through; a stale one gets 412', async () => {
    const uri = `/redfish/v1/Systems/${nodeA}`;
    const current = String((await get(uri)).headers['etag']);
    expect((await request(s.app).patch(uri).set(admin).set('If-Match', 'W/"stale"').send({ Boot: { BootSourceOverrideTarget: 'None' } })).status).toBe(412);
    expect((await request(s.app).patch(uri).set(admin).set('If-Match', current).send({ Boot: { BootSourceOverrideTarget: 'None' } })).status).toBe(200);
    expect((await request(s.app).patch(uri).set(admin).set('If-Match', '*').send({ Boot: { BootSourceOverrideTarget: 'None' } })).status).toBe(200);
  });
});

describe('Fixed URIs and documents (§6.6, §8.4)', () => {
  it('PROTO_STD_URI_SERVICE_ROOT: the service root is /redfish/v1/', async () => {
    const res = await request(s.app).get('/redfish/v1/');
    expect(res.status).toBe(200);
    expect(bodyOf(res)).toMatchObject({ '@odata.id': '/redfish/v1/', '@odata.type': expect.stringMatching(/^#ServiceRoot\.v1_\d+_\d+\.ServiceRoot$/) as string });
  });

  it('PROTO_STD_URI_VERSION: GET /redfish is {"v1": "/redfish/v1/"}', async () => {
    const res = await request(s.app).get('/redfish');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ v1: '/redfish/v1/' });
  });

  it('PROTO_STD_URIS_SUPPORTED: /redfish, /redfish/v1/, /redfish/v1/odata and /redfish/v1/$metadata are served', async () => {
    for (const uri of ['/redfish', '/redfish/v1/', '/redfish/v1/odata', '/redfish/v1/$metadata']) expect((await request(s.app).get(uri)).status, uri).toBe(200);
  });

  it('PROTO_STD_URI_SERVICE_ROOT_REDIRECT: /redfish/v1 is served as /redfish/v1/', async () => {
    const a = await request(s.app).get('/redfish/v1');
    const b = await request(s.app).get('/redfish/v1/');
    expect(a.status).toBe(200);
    expect(a.body).toEqual(b.body);
  });

  it('REQ_GET_SERVICE_ROOT_URL: the Redfish 1.x root URL is /redfish/v1/ (the version document says so)', async () => {
    const version = (await request(s.app).get('/redfish')).body as { v1: string };
    expect(bodyOf(await request(s.app).get(version.v1))['@odata.id']).toBe('/redfish/v1/');
  });

  it('REQ_GET_SERVICE_ROOT_NO_AUTH: the service root and /redfish need no credentials', async () => {
    expect((await request(s.app).get('/redfish/v1/')).status).toBe(200);
    expect((await request(s.app).get('/redfish')).status).toBe(200);
    // Bad credentials on a public resource are ignored, not refused.
    expect((await request(s.app).get('/redfish/v1/').set('X-Auth-Token', 'nonsense')).status).toBe(200);
  });

  it('REQ_GET_METADATA_URI: the OData metadata document is at /redfish/v1/$metadata', async () => {
    const res = await request(s.app).get('/redfish/v1/$metadata');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<edmx:Edmx');
  });

  it('REQ_GET_ODATA_URI: the OData service document is at /redfish/v1/odata', async () => {
    const res = await request(s.app).get('/redfish/v1/odata');
    expect(res.status).toBe(200);
    expect(Array.isArray(bodyOf(res)['value'])).toBe(true);
  });

  it('REQ_GET_METADATA_ODATA_NO_AUTH: both OData documents need no credentials', async () => {
    expect((await request(s.app).get('/redfish/v1/$metadata')).status).toBe(200);
    expect((await request(s.app).get('/redfish/v1/odata')).status).toBe(200);
  });

  it('RESP_ODATA_METADATA_MIME_TYPE: $metadata is application/xml', async () => {
    const res = await request(s.app).get('/redfish/v1/$metadata');
    expect(res.headers['content-type']).toMatch(/^application\/xml(;\s*charset=utf-8)?$/i);
  });

  it('RESP_ODATA_METADATA_ENTITY_CONTAINER: $metadata is well-formed CSDL with an EntityContainer and a reference for every namespace the tree uses', async () => {
    const xml = (await request(s.app).get('/redfish/v1/$metadata')).text;
    // Well-formed XML, checked by an XML parser (Python's expat), not by a regex.
    execFileSync('/usr/bin/python3', ['-c', 'import sys, xml.etree.ElementTree as E; E.fromstring(sys.stdin.buffer.read())'], { input: xml });
    expect(xml).toMatch(/<EntityContainer Name="Service" Extends="ServiceRoot\.v1_\d+_\d+\.ServiceContainer"\/>/);
    const namespaces = new Set([...tree.values()].map((r) => String(r.body['@odata.type'])).map((t) => /^#([A-Za-z]+)\.(v\d+_\d+_\d+\.)?/.exec(t)).filter((m) => m !== null).map((m) => (m[2] === undefined ? m[1] : `${m[1]}.${m[2].slice(0, -1)}`)));
    for (const ns of namespaces) expect(xml, ns).toContain(`<edmx:Include Namespace="${ns}"/>`);
  });

  it('RESP_ODATA_SERVICE_MIME_TYPE: the service document is application/json', async () => {
    expect((await request(s.app).get('/redfish/v1/odata')).headers['content-type']).toMatch(/^application\/json/);
  });

  it('RESP_ODATA_SERVICE_CONTEXT: its @odata.context is /redfish/v1/$metadata', async () => {
    expect(bodyOf(await request(s.app).get('/redfish/v1/odata'))['@odata.context']).toBe('/redfish/v1/$metadata');
  });

  it('RESP_ODATA_SERVICE_VALUE_PROP: its value lists the service root and each direct child of the root', async () => {
    const value = bodyOf(await request(s.app).get('/redfish/v1/odata'))['value'] as { name: string; kind: string; url: string }[];
    expect(value[0]).toEqual({ name: 'Service', kind: 'Singleton', url: '/redfish/v1/' });
    const root = bodyOf(await request(s.app).get('/redfish/v1/'));
    const children = Object.values(root).filter((v): v is { '@odata.id': string } => typeof v === 'object' && v !== null && '@odata.id' in v).map((v) => v['@odata.id']);
    for (const c of children) expect(value.map((v) => v.url), c).toContain(c);
  });
});

describe('Request headers (§7.1)', () => {
  it('REQ_HEADERS_ACCEPT: an Accept the service cannot satisfy is 406; JSON, */* and application/* are served', async () => {
    for (const accept of ['application/json', '*/*', 'application/*', 'application/json;charset=utf-8', 'text/html, application/json;q=0.5', 'application/json; charset=UTF-8', 'application/vnd.x+json']) {
      expect((await get('/redfish/v1/Systems').set('Accept', accept)).status, accept).toBe(200);
    }
    for (const accept of ['text/html', 'application/xml', 'application/json;q=0', 'image/*']) {
      expect((await get('/redfish/v1/Systems').set('Accept', accept)).status, accept).toBe(406);
    }
    const refused = await get('/redfish/v1/Systems').set('Accept', 'text/html');
    expect(refused.status).toBe(406);
    expect(errorOf(refused).code).toBe('Base.1.22.HeaderInvalid');
    expect((await request(s.app).get('/redfish/v1/$metadata').set('Accept', 'application/xml')).status).toBe(200);
  });

  it('REQ_GET_NO_ACCEPT_HEADER: without Accept the answer is application/json', async () => {
    const res = await rawRequest('GET', '/redfish/v1/Systems', { Authorization: admin.Authorization });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('REQ_HEADERS_AUTHORIZATION: Basic credentials are honoured, bad ones refused with 401', async () => {
    expect((await get('/redfish/v1/Systems')).status).toBe(200);
    expect((await request(s.app).get('/redfish/v1/Systems').set('Authorization', basic({ username: ADMIN.username, password: 'nope-nope-nope' }))).status).toBe(401);
    expect((await request(s.app).get('/redfish/v1/Systems').set('Authorization', 'Basic !!!not-base64')).status).toBe(401);
  });

  it('REQ_HEADERS_X_AUTH_TOKEN: a session token is honoured, an unknown one refused with 401', async () => {
    const login = await request(s.app).post('/redfish/v1/SessionService/Sessions').send({ UserName: OPERATOR.username, Password: OPERATOR.password });
    expect((await request(s.app).get('/redfish/v1/Systems').set('X-Auth-Token', String(login.headers['x-auth-token']))).status).toBe(200);
    expect((await request(s.app).get('/redfish/v1/Systems').set('X-Auth-Token', 'forged-token')).status).toBe(401);
  });

  it('REQ_HEADERS_CONTENT_TYPE: a body that is not JSON is 415', async () => {
    const res = await request(s.app).post('/redfish/v1/SessionService/Sessions').set('Content-Type', 'application/x-www-form-urlencoded').send('UserName=admin&Password=x');
    expect(res.status).toBe(415);
    expect(errorOf(res)['@Message.ExtendedInfo'][0]).toMatchObject({ MessageId: 'Base.1.22.HeaderInvalid', MessageArgs: ['Content-Type'] });
  });

  it('REQ_HEADERS_HOST: any Host is served the same relative URIs', async () => {
    const a = await get(`/redfish/v1/Systems/${nodeA}`).set('Host', 'monorail.example:8080');
    const b = await get(`/redfish/v1/Systems/${nodeA}`).set('Host', '10.0.0.1');
    expect(a.status).toBe(200);
    expect(a.body).toEqual(b.body);
    expect(JSON.stringify(a.body)).not.toContain('monorail.example');
  });

  it('REQ_HEADERS_ODATA_VERSION: OData-Version 4.0 is served; a later version is 412', async () => {
    expect((await get('/redfish/v1/Systems').set('OData-Version', '4.0')).status).toBe(200);
    const later = await get('/redfish/v1/Systems').set('OData-Version', '4.01');
    expect(later.status).toBe(412);
    expect(errorOf(later)['@Message.ExtendedInfo'][0]?.MessageArgs).toEqual(['OData-Version']);
  });

  it('REQ_HEADERS_ORIGIN and RESP_HEADERS_ACCESS_CONTROL_ALLOW_ORIGIN: a request with an Origin is served, and no CORS grant is made (CORS is not offered)', async () => {
    const res = await get('/redfish/v1/Systems').set('Origin', 'https://evil.example');
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('REQ_HEADERS_USER_AGENT: any User-Agent, or none, is served', async () => {
    expect((await get('/redfish/v1/Systems').set('User-Agent', 'curl/8.5.0')).status).toBe(200);
    expect((await rawRequest('GET', '/redfish/v1/Systems', { Authorization: admin.Authorization })).status).toBe(200);
  });

  it('REQ_GET_IGNORE_BODY: a GET with a body is answered as without one', async () => {
    const res = await rawRequest('GET', '/redfish/v1/Systems', { Authorization: admin.Authorization, 'Content-Type': 'application/json' }, '{"garbage":');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual(bodyOf(await get('/redfish/v1/Systems')));
  });
});

describe('Collections and query parameters (§7.3, §9.6)', () => {
  it('REQ_GET_COLLECTION_COUNT_PROP_REQUIRED: every collection has Members@odata.count', () => {
    const collections = [...tree].filter(([, r]) => Array.isArray(r.body['Members']));
    expect(collections.length).toBeGreaterThan(20);
    expect(collections.filter(([, r]) => typeof r.body['Members@odata.count'] !== 'number').map(([u]) => u)).toEqual([]);
  });

  it('REQ_GET_COLLECTION_COUNT_PROP_TOTAL: Members@odata.count is the total even on a page with a next link', async () => {
    const page = bodyOf(await get('/redfish/v1/Systems?$top=1'));
    expect(page['Members@odata.count']).toBe(2);
    expect((page['Members'] as unknown[]).length).toBe(1);
    const next = bodyOf(await get(String(page['Members@odata.nextLink'])));
    expect(next['Members@odata.count']).toBe(2);
    expect([...(page['Members'] as { '@odata.id': string }[]), ...(next['Members'] as { '@odata.id': string }[])].map((m) => m['@odata.id']).sort()).toEqual([`/redfish/v1/Systems/${nodeA}`, `/redfish/v1/Systems/${nodeB}`]);
    expect(next['Members@odata.nextLink']).toBeUndefined();
  });

  it('REQ_QUERY_PROTOCOL_FEATURES_SUPPORTED: the root says which query parameters work, and they do', async () => {
    const features = bodyOf(await request(s.app).get('/redfish/v1/'))['ProtocolFeaturesSupported'] as Record<string, unknown>;
    expect(features).toEqual({
      ExpandQuery: { ExpandAll: true, Levels: true, Links: true, NoLinks: true, MaxLevels: 3 },
      SelectQuery: true,
      FilterQuery: true,
      FilterQueryComparisonOperations: true,
      FilterQueryCompoundOperations: true,
      OnlyMemberQuery: true,
      ExcerptQuery: false,
      IncludeOriginOfConditionQuery: false,
      TopSkipQuery: true,
      DeepOperations: { DeepPATCH: false, DeepPOST: false },
      MultipleHTTPRequests: true,
    });
    const only = await get(`/redfish/v1/Systems/${nodeA}/LogServices?only`);
    expect(bodyOf(only)['@odata.id']).toBe(`/redfish/v1/Systems/${nodeA}/LogServices/SEL`);
    expect(only.headers['link']).toMatch(/LogService\.v1_\d+_\d+\.json/);
    // Several members: the collection itself.
    expect(bodyOf(await get('/redfish/v1/Systems?only'))['Members@odata.count']).toBe(2);
    expect(bodyOf(await get('/redfish/v1/Systems?$skip=1'))['Members']).toHaveLength(1);
    // Collections listed whole are paged the same way.
    const roles = bodyOf(await get('/redfish/v1/AccountService/Roles?$top=2'));
    expect(roles).toMatchObject({ 'Members@odata.count': 3, 'Members@odata.nextLink': '/redfish/v1/AccountService/Roles?$skip=2&$top=2' });
    expect(roles['Members']).toHaveLength(2);
    expect(bodyOf(await get(String(roles['Members@odata.nextLink'])))['Members']).toEqual([{ '@odata.id': '/redfish/v1/AccountService/Roles/ReadOnly' }]);
    // Each advertised feature answers (query-parameters.socket.test.ts tests each in depth).
    const expanded = bodyOf(await get('/redfish/v1/Systems?$expand=.'));
    expect((expanded['Members'] as Record<string, unknown>[]).map((m) => m['PowerState'] !== undefined)).toEqual([true, true]);
    expect(Object.keys(bodyOf(await get(`/redfish/v1/Systems/${nodeA}?$select=Id`))).sort()).toEqual(['@odata.id', '@odata.type', 'Id']);
    expect(bodyOf(await get(`/redfish/v1/Systems?$filter=${encodeURIComponent(`Id eq '${nodeB}'`)}`))['Members']).toEqual([{ '@odata.id': `/redfish/v1/Systems/${nodeB}` }]);
    expect(bodyOf(await get(`/redfish/v1/Systems?$expand=${encodeURIComponent('~($levels=2)')}`))['Members@odata.count']).toBe(2);
  });

  it('REQ_QUERY_IGNORE_UNSUPPORTED: unknown parameters without $ are ignored', async () => {
    const res = await get('/redfish/v1/Systems?colour=red&x&excerpt&includeoriginofcondition');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(bodyOf(await get('/redfish/v1/Systems')));
  });

  it('REQ_QUERY_UNSUPPORTED_DOLLAR_PARAMS: an unsupported $ parameter is 501', async () => {
    for (const q of ['$levels=2', '$orderby=Id', '$count=true', '$search=x', '$apply=x', '$format=json']) expect((await get(`/redfish/v1/Systems?${q}`)).status, q).toBe(501);
  });

  it('REQ_QUERY_UNSUPPORTED_PARAMS_EXT_ERROR: the 501 names the parameter in an extended error', async () => {
    const res = await get('/redfish/v1/Systems?$orderby=Id');
    expect(errorOf(res)['@Message.ExtendedInfo']).toEqual([expect.objectContaining({ MessageId: 'Base.1.22.QueryParameterUnsupported', MessageArgs: ['$orderby'] })]);
  });

  it('REQ_QUERY_INVALID_VALUES: a bad value, or a value for a valueless parameter, is 400', async () => {
    const cases: readonly (readonly [string, string])[] = [
      ['$top=abc', 'QueryParameterValueTypeError'],
      ['$top=0', 'QueryParameterOutOfRange'],
      ['$top=-1', 'QueryParameterValueTypeError'],
      ['$top=1001', 'QueryParameterOutOfRange'],
      ['$skip=x', 'QueryParameterValueTypeError'],
      ['$skip=1.5', 'QueryParameterValueTypeError'],
      ['$top=1&$top=2', 'QueryParameterValueTypeError'],
      ['only=yes', 'QueryParameterValueTypeError'],
      ['excerpt=1', 'QueryParameterValueTypeError'],
      ['only&$top=1', 'QueryCombinationInvalid'],
      ['only&$expand=*', 'QueryCombinationInvalid'],
      ['$expand=Members', 'QueryParameterValueFormatError'],
      ['$expand=*($levels=x)', 'QueryParameterValueTypeError'],
      ['$expand=*($levels=4)', 'QueryParameterOutOfRange'],
      ['$expand=*($levels=0)', 'QueryParameterOutOfRange'],
      ['$select=', 'QueryParameterValueFormatError'],
      ['$select=Status/', 'QueryParameterValueFormatError'],
      [`$filter=${encodeURIComponent('Id eq')}`, 'QueryParameterValueFormatError'],
      [`$filter=${encodeURIComponent("Id eq 'x")}`, 'QueryParameterValueFormatError'],
      [`$filter=${encodeURIComponent('(Id eq 1')}`, 'QueryParameterValueFormatError'],
      [`$filter=${encodeURIComponent('contains(Id, 1)')}`, 'QueryParameterValueFormatError'],
    ];
    for (const [q, key] of cases) {
      const res = await get(`/redfish/v1/Systems?${q}`);
      expect(res.status, q).toBe(400);
      expect(errorOf(res)['@Message.ExtendedInfo'].map((m) => m.MessageId), q).toEqual([`Base.1.22.${key}`]);
    }
    // $filter chooses members: on a resource that is not a collection it has nothing to choose from.
    const single = await get(`/redfish/v1/Systems/${nodeA}?$filter=${encodeURIComponent("Id eq 'x'")}`);
    expect(single.status).toBe(400);
    expect(errorOf(single).code).toBe('Base.1.22.QueryNotSupportedOnResource');
  });
});

describe('HEAD, modification errors, PATCH, POST and DELETE (§7.4–§7.11)', () => {
  it('REQ_HEAD_DIFFERS_FROM_GET: HEAD answers like GET without a body', async () => {
    const uri = `/redfish/v1/Systems/${nodeA}`;
    const head = await rawRequest('HEAD', uri, { Authorization: admin.Authorization });
    const full = await get(uri);
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    for (const h of ['allow', 'link', 'etag', 'odata-version', 'content-type']) expect(head.headers[h], h).toBe(full.headers[h]);
  });

  it('REQ_DATA_MOD_NOT_SUPPORTED: a method the resource does not support is 405', async () => {
    expect((await request(s.app).delete('/redfish/v1/').set(admin)).status).toBe(405);
    expect((await request(s.app).patch(`/redfish/v1/Chassis/${nodeA}`).set(admin).send({ AssetTag: 'x' })).status).toBe(405);
    expect((await request(s.app).post('/redfish/v1/Systems').set(admin).send({})).status).toBe(405);
  });

  it('RESP_HEADERS_ALLOW_METHOD_NOT_ALLOWED: a 405 carries Allow with the methods of the URI', async () => {
    const res = await request(s.app).delete('/redfish/v1/AccountService/Roles/Operator').set(admin);
    expect(res.status).toBe(405);
    expect(res.headers['allow']).toBe('GET, HEAD');
    expect((await request(s.app).put('/redfish/v1/AccountService/Accounts/reader').set(admin).send({})).headers['allow']).toBe('GET, HEAD, PATCH, DELETE');
    expect(errorOf(res).code).toBe('Base.1.22.OperationNotAllowed');
  });

  it('REQ_DATA_MOD_ERRORS: a refused request creates and changes nothing', async () => {
    const before = (await s.users.list()).length;
    const bad = await request(s.app).post('/redfish/v1/AccountService/Accounts').set(admin).send({ UserName: 'half', Password: 'half-secret-11', RoleId: 'Nope' });
    expect(bad.status).toBe(400);
    expect((await s.users.list()).length).toBe(before);
    const version = (await s.users.get(READER.username))?.version;
    expect((await request(s.app).patch(`/redfish/v1/AccountService/Accounts/${READER.username}`).set(admin).send({ RoleId: 'Nope', Locked: true })).status).toBe(400);
    expect((await s.users.get(READER.username))?.version).toBe(version);
    const workflows = await s.fixture.monorail.store.documents.collection('workflows').count({});
    expect((await request(s.app).post(`/redfish/v1/Systems/${nodeA}/Actions/ComputerSystem.Reset`).set(admin).send({ ResetType: 'Sideways' })).status).toBe(400);
    expect(await s.fixture.monorail.store.documents.collection('workflows').count({})).toBe(workflows);
  });

  it('REQ_PATCH_MIXED_PROPS: some properties changed, some not → 200 with the resource and messages naming the others', async () => {
    await request(s.app).post('/redfish/v1/AccountService/Accounts').set(admin).send({ UserName: 'mixed', Password: 'mixed-secret-1', RoleId: 'ReadOnly' });
    const res = await request(s.app).patch('/redfish/v1/AccountService/Accounts/mixed').set(admin).send({ RoleId: 'Operator', Colour: 'red', Locked: true });
    expect(res.status).toBe(200);
    expect(bodyOf(res)).toMatchObject({ RoleId: 'Operator' });
    expect((bodyOf(res)['@Message.ExtendedInfo'] as { MessageId: string }[]).map((m) => m.MessageId)).toEqual(['Base.1.22.PropertyUnknown', 'Base.1.22.PropertyNotWritable']);
  });

  it('REQ_PATCH_BAD_PROP: only read-only or unknown properties → 400 naming each', async () => {
    const res = await request(s.app).patch(`/redfish/v1/AccountService/Accounts/${READER.username}`).set(admin).send({ Locked: true, Shoe: 1 });
    expect(res.status).toBe(400);
    expect(errorOf(res)['@Message.ExtendedInfo'].map((m) => [m.MessageId, m.RelatedProperties])).toEqual([
      ['Base.1.22.PropertyNotWritable', ['/Locked']],
      ['Base.1.22.PropertyUnknown', ['/Shoe']],
    ]);
  });

  it('REQ_PATCH_ODATA_PROPS: only OData annotations → 400 NoOperation', async () => {
    const res = await request(s.app).patch(`/redfish/v1/AccountService/Accounts/${READER.username}`).set(admin).send({ '@odata.etag': 'W/"x"', '@odata.id': '/x' });
    expect(res.status).toBe(400);
    expect(errorOf(res).code).toBe('Base.1.22.NoOperation');
  });

  it('REQ_PATCH_ARRAY_ELEMENT_REMOVE, _UNCHANGED, _OPERATIONS_ORDER, _TRUNCATE: no array property is writable, so array PATCHes are refused whole', async () => {
    const sub = await request(s.app).post('/redfish/v1/EventService/Subscriptions').set(admin).send({ Destination: 'http://127.0.0.1:9/arrays', RegistryPrefixes: ['Base', 'TaskEvent'] });
    const res = await request(s.app).patch(String(sub.headers['location'])).set(admin).send({ RegistryPrefixes: [null, {}] });
    expect(res.status).toBe(400);
    expect(errorOf(res).code).toBe('Base.1.22.PropertyNotWritable');
    expect(bodyOf(await get(String(sub.headers['location'])))['RegistryPrefixes']).toEqual(['Base', 'TaskEvent']);
  });

  it('REQ_POST_CREATE_VIA_COLLECTION: POST to a collection creates a member of it', async () => {
    const res = await request(s.app).post('/redfish/v1/AccountService/Accounts').set(admin).send({ UserName: 'viacoll', Password: 'viacoll-secret', RoleId: 'ReadOnly' });
    expect(res.status).toBe(201);
    expect((bodyOf(await get('/redfish/v1/AccountService/Accounts'))['Members'] as { '@odata.id': string }[]).map((m) => m['@odata.id'])).toContain('/redfish/v1/AccountService/Accounts/viacoll');
  });

  it('REQ_POST_CREATE_URI_IN_LOCATION_HDR: Location names the new resource', async () => {
    const res = await request(s.app).post('/redfish/v1/AccountService/Accounts').set(admin).send({ UserName: 'located', Password: 'located-secret', RoleId: 'ReadOnly' });
    expect(res.headers['location']).toBe('/redfish/v1/AccountService/Accounts/located');
    expect(bodyOf(await get(String(res.headers['location'])))['UserName']).toBe('located');
  });

  it('REQ_POST_CREATE_TO_MEMBERS_PROP: POST to the collection\u2019s Members creates the same way', async () => {
    const account = await request(s.app).post('/redfish/v1/AccountService/Accounts/Members').set(admin).send({ UserName: 'members', Password: 'members-secret', RoleId: 'ReadOnly' });
    expect(account.status).toBe(201);
    expect(account.headers['location']).toBe('/redfish/v1/AccountService/Accounts/members');
    const session = await request(s.app).post('/redfish/v1/SessionService/Sessions/Members').send({ UserName: READER.username, Password: READER.password });
    expect(session.status).toBe(201);
    const sub = await request(s.app).post('/redfish/v1/EventService/Subscriptions/Members').set(admin).send({ Destination: 'http://127.0.0.1:9/members' });
    expect(sub.status).toBe(201);
  });

  it('REQ_POST_CREATE_NOT_IDEMPOTENT: two identical POSTs create two resources', async () => {
    const body = { UserName: READER.username, Password: READER.password };
    const a = await request(s.app).post('/redfish/v1/SessionService/Sessions').send(body);
    const b = await request(s.app).post('/redfish/v1/SessionService/Sessions').send(body);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.headers['location']).not.toBe(b.headers['location']);
    expect(a.headers['x-auth-token']).not.toBe(b.headers['x-auth-token']);
  });

  it('REQ_DELETE_METHOD_REQUIRED: DELETE removes accounts, sessions and subscriptions', async () => {
    const account = await request(s.app).post('/redfish/v1/AccountService/Accounts').set(admin).send({ UserName: 'doomed', Password: 'doomed-secret', RoleId: 'ReadOnly' });
    const session = await request(s.app).post('/redfish/v1/SessionService/Sessions').send({ UserName: READER.username, Password: READER.password });
    const sub = await request(s.app).post('/redfish/v1/EventService/Subscriptions').set(admin).send({ Destination: 'http://127.0.0.1:9/doomed' });
    for (const res of [account, session, sub]) {
      const uri = String(res.headers['location']);
      expect((await request(s.app).delete(uri).set(admin)).status, uri).toBe(204);
      expect((await get(uri)).status, uri).toBe(404);
    }
  });
});

describe('Response headers and status codes (§8.1–§8.3, §8.6)', () => {
  it('RESP_HEADERS_ALLOW_GET_OR_HEAD: every GET carries Allow with the URI\u2019s methods', () => {
    expect([...tree].filter(([, r]) => !(r.headers['allow'] ?? '').startsWith('GET, HEAD')).map(([u]) => u)).toEqual([]);
    expect(tree.get('/redfish/v1/AccountService/Accounts')?.headers['allow']).toBe('GET, HEAD, POST');
    expect(tree.get(`/redfish/v1/Systems/${nodeA}`)?.headers['allow']).toBe('GET, HEAD, PATCH');
  });

  it('RESP_HEADERS_CACHE_CONTROL: every response carries Cache-Control, errors included', async () => {
    expect([...tree].filter(([, r]) => r.headers['cache-control'] === undefined).map(([u]) => u)).toEqual([]);
    expect((await get('/redfish/v1/Nope')).headers['cache-control']).toBe('no-cache');
  });

  it('RESP_HEADERS_CONTENT_TYPE: every response with a body says its type', async () => {
    expect([...tree].filter(([, r]) => r.headers['content-type'] === undefined).map(([u]) => u)).toEqual([]);
    expect((await request(s.app).get('/redfish/v1/Systems')).headers['content-type']).toMatch(/^application\/json/);
  });

  it('RESP_HEADERS_LINK_REL_DESCRIBED_BY: every GET of a resource carries Link rel=describedby, to a schema the service serves', async () => {
    // Resources: what has an @odata.type (the schema files the JsonSchemas point at are documents, not resources).
    const resources = [...tree.values()].filter((r) => typeof r.body['@odata.type'] === 'string');
    expect(resources.length).toBeGreaterThan(300);
    const links = new Set(resources.map((r) => /^<([^>]+)>; rel=describedby$/.exec(r.headers['link'] ?? '')?.[1]));
    expect(links.has(undefined)).toBe(false);
    for (const link of links) expect((await get(link ?? '')).status, link).toBe(200);
  });

  it('RESP_HEADERS_LINK_SCHEMA_VER_MATCH: a versioned schema in Link is the version of @odata.type', () => {
    const mismatched = [...tree].filter(([, r]) => {
      const version = /^#[A-Za-z]+\.(v\d+_\d+_\d+)\./.exec(String(r.body['@odata.type']))?.[1];
      return version !== undefined && !(r.headers['link'] ?? '').includes(`.${version}.json>`);
    });
    expect(mismatched.map(([u]) => u)).toEqual([]);
  });

  it('RESP_HEADERS_LOCATION: a created resource\u2019s Location; a session\u2019s Location and X-Auth-Token', async () => {
    const session = await request(s.app).post('/redfish/v1/SessionService/Sessions').send({ UserName: READER.username, Password: READER.password });
    expect(session.headers['location']).toMatch(/^\/redfish\/v1\/SessionService\/Sessions\/[0-9a-f]+$/);
    expect(session.headers['x-auth-token']).toBeDefined();
    const reset = await request(s.app).post(`/redfish/v1/Systems/${nodeB}/Actions/ComputerSystem.Reset`).set(admin).send({ ResetType: 'On' });
    expect(reset.status).toBe(202);
    expect(reset.headers['location']).toMatch(/^\/redfish\/v1\/TaskService\/Tasks\/[0-9a-f]{24}$/);
  });

  it('RESP_HEADERS_ODATA_VERSION: every response carries OData-Version 4.0, errors included', async () => {
    expect([...tree].filter(([, r]) => r.headers['odata-version'] !== '4.0').map(([u]) => u)).toEqual([]);
    expect((await request(s.app).get('/redfish/v1/Systems')).headers['odata-version']).toBe('4.0');
    expect((await request(s.app).post('/redfish/v1/SessionService/Sessions').send({})).headers['odata-version']).toBe('4.0');
  });

  it('RESP_HEADERS_WWW_AUTHENTICATE: a request without or with bad credentials gets WWW-Authenticate', async () => {
    for (const res of [await request(s.app).get('/redfish/v1/Systems'), await request(s.app).get('/redfish/v1/Systems').set('Authorization', 'Basic Zm9vOmJhcg=='), await request(s.app).get('/redfish/v1/Nope')]) {
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/Basic/);
    }
  });

  it('RESP_HEADERS_X_AUTH_TOKEN: session tokens look random: long, distinct, unrelated to the user', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 40; i++) tokens.push(String((await request(s.app).post('/redfish/v1/SessionService/Sessions').send({ UserName: READER.username, Password: READER.password })).headers['x-auth-token']));
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const t of tokens) {
      expect(t.length).toBeGreaterThanOrEqual(32);
      expect(t).not.toContain(READER.username);
    }
    // Bits of the tokens are balanced (a counter or a timestamp would not be): ones between 40 and 60 %.
    const bits = tokens.map((t) => Buffer.from(t, 'base64url')).flatMap((b) => [...b].map((x) => x.toString(2).split('').filter((c) => c === '1').length));
    const ratio = bits.reduce((a, b) => a + b, 0) / (bits.length * 8);
    expect(ratio).toBeGreaterThan(0.4);
    expect(ratio).toBeLessThan(0.6);
  });

  it('RESP_STATUS_BAD_REQUEST: a 400 carries extended error information', async () => {
    const res = await request(s.app).post('/redfish/v1/SessionService/Sessions').send({ UserName: 'x' });
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'Base.1.22.CreateFailedMissingReqProperties', '@Message.ExtendedInfo': [{ MessageArgs: ['Password'], RelatedProperties: ['/Password'] }] });
  });

  it('RESP_STATUS_INTERNAL_SERVER_ERROR: a 500 carries extended error information (and no detail of the fault)', async () => {
    const app = express();
    const http = redfishHttp({ table: new RouteTable([{ method: 'get', path: '/redfish/v1/Boom' }]), log: s.fixture.monorail.log });
    app.use('/redfish', http.before);
    app.get('/redfish/v1/Boom', () => {
      throw new Error('secret internal detail');
    });
    app.use(http.errors);
    const res = await request(app).get('/redfish/v1/Boom');
    expect(res.status).toBe(500);
    expect(errorOf(res)).toMatchObject({ code: 'Base.1.22.InternalError', '@Message.ExtendedInfo': [{ MessageId: 'Base.1.22.InternalError' }] });
    expect(res.text).not.toContain('secret internal detail');
  });
});

describe('Events (§12.1)', () => {
  it('SERV_EVENT_POST_RESP: a subscription POST answers 201 with the new subscription\u2019s Location', async () => {
    const res = await request(s.app).post('/redfish/v1/EventService/Subscriptions').set(admin).send({ Destination: 'http://127.0.0.1:9/serv-event', Protocol: 'Redfish' });
    expect(res.status).toBe(201);
    expect(res.headers['location']).toMatch(/^\/redfish\/v1\/EventService\/Subscriptions\/[0-9a-f]{24}$/);
    expect((await get(String(res.headers['location']))).status).toBe(200);
  });

  it('SERV_EVENT_ERROR_ON_BAD_REQUEST: a conflicting or invalid subscription is refused with an error', async () => {
    await request(s.app).post('/redfish/v1/EventService/Subscriptions').set(admin).send({ Destination: 'http://127.0.0.1:9/dup' });
    expect((await request(s.app).post('/redfish/v1/EventService/Subscriptions').set(admin).send({ Destination: 'http://127.0.0.1:9/dup' })).status).toBe(409);
    expect((await request(s.app).post('/redfish/v1/EventService/Subscriptions').set(admin).send({ Destination: 'mailto:x@y' })).status).toBe(400);
  });
});

describe('Security (§13)', () => {
  it('SEC_BOTH_AUTH_TYPES: Basic and session login both work', async () => {
    expect((await get('/redfish/v1/Managers')).status).toBe(200);
    const token = String((await request(s.app).post('/redfish/v1/SessionService/Sessions').send({ UserName: ADMIN.username, Password: ADMIN.password })).headers['x-auth-token']);
    expect((await request(s.app).get('/redfish/v1/Managers').set('X-Auth-Token', token)).status).toBe(200);
  });

  it('SEC_BASIC_AUTH_STANDALONE: Basic needs no session, and makes none', async () => {
    const before = (await s.sessions.list()).length;
    expect((await get('/redfish/v1/AccountService')).status).toBe(200);
    expect((await s.sessions.list()).length).toBe(before);
  });

  it('SEC_WRITE_REQUIRES_AUTH and SEC_READ_REQUIRES_AUTH: every Redfish route but the five exceptions refuses an anonymous caller', async () => {
    const mounted = s.registry.mounted().filter((r) => r.group.startsWith('redfish'));
    const open = mounted.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.paths[0] ?? ''}`).sort();
    expect(open).toEqual(['get /redfish', 'get /redfish/v1', 'get /redfish/v1/$metadata', 'get /redfish/v1/odata', 'post /redfish/v1/SessionService/Sessions', 'post /redfish/v1/SessionService/Sessions/Members'].sort());
    for (const r of mounted.filter((x) => x.access !== 'public')) {
      const path = (r.paths[0] ?? '').replace(/\{systemId\}|\{chassisId\}/g, nodeA).replace(/\{[A-Za-z]+\}/g, 'x');
      const method = r.method as 'get' | 'post' | 'put' | 'patch' | 'delete';
      const res = method === 'get' || method === 'delete' ? await request(s.app)[method](path) : await request(s.app)[method](path).send({});
      expect(res.status, `${r.method} ${path}`).toBe(401);
      expect(errorOf(res).code, `${r.method} ${path}`).toBe('Base.1.22.NoValidSession');
    }
    expect(mounted.length).toBeGreaterThan(60);
  });

  it('SEC_HEADERS_FIRST: authentication is decided before any other header or parameter', async () => {
    expect((await request(s.app).get('/redfish/v1/Systems?$expand=*')).status).toBe(401);
    expect((await request(s.app).get('/redfish/v1/Systems').set('OData-Version', '9.0')).status).toBe(401);
    expect((await request(s.app).get('/redfish/v1/Systems').set('Accept', 'text/html')).status).toBe(401);
    expect((await request(s.app).get('/redfish/v1/NoSuchThing')).status).toBe(401);
  });

  it('SEC_NO_AUTH_COOKIES: no response sets a cookie', async () => {
    expect([...tree].filter(([, r]) => r.headers['set-cookie'] !== undefined).map(([u]) => u)).toEqual([]);
    expect((await request(s.app).post('/redfish/v1/SessionService/Sessions').send({ UserName: READER.username, Password: READER.password })).headers['set-cookie']).toBeUndefined();
  });

  it('SEC_NO_PRIV_INFO_IN_MSGS: a wrong user name and a wrong password get the same answer', async () => {
    const wrongUser = await request(s.app).post('/redfish/v1/SessionService/Sessions').send({ UserName: 'no-such-user', Password: READER.password });
    const wrongPassword = await request(s.app).post('/redfish/v1/SessionService/Sessions').send({ UserName: READER.username, Password: 'not-the-password' });
    expect(wrongUser.status).toBe(401);
    expect(wrongPassword.status).toBe(401);
    expect(wrongUser.body).toEqual(wrongPassword.body);
    expect(JSON.stringify(wrongUser.body)).not.toMatch(/no-such-user|password/i);
  });

  it('SEC_REQUIRE_LOGIN_SESSIONS: POST Sessions logs in, DELETE of the session logs out and its token stops working', async () => {
    const login = await request(s.app).post('/redfish/v1/SessionService/Sessions').send({ UserName: OPERATOR.username, Password: OPERATOR.password });
    const token = String(login.headers['x-auth-token']);
    expect((await request(s.app).get('/redfish/v1/Systems').set('X-Auth-Token', token)).status).toBe(200);
    expect((await request(s.app).delete(String(login.headers['location'])).set('X-Auth-Token', token)).status).toBe(204);
    expect((await request(s.app).get('/redfish/v1/Systems').set('X-Auth-Token', token)).status).toBe(401);
  });

  it('SEC_SESSIONS_URI_LOCATION: Links.Sessions of the root equals SessionService.Sessions', async () => {
    const root = bodyOf(await request(s.app).get('/redfish/v1/'));
    const service = bodyOf(await get('/redfish/v1/SessionService'));
    expect((root['Links'] as { Sessions: unknown }).Sessions).toEqual(service['Sessions']);
  });

  it('SEC_SESSION_POST_RESPONSE: the login response has X-Auth-Token, Location and the full Session', async () => {
    const res = await request(s.app).post('/redfish/v1/SessionService/Sessions').send({ UserName: OPERATOR.username, Password: OPERATOR.password });
    expect(res.status).toBe(201);
    expect(res.headers['x-auth-token']).toBeDefined();
    expect(bodyOf(res)).toMatchObject({ '@odata.id': res.headers['location'], UserName: OPERATOR.username, Password: null, SessionType: 'Redfish' });
    expect(bodyOf(res)).toEqual(bodyOf(await request(s.app).get(String(res.headers['location'])).set('X-Auth-Token', String(res.headers['x-auth-token']))));
  });

  it('SEC_SESSION_TERMINATION_SIDE_EFFECTS: ending one session leaves other sessions and Basic alone', async () => {
    const a = await request(s.app).post('/redfish/v1/SessionService/Sessions').send({ UserName: OPERATOR.username, Password: OPERATOR.password });
    const b = await request(s.app).post('/redfish/v1/SessionService/Sessions').send({ UserName: OPERATOR.username, Password: OPERATOR.password });
    expect((await request(s.app).delete(String(a.headers['location'])).set(admin)).status).toBe(204);
    expect((await request(s.app).get('/redfish/v1/Systems').set('X-Auth-Token', String(b.headers['x-auth-token']))).status).toBe(200);
    expect((await request(s.app).get('/redfish/v1/Systems').set('Authorization', basic(OPERATOR))).status).toBe(200);
  });

  it('SEC_PRIV_ONE_ROLE_PRE_USER: every account has exactly one RoleId, linked to its Role', () => {
    const accounts = [...tree].filter(([u]) => /\/Accounts\/[^/]+$/.test(u)).map(([, r]) => r.body);
    expect(accounts.length).toBeGreaterThanOrEqual(3);
    for (const a of accounts) {
      expect(typeof a['RoleId']).toBe('string');
      expect((a['Links'] as { Role: { '@odata.id': string } }).Role['@odata.id']).toBe(`/redfish/v1/AccountService/Roles/${String(a['RoleId'])}`);
    }
  });

  it('SEC_PRIV_SUPPORT_PREDEFINED_ROLES: Administrator, Operator and ReadOnly exist with their standard privileges', async () => {
    const roles = Object.fromEntries(await Promise.all(['Administrator', 'Operator', 'ReadOnly'].map(async (r) => [r, bodyOf(await get(`/redfish/v1/AccountService/Roles/${r}`))] as const)));
    expect(roles['Administrator']).toMatchObject({ IsPredefined: true, RoleId: 'Administrator' });
    expect(new Set(roles['Administrator']?.['AssignedPrivileges'] as string[])).toEqual(new Set(['Login', 'ConfigureManager', 'ConfigureUsers', 'ConfigureSelf', 'ConfigureComponents']));
    expect(new Set(roles['Operator']?.['AssignedPrivileges'] as string[])).toEqual(new Set(['Login', 'ConfigureSelf', 'ConfigureComponents']));
    expect(new Set(roles['ReadOnly']?.['AssignedPrivileges'] as string[])).toEqual(new Set(['Login', 'ConfigureSelf']));
  });

  it('SEC_PRIV_PREDEFINED_ROLE_NOT_MODIFIABLE: a predefined role\u2019s privileges cannot be changed', async () => {
    const res = await request(s.app).patch('/redfish/v1/AccountService/Roles/ReadOnly').set(admin).send({ AssignedPrivileges: ['Login', 'ConfigureUsers'] });
    expect(res.status).toBe(405);
    expect(bodyOf(await get('/redfish/v1/AccountService/Roles/ReadOnly'))['AssignedPrivileges']).toEqual(['Login', 'ConfigureSelf']);
  });

  it('SEC_PRIV_ROLE_ASSIGNED_AT_ACCOUNT_CREATE: an account cannot be created without a role', async () => {
    const res = await request(s.app).post('/redfish/v1/AccountService/Accounts').set(admin).send({ UserName: 'roleless', Password: 'roleless-secret' });
    expect(res.status).toBe(400);
    expect(errorOf(res)['@Message.ExtendedInfo']).toEqual([expect.objectContaining({ MessageId: 'Base.1.22.CreateFailedMissingReqProperties', MessageArgs: ['RoleId'] })]);
    expect(await s.users.get('roleless')).toBeUndefined();
  });

  it('SEC_PRIV_OPERATION_TO_PRIV_MAPPING: each operation needs its privilege', async () => {
    const reader = { Authorization: basic(READER) };
    const operator = { Authorization: basic(OPERATOR) };
    // Login: read.
    expect((await request(s.app).get('/redfish/v1/Systems').set(reader)).status).toBe(200);
    // ConfigureComponents: reset, boot override, subscriptions.
    expect((await request(s.app).post(`/redfish/v1/Systems/${nodeA}/Actions/ComputerSystem.Reset`).set(reader).send({ ResetType: 'On' })).status).toBe(403);
    expect((await request(s.app).post('/redfish/v1/EventService/Subscriptions').set(reader).send({ Destination: 'http://127.0.0.1:9/r' })).status).toBe(403);
    const reset = await request(s.app).post(`/redfish/v1/Systems/${nodeA}/Actions/ComputerSystem.Reset`).set(operator).send({ ResetType: 'ForceOff' });
    expect(reset.status).toBe(202);
    // ConfigureUsers: accounts; ConfigureSelf: one's own account and password only.
    expect((await request(s.app).post('/redfish/v1/AccountService/Accounts').set(operator).send({ UserName: 'byop', Password: 'byop-secret-11', RoleId: 'ReadOnly' })).status).toBe(403);
    expect((await request(s.app).get(`/redfish/v1/AccountService/Accounts/${ADMIN.username}`).set(reader)).status).toBe(403);
    expect((await request(s.app).get(`/redfish/v1/AccountService/Accounts/${READER.username}`).set(reader)).status).toBe(200);
    expect((await request(s.app).patch(`/redfish/v1/AccountService/Accounts/${READER.username}`).set(reader).send({ RoleId: 'Administrator' })).status).toBe(403);
    const own = await request(s.app).patch(`/redfish/v1/AccountService/Accounts/${READER.username}`).set(reader).send({ Password: 'reader-secret-2' });
    expect(own.status).toBe(200);
    expect((await request(s.app).get('/redfish/v1/Systems').set('Authorization', basic({ username: READER.username, password: 'reader-secret-2' }))).status).toBe(200);
    await request(s.app).patch(`/redfish/v1/AccountService/Accounts/${READER.username}`).set(admin).send({ Password: READER.password });
    // Sessions: one's own (ConfigureSelf), everyone's (ConfigureManager).
    const adminSession = await request(s.app).post('/redfish/v1/SessionService/Sessions').send({ UserName: ADMIN.username, Password: ADMIN.password });
    expect((await request(s.app).delete(String(adminSession.headers['location'])).set(reader)).status).toBe(404);
    expect((await request(s.app).get(String(adminSession.headers['location'])).set(admin)).status).toBe(200);
  });
});

/** A request as a raw HTTP client sends it: no default Accept or User-Agent, any method, a body on GET. */
function rawRequest(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const url = new URL(s.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
