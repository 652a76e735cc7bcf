/**
 * What a node's catalogs say about its hardware, read into plain typed values the Redfish resources are
 * built from. Catalogs are the parsers' output (src/actors/catalog/parsers: `dmi` from dmidecode, `lshw`,
 * `lsblk`, `smart`, `ip-addr`/`ip-link`, and the BMC's `bmc`, `ipmi-mc-info`, `ipmi-fru`, `ipmi-sel`), but
 * they arrive from the machine and may also be RackHD-era documents, so every read is defensive: a field
 * that is missing or of another shape is simply unknown, never an error.
 */
import type { CatalogDoc } from '../../../persistence/collections.ts';
import type { DocumentCollection } from '../../../persistence/document-store.ts';
import { idFrom } from '../odata.ts';

type Rec = Readonly<Record<string, unknown>>;

const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: unknown, key: string): unknown => (isRec(o) && Object.hasOwn(o, key) ? o[key] : undefined);

/** Placeholders firmware writes where it knows nothing (SMBIOS and IPMI FRU alike). */
const PLACEHOLDERS = new Set(['', 'not specified', 'unknown', 'not provided', 'to be filled by o.e.m.', 'default string', 'none', 'n/a', 'not available', 'not present']);

/** A trimmed string value, or undefined for a missing field or a firmware placeholder. */
function text(o: unknown, key: string): string | undefined {
  const v = own(o, key);
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return PLACEHOLDERS.has(t.toLowerCase()) ? undefined : t;
}

/** A count or size as the schemas accept it: a non-negative safe integer. */
const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);

function int(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d{1,15})/.exec(v.replace(/,/g, ''));
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** A dmidecode structure: the object, or every one of a repeated title. */
function dmiSections(dmi: unknown, title: string): Rec[] {
  const v = own(dmi, title);
  if (Array.isArray(v)) return v.filter(isRec);
  return isRec(v) ? [v] : [];
}

/** The latest catalog of each source for a node (catalogs are append-only; the newest one is the truth). */
export async function latestCatalogs(catalogs: DocumentCollection<CatalogDoc>, nodeId: string): Promise<Map<string, unknown>> {
  const docs = await catalogs.find({ node: nodeId }, { sort: { createdAt: -1 } });
  const out = new Map<string, unknown>();
  for (const d of docs) if (!out.has(d.source)) out.set(d.source, d.data);
  return out;
}

// ---- identity -------------------------------------------------------------------------------------

