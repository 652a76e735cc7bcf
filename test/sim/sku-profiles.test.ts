/**
 * The virtual rack's machines: every output each SKU profile generates, for several seeds, is accepted by
 * the catalog parser of the exact command discovery runs; the catalogs match the profile's own SKU and no
 * other; identities differ between machines and seeds, and one seed always builds the same machine.
 */
import { describe, expect, it } from 'vitest';
import { catalogCommands, parseCommandOutput } from '../../src/actors/catalog/command-parsers.ts';
import { compileRules } from '../../src/actors/sku/catalog-rule.ts';
import { evaluateRules, matchSku, matchTags } from '../../src/actors/sku/rule-matcher.ts';
import { bmcCatalogCommands } from '../../src/actors/workflow/builtin/tasks.ts';
import { planRack } from '../../src/sim/rack-plan.ts';
import { inventoryOf, simulatedCommands } from '../../src/sim/sim-inventory.ts';
import { simSkus, simTags, skuProfiles } from '../../src/sim/sku-profiles.ts';
import type { MachineSpec } from '../../src/sim/machine-spec.ts';

const seeds = [1, 2, 3, 42, 2026];
const discoveryCommands = [...catalogCommands.map((c) => c.cmd), ...bmcCatalogCommands];

function catalogsOf(spec: MachineSpec): Record<string, unknown> {
  const inventory = inventoryOf(spec);
  const catalogs: Record<string, unknown> = {};
  for (const cmd of discoveryCommands) {
    const out = inventory(cmd);
    if (out === undefined) throw new Error(`${spec.profile} does not answer ${cmd}`);
    const parsed = parseCommandOutput(cmd, out.stdout, out.stderr ?? '', out.exitCode ?? 0);
    catalogs[parsed.source] = parsed.data;
  }
  return catalogs;
}

