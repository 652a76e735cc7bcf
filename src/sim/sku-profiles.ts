/**
 * The virtual rack's machine models: a 2-socket Dell-like 1U (PowerEdge R640), a Supermicro-like 2-socket
 * 1U (X11DPi-N), a small single-socket 1U (ThinkSystem SR250) and a Supermicro 4U storage box with a SAS
 * HBA full of HDDs. Each profile builds a machine from a seed (serials, MACs, UUIDs, memory, disk sizes and
 * counts vary per machine; the model does not), and comes with the SKU definition, in RackHD's rule
 * format, that matches exactly its machines, so a simulated discovery ends with a SKU assigned.
 */
import type { CatalogRule } from '../actors/sku/catalog-rule.ts';
import {
  bySlot,
  cannonLake,
  cpuModels,
  cpus,
  dellUuid,
  dimmModels,
  dimms,
  diskModels,
  lewisburg,
  mac,
  nic,
  nicModels,
  nvmeDisk,
  pci,
  scsiDisk,
  uuid,
  type BuildContext,
  type PciIdentity,
} from './hardware-parts.ts';
import type { FirmwareArch, MachineSpec, SimBmc, SimDisk, SimNic, SimPciFunction } from './machine-spec.ts';

export interface SkuDefinition {
  readonly id: string;
  readonly name: string;
  readonly rules: readonly CatalogRule[];
}

export interface TagDefinition {
  readonly id: string;
  readonly name: string;
  readonly rules: readonly CatalogRule[];
}

export interface SkuProfile {
  /** The name `monorail sim --profiles` takes. */
  readonly name: string;
  readonly description: string;
  readonly sku: SkuDefinition;
  build(ctx: BuildContext): MachineSpec;
}

