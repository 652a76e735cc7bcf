/**
 * The whole Redfish tree, walked from the service root over real HTTP by following every `@odata.id`,
 * with a node discovered the real way (first contact, the Discovery graph, an agent posting the captured
 * outputs of the real tools on a QEMU q35 guest and of ipmitool against ipmi_sim): every resource answers,
 * validates against the DMTF JSON schema its `@odata.type` names (vendored DSP8010, ajv), and carries the
 * headers DSP0266 §8.2 asks for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRedfishSchemas, type RedfishSchemaValidator } from '../../../src/api/redfish/json-schema-validator.ts';
import { ADMIN, basic, discoverNode, startRedfishService, workflowFinished, type RedfishService } from '../../support/redfish-service.ts';

let s: RedfishService;
let schemas: RedfishSchemaValidator;
let nodeId: string;
const auth = { Authorization: basic(ADMIN) };

interface Visited {
  readonly uri: string;
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}
let visited: Visited[] = [];

/** Every `@odata.id` in a document (fragments like `…/Thermal#/Fans/0` name parts of the same resource). */
function links(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) links(v, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '@odata.id' && typeof v === 'string' && !v.includes('#')) out.add(v);
      else if (k === 'Members@odata.nextLink' && typeof v === 'string') out.add(v);
      else links(v, out);
    }
  }
}

