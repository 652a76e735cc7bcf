/**
 * RackHD's firmware view (`GET /catalogs/{id}/firmware`): RackHD answered it from a `firmware` collection
 * that only Dell's WS-Man inventory jobs filled. Monorail derives the same list — one entry per component
 * that carries firmware — from the node's latest catalogs, which every discovered node has: the BIOS from
 * `dmi` (SMBIOS type 0), the BMC from `ipmi-mc-info` (`ipmitool mc info`), NICs from `ethtool` (`ethtool -i`)
 * and disks from `smart` (smartctl's identity).
 */
import type { CatalogDoc } from '../../../persistence/collections.ts';

export interface FirmwareEntry {
  readonly component: 'BIOS' | 'BMC' | 'NIC' | 'Disk';
  /** Which one: the interface or device name, or the component itself. */
  readonly name: string;
  readonly version: string;
  readonly vendor?: string;
  readonly model?: string;
  readonly releaseDate?: string;
  /** The catalog it was read from. */
  readonly source: string;
  readonly catalog: string;
}

export const firmwareSources = ['dmi', 'ipmi-mc-info', 'ethtool', 'smart'] as const;

type Fields = Readonly<Record<string, unknown>>;
const isFields = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' && !/^(n\/a|not specified|unknown)$/i.test(v.trim()) ? v.trim() : undefined);
const optional = <K extends string>(key: K, v: string | undefined): { [P in K]?: string } => (v === undefined ? {} : ({ [key]: v } as { [P in K]?: string }));

function bios(c: CatalogDoc): FirmwareEntry[] {
  const data = isFields(c.data) ? c.data['BIOS Information'] : undefined;
  return (Array.isArray(data) ? data : [data]).filter(isFields).flatMap((b) => {
    const version = text(b['Version']);
    return version === undefined ? [] : [{ component: 'BIOS' as const, name: 'BIOS', version, ...optional('vendor', text(b['Vendor'])), ...optional('releaseDate', text(b['Release Date'])), source: c.source, catalog: c.id }];
  });
}

function bmc(c: CatalogDoc): FirmwareEntry[] {
  if (!isFields(c.data)) return [];
  const version = text(c.data['Firmware Revision']);
  return version === undefined ? [] : [{ component: 'BMC', name: 'BMC', version, ...optional('vendor', text(c.data['Manufacturer Name'])), ...optional('model', text(c.data['Product Name'])), source: c.source, catalog: c.id }];
}

function nics(c: CatalogDoc): FirmwareEntry[] {
  if (!isFields(c.data)) return [];
  return Object.entries(c.data).flatMap(([ifname, nic]) => {
    const driver = isFields(nic) ? nic['driver'] : undefined;
    const version = isFields(driver) ? text(driver['firmware-version']) : undefined;
    return version === undefined || !isFields(driver) ? [] : [{ component: 'NIC' as const, name: ifname, version, ...optional('model', text(driver['driver'])), source: c.source, catalog: c.id }];
  });
}

function disks(c: CatalogDoc): FirmwareEntry[] {
  return (Array.isArray(c.data) ? c.data : []).filter(isFields).flatMap((d) => {
    const smart = d['SMART'];
    const identity = isFields(smart) ? smart['Identity'] : undefined;
    if (!isFields(identity)) return [];
    const version = text(identity['Firmware Version']);
    const model = text(identity['Device Model']) ?? text(identity['Model Number']);
    return version === undefined ? [] : [{ component: 'Disk' as const, name: text(d['OS Device Name']) ?? 'disk', version, ...optional('model', model), source: c.source, catalog: c.id }];
  });
}

const readers: Readonly<Record<(typeof firmwareSources)[number], (c: CatalogDoc) => FirmwareEntry[]>> = { dmi: bios, 'ipmi-mc-info': bmc, ethtool: nics, smart: disks };

/** The firmware the catalogs show; `latest` holds at most one catalog per source (the newest). */
export function firmwareOf(latest: readonly CatalogDoc[]): FirmwareEntry[] {
  return firmwareSources.flatMap((s) => latest.filter((c) => c.source === s).flatMap((c) => readers[s](c)));
}
