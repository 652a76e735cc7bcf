/**
 * Parts the SKU profiles assemble machines from: CPU models, DIMMs, disks, NICs and PCI functions, with
 * the names, PCI ids, drivers and formats real servers report, and per-machine identity (serials, MACs,
 * UUIDs) drawn from the machine's seeded generator. MACs are unique within a rack by construction (the
 * machine index is in the low bits), since a MAC shared by two machines would merge them into one node.
 */
import type { Rng } from './seeded-random.ts';
import type { SimCpu, SimDimm, SimDisk, SimNic, SimPciFunction } from './machine-spec.ts';

/** What a profile is given to build machine `index`: its generator and its place on the simulated network. */
export interface BuildContext {
  readonly index: number;
  readonly rng: Rng;
  readonly hostIp: string;
  readonly bmcIp: string;
  /** Offset mixed into every MAC of the rack (from its seed), so racks with different seeds differ. */
  readonly macSalt: number;
}

const KERNEL = '6.1.0-56-amd64';

export function mac(oui: string, ctx: BuildContext, port: number): string {
  // 21 bits of machine, 3 bits of port: unique for 2 million machines of one OUI in one rack.
  const low = ((((ctx.macSalt + ctx.index) & 0x1fffff) << 3) | (port & 7)) >>> 0;
  const bytes = [(low >> 16) & 255, (low >> 8) & 255, low & 255].map((b) => b.toString(16).padStart(2, '0'));
  return `${oui}:${bytes.join(':')}`;
}

export function uuid(rng: Rng): string {
  const h = rng.hex(32).toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[rng.int(0, 3)] ?? '8'}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Dell's SMBIOS UUIDs spell the service tag ("LLED" then the tag's ASCII) in their bytes. */
export function dellUuid(tag: string): string {
  const h = (i: number): string => (tag.charCodeAt(i) || 0x30).toString(16).padStart(2, '0');
  return `4c4c4544-00${h(0)}-${h(1)}10-80${h(2)}-${h(3)}c04f${h(4)}${h(5)}${h(6)}`;
}

export interface CpuModel {
  readonly version: string;
  readonly cores: number;
  readonly threads: number;
  readonly baseMhz: number;
  readonly maxMhz: number;
  readonly model: number;
  readonly stepping: number;
  readonly upgrade: string;
  readonly microcode: string;
}

export const cpuModels = {
  gold6230: { version: 'Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz', cores: 20, threads: 40, baseMhz: 2100, maxMhz: 4000, model: 85, stepping: 7, upgrade: 'Socket LGA3647-1', microcode: '83899908' },
  gold6248: { version: 'Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz', cores: 20, threads: 40, baseMhz: 2500, maxMhz: 4000, model: 85, stepping: 7, upgrade: 'Socket LGA3647-1', microcode: '83899908' },
  silver4214: { version: 'Intel(R) Xeon(R) Silver 4214 CPU @ 2.20GHz', cores: 12, threads: 24, baseMhz: 2200, maxMhz: 4000, model: 85, stepping: 7, upgrade: 'Socket LGA3647-1', microcode: '83899908' },
  silver4210: { version: 'Intel(R) Xeon(R) Silver 4210 CPU @ 2.20GHz', cores: 10, threads: 20, baseMhz: 2200, maxMhz: 4000, model: 85, stepping: 7, upgrade: 'Socket LGA3647-1', microcode: '83899908' },
  e2234: { version: 'Intel(R) Xeon(R) E-2234 CPU @ 3.60GHz', cores: 4, threads: 8, baseMhz: 3600, maxMhz: 4800, model: 158, stepping: 10, upgrade: 'Socket LGA1151', microcode: '244' },
  e2278g: { version: 'Intel(R) Xeon(R) E-2278G CPU @ 3.40GHz', cores: 8, threads: 16, baseMhz: 3400, maxMhz: 5000, model: 158, stepping: 13, upgrade: 'Socket LGA1151', microcode: '248' },
} as const satisfies Record<string, CpuModel>;

