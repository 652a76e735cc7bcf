/**
 * `lshw -json` (B.02.19) for a simulated machine: the system node (the microkernel's hostname as id), its
 * motherboard with firmware, CPUs and memory banks, and a PCI host bridge carrying every PCI function, with
 * disks under their controllers and NICs as network nodes (MAC in `serial`). Printed in lshw's own JSON
 * layout (`"key" : value`, children arrays opening on the same line), as the real tool prints it.
 */
import type { MachineSpec, SimDisk, SimPciFunction } from '../machine-spec.ts';

interface LshwNode {
  readonly [field: string]: unknown;
  readonly id: string;
  readonly class: string;
  children?: LshwNode[];
}

const GB = 1024 * 1024 * 1024;

function pciNode(p: SimPciFunction, id: string, cls: string, description: string): LshwNode {
  return {
    id,
    class: cls,
    claimed: p.driver !== undefined,
    handle: `PCI:0000:${p.slot}`,
    description,
    product: p.deviceName,
    vendor: p.vendorName,
    physid: p.slot.split(':')[1]?.replace(/^0/, '') ?? '0',
    businfo: `pci@0000:${p.slot}`,
    version: p.rev ?? '00',
    width: 64,
    clock: 33000000,
    ...(p.driver === undefined ? {} : { configuration: { driver: p.driver, latency: '0' } }),
  };
}

function scsiDisk(d: SimDisk, i: number): LshwNode {
  const [h = '0', c = '0', t = '0', l = '0'] = (d.hctl ?? '0:0:0:0').split(':');
  return {
    id: `disk:${i}`,
    class: 'disk',
    claimed: true,
    handle: `SCSI:${[h, c, t, l].map((n) => n.padStart(2, '0')).join(':')}`,
    description: 'ATA Disk',
    product: d.model,
    physid: `${c}.${t}.${l}`,
    businfo: `scsi@${h}:${c}.${t}.${l}`,
    logicalname: `/dev/${d.name}`,
    dev: d.majMin,
    version: d.firmware,
    serial: d.serial,
    units: 'bytes',
    size: d.sizeBytes,
    configuration: { ansiversion: '6', logicalsectorsize: String(d.logicalBlock), sectorsize: String(d.physicalBlock) },
  };
}

