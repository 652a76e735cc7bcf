/**
 * Which machines a virtual rack holds and where they sit on the simulated network: machine `i` gets a
 * profile (round-robin over the chosen ones, so every profile is present in a small rack), its own seed,
 * and two loopback addresses, 127.1.x.y for its NIC and 127.2.x.y for its BMC, so each machine and each
 * BMC is told apart by address, as on a real network. Where the host cannot use 127.0.0.0/8 beyond
 * 127.0.0.1, everything shares 127.0.0.1 (BMCs then differ by port).
 */
import { machineSeed, seededRng } from './seeded-random.ts';
import type { MachineSpec } from './machine-spec.ts';
import { skuProfiles, type SkuProfile } from './sku-profiles.ts';

/** Two octets of address per machine. */
export const MAX_MACHINES = 65_535;

export interface RackPlanOptions {
  readonly machines: number;
  /** Profile names; all of them when left out. */
  readonly profiles?: readonly string[];
  readonly seed: number;
  /** Whether 127.x.y.z addresses other than 127.0.0.1 can be bound (Linux: yes; macOS: only with aliases). */
  readonly loopbackAliases: boolean;
}

export interface PlannedMachine {
  readonly spec: MachineSpec;
  readonly profile: SkuProfile;
}

function octets(index: number): string {
  const n = index + 1;
  return `${(n >> 8) & 255}.${n & 255}`;
}

export const hostIpOf = (index: number, aliases: boolean): string => (aliases ? `127.1.${octets(index)}` : '127.0.0.1');
export const bmcIpOf = (index: number, aliases: boolean): string => (aliases ? `127.2.${octets(index)}` : '127.0.0.1');

export function selectProfiles(names: readonly string[] | undefined): SkuProfile[] {
  if (names === undefined || names.length === 0) return [...skuProfiles];
  return names.map((name) => {
    const profile = skuProfiles.find((p) => p.name === name);
    if (profile === undefined) throw new Error(`unknown profile "${name}" (known: ${skuProfiles.map((p) => p.name).join(', ')})`);
    return profile;
  });
}

export function planRack(o: RackPlanOptions): PlannedMachine[] {
  if (!Number.isInteger(o.machines) || o.machines < 1 || o.machines > MAX_MACHINES) {
    throw new Error(`machines must be a whole number from 1 to ${MAX_MACHINES}, not ${o.machines}`);
  }
  const profiles = selectProfiles(o.profiles);
  const macSalt = seededRng(o.seed).int(0, 0x1fffff);
  return Array.from({ length: o.machines }, (_, index) => {
    const profile = profiles[index % profiles.length] ?? skuProfiles[0];
    if (profile === undefined) throw new Error('no SKU profiles');
    const spec = profile.build({ index, rng: seededRng(machineSeed(o.seed, index)), hostIp: hostIpOf(index, o.loopbackAliases), bmcIp: bmcIpOf(index, o.loopbackAliases), macSalt });
    return { spec, profile };
  });
}
