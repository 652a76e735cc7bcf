/**
 * The query parameters of DSP0266 §7.3 on the real service over real HTTP: `$expand` (`*`, `.`, `~`,
 * `$levels`), `$select`, `$filter`, `$top`/`$skip` with next links that repeat the query, and how they combine,
 * with each caller's role applied to what is expanded or filtered. Expanded answers are validated against the
 * DMTF schema of their `@odata.type`, members included. The named protocol assertions are in
 * redfish-protocol.socket.test.ts; the grammar of `$filter` in query/filter-expression.test.ts.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRedfishSchemas, type RedfishSchemaValidator } from '../../../src/api/redfish/json-schema-validator.ts';
import { ADMIN, READER, basic, bodyOf, errorOf, seedCatalogedNode, startRedfishService, type RedfishService } from '../../support/redfish-service.ts';

let s: RedfishService;
let schemas: RedfishSchemaValidator;
const nodeA = '5f00000000000000000f0001';
const nodeB = '5f00000000000000000f0002';
const bare = '5f00000000000000000f0003';
const admin = { Authorization: basic(ADMIN) };
const reader = { Authorization: basic(READER) };

type Json = Record<string, unknown>;
const get = async (uri: string, who: Record<string, string> = admin) => request(s.app).get(uri).set(who);
const q = (text: string): string => encodeURIComponent(text);
const members = (body: Json): Json[] => body['Members'] as Json[];
const ids = (body: Json): string[] => members(body).map((m) => String(m['@odata.id']));

/** Validates a resource against the schema of its @odata.type, and every expanded resource inside it. */
function invalid(body: unknown, where = '$'): string[] {
  const out: string[] = [];
  const visit = (v: unknown, at: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${at}[${i}]`));
    else if (typeof v === 'object' && v !== null) {
      const o = v as Json;
      const type = o['@odata.type'];
      if (typeof type === 'string' && typeof o['@odata.id'] === 'string') {
        const validate = schemas.validatorFor(type);
        if (!validate(o)) out.push(`${at} (${type}): ${JSON.stringify(validate.errors?.slice(0, 3))}`);
      }
      for (const [k, x] of Object.entries(o)) visit(x, `${at}.${k}`);
    }
  };
  visit(body, where);
  return out;
}

beforeAll(async () => {
  schemas = loadRedfishSchemas();
  s = await startRedfishService();
  await seedCatalogedNode(s, nodeA, '52:54:00:ef:00:01');
  await seedCatalogedNode(s, nodeB, '52:54:00:ef:00:02');
  await s.fixture.monorail.nodes.ask(bare, { type: 'node.create', spec: { name: 'bare', identifiers: ['52:54:00:ef:00:03'], type: 'compute' } });
  // Compiling the schemas (ajv, every reference they make) is the slow part: done once, here.
  const root = bodyOf(await get('/redfish/v1/'));
  schemas.validatorFor(String(root['@odata.type']));
  schemas.validatorFor(String(bodyOf(await get('/redfish/v1/Systems'))['@odata.type']));
}, 180_000);
afterAll(async () => {
  await s?.stop();
});

describe('$expand', () => {
  it('. puts every member of a collection in place of its link, in order, and the answer validates', async () => {
    const res = await get('/redfish/v1/Systems?$expand=.');
    expect(res.status).toBe(200);
    const body = bodyOf(res);
    expect(ids(body)).toEqual([`/redfish/v1/Systems/${nodeA}`, `/redfish/v1/Systems/${nodeB}`, `/redfish/v1/Systems/${bare}`]);
    expect(members(body).map((m) => m['Id'])).toEqual([nodeA, nodeB, bare]);
    expect(body['Members@odata.count']).toBe(3);
    expect(invalid(body)).toEqual([]);
    // The member as expanded is the member as read.
    expect(members(body)[0]).toEqual(bodyOf(await get(`/redfish/v1/Systems/${nodeA}`)));
  });

  it('. expands subordinate resources but not Links; ~ only Links; * both', async () => {
    const uri = `/redfish/v1/Systems/${nodeA}`;
    const dot = bodyOf(await get(`${uri}?$expand=.`));
    expect(dot['Processors']).toMatchObject({ '@odata.type': expect.stringMatching(/^#ProcessorCollection\./) as string, 'Members@odata.count': 2 });
    expect((dot['Links'] as { Chassis: Json[] }).Chassis).toEqual([{ '@odata.id': `/redfish/v1/Chassis/${nodeA}` }]);
    const tilde = bodyOf(await get(`${uri}?$expand=~`));
    expect(tilde['Processors']).toEqual({ '@odata.id': `${uri}/Processors` });
    expect((tilde['Links'] as { Chassis: Json[] }).Chassis[0]).toMatchObject({ '@odata.type': expect.stringMatching(/^#Chassis\./) as string, Id: nodeA });
    const star = bodyOf(await get(`${uri}?$expand=*`));
    expect(star['Processors']).toMatchObject({ 'Members@odata.count': 2 });
    expect((star['Links'] as { ManagedBy: Json[] }).ManagedBy[0]).toMatchObject({ '@odata.type': expect.stringMatching(/^#Manager\./) as string, ManagerType: 'BMC' });
    for (const body of [dot, tilde, star]) expect(invalid(body)).toEqual([]);
    // One level only: the expanded collection's members stay links.
    expect(members(star['Processors'] as Json)[0]).toEqual({ '@odata.id': `${uri}/Processors/CPU_0` });
  });

  it('$levels expands what was expanded, up to MaxLevels, and validates', async () => {
    const two = bodyOf(await get(`/redfish/v1/Systems?$expand=${q('.($levels=2)')}`));
    const first = members(two)[0] ?? {};
    expect(first['Processors']).toMatchObject({ 'Members@odata.count': 2 });
    expect(members(first['Processors'] as Json)[0]).toEqual({ '@odata.id': `/redfish/v1/Systems/${nodeA}/Processors` + '/CPU_0' });
    const three = bodyOf(await get(`/redfish/v1/Systems/${nodeA}?$expand=${q('.($levels=3)')}`));
    const storage = members(three['Storage'] as Json)[0] ?? {};
    expect((storage['Drives'] as Json[])[0]).toMatchObject({ '@odata.type': expect.stringMatching(/^#Drive\./) as string });
    expect(invalid(two)).toEqual([]);
    expect(invalid(three)).toEqual([]);
  });

  it('the service root expanded validates, and every one of its links became its resource', async () => {
    const body = bodyOf(await get('/redfish/v1/?$expand=.'));
    for (const key of ['Systems', 'Chassis', 'Managers', 'Tasks', 'SessionService', 'AccountService', 'EventService', 'Registries', 'JsonSchemas']) {
      expect(Object.keys(body[key] as Json).length, key).toBeGreaterThan(1);
    }
    expect(invalid(body)).toEqual([]);
  });

  it('expands only what the caller may read: links to other users\u2019 accounts stay links; anonymous callers expand nothing protected', async () => {
    const accounts = bodyOf(await get('/redfish/v1/AccountService/Accounts?$expand=.', reader));
    const expanded = members(accounts).filter((m) => Object.keys(m).length > 1).map((m) => m['Id']);
    expect(expanded).toEqual([READER.username]);
    expect(accounts['Members@odata.count']).toBe(3);
    const root = bodyOf(await request(s.app).get('/redfish/v1/?$expand=*'));
    expect(root['Systems']).toEqual({ '@odata.id': '/redfish/v1/Systems' });
  });

  it('keeps the ETag of the resource, so a PATCH after an expanded GET can use it', async () => {
    const uri = `/redfish/v1/Systems/${nodeA}`;
    const plain = await get(uri);
    const expanded = await get(`${uri}?$expand=*&$select=Id,Processors`);
    expect(expanded.headers['etag']).toBe(plain.headers['etag']);
    expect(expanded.headers['link']).toBe(plain.headers['link']);
  });
});

describe('$select', () => {
  it('keeps the named properties, nested paths within objects, and the @odata properties', async () => {
    const body = bodyOf(await get(`/redfish/v1/Systems/${nodeA}?$select=${q('Name,Status/Health,ProcessorSummary/Count,NoSuchProperty')}`));
    expect(body).toEqual({
      '@odata.id': `/redfish/v1/Systems/${nodeA}`,
      '@odata.type': expect.stringMatching(/^#ComputerSystem\.v1_\d+_\d+\.ComputerSystem$/) as string,
      Name: expect.any(String) as string,
      Status: { Health: 'OK' },
      ProcessorSummary: { Count: 2 },
    });
  });

  it('on a collection keeps its members and applies to each expanded one', async () => {
    const body = bodyOf(await get('/redfish/v1/Systems?$expand=.&$select=Id,PowerState'));
    expect(body['Members@odata.count']).toBe(3);
    expect(members(body).map((m) => Object.keys(m).sort())).toEqual([0, 1, 2].map(() => ['@odata.id', '@odata.type', 'Id', 'PowerState']));
    expect(Object.keys(bodyOf(await get('/redfish/v1/Systems?$select=Name'))).sort()).toEqual(['@odata.id', '@odata.type', 'Members', 'Members@odata.count', 'Name']);
  });

  it('applies to each object of an array', async () => {
    const body = bodyOf(await get(`/redfish/v1/Managers/${nodeA}-BMC/EthernetInterfaces/1?$select=${q('IPv4Addresses/Address')}`));
    expect(body['IPv4Addresses']).toEqual([{ Address: '10.1.2.3' }]);
  });
});

describe('$filter', () => {
  it('keeps the members that satisfy it; Members@odata.count counts them', async () => {
    const cases: readonly (readonly [string, readonly string[]])[] = [
      ['ProcessorSummary/Count gt 0', [nodeA, nodeB]],
      ['ProcessorSummary/Count eq 0', [bare]],
      [`Id eq '${nodeB}' or Id eq '${bare}'`, [nodeB, bare]],
      [`not (Id eq '${nodeA}') and ProcessorSummary/Count ge 2`, [nodeB]],
      ['ProcessorSummary/Model eq null', [bare]],
      ['null ne ProcessorSummary/Model', [nodeA, nodeB]],
      ["Status/Health eq 'Critical'", []],
    ];
    for (const [filter, expected] of cases) {
      const res = await get(`/redfish/v1/Systems?$filter=${q(filter)}`);
      expect(res.status, filter).toBe(200);
      expect(ids(bodyOf(res)), filter).toEqual(expected.map((id) => `/redfish/v1/Systems/${id}`));
      expect(bodyOf(res)['Members@odata.count'], filter).toBe(expected.length);
    }
  });

  it('pages what matched with $skip/$top, and the next link repeats the filter', async () => {
    const filter = 'ProcessorSummary/Count ge 0';
    const page = bodyOf(await get(`/redfish/v1/Systems?$filter=${q(filter)}&$top=2`));
    expect(page['Members@odata.count']).toBe(3);
    expect(ids(page)).toHaveLength(2);
    const link = String(page['Members@odata.nextLink']);
    expect(link).toBe(`/redfish/v1/Systems?$skip=2&$top=2&$filter=${encodeURIComponent(filter).replace(/%2F/g, '/')}`);
    const next = bodyOf(await get(link));
    expect(ids(next)).toEqual([`/redfish/v1/Systems/${bare}`]);
    expect(next['Members@odata.nextLink']).toBeUndefined();
  });

  it('combines with $expand and $select, in the order §7.3 gives ($filter, $skip, $top, $expand, $select)', async () => {
    const res = await get(`/redfish/v1/Systems?$filter=${q('ProcessorSummary/Count gt 0')}&$skip=1&$expand=.&$select=Id`);
    expect(bodyOf(res)).toMatchObject({ 'Members@odata.count': 2, Members: [{ '@odata.id': `/redfish/v1/Systems/${nodeB}`, Id: nodeB }] });
  });

  it('sees members only as the caller may read them', async () => {
    const all = bodyOf(await get(`/redfish/v1/AccountService/Accounts?$filter=${q("RoleId ne 'x'")}`, reader));
    expect(ids(all)).toEqual([`/redfish/v1/AccountService/Accounts/${READER.username}`]);
    const byAdmin = bodyOf(await get(`/redfish/v1/AccountService/Accounts?$filter=${q("RoleId eq 'Administrator'")}`));
    expect(ids(byAdmin)).toEqual([`/redfish/v1/AccountService/Accounts/${ADMIN.username}`]);
  });

  it('works on collections the store pages (Tasks) and on those listed whole (Roles)', async () => {
    const wf = await s.fixture.monorail.workflows.run({ graphName: 'Graph.noop-example' });
    const tasks = bodyOf(await get(`/redfish/v1/TaskService/Tasks?$filter=${q(`Id eq '${wf.id}'`)}`));
    expect(ids(tasks)).toEqual([`/redfish/v1/TaskService/Tasks/${wf.id}`]);
    const roles = bodyOf(await get(`/redfish/v1/AccountService/Roles?$filter=${q('IsPredefined eq true and RoleId ne \'ReadOnly\'')}`));
    expect(ids(roles)).toEqual(['/redfish/v1/AccountService/Roles/Administrator', '/redfish/v1/AccountService/Roles/Operator']);
  });

  it('refuses a malformed filter with 400 QueryParameterValueFormatError naming it, and a filter on a resource with QueryNotSupportedOnResource', async () => {
    const bad = await get(`/redfish/v1/Systems?$filter=${q('PowerState eq On')}`);
    expect(bad.status).toBe(400);
    expect(errorOf(bad)['@Message.ExtendedInfo']).toEqual([expect.objectContaining({ MessageId: 'Base.1.22.QueryParameterValueFormatError', MessageArgs: ['PowerState eq On', '$filter'] })]);
    const single = await get(`/redfish/v1/AccountService?$filter=${q("Id eq 'x'")}`);
    expect(single.status).toBe(400);
    expect(errorOf(single).code).toBe('Base.1.22.QueryNotSupportedOnResource');
  });
});

describe('$top and $skip', () => {
  it('next links of store-paged collections repeat $expand and $select too', async () => {
    const page = bodyOf(await get('/redfish/v1/Systems?$top=1&$expand=.&$select=Id'));
    expect(members(page)).toEqual([{ '@odata.id': `/redfish/v1/Systems/${nodeA}`, '@odata.type': expect.any(String) as string, Id: nodeA }]);
    expect(page['Members@odata.nextLink']).toBe('/redfish/v1/Systems?$skip=1&$top=1&$expand=.&$select=Id');
    const next = bodyOf(await get(String(page['Members@odata.nextLink'])));
    expect(members(next)).toEqual([expect.objectContaining({ Id: nodeB })]);
  });
});
