/**
 * A simulated machine's answers to the microkernel's commands: the exact command strings discovery hands
 * out (`catalogCommands` and the BMC commands) mapped to the tool output its hardware spec prints. Anything
 * else is "command not found", as on a microkernel without that tool.
 */
import { catalogCommands } from '../actors/catalog/command-parsers.ts';
import type { MachineSpec } from './machine-spec.ts';
import type { CommandOutput, Inventory } from './sim-agent.ts';
import { dmidecodeText } from './tools/dmidecode.ts';
import { ethtoolSweep } from './tools/ethtool.ts';
import { ipAddrJson, ipLinkJson } from './tools/ip.ts';
import { ipmitoolFru, ipmitoolLanPrint, ipmitoolMcInfo } from './tools/ipmitool.ts';
import { lsblkJson } from './tools/lsblk.ts';
import { lshwJson } from './tools/lshw.ts';
import { lspciText } from './tools/lspci.ts';
import { smartctlSweep } from './tools/smartctl.ts';

/** Tool output by catalog source (the registry's names); the command strings come from the registry itself. */
const bySource: Readonly<Record<string, (spec: MachineSpec) => string>> = {
  dmi: dmidecodeText,
  lshw: lshwJson,
  lspci: lspciText,
  lsblk: lsblkJson,
  'ip-addr': ipAddrJson,
  'ip-link': ipLinkJson,
  ethtool: ethtoolSweep,
  smart: smartctlSweep,
};

const ipmitool: Readonly<Record<string, (spec: MachineSpec) => string>> = {
  'ipmitool lan print': ipmitoolLanPrint,
  'ipmitool lan print 1': ipmitoolLanPrint,
  'ipmitool mc info': ipmitoolMcInfo,
  'ipmitool fru': ipmitoolFru,
  'ipmitool fru print': ipmitoolFru,
};

const generators: ReadonlyMap<string, (spec: MachineSpec) => string> = new Map([
  ...catalogCommands.flatMap((c) => {
    const generate = bySource[c.source];
    return generate === undefined ? [] : [[c.cmd, generate] as const];
  }),
  ...Object.entries(ipmitool),
]);

/** The commands a simulated machine answers (every catalog command discovery runs). */
export const simulatedCommands: readonly string[] = [...generators.keys()];

/** Outputs are generated when asked (a rack of thousands would not keep them all in memory). */
export function inventoryOf(spec: MachineSpec): Inventory {
  return (cmd: string): CommandOutput | undefined => {
    const generate = generators.get(cmd);
    return generate === undefined ? undefined : { stdout: generate(spec) };
  };
}