export function lshwTree(spec: MachineSpec): LshwNode {
  const firmware: LshwNode = {
    id: 'firmware',
    class: 'memory',
    claimed: true,
    description: 'BIOS',
    vendor: spec.bios.vendor,
    physid: '0',
    version: spec.bios.version,
    date: spec.bios.date,
    units: 'bytes',
    size: 65536,
    capacity: spec.bios.romSizeKb * 1024,
    capabilities: {
      pci: 'PCI bus',
      pnp: 'Plug-and-Play',
      upgrade: 'BIOS EEPROM can be upgraded',
      shadowing: 'BIOS shadowing',
      cdboot: 'Booting from CD-ROM/DVD',
      bootselect: 'Selectable boot path',
      edd: 'Enhanced Disk Drive extensions',
      acpi: 'ACPI',
      usb: 'USB legacy emulation',
      biosbootspecification: 'BIOS boot specification',
      netboot: 'Function-key initiated network boot',
      uefi: 'UEFI specification is supported',
    },
  };
  const cpus: LshwNode[] = spec.cpus.map((cpu, i) => ({
    id: `cpu:${i}`,
    class: 'processor',
    claimed: true,
    handle: `DMI:04${i.toString(16).padStart(2, '0').toUpperCase()}`,
    description: 'CPU',
    product: cpu.version,
    vendor: 'Intel Corp.',
    physid: String(400 + i),
    businfo: `cpu@${i}`,
    version: `${cpu.cpuFamily}.${cpu.model}.${cpu.stepping}`,
    slot: cpu.socket,
    units: 'Hz',
    size: cpu.currentMhz * 1_000_000,
    capacity: cpu.maxMhz * 1_000_000,
    width: 64,
    clock: cpu.externalMhz * 1_000_000,
    configuration: { cores: String(cpu.cores), enabledcores: String(cpu.cores), microcode: cpu.microcode, threads: String(cpu.threads) },
    capabilities: {
      lm: '64bits extensions (x86-64)',
      fpu: 'mathematical co-processor',
      vme: 'virtual mode extensions',
      de: 'debugging extensions',
      pse: 'page size extensions',
      tsc: 'time stamp counter',
      msr: 'model-specific registers',
      pae: '4GB+ memory addressing (Physical Address Extension)',
      mce: 'machine check exceptions',
      cx8: 'compare and exchange 8-byte',
      apic: 'on-chip advanced programmable interrupt controller (APIC)',
      sep: 'fast system calls',
      mtrr: 'memory type range registers',
      pge: 'page global enable',
      mca: 'machine check architecture',
      cmov: 'conditional move instruction',
      pat: 'page attribute table',
      sse: 'streaming SIMD extensions (SSE)',
      sse2: 'streaming SIMD extensions (SSE2)',
      ht: 'HyperThreading',
      nx: 'no-execute bit (NX)',
      'x86-64': '64bits extensions (x86-64)',
      avx2: true,
      avx512f: true,
      vmx: 'CPU virtualization (Vanderpool)',
      cpufreq: 'CPU Frequency scaling',
    },
  }));
  const total = spec.dimms.reduce((s, d) => s + d.sizeGiB, 0) * GB;
  const memory: LshwNode = {
    id: 'memory',
    class: 'memory',
    claimed: true,
    handle: 'DMI:1000',
    description: 'System Memory',
    physid: '1000',
    slot: 'System board or motherboard',
    units: 'bytes',
    size: total,
    capacity: spec.cpus.length * 1536 * GB,
    configuration: { errordetection: 'multi-bit-ecc' },
    capabilities: { ecc: 'Multi-bit error-correcting code (ECC)' },
    children: spec.dimms.map((d, i) =>
      d.sizeGiB === 0
        ? { id: `bank:${i}`, class: 'memory', claimed: true, handle: `DMI:11${i.toString(16).padStart(2, '0').toUpperCase()}`, description: 'DIMM Synchronous [empty]', physid: String(i), slot: d.locator }
        : {
            id: `bank:${i}`,
            class: 'memory',
            claimed: true,
            handle: `DMI:11${i.toString(16).padStart(2, '0').toUpperCase()}`,
            description: `DIMM ${d.type} Synchronous Registered (Buffered) ${d.speedMts} MHz (${(1000 / d.speedMts).toFixed(1)} ns)`,
            product: d.partNumber,
            vendor: d.manufacturer,
            physid: String(i),
            serial: d.serial,
            slot: d.locator,
            units: 'bytes',
            size: d.sizeGiB * GB,
            width: 64,
            clock: d.speedMts * 1_000_000,
          },
    ),
  };
  const [hostBridge, ...functions] = spec.pci;
  const pciChildren: LshwNode[] = [];
  let networks = 0;
  let storages = 0;
  for (const p of functions) {
    const nic = spec.nics.find((n) => n.pciAddress === `0000:${p.slot}`);
    if (nic !== undefined) {
      pciChildren.push({
        ...pciNode(p, `network:${networks++}`, 'network', 'Ethernet interface'),
        logicalname: nic.ifname,
        serial: nic.mac,
        units: 'bit/s',
        size: nic.speedMbps * 1_000_000,
        capacity: nic.speedMbps * 1_000_000,
        configuration: {
          autonegotiation: nic.autoneg ? 'on' : 'off',
          broadcast: 'yes',
          driver: nic.driver,
          driverversion: nic.driverVersion,
          duplex: 'full',
          firmware: nic.firmware,
          latency: '0',
          link: 'yes',
          multicast: 'yes',
          port: nic.port === 'Twisted Pair' ? 'twisted pair' : 'fibre',
          speed: nic.speedMbps >= 1000 ? `${nic.speedMbps / 1000}Gbit/s` : `${nic.speedMbps}Mbit/s`,
        },
        capabilities: { pm: 'Power Management', msi: 'Message Signalled Interrupts', pciexpress: 'PCI Express', msix: 'MSI-X', bus_master: 'bus mastering', cap_list: 'PCI capabilities listing', ethernet: true, physical: 'Physical interface' },
      });
      continue;
    }
    const disks = spec.disks.filter((d) => d.controllerSlot === p.slot);
    if (p.classId.startsWith('01')) {
      const nvme = disks[0]?.transport === 'nvme';
      const node = pciNode(p, nvme ? `nvme:${storages++}` : `storage:${storages++}`, 'storage', nvme ? 'NVMe device' : p.className);
      node.children = disks.map((d, i) =>
        d.transport === 'nvme'
          ? {
              id: 'namespace',
              class: 'disk',
              claimed: true,
              description: 'NVMe disk',
              physid: '1',
              businfo: `nvme@${d.name.replace(/^nvme(\d+)n(\d+)$/, '$1:$2')}`,
              logicalname: `/dev/${d.name}`,
              units: 'bytes',
              size: d.sizeBytes,
              configuration: { logicalsectorsize: String(d.logicalBlock), sectorsize: String(d.physicalBlock) },
            }
          : scsiDisk(d, i),
      );
      if (node.children.length === 0) delete node.children;
      pciChildren.push(node);
      continue;
    }
    const cls = p.classId.startsWith('03') ? 'display' : p.classId.startsWith('06') ? 'bridge' : p.classId.startsWith('0c') ? 'bus' : 'generic';
    pciChildren.push(pciNode(p, `${cls}:${pciChildren.length}`, cls, p.className));
  }
  const pci: LshwNode = {
    ...(hostBridge === undefined ? { id: 'pci', class: 'bridge' } : pciNode(hostBridge, 'pci', 'bridge', 'Host bridge')),
    children: pciChildren,
  };
  const core: LshwNode = {
    id: 'core',
    class: 'bus',
    claimed: true,
    handle: 'DMI:0200',
    description: 'Motherboard',
    product: spec.board.product,
    vendor: spec.board.manufacturer,
    physid: '0',
    version: spec.board.version,
    serial: spec.board.serial,
    children: [firmware, ...cpus, memory, pci],
  };
  return {
    id: 'microkernel',
    class: 'system',
    claimed: true,
    handle: 'DMI:0100',
    description: 'Rack Mount Chassis',
    product: `${spec.system.product} (${spec.system.sku})`,
    vendor: spec.system.manufacturer,
    version: spec.system.version,
    serial: spec.system.serial,
    width: 64,
    configuration: { boot: 'normal', chassis: 'rackmount', family: spec.system.family, sku: spec.system.sku, uuid: spec.system.uuid },
    capabilities: { 'smbios-3.2.0': 'SMBIOS version 3.2.0', 'dmi-3.2.0': 'DMI version 3.2.0', smp: 'Symmetric Multi-Processing', vsyscall32: '32-bit processes' },
    children: [core],
  };
}