export interface SystemIdentity {
  readonly manufacturer?: string;
  readonly model?: string;
  readonly serialNumber?: string;
  readonly uuid?: string;
  readonly sku?: string;
  readonly partNumber?: string;
  readonly assetTag?: string;
  readonly biosVersion?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function systemIdentity(c: ReadonlyMap<string, unknown>): SystemIdentity {
  const dmi = c.get('dmi');
  const [system] = dmiSections(dmi, 'System Information');
  const [bios] = dmiSections(dmi, 'BIOS Information');
  const [board] = dmiSections(dmi, 'Base Board Information');
  const fru = firstFru(c.get('ipmi-fru'));
  const uuid = text(system, 'UUID');
  return strip({
    manufacturer: text(system, 'Manufacturer') ?? text(fru, 'Product Manufacturer'),
    model: text(system, 'Product Name') ?? text(fru, 'Product Name'),
    serialNumber: text(system, 'Serial Number') ?? text(fru, 'Product Serial'),
    uuid: uuid !== undefined && UUID.test(uuid) ? uuid.toLowerCase() : undefined,
    sku: text(system, 'SKU Number'),
    partNumber: text(fru, 'Product Part Number'),
    assetTag: text(board, 'Asset Tag') ?? text(fru, 'Product Asset Tag'),
    biosVersion: text(bios, 'Version'),
  });
}

function firstFru(fru: unknown): Rec | undefined {
  if (!isRec(fru)) return undefined;
  return Object.values(fru).find(isRec);
}

/** Drops undefined members, so resources never carry `"X": undefined` (and exact shapes stay readable). */
function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

// ---- BIOS -----------------------------------------------------------------------------------------

export interface BiosInfo {
  readonly vendor?: string;
  readonly version?: string;
  readonly releaseDate?: string;
  readonly revision?: string;
  readonly romSize?: string;
  readonly characteristics: readonly string[];
}

export function biosInfo(c: ReadonlyMap<string, unknown>): BiosInfo | undefined {
  const [bios] = dmiSections(c.get('dmi'), 'BIOS Information');
  if (bios === undefined) return undefined;
  const characteristics = own(bios, 'Characteristics');
  return {
    ...strip({ vendor: text(bios, 'Vendor'), version: text(bios, 'Version'), releaseDate: text(bios, 'Release Date'), revision: text(bios, 'BIOS Revision'), romSize: text(bios, 'ROM Size') }),
    characteristics: Array.isArray(characteristics) ? characteristics.filter((x): x is string => typeof x === 'string') : [],
  };
}

// ---- processors -----------------------------------------------------------------------------------

export interface ProcessorInfo {
  readonly id: string;
  readonly socket?: string;
  readonly manufacturer?: string;
  readonly model?: string;
  readonly family?: string;
  readonly maxSpeedMHz?: number;
  readonly operatingSpeedMHz?: number;
  readonly cores?: number;
  readonly threads?: number;
  /** The CPUID bytes dmidecode prints as `ID`. */
  readonly identification?: string;
  readonly enabled: boolean;
}

export function processors(c: ReadonlyMap<string, unknown>): ProcessorInfo[] {
  const out: ProcessorInfo[] = [];
  const used = new Set<string>();
  dmiSections(c.get('dmi'), 'Processor Information').forEach((p, i) => {
    const status = text(p, 'Status') ?? '';
    // SMBIOS lists empty sockets too ("Unpopulated"): those are not processors.
    if (/unpopulated/i.test(status)) return;
    if (text(p, 'Type') !== undefined && !/central/i.test(text(p, 'Type') ?? '')) return;
    const socket = text(p, 'Socket Designation');
    const id = unique(used, idFrom(socket ?? '', `CPU${i}`));
    out.push({
      id,
      ...strip({
        socket,
        manufacturer: text(p, 'Manufacturer'),
        model: text(p, 'Version'),
        family: text(p, 'Family'),
        maxSpeedMHz: int(text(p, 'Max Speed')),
        operatingSpeedMHz: int(text(p, 'Current Speed')),
        cores: int(text(p, 'Core Count')),
        threads: int(text(p, 'Thread Count')),
        identification: text(p, 'ID'),
      }),
      enabled: !/disabled/i.test(status),
    });
  });
  return out;
}

function unique(used: Set<string>, id: string): string {
  let candidate = id;
  for (let n = 2; used.has(candidate); n++) candidate = `${id}_${n}`;
  used.add(candidate);
  return candidate;
}

// ---- memory ---------------------------------------------------------------------------------------

export interface MemoryInfo {
  readonly id: string;
  readonly capacityMiB: number;
  readonly locator?: string;
  readonly bankLocator?: string;
  readonly type?: string;
  readonly speedMHz?: number;
  readonly manufacturer?: string;
  readonly serialNumber?: string;
  readonly partNumber?: string;
  readonly rank?: number;
  readonly dataWidthBits?: number;
  readonly busWidthBits?: number;
  readonly formFactor?: string;
}

/** `1536 MB`, `32 GB`, `16384 MB`, `1 TB` → MiB; SMBIOS's MB/GB are binary units. */
function mib(size: string | undefined): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(kB|MB|GB|TB)$/i.exec(size ?? '');
  if (m?.[1] === undefined || m[2] === undefined) return undefined;
  const factor: Record<string, number> = { kb: 1 / 1024, mb: 1, gb: 1024, tb: 1024 * 1024 };
  return Math.round(Number(m[1]) * (factor[m[2].toLowerCase()] ?? 0));
}

