/**
 * The hardware of one simulated machine, as its tools would report it: SMBIOS identity, CPUs, DIMMs, PCI
 * functions, disks, NICs and its BMC. A SKU profile (`sku-profiles.ts`) draws one of these per machine
 * from a seed; the generators in `tools/` print it the way dmidecode, lshw, lspci, lsblk, iproute2,
 * ethtool, smartctl and ipmitool do, so every catalog of one machine tells the same story.
 */

/** How the machine's firmware PXE-boots: legacy BIOS (RFC 4578 arch 0) or UEFI x64 (arch 7). */
export type FirmwareArch = 'bios' | 'uefi';

export interface SimCpu {
  /** SMBIOS socket designation, e.g. `CPU1`. */
  readonly socket: string;
  readonly manufacturer: string;
  /** SMBIOS processor family as dmidecode names it (`Xeon`). */
  readonly family: string;
  /** The brand string (`Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz`). */
  readonly version: string;
  /** The CPUID bytes dmidecode prints as `ID:`. */
  readonly id: string;
  /** Family / model / stepping, for dmidecode's `Signature:` and lshw's `version` (`6.85.7`). */
  readonly cpuFamily: number;
  readonly model: number;
  readonly stepping: number;
  readonly cores: number;
  readonly threads: number;
  readonly maxMhz: number;
  readonly currentMhz: number;
  readonly externalMhz: number;
  readonly upgrade: string;
  readonly microcode: string;
}

/** A memory slot; `sizeGiB` 0 is an empty slot (dmidecode's "No Module Installed"). */
export interface SimDimm {
  readonly locator: string;
  readonly bankLocator: string;
  readonly sizeGiB: number;
  readonly type: 'DDR4' | 'DDR5';
  readonly speedMts: number;
  readonly manufacturer: string;
  readonly serial: string;
  readonly partNumber: string;
  readonly rank: number;
}

/** One PCI function as lspci -nn -vmm prints it (names with their numeric ids in brackets). */
export interface SimPciFunction {
  /** `00:1f.2` or, beyond bus 0, `3b:00.0` (domain 0000 implied). */
  readonly slot: string;
  readonly className: string;
  readonly classId: string;
  readonly vendorName: string;
  readonly vendorId: string;
  readonly deviceName: string;
  readonly deviceId: string;
  readonly subVendorName: string;
  readonly subVendorId: string;
  readonly subDeviceName: string;
  readonly subDeviceId: string;
  readonly rev?: string;
  readonly progIf: string;
  readonly numaNode?: number;
  /** Kernel driver bound to it, for lshw's configuration.driver. */
  readonly driver?: string;
}

export type DiskTransport = 'sata' | 'sas' | 'nvme';

export interface SimDisk {
  /** Kernel name: `sda`, `nvme0n1`. */
  readonly name: string;
  readonly transport: DiskTransport;
  readonly model: string;
  /** lsblk's VENDOR column: `ATA     ` for (S)ATA behind libata, null for NVMe. */
  readonly lsblkVendor: string | null;
  readonly serial: string;
  readonly firmware: string;
  readonly sizeBytes: number;
  /** 0: solid state. */
  readonly rotationRpm: number;
  readonly logicalBlock: number;
  readonly physicalBlock: number;
  /** NAA 5 WWN of (S)ATA/SAS disks; NVMe disks have none here. */
  readonly wwn?: { readonly naa: number; readonly oui: number; readonly id: number };
  /** SCSI host:channel:target:lun (SATA/SAS). */
  readonly hctl?: string;
  readonly majMin: string;
  /** PCI slot of the controller the disk hangs off (AHCI, SAS HBA or the NVMe device itself). */
  readonly controllerSlot: string;
  readonly powerOnHours: number;
  readonly temperatureC: number;
}

export interface SimNic {
  /** Predictable interface name (`eno1`, `ens1f0`). */
  readonly ifname: string;
  readonly mac: string;
  /** The PCI function: `0000:19:00.0`. */
  readonly pciAddress: string;
  readonly driver: string;
  readonly driverVersion: string;
  readonly firmware: string;
  readonly speedMbps: number;
  readonly port: 'Twisted Pair' | 'FIBRE' | 'Direct Attach Copper';
  /** ethtool's link modes, e.g. `['1000baseT/Full']`. */
  readonly linkModes: readonly string[];
  readonly autoneg: boolean;
  readonly mtu: number;
  readonly maxMtu: number;
  /** The PCI function's lspci names, for lshw's product/vendor. */
  readonly product: string;
  readonly vendor: string;
}

export interface SimBmc {
  readonly ip: string;
  readonly mac: string;
  readonly subnetMask: string;
  readonly gateway: string;
  /** IPMI manufacturer id (IANA enterprise number) and its name as ipmitool prints it. */
  readonly manufacturerId: number;
  readonly manufacturerName: string;
  readonly productId: number;
  readonly deviceId: number;
  readonly firmware: string;
}

export interface MachineSpec {
  readonly index: number;
  readonly profile: string;
  readonly arch: FirmwareArch;
  /** The address the machine's first NIC has on the simulated network. */
  readonly hostIp: string;
  readonly bios: { readonly vendor: string; readonly version: string; readonly date: string; readonly romSizeKb: number; readonly revision: string };
  readonly system: {
    readonly manufacturer: string;
    readonly product: string;
    readonly version: string;
    readonly serial: string;
    readonly uuid: string;
    readonly sku: string;
    readonly family: string;
  };
  readonly board: { readonly manufacturer: string; readonly product: string; readonly version: string; readonly serial: string };
  readonly chassis: { readonly manufacturer: string; readonly type: string; readonly serial: string; readonly assetTag: string; readonly heightU: number };
  readonly cpus: readonly SimCpu[];
  readonly dimms: readonly SimDimm[];
  /** Every PCI function, NICs and storage controllers included, in slot order. */
  readonly pci: readonly SimPciFunction[];
  readonly disks: readonly SimDisk[];
  /** In the order the firmware enumerates them; the first is the one that PXE-boots. */
  readonly nics: readonly SimNic[];
  readonly bmc: SimBmc;
}

export const totalMemoryGiB = (spec: MachineSpec): number => spec.dimms.reduce((sum, d) => sum + d.sizeGiB, 0);

/** The PCI function a NIC or disk controller sits on (`0000:3b:00.0` → the record with slot `3b:00.0`). */
export function pciFunction(spec: MachineSpec, address: string): SimPciFunction | undefined {
  const slot = address.replace(/^0000:/, '');
  return spec.pci.find((p) => p.slot === slot);
}
