/**
 * The catalogs → Redfish resources step on real catalogs (the QEMU guest, and RackHD's Supermicro and
 * Quanta dmidecode captures with repeated processors and DIMMs) and on hostile ones: catalogs arrive from
 * the machine, so any JSON in any shape (wrong types, `__proto__` keys, huge numbers, nesting) must give
 * resources that still validate against the DMTF schemas, never an exception.
 */
import { describe, expect, it } from 'vitest';
import { catalogCommands, parseCommandOutput } from '../../../../src/actors/catalog/command-parsers.ts';
import { loadRedfishSchemas } from '../../../../src/api/redfish/json-schema-validator.ts';
import { biosInfo, bmcInfo, chassisInfo, memoryDevices, networkInterfaces, processors, selEntries, storageControllers, systemIdentity } from '../../../../src/api/redfish/systems/node-inventory.ts';
import { bios, computerSystem, drive, ethernetInterface, memory, processor, selEntry, simpleStorage, storage } from '../../../../src/api/redfish/systems/system-resources.ts';
import type { NodeDoc } from '../../../../src/persistence/collections.ts';
import { catalogFixture } from '../../../actors/catalog/catalog-fixtures.ts';
import { qemuGuestWithBmc } from '../../../support/redfish-service.ts';
import { seededRandom, type Random } from '../../../support/seeded-random.ts';

const schemas = loadRedfishSchemas();
const node: NodeDoc = {
  id: '5f00000000000000000f0001',
  name: 'n',
  type: 'compute',
  identifiers: [],
  obms: [],
  tags: [],
  relations: [],
  sku: null,
  autoDiscover: true,
  lifecycle: { state: 'available', since: '2026-01-01T00:00:00.000Z' },
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
};

function realCatalogs(): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const cmd of [...catalogCommands.map((c) => c.cmd), 'ipmitool mc info', 'ipmitool fru', 'ipmitool lan print']) {
    const o = qemuGuestWithBmc(cmd);
    if (o === undefined || o.exitCode !== undefined) continue;
    const p = parseCommandOutput(cmd, o.stdout);
    out.set(p.source, p.data);
  }
  out.set('ipmi-sel', parseCommandOutput('ipmitool sel elist', catalogFixture('ipmitool/sel-elist.txt')).data);
  return out;
}

/** Every resource a system's catalogs make, each validated against the schema of its @odata.type. */
function resourcesOf(c: Map<string, unknown>): Record<string, unknown>[] {
  const storages = storageControllers(c);
  const out: Record<string, unknown>[] = [
    computerSystem({ node, identity: systemIdentity(c), processors: processors(c), memory: memoryDevices(c), hasBmc: bmcInfo(c) !== undefined, hasBios: biosInfo(c) !== undefined, power: null, boot: { target: 'None', enabled: 'Disabled' }, drivesHealthy: true }),
    ...processors(c).map((p) => processor(node.id, p)),
    ...memoryDevices(c).map((m) => memory(node.id, m)),
    ...storages.map((x) => storage(node.id, x)),
    ...storages.map((x) => simpleStorage(node.id, x)),
    ...storages.flatMap((x) => x.drives.map((d) => drive(node.id, x.id, d))),
    ...networkInterfaces(c).map((n) => ethernetInterface('/redfish/v1/Systems/x/EthernetInterfaces', n)),
    ...(selEntries(c) ?? []).map((e) => selEntry(node.id, e)),
  ];
  const b = biosInfo(c);
  if (b !== undefined) out.push(bios(node.id, b));
  chassisInfo(c);
  return out;
}

function invalid(resources: Record<string, unknown>[]): string[] {
  return resources.flatMap((r) => {
    const validate = schemas.validatorFor(String(r['@odata.type']));
    return validate(r) ? [] : [`${String(r['@odata.id'])}: ${JSON.stringify(validate.errors?.slice(0, 2))}`];
  });
}