beforeAll(async () => {
  schemas = loadRedfishSchemas();
  s = await startRedfishService();
  nodeId = await discoverNode(s, '52:54:00:12:34:02');
  const m = s.fixture.monorail;
  // A compute node nothing has been catalogued for yet, and one that is not a system (a switch).
  await m.nodes.ask('5f00000000000000000b0001', { type: 'node.create', spec: { name: 'bare', identifiers: ['52:54:00:bb:00:01'], type: 'compute' } });
  await m.nodes.ask('5f00000000000000000b0002', { type: 'node.create', spec: { name: 'tor-switch', identifiers: ['52:54:00:bb:00:02'], type: 'switch' } });
  // A finished and a failed workflow as Tasks, a session, and a subscription, so every collection has members.
  const ok = await m.workflows.run({ graphName: 'Graph.noop-example' });
  await workflowFinished(s, ok.id);
  const failing = await m.workflows.run({ graphName: 'Graph.PowerOn.Node', nodeId: '5f00000000000000000b0001' });
  await workflowFinished(s, failing.id);
  await fetch(`${s.url}/redfish/v1/SessionService/Sessions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ UserName: ADMIN.username, Password: ADMIN.password }) });
  await fetch(`${s.url}/redfish/v1/EventService/Subscriptions`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ Destination: 'http://127.0.0.1:9/events', Context: 'walk' }) });

  const queue = ['/redfish/v1/'];
  const seen = new Set(queue);
  visited = [];
  while (queue.length > 0) {
    const uri = queue.shift() ?? '';
    const res = await fetch(`${s.url}${uri}`, { headers: auth });
    const body = (await res.json()) as Record<string, unknown>;
    visited.push({ uri, status: res.status, headers: res.headers, body });
    const found = new Set<string>();
    links(body, found);
    for (const next of found) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
}, 120_000);
afterAll(async () => {
  await s?.stop();
});

describe('the Redfish tree', () => {
  it('reaches every kind of resource from the service root', () => {
    const types = new Set(visited.map((v) => String(v.body['@odata.type']).replace(/\.v\d+_\d+_\d+/, '').replace(/^#/, '').split('.')[0]));
    for (const t of [
      'ServiceRoot', 'ComputerSystemCollection', 'ComputerSystem', 'ProcessorCollection', 'Processor', 'MemoryCollection', 'Memory',
      'StorageCollection', 'Storage', 'Drive', 'SimpleStorageCollection', 'SimpleStorage', 'EthernetInterfaceCollection', 'EthernetInterface',
      'LogServiceCollection', 'LogService', 'LogEntryCollection', 'LogEntry', 'Bios', 'ChassisCollection', 'Chassis', 'Thermal', 'Power',
      'ManagerCollection', 'Manager', 'ManagerNetworkProtocol', 'SessionService', 'SessionCollection', 'Session', 'AccountService',
      'ManagerAccountCollection', 'ManagerAccount', 'RoleCollection', 'Role', 'TaskService', 'TaskCollection', 'Task', 'EventService',
      'EventDestinationCollection', 'EventDestination', 'MessageRegistryFileCollection', 'MessageRegistryFile', 'JsonSchemaFileCollection', 'JsonSchemaFile',
    ]) {
      expect(types, t).toContain(t);
    }
    expect(visited.length).toBeGreaterThan(250);
  });

  it('every resource answers 200 (202 for a running task) and validates against the schema of its @odata.type', () => {
    const failures: string[] = [];
    for (const v of visited) {
      if (v.status !== 200 && v.status !== 202) failures.push(`${v.uri}: HTTP ${v.status} ${JSON.stringify(v.body).slice(0, 300)}`);
      const type = v.body['@odata.type'];
      if (typeof type !== 'string') {
        failures.push(`${v.uri}: no @odata.type`);
        continue;
      }
      const validate = schemas.validatorFor(type);
      if (!validate(v.body)) failures.push(`${v.uri} (${type}): ${JSON.stringify(validate.errors?.slice(0, 3))}`);
      // DSP0266 §9: @odata.id is the URI the resource was read at (collections' next links aside).
      if (!v.uri.includes('?') && v.body['@odata.id'] !== v.uri) failures.push(`${v.uri}: @odata.id is ${String(v.body['@odata.id'])}`);
    }
    expect(failures).toEqual([]);
  });

  it('every GET carries OData-Version, Cache-Control, Allow, a describedby Link matching @odata.type, an ETag and JSON', () => {
    const failures: string[] = [];
    for (const v of visited) {
      const h = (name: string): string => v.headers.get(name) ?? '';
      if (h('odata-version') !== '4.0') failures.push(`${v.uri}: OData-Version ${h('odata-version')}`);
      if (h('cache-control') === '') failures.push(`${v.uri}: no Cache-Control`);
      if (!/^application\/json/.test(h('content-type'))) failures.push(`${v.uri}: Content-Type ${h('content-type')}`);
      if (!h('allow').split(', ').includes('GET')) failures.push(`${v.uri}: Allow ${h('allow')}`);
      if (!/^W\/"[^"]+"$/.test(h('etag'))) failures.push(`${v.uri}: ETag ${h('etag')}`);
      const type = String(v.body['@odata.type']);
      const version = /\.(v\d+_\d+_\d+)\./.exec(type)?.[1];
      const link = /^<([^>]+)>; rel=describedby$/.exec(h('link'))?.[1] ?? '';
      if (link === '' || (version !== undefined && !link.endsWith(`.${version}.json`))) failures.push(`${v.uri}: Link ${h('link')} for ${type}`);
    }
    expect(failures).toEqual([]);
  });

  it('the discovered node is a ComputerSystem with the identity, processors, memory, disks, NICs, SEL and BMC its catalogs name', () => {
    const get = (uri: string): Record<string, unknown> => visited.find((v) => v.uri === uri)?.body ?? {};
    const sys = get(`/redfish/v1/Systems/${nodeId}`);
    expect(sys).toMatchObject({
      Manufacturer: 'Acme Servers Inc.',
      Model: 'AS-2224 Gen3',
      SerialNumber: 'ACS2224B0042',
      UUID: '4c4c4544-0042-3510-8052-b2c04f4a3132',
      SKU: 'AS2224-G3-BASE',
      BiosVersion: '2.10.1',
      ProcessorSummary: { Count: 2, CoreCount: 4, LogicalProcessorCount: 4, Model: 'pc-q35-7.2' },
      MemorySummary: { TotalSystemMemoryGiB: 1.5 },
      PowerState: 'On',
      Links: { ManagedBy: [{ '@odata.id': `/redfish/v1/Managers/${nodeId}-BMC` }] },
    });
    expect(get(`/redfish/v1/Systems/${nodeId}/Processors/CPU_0`)).toMatchObject({ Socket: 'CPU 0', MaxSpeedMHz: 2000, TotalCores: 2, Manufacturer: 'QEMU' });
    expect(get(`/redfish/v1/Systems/${nodeId}/Memory/DIMM_0`)).toMatchObject({ CapacityMiB: 1536, OperatingSpeedMhz: 2666, PartNumber: 'AM4R16G2666', Manufacturer: 'Acme-Memory' });
    const sata = get(`/redfish/v1/Systems/${nodeId}/Storage/sata/Drives/sda`);
    expect(sata).toMatchObject({ Model: 'ACME DC SSD 480', SerialNumber: 'S3FFNX0K123456', Protocol: 'SATA', MediaType: 'SSD', CapacityBytes: 67108864, Revision: '2.5+', Status: { Health: 'OK' } });
    expect(get(`/redfish/v1/Systems/${nodeId}/Storage/nvme`)).toMatchObject({ Drives: [{ '@odata.id': `/redfish/v1/Systems/${nodeId}/Storage/nvme/Drives/nvme0n1` }] });
    expect(get(`/redfish/v1/Systems/${nodeId}/EthernetInterfaces/eth1`)).toMatchObject({ MACAddress: '52:54:00:12:34:01', SpeedMbps: 1000, LinkStatus: 'LinkUp', MTUSize: 1500 });
    const entries = get(`/redfish/v1/Systems/${nodeId}/LogServices/SEL/Entries`);
    expect(entries['Members@odata.count']).toBe(4);
    expect(get(`/redfish/v1/Systems/${nodeId}/LogServices/SEL/Entries/3`)).toMatchObject({ EntryType: 'SEL', SensorType: 'Temperature', SensorNumber: 1, EntryCode: 'Upper Non-critical - going high', Severity: 'Warning', Created: '2026-11-25T21:17:54Z' });
    expect(get(`/redfish/v1/Systems/${nodeId}/Bios`)).toMatchObject({ Attributes: { BiosVendor: 'Acme BIOS Corp.', BiosVersion: '2.10.1', BiosReleaseDate: '03/14/2023' } });
    expect(get(`/redfish/v1/Chassis/${nodeId}`)).toMatchObject({ ChassisType: 'Other', SerialNumber: 'CH2224B0042', Manufacturer: 'Acme Servers Inc.' });
    expect(get(`/redfish/v1/Managers/${nodeId}-BMC`)).toMatchObject({ ManagerType: 'BMC', FirmwareVersion: '2.15', Manufacturer: 'Intel Corporation' });
    expect(get(`/redfish/v1/Managers/${nodeId}-BMC/EthernetInterfaces/1`)).toMatchObject({ MACAddress: '52:54:00:12:34:56', IPv4Addresses: [{ Address: '10.1.2.3', SubnetMask: '255.255.255.0', Gateway: '10.1.2.1', AddressOrigin: 'Static' }] });
  });

  it('a node without catalogs is still a valid system, and a switch is not a system', () => {
    const systems = visited.find((v) => v.uri === '/redfish/v1/Systems')?.body;
    // Members come in node id order.
    expect((systems?.['Members'] as { '@odata.id': string }[]).map((m) => m['@odata.id'])).toEqual([`/redfish/v1/Systems/${nodeId}`, '/redfish/v1/Systems/5f00000000000000000b0001'].sort());
    expect(visited.find((v) => v.uri === '/redfish/v1/Systems/5f00000000000000000b0001')?.body).toMatchObject({ PowerState: null, ProcessorSummary: { Count: 0 }, Links: { ManagedBy: [{ '@odata.id': '/redfish/v1/Managers/Monorail' }] } });
  });

  it('the OpenAPI document of the registry describes every Redfish route', () => {
    const doc = s.registry.openapi({ title: 'Monorail', version: 'test' }) as { paths: Record<string, Record<string, unknown>> };
    const redfish = s.registry.mounted().filter((r) => r.group.startsWith('redfish'));
    expect(redfish.length).toBeGreaterThan(60);
    for (const r of redfish) expect(doc.paths[r.paths[0] ?? '']?.[r.method], `${r.method} ${r.paths[0] ?? ''}`).toBeDefined();
  });

  it('the validator is not a rubber stamp: a wrong property or value fails', () => {
    const sys = visited.find((v) => v.uri === `/redfish/v1/Systems/${nodeId}`)?.body ?? {};
    const validate = schemas.validatorFor(String(sys['@odata.type']));
    expect(validate({ ...sys, PowerState: 'Sideways' })).toBe(false);
    expect(validate({ ...sys, NotAProperty: 1 })).toBe(false);
  });
});