export function cpus(model: CpuModel, sockets: number, designation: (i: number) => string): SimCpu[] {
  const idByte = ((model.model & 0xf) << 4) | model.stepping;
  const extModel = model.model >> 4;
  return Array.from({ length: sockets }, (_, i) => ({
    socket: designation(i),
    manufacturer: 'Intel',
    family: 'Xeon',
    version: model.version,
    id: `${idByte.toString(16).toUpperCase().padStart(2, '0')} 06 0${extModel.toString(16).toUpperCase()} 00 FF FB EB BF`,
    cpuFamily: 6,
    model: model.model,
    stepping: model.stepping,
    cores: model.cores,
    threads: model.threads,
    maxMhz: model.maxMhz,
    currentMhz: model.baseMhz,
    externalMhz: 100,
    upgrade: model.upgrade,
    microcode: model.microcode,
  }));
}

export interface DimmModel {
  readonly manufacturer: string;
  readonly partNumber: string;
  readonly sizeGiB: number;
  readonly speedMts: number;
  readonly rank: number;
}

export const dimmModels = {
  samsung32: { manufacturer: 'Samsung', partNumber: 'M393A4K40DB2-CVF', sizeGiB: 32, speedMts: 2933, rank: 2 },
  hynix64: { manufacturer: 'Hynix Semiconductor', partNumber: 'HMAA8GR7AJR4N-WM', sizeGiB: 64, speedMts: 2933, rank: 2 },
  micron16: { manufacturer: 'Micron', partNumber: '18ASF2G72PDZ-2G6E1', sizeGiB: 16, speedMts: 2666, rank: 2 },
  micron32: { manufacturer: 'Micron', partNumber: '36ASF4G72PZ-2G9E2', sizeGiB: 32, speedMts: 2933, rank: 2 },
  samsungUdimm16: { manufacturer: 'Samsung', partNumber: 'M391A2K43BB1-CTD', sizeGiB: 16, speedMts: 2666, rank: 2 },
  samsungUdimm32: { manufacturer: 'Samsung', partNumber: 'M391A4G43MB1-CTD', sizeGiB: 32, speedMts: 2666, rank: 2 },
} as const satisfies Record<string, DimmModel>;

/** Every slot in `locators`; the first `populated` hold `model`, the rest are empty. */
export function dimms(rng: Rng, locators: readonly string[], populated: number, model: DimmModel, bank: (locator: string) => string = () => 'Not Specified'): SimDimm[] {
  return locators.map((locator, i) => ({
    locator,
    bankLocator: bank(locator),
    sizeGiB: i < populated ? model.sizeGiB : 0,
    type: 'DDR4',
    speedMts: model.speedMts,
    manufacturer: i < populated ? model.manufacturer : 'Not Specified',
    serial: i < populated ? rng.hex(8) : 'Not Specified',
    partNumber: i < populated ? model.partNumber : 'Not Specified',
    rank: model.rank,
  }));
}

export interface DiskModel {
  readonly model: string;
  readonly firmware: string;
  readonly sizeBytes: number;
  readonly rotationRpm: number;
  readonly physicalBlock: number;
  readonly serial: (rng: Rng) => string;
  readonly wwnOui: number;
}