describe('inventory from real catalogs', () => {
  it('the QEMU guest: every resource validates; ids are URI-safe and unique', () => {
    const resources = resourcesOf(realCatalogs());
    expect(resources.length).toBeGreaterThan(15);
    expect(invalid(resources)).toEqual([]);
    const ids = resources.map((r) => String(r['@odata.id']));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((i) => !/^\/redfish\/v1\/[A-Za-z0-9/_-]+$/.test(i))).toEqual([]);
  });

  it('sel elist entries keep their sensor names and details, and map to LogEntry codes', () => {
    const entries = selEntries(realCatalogs()) ?? [];
    expect(entries.map((e) => selEntry(node.id, e))).toMatchObject([
      { Id: '1', SensorType: 'Temperature', EntryCode: 'Upper Critical - going high', Severity: 'Critical', Message: 'Temperature CPU Temp | Upper Critical going high | Asserted | Reading 92 > Threshold 90 degrees C' },
      { Id: '2', SensorType: 'Power Supply / Converter', EntryCode: 'Assert', Severity: 'Critical' },
      { Id: '3', SensorType: 'Temperature', SensorNumber: 1, Severity: 'Warning', Created: '2026-11-25T21:17:54Z' },
      { Id: '4', SensorType: 'Fan', SensorNumber: 2, EntryCode: 'Lower Critical - going low' },
    ]);
    // Pre-Init entries have no real timestamp: no Created.
    expect(selEntry(node.id, entries[0] ?? entries[1] ?? ({} as never))['Created']).toBeUndefined();
  });

  it.each([
    ['rackhd-supermicro-x9drt-abridged.txt', 2, 'Intel(R) Xeon(R) CPU E5-2650 v2 @ 2.60GHz', 2, 32768],
    ['rackhd-quanta-t41s-abridged.txt', 1, undefined, 1, undefined],
  ])('%s: processors and DIMMs of a real server', (file, cpus, model, dimms, mib) => {
    const c = new Map<string, unknown>([['dmi', parseCommandOutput('dmidecode', catalogFixture(`dmidecode/${file}`)).data]]);
    const p = processors(c);
    const m = memoryDevices(c);
    expect(p.length).toBe(cpus);
    if (model !== undefined) expect(p[0]?.model).toBe(model);
    expect(m.length).toBe(dimms);
    if (mib !== undefined) expect(m[0]?.capacityMiB).toBe(mib);
    expect(invalid(resourcesOf(c))).toEqual([]);
  });

  it('no catalogs at all: a valid, empty system', () => {
    const resources = resourcesOf(new Map());
    expect(resources).toHaveLength(1);
    expect(invalid(resources)).toEqual([]);
    expect(resources[0]).toMatchObject({ ProcessorSummary: { Count: 0 }, MemorySummary: { TotalSystemMemoryGiB: 0 } });
  });
});

/** Random JSON of any shape, biased towards the keys the inventory reads. */
function junk(rnd: Random, depth: number): unknown {
  const keys = ['System Information', 'Processor Information', 'Memory Device', 'BIOS Information', 'Size', 'Locator', 'Version', 'Status', 'Type', 'UUID', 'blockdevices', 'name', 'type', 'size', 'rota', 'tran', 'children', 'class', 'logicalname', 'id', 'ifname', 'link_type', 'flags', 'mtu', 'addr_info', 'family', 'local', 'prefixlen', 'entries', 'sensor', 'event', 'direction', 'sensorNumber', 'timestamp', 'IP Address', 'MAC Address', 'Firmware Revision', 'OS Device Name', 'SMART', 'Identity', '__proto__', 'constructor', 'Core Count', 'Max Speed'];
  const strings = ['', ' ', '32 GB', '1536 MB', 'No Module Installed', 'Populated, Enabled', 'Unpopulated', 'Central Processor', 'disk', 'loop0', 'sata', 'nvme', '/dev/sda', 'ether', 'inet', 'inet6', '10.0.0.1', 'UP', 'Asserted', 'Deasserted', '0x01', '0xZZ', 'Upper Critical going high', 'DDR4', '2666 MT/s', '99999999999999999999 MHz', '52:54:00:12:34:56', 'not a mac', '4c4c4544-0042-3510-8052-b2c04f4a3132', '2026-13-45T99:99:99Z', 'x'.repeat(5000), '\u0000', '𝕏', '../../etc/passwd', '%2F', '<script>'];
  const r = rnd();
  if (depth > 5 || r < 0.3) {
    const k = Math.floor(rnd() * 6);
    return k === 0 ? null : k === 1 ? rnd() < 0.5 : k === 2 ? [0, -1, 1.5, 1e300, 2 ** 53 + 1, 65536, 1500][Math.floor(rnd() * 7)] : strings[Math.floor(rnd() * strings.length)];
  }
  if (r < 0.6) return Array.from({ length: Math.floor(rnd() * 5) }, () => junk(rnd, depth + 1));
  const out: Record<string, unknown> = {};
  for (let i = Math.floor(rnd() * 6); i > 0; i--) Object.defineProperty(out, keys[Math.floor(rnd() * keys.length)] ?? 'k', { value: junk(rnd, depth + 1), enumerable: true, configurable: true, writable: true });
  return out;
}

