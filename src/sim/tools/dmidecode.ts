/**
 * `dmidecode` (3.4) text for a simulated machine: the SMBIOS structures a rack server's firmware
 * publishes (DSP0134 3.2 types 0, 1, 2, 3, 4, 7, 16, 17, 19, 32, 38, 41 and 127), with dmidecode's layout:
 * a `Handle 0x…, DMI type N, B bytes` line, the title, one tab before fields and two before list items,
 * a blank line between structures.
 */
import type { MachineSpec, SimCpu } from '../machine-spec.ts';

interface Structure {
  readonly type: number;
  readonly bytes: number;
  readonly title: string;
  /** Field lines without their leading tab; list items are `['Key', [items]]`. */
  readonly fields: readonly (readonly [string, string | readonly string[]])[];
}

const biosCharacteristics = [
  'PCI is supported',
  'PNP is supported',
  'BIOS is upgradeable',
  'BIOS shadowing is allowed',
  'Boot from CD is supported',
  'Selectable boot is supported',
  'EDD is supported',
  'ACPI is supported',
  'USB legacy is supported',
  'BIOS boot specification is supported',
  'Function key-initiated network boot is supported',
  'Targeted content distribution is supported',
  'UEFI is supported',
];

const cpuCharacteristics = ['64-bit capable', 'Multi-Core', 'Hardware Thread', 'Execute Protection', 'Enhanced Virtualization', 'Power/Performance Control'];

const cpuFlags = [
  'FPU (Floating-point unit on-chip)',
  'VME (Virtual mode extension)',
  'DE (Debugging extension)',
  'PSE (Page size extension)',
  'TSC (Time stamp counter)',
  'MSR (Model specific registers)',
  'PAE (Physical address extension)',
  'MCE (Machine check exception)',
  'CX8 (CMPXCHG8 instruction supported)',
  'APIC (On-chip APIC hardware supported)',
  'SEP (Fast system call)',
  'MTRR (Memory type range registers)',
  'PGE (Page global enable)',
  'MCA (Machine check architecture)',
  'CMOV (Conditional move instruction supported)',
  'PAT (Page attribute table)',
  'PSE-36 (36-bit page size extension)',
  'CLFSH (CLFLUSH instruction supported)',
  'DS (Debug store)',
  'ACPI (ACPI supported)',
  'MMX (MMX technology supported)',
  'FXSR (FXSAVE and FXSTOR instructions supported)',
  'SSE (Streaming SIMD extensions)',
  'SSE2 (Streaming SIMD extensions 2)',
  'SS (Self-snoop)',
  'HTT (Multi-threading)',
  'TM (Thermal monitor supported)',
  'PBE (Pending break enabled)',
];

const hex4 = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;

function processor(cpu: SimCpu, cacheHandles: readonly number[]): Structure {
  return {
    type: 4,
    bytes: 48,
    title: 'Processor Information',
    fields: [
      ['Socket Designation', cpu.socket],
      ['Type', 'Central Processor'],
      ['Family', cpu.family],
      ['Manufacturer', cpu.manufacturer],
      ['ID', cpu.id],
      ['Signature', `Type 0, Family ${cpu.cpuFamily}, Model ${cpu.model}, Stepping ${cpu.stepping}`],
      ['Flags', cpuFlags],
      ['Version', cpu.version],
      ['Voltage', '1.6 V'],
      ['External Clock', `${cpu.externalMhz} MHz`],
      ['Max Speed', `${cpu.maxMhz} MHz`],
      ['Current Speed', `${cpu.currentMhz} MHz`],
      ['Status', 'Populated, Enabled'],
      ['Upgrade', cpu.upgrade],
      ['L1 Cache Handle', hex4(cacheHandles[0] ?? 0)],
      ['L2 Cache Handle', hex4(cacheHandles[1] ?? 0)],
      ['L3 Cache Handle', hex4(cacheHandles[2] ?? 0)],
      ['Serial Number', 'Not Specified'],
      ['Asset Tag', 'Not Specified'],
      ['Part Number', 'Not Specified'],
      ['Core Count', String(cpu.cores)],
      ['Core Enabled', String(cpu.cores)],
      ['Thread Count', String(cpu.threads)],
      ['Characteristics', cpuCharacteristics],
    ],
  };
}