export function memoryDevices(c: ReadonlyMap<string, unknown>): MemoryInfo[] {
  const out: MemoryInfo[] = [];
  const used = new Set<string>();
  dmiSections(c.get('dmi'), 'Memory Device').forEach((m, i) => {
    const capacityMiB = mib(text(m, 'Size'));
    // "No Module Installed": an empty slot.
    if (capacityMiB === undefined || capacityMiB === 0) return;
    const locator = text(m, 'Locator');
    out.push({
      id: unique(used, idFrom(locator ?? '', `DIMM${i}`)),
      capacityMiB,
      ...strip({
        locator,
        bankLocator: text(m, 'Bank Locator'),
        type: text(m, 'Type'),
        speedMHz: int(text(m, 'Configured Memory Speed') ?? text(m, 'Configured Clock Speed') ?? text(m, 'Speed')),
        manufacturer: text(m, 'Manufacturer'),
        serialNumber: text(m, 'Serial Number'),
        partNumber: text(m, 'Part Number'),
        rank: int(text(m, 'Rank')),
        dataWidthBits: int(text(m, 'Data Width')),
        busWidthBits: int(text(m, 'Total Width')),
        formFactor: text(m, 'Form Factor'),
      }),
    });
  });
  return out;
}

// ---- chassis --------------------------------------------------------------------------------------

export interface ChassisInfo {
  readonly type?: string;
  readonly manufacturer?: string;
  readonly model?: string;
  readonly serialNumber?: string;
  readonly assetTag?: string;
  readonly sku?: string;
  readonly partNumber?: string;
}

export function chassisInfo(c: ReadonlyMap<string, unknown>): ChassisInfo {
  const [ch] = dmiSections(c.get('dmi'), 'Chassis Information');
  const fru = firstFru(c.get('ipmi-fru'));
  return strip({
    type: text(ch, 'Type') ?? text(fru, 'Chassis Type'),
    manufacturer: text(ch, 'Manufacturer'),
    model: text(ch, 'Version'),
    serialNumber: text(ch, 'Serial Number') ?? text(fru, 'Chassis Serial'),
    assetTag: text(ch, 'Asset Tag'),
    sku: text(ch, 'SKU Number'),
    partNumber: text(fru, 'Chassis Part Number'),
  });
}

// ---- disks ----------------------------------------------------------------------------------------

export interface DriveInfo {
  readonly id: string;
  readonly path: string;
  readonly model?: string;
  readonly serialNumber?: string;
  readonly manufacturer?: string;
  readonly capacityBytes?: number;
  readonly rotational?: boolean;
  readonly transport?: string;
  readonly revision?: string;
  /** smartctl's overall self-assessment, when it could read the disk. */
  readonly smartPassed?: boolean;
}

export interface StorageControllerInfo {
  /** URI segment: the lshw controller id made safe, or `Local` for disks no controller claims. */
  readonly id: string;
  readonly name: string;
  readonly manufacturer?: string;
  readonly model?: string;
  readonly drives: readonly DriveInfo[];
}

interface LshwDisk {
  readonly controller?: { readonly id: string; readonly product?: string; readonly vendor?: string };
  readonly product?: string;
  readonly serial?: string;
  readonly vendor?: string;
}

const logicalNames = (n: unknown): string[] => {
  const v = own(n, 'logicalname');
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
};

/** lshw: each disk's logical name → what lshw says about it and the storage controller above it. */
function lshwDisks(lshw: unknown): Map<string, LshwDisk> {
  const out = new Map<string, LshwDisk>();
  const walk = (n: unknown, controller: LshwDisk['controller'], depth: number): void => {
    if (!isRec(n) || depth > 64) return;
    const cls = own(n, 'class');
    let here = controller;
    if (cls === 'storage' && typeof own(n, 'id') === 'string') {
      here = strip({ id: String(own(n, 'id')), product: text(n, 'product'), vendor: text(n, 'vendor') });
    }
    if (cls === 'disk') {
      for (const name of logicalNames(n)) {
        if (!name.startsWith('/dev/')) continue;
        out.set(name, strip({ controller: here, product: text(n, 'product'), serial: text(n, 'serial'), vendor: text(n, 'vendor') }));
      }
    }
    const children = own(n, 'children');
    if (Array.isArray(children)) for (const child of children) walk(child, here, depth + 1);
  };
  walk(lshw, undefined, 0);
  return out;
}