describe('SKU profiles', () => {
  it('answer every command discovery runs, and every answer parses with that command\'s parser', () => {
    expect(simulatedCommands).toEqual(expect.arrayContaining(discoveryCommands));
    for (const profile of skuProfiles) {
      for (const seed of seeds) {
        const plan = planRack({ machines: 8, seed, profiles: [profile.name], loopbackAliases: true });
        for (const { spec } of plan) {
          const inventory = inventoryOf(spec);
          for (const cmd of simulatedCommands) {
            const out = inventory(cmd);
            expect(out, `${profile.name} seed ${seed}: ${cmd}`).toBeDefined();
            expect(() => parseCommandOutput(cmd, out?.stdout ?? ''), `${profile.name} seed ${seed}: ${cmd}`).not.toThrow();
          }
        }
      }
    }
  });

  it('tell one machine\'s story in every catalog: MACs, disks, memory and the BMC agree across tools', () => {
    for (const profile of skuProfiles) {
      const [{ spec } = { spec: undefined }] = planRack({ machines: 1, seed: 7, profiles: [profile.name], loopbackAliases: true });
      if (spec === undefined) throw new Error('no machine');
      const c = catalogsOf(spec) as {
        dmi: Record<string, Record<string, string> | Record<string, string>[]>;
        lshw: { serial: string; configuration: { uuid: string } };
        lsblk: { blockdevices: { name: string; size: number }[] };
        'ip-link': { ifname: string; address: string }[];
        'ip-addr': { ifname: string; addr_info?: { local?: string }[] }[];
        ethtool: Record<string, { driver?: { 'bus-info': string } }>;
        smart: { SMART: { Identity: Record<string, string> } }[];
        bmc: Record<string, string>;
        'ipmi-fru': Record<string, Record<string, string>>;
      };
      const system = c.dmi['System Information'] as Record<string, string>;
      expect(system['Serial Number']).toBe(spec.system.serial);
      expect(c.lshw.serial).toBe(spec.system.serial);
      expect(c.lshw.configuration.uuid).toBe(spec.system.uuid);
      expect(c['ipmi-fru']['Builtin FRU Device (ID 0)']?.['Product Serial']).toBe(spec.system.serial);
      expect(c.lsblk.blockdevices.map((d) => [d.name, d.size])).toEqual(spec.disks.map((d) => [d.name, d.sizeBytes]));
      expect(c.smart).toHaveLength(spec.disks.length);
      expect(c['ip-link'].filter((i) => i.ifname !== 'lo').map((i) => [i.ifname, i.address])).toEqual(spec.nics.map((n) => [n.ifname, n.mac]));
      expect(c['ip-addr'].find((i) => i.ifname === spec.nics[0]?.ifname)?.addr_info?.[0]?.local).toBe(spec.hostIp);
      for (const nic of spec.nics) expect(c.ethtool[nic.ifname]?.driver?.['bus-info']).toBe(nic.pciAddress);
      expect(c.bmc['IP Address']).toBe(spec.bmc.ip);
      expect(c.bmc['MAC Address']).toBe(spec.bmc.mac);
      const range = (c.dmi['Memory Array Mapped Address'] as Record<string, string>)['Range Size'];
      expect(range).toBe(`${spec.dimms.reduce((s, d) => s + d.sizeGiB, 0)} GB`);
    }
  });

  it('come with SKU definitions that each match exactly their own profile\'s machines', () => {
    for (const sku of simSkus) expect(() => compileRules(sku.rules)).not.toThrow();
    for (const tag of simTags) expect(() => compileRules(tag.rules)).not.toThrow();
    expect(new Set(simSkus.map((s) => s.name)).size).toBe(simSkus.length);
    for (const seed of seeds) {
      for (const { spec, profile } of planRack({ machines: 12, seed, loopbackAliases: true })) {
        const catalogs = catalogsOf(spec);
        for (const sku of simSkus) {
          const verdict = evaluateRules(compileRules(sku.rules), catalogs);
          expect(verdict.matched, `${profile.name} seed ${seed} vs ${sku.name}: ${JSON.stringify(verdict.failures)}`).toBe(sku.id === profile.sku.id);
        }
        expect(matchSku(simSkus.map((s) => ({ ...s, createdAt: 0 })), catalogs)?.id).toBe(profile.sku.id);
        // The PXE NIC's speed decides one tag: 1 GbE on the small 1U, 10/25 GbE elsewhere.
        expect(matchTags(simTags, catalogs).includes('pxe-nic-10g-plus')).toBe((spec.nics[0]?.speedMbps ?? 0) >= 10_000);
      }
    }
  });

  it('give every machine its own identity, stable for a seed and different across seeds', () => {
    const plan = planRack({ machines: 4000, seed: 9, loopbackAliases: true });
    const macs = plan.flatMap(({ spec }) => [...spec.nics.map((n) => n.mac), spec.bmc.mac]);
    expect(new Set(macs).size).toBe(macs.length);
    for (const mac of macs) expect(mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(new Set(plan.map((p) => p.spec.system.uuid)).size).toBe(plan.length);
    expect(new Set(plan.map((p) => p.spec.hostIp)).size).toBe(plan.length);
    expect(new Set(plan.map((p) => p.spec.bmc.ip)).size).toBe(plan.length);
    expect(new Set(plan.map((p) => p.spec.profile))).toEqual(new Set(skuProfiles.map((p) => p.name)));

    const again = planRack({ machines: 5, seed: 9, loopbackAliases: true });
    const other = planRack({ machines: 5, seed: 10, loopbackAliases: true });
    for (const i of [0, 1, 2, 3, 4]) {
      const a = again[i]?.spec;
      if (a === undefined) throw new Error('no machine');
      expect(a).toEqual(plan[i]?.spec);
      expect(inventoryOf(a)('dmidecode')).toEqual(inventoryOf(plan[i]?.spec ?? a)('dmidecode'));
      expect(other[i]?.spec.system.serial).not.toBe(a.system.serial);
      expect(other[i]?.spec.nics[0]?.mac).not.toBe(a.nics[0]?.mac);
    }
    // Memory, disks and firmware vary between machines of one model.
    const dells = plan.filter((p) => p.profile.name === 'dell-r640').map((p) => p.spec);
    expect(new Set(dells.map((d) => d.dimms.reduce((s, m) => s + m.sizeGiB, 0))).size).toBeGreaterThan(1);
    expect(new Set(dells.map((d) => d.disks.length)).size).toBeGreaterThan(1);
    expect(new Set(plan.map((p) => p.spec.arch))).toEqual(new Set(['bios', 'uefi']));
  });

  it('answer commands they do not have as "not found", and refuse a rack they cannot build', () => {
    const [{ spec } = { spec: undefined }] = planRack({ machines: 1, seed: 1, loopbackAliases: false });
    if (spec === undefined) throw new Error('no machine');
    expect(spec.hostIp).toBe('127.0.0.1');
    expect(inventoryOf(spec)('rm -rf /')).toBeUndefined();
    expect(inventoryOf(spec)('dmidecode -t 1')).toBeUndefined();
    expect(() => planRack({ machines: 0, seed: 1, loopbackAliases: true })).toThrow(/machines must be/);
    expect(() => planRack({ machines: 70_000, seed: 1, loopbackAliases: true })).toThrow(/machines must be/);
    expect(() => planRack({ machines: 1.5, seed: 1, loopbackAliases: true })).toThrow(/machines must be/);
    expect(() => planRack({ machines: 2, seed: 1, profiles: ['cray-xc40'], loopbackAliases: true })).toThrow(/unknown profile "cray-xc40" \(known: dell-r640/);
  });
});