export const diskModels = {
  intelS4610_480: { model: 'SSDSC2KG480G8R', firmware: 'XCV1DL69', sizeBytes: 480103981056, rotationRpm: 0, physicalBlock: 4096, serial: (r: Rng) => `PHYG${r.chars(4, '0123456789')}00${r.chars(2, '0123456789')}480BGN`, wwnOui: 0x5cd2e4 },
  samsungPm883_1920: { model: 'MZ7LH1T9HMLT0D3', firmware: 'HE5C', sizeBytes: 1920383410176, rotationRpm: 0, physicalBlock: 4096, serial: (r: Rng) => `S455NY0M${r.chars(6, '0123456789')}`, wwnOui: 0x002538 },
  micron5300_240: { model: 'Micron_5300_MTFDDAK240TDS', firmware: 'D3MU001', sizeBytes: 240057409536, rotationRpm: 0, physicalBlock: 4096, serial: (r: Rng) => `2035${r.chars(8, '0123456789ABCDEF')}`, wwnOui: 0x00a075 },
  micron5300_480: { model: 'Micron_5300_MTFDDAK480TDS', firmware: 'D3MU001', sizeBytes: 480103981056, rotationRpm: 0, physicalBlock: 4096, serial: (r: Rng) => `2035${r.chars(8, '0123456789ABCDEF')}`, wwnOui: 0x00a075 },
  micron5300_960: { model: 'Micron_5300_MTFDDAK960TDS', firmware: 'D3MU001', sizeBytes: 960197124096, rotationRpm: 0, physicalBlock: 4096, serial: (r: Rng) => `2035${r.chars(8, '0123456789ABCDEF')}`, wwnOui: 0x00a075 },
  exos12: { model: 'ST12000NM0008-2H3101', firmware: 'SN03', sizeBytes: 12000138625024, rotationRpm: 7200, physicalBlock: 4096, serial: (r: Rng) => `ZHZ${r.chars(5)}`, wwnOui: 0x000c50 },
  exos16: { model: 'ST16000NM001G-2KK103', firmware: 'SN03', sizeBytes: 16000900661248, rotationRpm: 7200, physicalBlock: 4096, serial: (r: Rng) => `ZL2${r.chars(5)}`, wwnOui: 0x000c50 },
  pm983_960: { model: 'SAMSUNG MZQLB960HAJR-00007', firmware: 'EDA5502Q', sizeBytes: 960197124096, rotationRpm: 0, physicalBlock: 512, serial: (r: Rng) => `S437NE0M${r.chars(6, '0123456789')}`, wwnOui: 0x002538 },
  pm983_1920: { model: 'SAMSUNG MZQLB1T9HAJR-00007', firmware: 'EDA5502Q', sizeBytes: 1920383410176, rotationRpm: 0, physicalBlock: 512, serial: (r: Rng) => `S439NA0M${r.chars(6, '0123456789')}`, wwnOui: 0x002538 },
} as const satisfies Record<string, DiskModel>;

/** SCSI disks get sda, sdb, … (then sdaa) and majors 8, 65, …; NVMe namespaces nvme<N>n1 on major 259. */
export function scsiName(n: number): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  return n < 26 ? `sd${letters[n] ?? 'a'}` : `sd${letters[Math.floor(n / 26) - 1] ?? 'a'}${letters[n % 26] ?? 'a'}`;
}

const scsiMajor = (n: number): string => `${n < 16 ? 8 : 65 + Math.floor((n - 16) / 16)}:${(n % 16) * 16}`;

export function scsiDisk(rng: Rng, m: DiskModel, n: number, transport: 'sata' | 'sas', controllerSlot: string, host: number, target: number): SimDisk {
  return {
    name: scsiName(n),
    transport,
    model: m.model,
    lsblkVendor: 'ATA     ',
    serial: m.serial(rng),
    firmware: m.firmware,
    sizeBytes: m.sizeBytes,
    rotationRpm: m.rotationRpm,
    logicalBlock: 512,
    physicalBlock: m.physicalBlock,
    wwn: { naa: 5, oui: m.wwnOui, id: rng.int(0, 0xfffffffff) },
    hctl: `${host}:0:${target}:0`,
    majMin: scsiMajor(n),
    controllerSlot,
    powerOnHours: rng.int(200, 30000),
    temperatureC: rng.int(26, 38),
  };
}

export function nvmeDisk(rng: Rng, m: DiskModel, n: number, controllerSlot: string): SimDisk {
  return {
    name: `nvme${n}n1`,
    transport: 'nvme',
    model: m.model,
    lsblkVendor: null,
    serial: m.serial(rng),
    firmware: m.firmware,
    sizeBytes: m.sizeBytes,
    rotationRpm: 0,
    logicalBlock: 512,
    physicalBlock: m.physicalBlock,
    majMin: `259:${n}`,
    controllerSlot,
    powerOnHours: rng.int(200, 30000),
    temperatureC: rng.int(30, 45),
  };
}

export interface NicModel {
  readonly vendorName: string;
  readonly vendorId: string;
  readonly deviceName: string;
  readonly deviceId: string;
  readonly driver: string;
  readonly firmware: string;
  readonly speedMbps: number;
  readonly port: SimNic['port'];
  readonly linkModes: readonly string[];
  readonly autoneg: boolean;
  readonly maxMtu: number;
  readonly oui: string;
  readonly rev: string;
}