interface SmartFacts {
  readonly model?: string;
  readonly serial?: string;
  readonly firmware?: string;
  readonly passed?: boolean;
}

function smartDrives(smart: unknown): Map<string, SmartFacts> {
  const out = new Map<string, SmartFacts>();
  if (!Array.isArray(smart)) return out;
  for (const d of smart) {
    const name = text(d, 'OS Device Name');
    if (name === undefined) continue;
    const identity = own(own(d, 'SMART'), 'Identity');
    const assessment = own(own(d, 'SMART'), 'Self-Assessment');
    const verdict = isRec(assessment) ? Object.values(assessment).find((v): v is string => typeof v === 'string') : undefined;
    out.set(
      name,
      strip({
        model: text(identity, 'Device Model') ?? text(identity, 'Model Number') ?? text(identity, 'Product'),
        serial: text(identity, 'Serial Number') ?? text(identity, 'Serial number'),
        firmware: text(identity, 'Firmware Version') ?? text(identity, 'Revision'),
        passed: verdict === undefined ? undefined : /PASSED|OK/i.test(verdict),
      }),
    );
  }
  return out;
}

/** Real disks only: not loop devices, RAM disks, optical drives or device-mapper volumes. */
const isDisk = (d: Rec): boolean => own(d, 'type') === 'disk' && typeof own(d, 'name') === 'string' && !/^(loop|ram|zram|sr|fd)\d*/.test(String(own(d, 'name')));

export function storageControllers(c: ReadonlyMap<string, unknown>): StorageControllerInfo[] {
  const lsblk = own(c.get('lsblk'), 'blockdevices');
  const lshw = lshwDisks(c.get('lshw'));
  const smart = smartDrives(c.get('smart'));
  const disks: { drive: DriveInfo; controller?: LshwDisk['controller'] }[] = [];
  const seen = new Set<string>();
  const fromLsblk = Array.isArray(lsblk) ? lsblk.filter(isRec).filter(isDisk) : [];
  for (const d of fromLsblk) {
    const name = String(own(d, 'name'));
    const path = typeof own(d, 'path') === 'string' ? String(own(d, 'path')) : `/dev/${name}`;
    const hw = lshw.get(path);
    // smartctl names an NVMe controller (/dev/nvme0) where lsblk names its namespace (/dev/nvme0n1).
    const sm = smart.get(path) ?? [...smart.entries()].find(([k]) => path.startsWith(k) && /^\/dev\/nvme\d+$/.test(k))?.[1];
    const size = own(d, 'size');
    const vendor = text(d, 'vendor');
    const rota = own(d, 'rota');
    seen.add(path);
    disks.push({
      drive: {
        id: idFrom(name, `Disk${disks.length}`),
        path,
        ...strip({
          model: sm?.model ?? text(d, 'model') ?? hw?.product,
          serialNumber: sm?.serial ?? text(d, 'serial') ?? hw?.serial,
          // lsblk prints a PCI vendor id (0x1af4) for virtio disks: not a manufacturer's name.
          manufacturer: vendor !== undefined && !/^0x[0-9a-f]+$/i.test(vendor) && vendor !== 'ATA' ? vendor : hw?.vendor,
          capacityBytes: count(size),
          rotational: typeof rota === 'boolean' ? rota : undefined,
          transport: text(d, 'tran'),
          revision: sm?.firmware ?? text(d, 'rev'),
          smartPassed: sm?.passed,
        }),
      },
      ...(hw?.controller === undefined ? {} : { controller: hw.controller }),
    });
  }
  // Without lsblk, lshw's disks are the list.
  if (fromLsblk.length === 0) {
    for (const [path, hw] of lshw) {
      if (seen.has(path)) continue;
      disks.push({ drive: { id: idFrom(path.slice(5), `Disk${disks.length}`), path, ...strip({ model: hw.product, serialNumber: hw.serial, manufacturer: hw.vendor }) }, ...(hw.controller === undefined ? {} : { controller: hw.controller }) });
    }
  }
  const groups = new Map<string, { info: Omit<StorageControllerInfo, 'drives'>; drives: DriveInfo[] }>();
  for (const { drive, controller } of disks) {
    const key = controller?.id ?? '';
    let g = groups.get(key);
    if (g === undefined) {
      const id = controller === undefined ? 'Local' : idFrom(controller.id, `Storage${groups.size}`);
      g = { info: { id, name: controller?.product ?? 'Local storage', ...strip({ manufacturer: controller?.vendor, model: controller?.product }) }, drives: [] };
      groups.set(key, g);
    }
    g.drives.push(drive);
  }
  const used = new Set<string>();
  return [...groups.values()].map((g) => ({ ...g.info, id: unique(used, g.info.id), drives: g.drives }));
}