/** A catalog of the right outline for its source, every value junk (wrong types, placeholders, huge, hostile). */
function shaped(source: string, rnd: Random): unknown {
  const leaf = (): unknown => junk(rnd, 4);
  const rec = (keys: readonly string[]): Record<string, unknown> => Object.fromEntries(keys.filter(() => rnd() < 0.8).map((k) => [k, leaf()]));
  const some = <T>(make: () => T): T[] => Array.from({ length: Math.floor(rnd() * 4) }, make);
  const dmiKeys = ['Manufacturer', 'Product Name', 'Serial Number', 'UUID', 'SKU Number', 'Version', 'Socket Designation', 'Type', 'Status', 'Max Speed', 'Current Speed', 'Core Count', 'Thread Count', 'ID', 'Size', 'Locator', 'Bank Locator', 'Speed', 'Part Number', 'Rank', 'Data Width', 'Total Width', 'Characteristics', 'Vendor', 'Release Date', 'Asset Tag'];
  switch (source) {
    case 'dmi':
      return { 'System Information': rec(dmiKeys), 'BIOS Information': rec(dmiKeys), 'Chassis Information': rec(dmiKeys), 'Processor Information': some(() => rec(dmiKeys)), 'Memory Device': some(() => rec(dmiKeys)) };
    case 'lsblk':
      return { blockdevices: some(() => ({ ...rec(['size', 'rota', 'tran', 'model', 'serial', 'vendor', 'rev', 'path', 'children']), name: rnd() < 0.8 ? `sd${Math.floor(rnd() * 3)}` : leaf(), type: rnd() < 0.8 ? 'disk' : leaf() })) };
    case 'lshw':
      return { id: 'root', class: 'system', children: some(() => ({ ...rec(['product', 'vendor', 'serial', 'size', 'configuration']), id: leaf(), class: ['storage', 'disk', 'network'][Math.floor(rnd() * 3)], logicalname: rnd() < 0.5 ? `/dev/sd${Math.floor(rnd() * 3)}` : leaf(), children: some(() => ({ ...rec(['product', 'serial', 'size']), id: 'd', class: 'disk', logicalname: `/dev/sd${Math.floor(rnd() * 3)}` })) })) };
    case 'smart':
      return some(() => ({ 'OS Device Name': rnd() < 0.7 ? `/dev/sd${Math.floor(rnd() * 3)}` : leaf(), SMART: { Identity: rec(['Device Model', 'Model Number', 'Serial Number', 'Firmware Version']), 'Self-Assessment': rec(['result']) } }));
    case 'ip-addr':
    case 'ip-link':
      return some(() => ({ ...rec(['ifindex', 'flags', 'mtu', 'address', 'operstate']), ifname: rnd() < 0.8 ? `eth${Math.floor(rnd() * 3)}` : leaf(), link_type: rnd() < 0.8 ? 'ether' : leaf(), addr_info: some(() => ({ ...rec(['local', 'prefixlen']), family: rnd() < 0.5 ? 'inet' : 'inet6' })) }));
    case 'ipmi-sel':
      return { entries: some(() => ({ ...rec(['sensorType', 'sensorNumber', 'timestamp', 'detail', 'direction']), id: rnd() < 0.8 ? String(Math.floor(rnd() * 20)) : leaf(), sensor: rnd() < 0.8 ? 'Temperature #0x01' : leaf(), event: rnd() < 0.8 ? 'Upper Critical going high' : leaf() })) };
    default:
      return rec(['IP Address', 'MAC Address', 'Subnet Mask', 'Default Gateway IP', 'IP Address Source', 'Firmware Revision', 'Manufacturer Name', 'Product Name', 'IPMI Version']);
  }
}

describe('inventory from hostile catalogs', () => {
  it('any JSON in any catalog gives resources that validate (seeded, 300 cases)', () => {
    const sources = ['dmi', 'lshw', 'lsblk', 'smart', 'ip-addr', 'ip-link', 'ipmi-sel', 'bmc', 'ipmi-mc-info', 'ipmi-fru'];
    let beyondTheSystem = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = seededRandom(seed);
      const c = new Map<string, unknown>();
      for (const s of sources) if (rnd() < 0.7) c.set(s, rnd() < 0.3 ? junk(rnd, 0) : shaped(s, rnd));
      let resources: Record<string, unknown>[] = [];
      expect(() => (resources = resourcesOf(c)), `seed ${seed}`).not.toThrow();
      expect(invalid(resources), `seed ${seed}`).toEqual([]);
      beyondTheSystem += resources.length - 1;
    }
    // The junk is shaped enough to reach the extractors: they made resources from it, not only the empty system.
    expect(beyondTheSystem).toBeGreaterThan(50);
  });

  it('real catalogs with values swapped for junk still validate (seeded, 200 cases)', () => {
    const real = realCatalogs();
    let made = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const rnd = seededRandom(seed * 7919);
      const swap = (v: unknown, depth: number): unknown => {
        if (rnd() < 0.05) return junk(rnd, depth);
        if (Array.isArray(v)) return v.map((x) => swap(x, depth + 1));
        if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, swap(x, depth + 1)]));
        return v;
      };
      const c = new Map([...real].map(([k, v]) => [k, swap(v, 0)]));
      let resources: Record<string, unknown>[] = [];
      expect(() => (resources = resourcesOf(c)), `seed ${seed}`).not.toThrow();
      expect(invalid(resources), `seed ${seed}`).toEqual([]);
      made += resources.length;
    }
    expect(made).toBeGreaterThan(200 * 10);
  });
});