const copper1g = ['10baseT/Half', '10baseT/Full', '100baseT/Half', '100baseT/Full', '1000baseT/Full'];

export const nicModels = {
  bcm57416: {
    vendorName: 'Broadcom Inc. and subsidiaries', vendorId: '14e4', deviceName: 'BCM57416 NetXtreme-E Dual-Media 10G RDMA Ethernet Controller', deviceId: '16d8',
    driver: 'bnxt_en', firmware: '222.0.144.0/pkg 22.21.06.80', speedMbps: 10000, port: 'Twisted Pair', linkModes: ['100baseT/Full', '1000baseT/Full', '10000baseT/Full'], autoneg: true, maxMtu: 9500, oui: 'b0:26:28', rev: '01',
  },
  bcm5720: {
    vendorName: 'Broadcom Inc. and subsidiaries', vendorId: '14e4', deviceName: 'NetXtreme BCM5720 Gigabit Ethernet PCIe', deviceId: '165f',
    driver: 'tg3', firmware: 'FFV22.00.6 bc 5720-v1.39', speedMbps: 1000, port: 'Twisted Pair', linkModes: copper1g, autoneg: true, maxMtu: 9000, oui: 'e4:43:4b', rev: '00',
  },
  x722: {
    vendorName: 'Intel Corporation', vendorId: '8086', deviceName: 'Ethernet Connection X722 for 10GBASE-T', deviceId: '37d2',
    driver: 'i40e', firmware: '4.11 0x80001f53 1.2829.0', speedMbps: 10000, port: 'Twisted Pair', linkModes: ['1000baseT/Full', '10000baseT/Full'], autoneg: true, maxMtu: 9702, oui: 'ac:1f:6b', rev: '09',
  },
  x710: {
    vendorName: 'Intel Corporation', vendorId: '8086', deviceName: 'Ethernet Controller X710 for 10GbE SFP+', deviceId: '1572',
    driver: 'i40e', firmware: '8.50 0x8000b6c6 1.3082.0', speedMbps: 10000, port: 'FIBRE', linkModes: ['10000baseSR/Full'], autoneg: false, maxMtu: 9702, oui: '3c:fd:fe', rev: '02',
  },
  cx4lx: {
    vendorName: 'Mellanox Technologies', vendorId: '15b3', deviceName: 'MT27710 Family [ConnectX-4 Lx]', deviceId: '1015',
    driver: 'mlx5_core', firmware: '14.32.1010 (MT_2420110034)', speedMbps: 25000, port: 'Direct Attach Copper', linkModes: ['1000baseKX/Full', '10000baseKR/Full', '25000baseCR/Full', '25000baseKR/Full', '25000baseSR/Full'], autoneg: true, maxMtu: 9978, oui: 'b8:59:9f', rev: '00',
  },
} as const satisfies Record<string, NicModel>;

export interface PciIdentity {
  readonly subVendorName: string;
  readonly subVendorId: string;
  readonly subDeviceId: string;
}

/** A PCI function record; `numaNode` for sockets beyond the first on two-socket boards. */
export function pci(
  slot: string,
  className: string,
  classId: string,
  vendorName: string,
  vendorId: string,
  deviceName: string,
  deviceId: string,
  sub: PciIdentity,
  more: { readonly rev?: string; readonly progIf?: string; readonly numaNode?: number; readonly driver?: string } = {},
): SimPciFunction {
  return {
    slot,
    className,
    classId,
    vendorName,
    vendorId,
    deviceName,
    deviceId,
    subVendorName: sub.subVendorName,
    subVendorId: sub.subVendorId,
    subDeviceName: 'Device',
    subDeviceId: sub.subDeviceId,
    ...(more.rev === undefined ? {} : { rev: more.rev }),
    progIf: more.progIf ?? '00',
    ...(more.numaNode === undefined ? {} : { numaNode: more.numaNode }),
    ...(more.driver === undefined ? {} : { driver: more.driver }),
  };
}