// ---- network interfaces -----------------------------------------------------------------------------

export interface NicInfo {
  readonly id: string;
  readonly mac?: string;
  readonly permanentMac?: string;
  readonly mtu?: number;
  readonly up?: boolean;
  readonly linkUp?: boolean;
  readonly speedMbps?: number;
  readonly product?: string;
  readonly ipv4: readonly { readonly address: string; readonly prefixLength: number }[];
  readonly ipv6: readonly { readonly address: string; readonly prefixLength: number }[];
}

const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i;

function lshwNics(lshw: unknown): Map<string, { product?: string; serial?: string; speedMbps?: number }> {
  const out = new Map<string, { product?: string; serial?: string; speedMbps?: number }>();
  const walk = (n: unknown, depth: number): void => {
    if (!isRec(n) || depth > 64) return;
    if (own(n, 'class') === 'network') {
      const size = own(n, 'size');
      const speed = count(size) !== undefined ? Math.round((count(size) ?? 0) / 1_000_000) : speedOf(text(own(n, 'configuration'), 'speed'));
      for (const name of logicalNames(n)) out.set(name, strip({ product: text(n, 'product'), serial: text(n, 'serial'), speedMbps: speed }));
    }
    const children = own(n, 'children');
    if (Array.isArray(children)) for (const child of children) walk(child, depth + 1);
  };
  walk(lshw, 0);
  return out;
}

/** lshw's `1Gbit/s`, `100Mbit/s`. */
function speedOf(s: string | undefined): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([MG])bit\/s$/i.exec(s ?? '');
  if (m?.[1] === undefined || m[2] === undefined) return undefined;
  return Math.round(Number(m[1]) * (m[2].toUpperCase() === 'G' ? 1000 : 1));
}

export function networkInterfaces(c: ReadonlyMap<string, unknown>): NicInfo[] {
  const links = c.get('ip-link');
  const addrs = c.get('ip-addr');
  const hw = lshwNics(c.get('lshw'));
  const byName = new Map<string, { link?: Rec; addr?: Rec }>();
  for (const [source, key] of [[links, 'link'], [addrs, 'addr']] as const) {
    if (!Array.isArray(source)) continue;
    for (const entry of source.filter(isRec)) {
      const name = own(entry, 'ifname');
      if (typeof name !== 'string') continue;
      byName.set(name, { ...byName.get(name), [key]: entry });
    }
  }
  // Without iproute2's view, lshw's network devices are the list.
  if (byName.size === 0) for (const name of hw.keys()) byName.set(name, {});
  const out: NicInfo[] = [];
  const used = new Set<string>();
  for (const [name, { link, addr }] of byName) {
    const entry = link ?? addr;
    const linkType = own(entry, 'link_type');
    if (linkType !== undefined && linkType !== 'ether') continue; // loopback, tunnels, bridges' internals
    const flags = own(entry, 'flags');
    const flagList = Array.isArray(flags) ? flags.filter((f): f is string => typeof f === 'string') : [];
    const mac = text(entry, 'address');
    const operstate = text(link, 'operstate') ?? text(addr, 'operstate');
    const info = hw.get(name);
    const addrInfo = own(addr, 'addr_info');
    const list = Array.isArray(addrInfo) ? addrInfo.filter(isRec) : [];
    const addresses = (family: string) =>
      list
        .filter((a) => own(a, 'family') === family && typeof own(a, 'local') === 'string' && (count(own(a, 'prefixlen')) ?? 999) <= (family === 'inet' ? 32 : 128))
        .map((a) => ({ address: String(own(a, 'local')), prefixLength: Number(own(a, 'prefixlen')) }));
    const mtu = own(entry, 'mtu');
    out.push({
      id: unique(used, idFrom(name, `NIC${out.length}`)),
      ...strip({
        mac: mac !== undefined && MAC.test(mac) ? mac.toLowerCase() : undefined,
        permanentMac: info?.serial !== undefined && MAC.test(info.serial) ? info.serial.toLowerCase() : undefined,
        mtu: count(mtu),
        up: entry === undefined ? undefined : flagList.includes('UP'),
        linkUp: operstate === 'UP' ? true : operstate === 'DOWN' ? false : flagList.includes('LOWER_UP') ? true : undefined,
        speedMbps: info?.speedMbps,
        product: info?.product,
      }),
      ipv4: addresses('inet'),
      ipv6: addresses('inet6'),
    });
  }
  return out;
}