/** lshw's JSON printer: `"key" : value`, nested objects two spaces deeper, children arrays opening inline. */
function print(node: LshwNode, indent: number): string {
  const pad = ' '.repeat(indent);
  const fields: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'children') continue;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const inner = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pad}    ${JSON.stringify(k)} : ${JSON.stringify(v)}`);
      fields.push(`${pad}  ${JSON.stringify(key)} : {\n${inner.join(',\n')}\n${pad}  }`);
    } else if (Array.isArray(value)) {
      fields.push(`${pad}  ${JSON.stringify(key)} : [${value.map((v) => JSON.stringify(v)).join(', ')}]`);
    } else {
      fields.push(`${pad}  ${JSON.stringify(key)} : ${JSON.stringify(value)}`);
    }
  }
  const children = node.children ?? [];
  if (children.length > 0) {
    const childPad = ' '.repeat(indent + 4);
    const printed = children.map((c) => print(c, indent + 4).replace(/^ */, ''));
    fields.push(`${pad}  "children" : [${childPad}${printed.join(`,\n${childPad}`)}]`);
  }
  return `${pad}{\n${fields.join(',\n')}\n${pad}}`;
}

export function lshwJson(spec: MachineSpec): string {
  return print(lshwTree(spec), 0) + '\n';
}