const letters = (from: string, count: number, prefix = ''): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix}${from}${i + 1}`);

function arch(ctx: BuildContext, uefiShare: number): FirmwareArch {
  return ctx.rng.next() < uefiShare ? 'uefi' : 'bios';
}

function bmc(ctx: BuildContext, oui: string, manufacturerId: number, manufacturerName: string, productId: number, firmware: string): SimBmc {
  return { ip: ctx.bmcIp, mac: mac(oui, ctx, 7), subnetMask: '255.0.0.0', gateway: '0.0.0.0', manufacturerId, manufacturerName, productId, deviceId: 32, firmware };
}

const matrox = (sub: PciIdentity): SimPciFunction =>
  pci('03:00.0', 'VGA compatible controller', '0300', 'Matrox Electronics Systems Ltd.', '102b', 'Integrated Matrox G200eW3 Graphics Controller', '0536', sub, { rev: '04', numaNode: 0, driver: 'mgag200' });
const aspeed = (slot: string, sub: PciIdentity): SimPciFunction =>
  pci(slot, 'VGA compatible controller', '0300', 'ASPEED Technology, Inc.', '1a03', 'ASPEED Graphics Family', '2000', sub, { rev: '41', driver: 'ast' });

const dell: PciIdentity = { subVendorName: 'Dell', subVendorId: '1028', subDeviceId: '0716' };

export const dellR640: SkuProfile = {
  name: 'dell-r640',
  description: 'Dell PowerEdge R640: 2 × Xeon Gold, 12 DIMMs, 2-4 SATA SSDs, 2 × 10GbE + 2 × 1GbE, iDRAC9',
  sku: {
    id: 'sim-sku-dell-r640',
    name: 'Dell PowerEdge R640',
    rules: [
      { path: 'dmi.System Information.Manufacturer', equals: 'Dell Inc.' },
      { path: 'dmi.System Information.Product Name', equals: 'PowerEdge R640' },
      { path: 'ipmi-mc-info.Manufacturer ID', equals: '674' },
    ],
  },
  build(ctx) {
    const { rng } = ctx;
    const tag = rng.chars(7, '0123456789BCDFGHJKLMNPQRSTVWXYZ');
    const nics = [
      nic(ctx, nicModels.bcm57416, 'eno1', '19:00.0', 0, dell, 0),
      nic(ctx, nicModels.bcm57416, 'eno2', '19:00.1', 1, dell, 0),
      nic(ctx, nicModels.bcm5720, 'eno3', '1a:00.0', 2, dell, 0),
      nic(ctx, nicModels.bcm5720, 'eno4', '1a:00.1', 3, dell, 0),
    ];
    const boot = rng.pick([diskModels.intelS4610_480, diskModels.samsungPm883_1920]);
    const disks: SimDisk[] = [scsiDisk(rng, boot, 0, 'sata', '00:17.0', 0, 0), scsiDisk(rng, boot, 1, 'sata', '00:17.0', 1, 0)];
    if (rng.next() < 0.5) disks.push(scsiDisk(rng, diskModels.samsungPm883_1920, 2, 'sata', '00:17.0', 2, 0), scsiDisk(rng, diskModels.samsungPm883_1920, 3, 'sata', '00:17.0', 3, 0));
    const cpu = rng.pick([cpuModels.gold6230, cpuModels.gold6248]);
    return {
      index: ctx.index,
      profile: 'dell-r640',
      arch: arch(ctx, 0.7),
      hostIp: ctx.hostIp,
      bios: { vendor: 'Dell Inc.', version: rng.pick(['2.17.1', '2.18.1', '2.19.1']), date: '06/12/2023', romSizeKb: 32768, revision: '2.19' },
      system: { manufacturer: 'Dell Inc.', product: 'PowerEdge R640', version: 'Not Specified', serial: tag, uuid: dellUuid(tag), sku: 'SKU=NotProvided;ModelName=PowerEdge R640', family: 'PowerEdge' },
      board: { manufacturer: 'Dell Inc.', product: '0H28RR', version: 'A01', serial: `.${tag}.CNFCP00${rng.chars(8, '0123456789')}.` },
      chassis: { manufacturer: 'Dell Inc.', type: 'Rack Mount Chassis', serial: tag, assetTag: 'Not Specified', heightU: 1 },
      cpus: cpus(cpu, 2, (i) => `CPU${i + 1}`),
      dimms: dimms(rng, [...letters('A', 12), ...letters('B', 12)], 12, rng.pick([dimmModels.samsung32, dimmModels.hynix64])),
      pci: [...lewisburg(dell), matrox(dell), ...nics.map((n) => n.pci)].sort(bySlot),
      disks,
      nics: nics.map((n) => n.nic),
      bmc: bmc(ctx, 'd0:94:66', 674, 'DELL Inc', 256, rng.pick(['4.40', '5.10', '6.10'])),
    };
  },
};

const supermicro: PciIdentity = { subVendorName: 'Super Micro Computer Inc', subVendorId: '15d9', subDeviceId: '095d' };

export const supermicroX11: SkuProfile = {
  name: 'supermicro-x11',
  description: 'Supermicro SYS-1029P (X11DPi-N): 2 × Xeon Silver, 8 DIMMs, NVMe + 2 SATA SSDs, 2 × X722 10GBASE-T + 2 × X710 SFP+',
  sku: {
    id: 'sim-sku-supermicro-x11dpi',
    name: 'Supermicro SYS-1029P X11DPi-N',
    rules: [
      { path: 'dmi.Base Board Information.Product Name', equals: 'X11DPi-N' },
      { path: 'lshw.vendor', equals: 'Supermicro' },
      { path: 'ipmi-fru.Builtin FRU Device (ID 0).Board Product', equals: 'X11DPi-N' },
    ],
  },
  build(ctx) {
    const { rng } = ctx;
    const nics = [
      nic(ctx, nicModels.x722, 'eno1', '3d:00.0', 0, supermicro, 0),
      nic(ctx, nicModels.x722, 'eno2', '3d:00.1', 1, supermicro, 0),
      nic(ctx, nicModels.x710, 'ens1f0', '5e:00.0', 2, supermicro, 0),
      nic(ctx, nicModels.x710, 'ens1f1', '5e:00.1', 3, supermicro, 0),
    ];
    const nvmeModel = rng.pick([diskModels.pm983_960, diskModels.pm983_1920]);
    const sata = rng.pick([diskModels.micron5300_480, diskModels.micron5300_960]);
    const disks = [scsiDisk(rng, sata, 0, 'sata', '00:17.0', 0, 0), scsiDisk(rng, sata, 1, 'sata', '00:17.0', 1, 0), nvmeDisk(rng, nvmeModel, 0, '18:00.0')];
    const serial = `S${rng.chars(3, '0123456789')}${rng.chars(2)}${rng.chars(6, '0123456789')}`;
    return {
      index: ctx.index,
      profile: 'supermicro-x11',
      arch: arch(ctx, 0.5),
      hostIp: ctx.hostIp,
      bios: { vendor: 'American Megatrends Inc.', version: rng.pick(['3.6', '3.8a']), date: '10/03/2022', romSizeKb: 32768, revision: '5.14' },
      system: { manufacturer: 'Supermicro', product: 'SYS-1029P-WTR', version: '0123456789', serial, uuid: uuid(rng), sku: 'To be filled by O.E.M.', family: 'To be filled by O.E.M.' },
      board: { manufacturer: 'Supermicro', product: 'X11DPi-N', version: '1.10', serial: `OM19AS${rng.chars(6, '0123456789')}` },
      chassis: { manufacturer: 'Supermicro', type: 'Main Server Chassis', serial: `C1160LI${rng.chars(2)}${rng.chars(5, '0123456789')}`, assetTag: 'To be filled by O.E.M.', heightU: 1 },
      cpus: cpus(rng.pick([cpuModels.silver4214, cpuModels.silver4210]), 2, (i) => `CPU${i + 1}`),
      dimms: dimms(rng, ['A', 'B', 'C', 'D', 'E', 'F'].flatMap((c) => [`P1-DIMM${c}1`, `P2-DIMM${c}1`]).concat(['P1-DIMMA2', 'P2-DIMMA2', 'P1-DIMMD2', 'P2-DIMMD2']), 8, rng.pick([dimmModels.micron16, dimmModels.micron32]), (l) => `${l.slice(0, 2)}_Node${l.startsWith('P1') ? 0 : 1}_Channel${'ABCDEF'.indexOf(l.charAt(7))}_Dimm${l.charAt(8) === '1' ? 0 : 1}`),
      pci: [
        ...lewisburg(supermicro),
        aspeed('04:00.0', supermicro),
        pci('18:00.0', 'Non-Volatile memory controller', '0108', 'Samsung Electronics Co Ltd', '144d', 'NVMe SSD Controller SM981/PM981/PM983', 'a808', { subVendorName: 'Samsung Electronics Co Ltd', subVendorId: '144d', subDeviceId: 'a801' }, { progIf: '02', numaNode: 0, driver: 'nvme' }),
        ...nics.map((n) => n.pci),
      ].sort(bySlot),
      disks,
      nics: nics.map((n) => n.nic),
      bmc: bmc(ctx, '3c:ec:ef', 10876, 'Super Micro Computer Inc.', 6929, rng.pick(['1.73', '1.74'])),
    };
  },
};

const lenovo: PciIdentity = { subVendorName: 'Lenovo', subVendorId: '17aa', subDeviceId: '1078' };

export const thinkSystemSr250: SkuProfile = {
  name: 'small-1u',
  description: 'Lenovo ThinkSystem SR250: 1 × Xeon E-2200, 2-4 UDIMMs, 2 SATA SSDs, 2 × 1GbE, XClarity Controller',
  sku: {
    id: 'sim-sku-thinksystem-sr250',
    name: 'Lenovo ThinkSystem SR250 (1 socket)',
    rules: [
      { path: 'dmi.System Information.Product Name', regex: '^ThinkSystem SR250 ' },
      // One socket: dmidecode's single Processor Information structure is an object, not a list.
      { path: 'dmi.Processor Information.Socket Designation', equals: 'CPU 1' },
    ],
  },
  build(ctx) {
    const { rng } = ctx;
    const nics = [nic(ctx, nicModels.bcm5720, 'eno1', '02:00.0', 0, lenovo), nic(ctx, nicModels.bcm5720, 'eno2', '02:00.1', 1, lenovo)];
    const ssd = rng.pick([diskModels.micron5300_240, diskModels.micron5300_480]);
    const mtm = '7Y51CTO1WW';
    return {
      index: ctx.index,
      profile: 'small-1u',
      arch: arch(ctx, 0.9),
      hostIp: ctx.hostIp,
      bios: { vendor: 'Lenovo', version: 'TEE152J-2.41', date: '01/12/2023', romSizeKb: 16384, revision: '2.41' },
      system: { manufacturer: 'Lenovo', product: `ThinkSystem SR250 -[${mtm}]-`, version: '06', serial: `J30${rng.chars(5)}`, uuid: uuid(rng), sku: mtm, family: 'ThinkSystem' },
      board: { manufacturer: 'Lenovo', product: 'SB27A32167', version: 'Not Defined', serial: `L1HF${rng.chars(8)}` },
      chassis: { manufacturer: 'Lenovo', type: 'Rack Mount Chassis', serial: `J30${rng.chars(5)}`, assetTag: 'Not Specified', heightU: 1 },
      cpus: cpus(rng.pick([cpuModels.e2234, cpuModels.e2278g]), 1, () => 'CPU 1'),
      dimms: dimms(rng, ['DIMM 1', 'DIMM 2', 'DIMM 3', 'DIMM 4'], rng.pick([2, 4]), rng.pick([dimmModels.samsungUdimm16, dimmModels.samsungUdimm32]), (l) => `ChannelA-${l}`),
      pci: [...cannonLake(lenovo), aspeed('03:00.0', lenovo), ...nics.map((n) => n.pci)].sort(bySlot),
      disks: [scsiDisk(rng, ssd, 0, 'sata', '00:17.0', 0, 0), scsiDisk(rng, ssd, 1, 'sata', '00:17.0', 1, 0)],
      nics: nics.map((n) => n.nic),
      bmc: bmc(ctx, '08:94:ef', 19046, 'Lenovo', 1142, rng.pick(['5.50', '7.30'])),
    };
  },
};

export const storage4u: SkuProfile = {
  name: 'storage-4u',
  description: 'Supermicro SSG-6049P-E1CR36L storage server: 2 × Xeon Silver, 12-36 × 12/16 TB HDDs on a SAS3008 HBA, 2 SATA boot SSDs, 2 × 25GbE',
  sku: {
    id: 'sim-sku-ssg-6049p',
    name: 'Supermicro SSG-6049P storage',
    rules: [
      { path: 'dmi.System Information.Product Name', equals: 'SSG-6049P-E1CR36L' },
      { path: 'lsblk.blockdevices.2.tran', equals: 'sas' },
      { path: 'smart.2.SMART.Identity.Rotation Rate', equals: '7200 rpm' },
    ],
  },
  build(ctx) {
    const { rng } = ctx;
    const nics: { nic: SimNic; pci: SimPciFunction }[] = [
      nic(ctx, nicModels.x722, 'eno1', '3d:00.0', 0, supermicro, 0),
      nic(ctx, nicModels.x722, 'eno2', '3d:00.1', 1, supermicro, 0),
      nic(ctx, nicModels.cx4lx, 'ens2f0np0', 'af:00.0', 2, { subVendorName: 'Mellanox Technologies', subVendorId: '15b3', subDeviceId: '0003' }, 1),
      nic(ctx, nicModels.cx4lx, 'ens2f1np1', 'af:00.1', 3, { subVendorName: 'Mellanox Technologies', subVendorId: '15b3', subDeviceId: '0003' }, 1),
    ];
    const hdd = rng.pick([diskModels.exos12, diskModels.exos16]);
    const hddCount = rng.pick([12, 24, 36]);
    const disks: SimDisk[] = [scsiDisk(rng, diskModels.micron5300_240, 0, 'sata', '00:17.0', 0, 0), scsiDisk(rng, diskModels.micron5300_240, 1, 'sata', '00:17.0', 1, 0)];
    for (let i = 0; i < hddCount; i++) disks.push(scsiDisk(rng, hdd, i + 2, 'sas', '3b:00.0', 8, i));
    return {
      index: ctx.index,
      profile: 'storage-4u',
      arch: arch(ctx, 0.3),
      hostIp: ctx.hostIp,
      bios: { vendor: 'American Megatrends Inc.', version: '3.4', date: '11/17/2021', romSizeKb: 32768, revision: '5.14' },
      system: { manufacturer: 'Supermicro', product: 'SSG-6049P-E1CR36L', version: '0123456789', serial: `S${rng.chars(3, '0123456789')}${rng.chars(2)}${rng.chars(6, '0123456789')}`, uuid: uuid(rng), sku: 'To be filled by O.E.M.', family: 'To be filled by O.E.M.' },
      board: { manufacturer: 'Supermicro', product: 'X11DSC+', version: '1.10', serial: `VM19AS${rng.chars(6, '0123456789')}` },
      chassis: { manufacturer: 'Supermicro', type: 'Main Server Chassis', serial: `C8460LK${rng.chars(2)}${rng.chars(5, '0123456789')}`, assetTag: 'To be filled by O.E.M.', heightU: 4 },
      cpus: cpus(cpuModels.silver4210, 2, (i) => `CPU${i + 1}`),
      dimms: dimms(rng, ['A', 'B', 'C', 'D', 'E', 'F'].flatMap((c) => [`P1-DIMM${c}1`, `P2-DIMM${c}1`]).concat(['P1-DIMMA2', 'P2-DIMMA2', 'P1-DIMMD2', 'P2-DIMMD2']), 8, rng.pick([dimmModels.micron32, dimmModels.hynix64])),
      pci: [
        ...lewisburg(supermicro),
        aspeed('04:00.0', supermicro),
        pci('3b:00.0', 'Serial Attached SCSI controller', '0107', 'Broadcom / LSI', '1000', 'SAS3008 PCI-Express Fusion-MPT SAS-3', '0097', { subVendorName: 'Super Micro Computer Inc', subVendorId: '15d9', subDeviceId: '0808' }, { rev: '02', numaNode: 0, driver: 'mpt3sas' }),
        ...nics.map((n) => n.pci),
      ].sort(bySlot),
      disks,
      nics: nics.map((n) => n.nic),
      bmc: bmc(ctx, '3c:ec:ef', 10876, 'Super Micro Computer Inc.', 6929, '1.74'),
    };
  },
};

export const skuProfiles: readonly SkuProfile[] = [dellR640, supermicroX11, thinkSystemSr250, storage4u];

/** The SKU definitions of every profile, as the member stores them (RackHD's SKU model). */
export const simSkus: readonly SkuDefinition[] = skuProfiles.map((p) => p.sku);

/** Tags the rack defines, so a demo also shows tagging: they cut across SKUs. */
export const simTags: readonly TagDefinition[] = [
  { id: 'sim-tag-memory-256g', name: 'memory-256g-plus', rules: [{ path: 'dmi.Memory Array Mapped Address.Range Size', min: 256 }] },
  { id: 'sim-tag-10g-pxe', name: 'pxe-nic-10g-plus', rules: [{ path: 'ethtool.eno1.settings.Speed', regex: '^(10000|25000)Mb/s$' }] },
];

export function profileNamed(name: string): SkuProfile | undefined {
  return skuProfiles.find((p) => p.name === name);
}