// ---- the BMC --------------------------------------------------------------------------------------

export interface BmcInfo {
  readonly firmwareVersion?: string;
  readonly manufacturer?: string;
  readonly model?: string;
  readonly ipmiVersion?: string;
  readonly ipAddress?: string;
  readonly subnetMask?: string;
  readonly gateway?: string;
  readonly mac?: string;
  readonly dhcp?: boolean;
}

/** The node's BMC, when discovery catalogued one (`ipmitool lan print` → `bmc`, `mc info` → `ipmi-mc-info`). */
export function bmcInfo(c: ReadonlyMap<string, unknown>): BmcInfo | undefined {
  const lan = c.get('bmc');
  const mc = c.get('ipmi-mc-info');
  if (!isRec(lan) && !isRec(mc)) return undefined;
  const ip = text(lan, 'IP Address');
  const mac = text(lan, 'MAC Address');
  const source = text(lan, 'IP Address Source');
  const productName = text(mc, 'Product Name');
  return strip({
    firmwareVersion: text(mc, 'Firmware Revision'),
    manufacturer: text(mc, 'Manufacturer Name'),
    model: productName !== undefined && !/^Unknown/.test(productName) ? productName : undefined,
    ipmiVersion: text(mc, 'IPMI Version'),
    ipAddress: ip !== undefined && ip !== '0.0.0.0' ? ip : undefined,
    subnetMask: text(lan, 'Subnet Mask'),
    gateway: text(lan, 'Default Gateway IP'),
    mac: mac !== undefined && MAC.test(mac) ? mac.toLowerCase() : undefined,
    dhcp: source === undefined ? undefined : /dhcp/i.test(source),
  });
}

// ---- the system event log ---------------------------------------------------------------------------

/** An RFC 3339 timestamp, or undefined (LogEntry.Created is a date-time). */
function validTime(v: string | undefined): string | undefined {
  return v !== undefined && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)) ? v : undefined;
}

export interface SelEntryInfo {
  readonly id: string;
  readonly timestamp?: string;
  readonly sensor: string;
  readonly sensorType: string;
  readonly sensorNumber?: number;
  readonly event: string;
  readonly asserted: boolean;
  readonly detail?: string;
}

export function selEntries(c: ReadonlyMap<string, unknown>): SelEntryInfo[] | undefined {
  const sel = c.get('ipmi-sel');
  const entries = own(sel, 'entries');
  if (!Array.isArray(entries)) return undefined;
  const used = new Set<string>();
  const out: SelEntryInfo[] = [];
  for (const e of entries.filter(isRec)) {
    const id = text(e, 'id');
    const sensor = text(e, 'sensor');
    const event = text(e, 'event');
    if (id === undefined || sensor === undefined || event === undefined) continue;
    const number = text(e, 'sensorNumber');
    out.push({
      id: unique(used, idFrom(id, `${out.length}`)),
      sensor,
      sensorType: text(e, 'sensorType') ?? sensor,
      event,
      asserted: text(e, 'direction') !== 'Deasserted',
      ...strip({ timestamp: validTime(text(e, 'timestamp')), sensorNumber: number !== undefined && /^0x[0-9a-f]{1,2}$/i.test(number) ? parseInt(number, 16) : undefined, detail: text(e, 'detail') }),
    });
  }
  return out;
}