function cache(level: number, sizeKb: number): Structure {
  return {
    type: 7,
    bytes: 27,
    title: 'Cache Information',
    fields: [
      ['Socket Designation', `L${level} Cache`],
      ['Configuration', `Enabled, Not Socketed, Level ${level}`],
      ['Operational Mode', level === 3 ? 'Varies With Memory Address' : 'Write Back'],
      ['Location', 'Internal'],
      ['Installed Size', sizeKb >= 1024 ? `${sizeKb / 1024} MB` : `${sizeKb} kB`],
      ['Maximum Size', sizeKb >= 1024 ? `${sizeKb / 1024} MB` : `${sizeKb} kB`],
      ['Supported SRAM Types', ['Unknown']],
      ['Installed SRAM Type', 'Unknown'],
      ['Speed', 'Unknown'],
      ['Error Correction Type', level === 1 ? 'Parity' : 'Single-bit ECC'],
      ['System Type', level === 1 ? 'Data' : 'Unified'],
      ['Associativity', level === 3 ? 'Fully Associative' : level === 2 ? '16-way Set-associative' : '8-way Set-associative'],
    ],
  };
}

export function dmidecodeText(spec: MachineSpec): string {
  const structures: Structure[] = [];
  const { bios, system, board, chassis } = spec;
  structures.push({
    type: 0,
    bytes: 26,
    title: 'BIOS Information',
    fields: [
      ['Vendor', bios.vendor],
      ['Version', bios.version],
      ['Release Date', bios.date],
      ['Address', '0xF0000'],
      ['Runtime Size', '64 kB'],
      ['ROM Size', bios.romSizeKb >= 1024 ? `${bios.romSizeKb / 1024} MB` : `${bios.romSizeKb} kB`],
      ['Characteristics', biosCharacteristics],
      ['BIOS Revision', bios.revision],
    ],
  });
  structures.push({
    type: 1,
    bytes: 27,
    title: 'System Information',
    fields: [
      ['Manufacturer', system.manufacturer],
      ['Product Name', system.product],
      ['Version', system.version],
      ['Serial Number', system.serial],
      ['UUID', system.uuid],
      ['Wake-up Type', 'Power Switch'],
      ['SKU Number', system.sku],
      ['Family', system.family],
    ],
  });
  structures.push({
    type: 2,
    bytes: 15,
    title: 'Base Board Information',
    fields: [
      ['Manufacturer', board.manufacturer],
      ['Product Name', board.product],
      ['Version', board.version],
      ['Serial Number', board.serial],
      ['Asset Tag', 'Not Specified'],
      ['Features', ['Board is a hosting board', 'Board is replaceable']],
      ['Location In Chassis', 'Not Specified'],
      ['Chassis Handle', '0x0003'],
      ['Type', 'Motherboard'],
      ['Contained Object Handles', '0'],
    ],
  });
  structures.push({
    type: 3,
    bytes: 22,
    title: 'Chassis Information',
    fields: [
      ['Manufacturer', chassis.manufacturer],
      ['Type', chassis.type],
      ['Lock', 'Present'],
      ['Version', 'Not Specified'],
      ['Serial Number', chassis.serial],
      ['Asset Tag', chassis.assetTag],
      ['Boot-up State', 'Safe'],
      ['Power Supply State', 'Safe'],
      ['Thermal State', 'Safe'],
      ['Security Status', 'Unknown'],
      ['OEM Information', '0x00000000'],
      ['Height', `${chassis.heightU} U`],
      ['Number Of Power Cords', chassis.heightU === 1 ? '1' : '2'],
      ['Contained Elements', '0'],
      ['SKU Number', system.sku],
    ],
  });
  // Each CPU is followed by its L1/L2/L3 cache structures, which its cache handles name.
  const cpuStructures: Structure[] = [];
  const cacheStructures: Structure[] = [];
  const firstCacheHandle = 0x0700;
  spec.cpus.forEach((cpu, i) => {
    const base = firstCacheHandle + i * 3;
    cpuStructures.push(processor(cpu, [base, base + 1, base + 2]));
    cacheStructures.push(cache(1, 64 * cpu.cores), cache(2, 1024 * cpu.cores), cache(3, Math.max(8, Math.round(1.375 * cpu.cores)) * 1024));
  });
  const totalGiB = spec.dimms.reduce((s, d) => s + d.sizeGiB, 0);
  const slots = spec.dimms.length;
  const memoryArray: Structure = {
    type: 16,
    bytes: 23,
    title: 'Physical Memory Array',
    fields: [
      ['Location', 'System Board Or Motherboard'],
      ['Use', 'System Memory'],
      ['Error Correction Type', 'Multi-bit ECC'],
      ['Maximum Capacity', `${spec.cpus.length * 1536} GB`],
      ['Error Information Handle', 'Not Provided'],
      ['Number Of Devices', String(slots)],
    ],
  };
  const memoryDevices: Structure[] = [];
  for (const d of spec.dimms) {
    memoryDevices.push({
      type: 17,
      bytes: 84,
      title: 'Memory Device',
      fields:
        d.sizeGiB === 0
          ? [
              ['Array Handle', '0x1000'],
              ['Error Information Handle', 'Not Provided'],
              ['Total Width', 'Unknown'],
              ['Data Width', 'Unknown'],
              ['Size', 'No Module Installed'],
              ['Form Factor', 'DIMM'],
              ['Set', 'None'],
              ['Locator', d.locator],
              ['Bank Locator', d.bankLocator],
              ['Type', 'Unknown'],
              ['Type Detail', 'Synchronous'],
            ]
          : [
              ['Array Handle', '0x1000'],
              ['Error Information Handle', 'Not Provided'],
              ['Total Width', '72 bits'],
              ['Data Width', '64 bits'],
              ['Size', `${d.sizeGiB} GB`],
              ['Form Factor', 'DIMM'],
              ['Set', 'None'],
              ['Locator', d.locator],
              ['Bank Locator', d.bankLocator],
              ['Type', d.type],
              ['Type Detail', 'Synchronous Registered (Buffered)'],
              ['Speed', `${d.speedMts} MT/s`],
              ['Manufacturer', d.manufacturer],
              ['Serial Number', d.serial],
              ['Asset Tag', 'Not Specified'],
              ['Part Number', d.partNumber],
              ['Rank', String(d.rank)],
              ['Configured Memory Speed', `${d.speedMts} MT/s`],
              ['Minimum Voltage', '1.2 V'],
              ['Maximum Voltage', '1.2 V'],
              ['Configured Voltage', '1.2 V'],
              ['Memory Technology', 'DRAM'],
              ['Memory Operating Mode Capability', 'Volatile memory'],
              ['Module Manufacturer ID', 'Bank 1, Hex 0xCE'],
              ['Non-Volatile Size', 'None'],
              ['Volatile Size', `${d.sizeGiB} GB`],
            ],
    });
  }
  const mapped: Structure = {
    type: 19,
    bytes: 31,
    title: 'Memory Array Mapped Address',
    fields: [
      ['Starting Address', '0x00000000000'],
      ['Ending Address', `0x${(totalGiB * 1024 * 1024 * 1024 - 1).toString(16).toUpperCase().padStart(11, '0')}`],
      ['Range Size', `${totalGiB} GB`],
      ['Physical Array Handle', '0x1000'],
      ['Partition Width', '1'],
    ],
  };
  const ipmi: Structure = {
    type: 38,
    bytes: 18,
    title: 'IPMI Device Information',
    fields: [
      ['Interface Type', 'KCS (Keyboard Control Style)'],
      ['Specification Version', '2.0'],
      ['I2C Slave Address', '0x10'],
      ['NV Storage Device', 'Not Present'],
      ['Base Address', '0x0000000000000CA8 (I/O)'],
      ['Register Spacing', '32-bit Boundaries'],
    ],
  };
  const onboard: Structure[] = spec.nics
    .filter((n) => n.ifname.startsWith('eno'))
    .map((n, i) => ({
      type: 41,
      bytes: 11,
      title: 'Onboard Device',
      fields: [
        ['Reference Designation', `Onboard LAN ${i + 1}`],
        ['Type', 'Ethernet'],
        ['Status', 'Enabled'],
        ['Type Instance', String(i + 1)],
        ['Bus Address', n.pciAddress],
      ],
    }));
  structures.push(...cpuStructures, ...cacheStructures, memoryArray, ...memoryDevices, mapped);
  structures.push({ type: 32, bytes: 20, title: 'System Boot Information', fields: [['Status', 'No errors detected']] }, ipmi, ...onboard);
  structures.push({ type: 127, bytes: 4, title: 'End Of Table', fields: [] });

  // Handles by type, as firmware numbers them (type in the high byte, instance in the low).
  const perType = new Map<number, number>();
  const body: string[] = [];
  let bytes = 0;
  for (const s of structures) {
    const n = perType.get(s.type) ?? 0;
    perType.set(s.type, n + 1);
    const handle = s.type === 0 ? 0 : s.type === 7 ? firstCacheHandle + n : s.type === 16 ? 0x1000 : (s.type << 8) + n;
    body.push(`Handle ${hex4(handle)}, DMI type ${s.type}, ${s.bytes} bytes`, s.title);
    for (const [key, value] of s.fields) {
      if (typeof value === 'string') body.push(`\t${key}: ${value}`);
      else body.push(`\t${key}:`, ...value.map((item) => `\t\t${item}`));
    }
    body.push('');
    bytes += s.bytes + s.fields.reduce((sum, [, v]) => sum + (typeof v === 'string' ? v.length + 1 : 0), 1);
  }
  return [
    '# dmidecode 3.4',
    'Getting SMBIOS data from sysfs.',
    'SMBIOS 3.2.0 present.',
    `${structures.length} structures occupying ${bytes} bytes.`,
    'Table at 0x6F5E1000.',
    '',
    ...body,
  ].join('\n');
}