/** The NIC at `slot` (PCI function), its PCI record, and its port index in the machine's MAC plan. */
export function nic(ctx: BuildContext, m: NicModel, ifname: string, slot: string, port: number, sub: PciIdentity, numaNode?: number): { nic: SimNic; pci: SimPciFunction } {
  return {
    nic: {
      ifname,
      mac: mac(m.oui, ctx, port),
      pciAddress: `0000:${slot}`,
      driver: m.driver,
      driverVersion: m.driver === 'bnxt_en' || m.driver === 'tg3' || m.driver === 'i40e' || m.driver === 'mlx5_core' ? KERNEL : '1.0',
      firmware: m.firmware,
      speedMbps: m.speedMbps,
      port: m.port,
      linkModes: m.linkModes,
      autoneg: m.autoneg,
      mtu: 1500,
      maxMtu: m.maxMtu,
      product: m.deviceName,
      vendor: m.vendorName,
    },
    pci: pci(slot, 'Ethernet controller', '0200', m.vendorName, m.vendorId, m.deviceName, m.deviceId, sub, { rev: m.rev, ...(numaNode === undefined ? {} : { numaNode }), driver: m.driver }),
  };
}

/** The Intel C620 (Lewisburg) chipset functions every Xeon Scalable board has on bus 0. */
export function lewisburg(sub: PciIdentity): SimPciFunction[] {
  const intel = (slot: string, className: string, classId: string, deviceName: string, deviceId: string, more: Parameters<typeof pci>[8] = {}) =>
    pci(slot, className, classId, 'Intel Corporation', '8086', deviceName, deviceId, sub, more);
  return [
    intel('00:00.0', 'Host bridge', '0600', 'Sky Lake-E DMI3 Registers', '2020', { rev: '07', numaNode: 0 }),
    intel('00:14.0', 'USB controller', '0c03', 'C620 Series Chipset Family USB 3.0 xHCI Controller', 'a1af', { rev: '09', progIf: '30', numaNode: 0, driver: 'xhci_hcd' }),
    intel('00:17.0', 'SATA controller', '0106', 'C620 Series Chipset Family SATA Controller [AHCI mode]', 'a182', { rev: '09', progIf: '01', numaNode: 0, driver: 'ahci' }),
    intel('00:1f.0', 'ISA bridge', '0601', 'C621 Series Chipset LPC/eSPI Controller', 'a1c1', { rev: '09', numaNode: 0 }),
    intel('00:1f.4', 'SMBus', '0c05', 'C620 Series Chipset Family SMBus', 'a1a3', { rev: '09', numaNode: 0, driver: 'i801_smbus' }),
  ];
}

/** The Intel C240-series (Cannon Lake) functions of a Xeon E-2200 board. */
export function cannonLake(sub: PciIdentity): SimPciFunction[] {
  const intel = (slot: string, className: string, classId: string, deviceName: string, deviceId: string, more: Parameters<typeof pci>[8] = {}) =>
    pci(slot, className, classId, 'Intel Corporation', '8086', deviceName, deviceId, sub, more);
  return [
    intel('00:00.0', 'Host bridge', '0600', '8th Gen Core 4-core Workstation Processor Host Bridge/DRAM Registers [Coffee Lake S]', '3e18', { rev: '0d' }),
    intel('00:14.0', 'USB controller', '0c03', 'Cannon Lake PCH USB 3.1 xHCI Host Controller', 'a36d', { rev: '10', progIf: '30', driver: 'xhci_hcd' }),
    intel('00:17.0', 'SATA controller', '0106', 'Cannon Lake PCH SATA AHCI Controller', 'a352', { rev: '10', progIf: '01', driver: 'ahci' }),
    intel('00:1f.0', 'ISA bridge', '0601', 'Cannon Point-LP LPC Controller', 'a309', { rev: '10' }),
    intel('00:1f.4', 'SMBus', '0c05', 'Cannon Lake PCH SMBus Controller', 'a323', { rev: '10', driver: 'i801_smbus' }),
  ];
}

export const bySlot = (a: SimPciFunction, b: SimPciFunction): number => a.slot.localeCompare(b.slot);
