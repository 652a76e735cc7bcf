/**
 * The catalog commands discovery hands to the microkernel, and the parser for each one's output. As in
 * RackHD's command-parser, a parser belongs to one exact command string: the string the microkernel runs
 * is the key its output comes back under, so what is run and how it is read cannot drift apart. Commands
 * that carry a variable part (a BMC channel number) are matched by pattern instead.
 *
 * The microkernel runs each `cmd` with `sh -c` as root, with Debian's tools. Its shell is busybox-static,
 * which runs its own applet for a command name it has one for, whatever is on PATH: busybox's `ip` has no
 * `-j`, so iproute2 is called by the path Debian's iproute2 package installs it at, `/bin/ip`.
 */
import { ValidationError } from '../../errors.ts';
import { parseDmidecode } from './parsers/dmidecode.ts';
import { parseEthtoolSweep } from './parsers/ethtool.ts';
import { parseIpAddr, parseIpLink } from './parsers/ip.ts';
import { parseIpmiFru, parseIpmiLanPrint, parseIpmiMcInfo, parseIpmiSdr, parseIpmiSel } from './parsers/ipmitool.ts';
import { parseLsblk } from './parsers/lsblk.ts';
import { parseLshw } from './parsers/lshw.ts';
import { parseLspciVmm } from './parsers/lspci.ts';
import { parseSmartSweep } from './parsers/smartctl.ts';
import { excerpt } from './parsers/tool-output.ts';

export interface CatalogCommand {
  /** The exact shell command the microkernel runs. */
  readonly cmd: string;
  /** The catalog source the parsed output is stored under (RackHD's names where RackHD had the tool). */
  readonly source: string;
  readonly parse: (stdout: string) => unknown;
  /** Exit codes other than 0 under which the output is still complete (RackHD's acceptedResponseCodes). */
  readonly acceptedExitCodes?: readonly number[];
}

/** A family of commands with a variable part; `source` derives the catalog name from the command. */
export interface CatalogCommandPattern {
  readonly pattern: RegExp;
  readonly source: (cmd: string) => string;
  readonly parse: (stdout: string) => unknown;
  readonly acceptedExitCodes?: readonly number[];
}

export interface ParsedCatalog {
  readonly source: string;
  readonly data: unknown;
}

/** Columns for `lsblk`: identity (model, serial, wwn, vendor, rev), placement (tran, hctl, pkname) and use. */
const lsblkColumns = 'NAME,KNAME,PATH,MAJ:MIN,TYPE,SIZE,ROTA,RM,RO,MODEL,SERIAL,WWN,VENDOR,REV,TRAN,HCTL,FSTYPE,MOUNTPOINT,PKNAME';

/** In discovery order: what identifies the machine first, then buses, disks and NICs. */
export const catalogCommands: readonly CatalogCommand[] = Object.freeze([
  { cmd: 'dmidecode', source: 'dmi', parse: parseDmidecode },
  { cmd: 'lshw -json', source: 'lshw', parse: parseLshw },
  { cmd: 'lspci -nn -vmm', source: 'lspci', parse: parseLspciVmm },
  { cmd: `lsblk -J -b -o ${lsblkColumns}`, source: 'lsblk', parse: parseLsblk },
  { cmd: '/bin/ip -j addr show', source: 'ip-addr', parse: parseIpAddr },
  { cmd: '/bin/ip -j -d link show', source: 'ip-link', parse: parseIpLink },
  {
    // Every interface the kernel knows, settings and driver. A failing ethtool call leaves its section empty:
    // ethtool prints some failures on stdout ("No data available" for an ifb device), so only the output of
    // a successful call is kept.
    cmd:
      'for d in /sys/class/net/*; do n=${d##*/}; echo "@@monorail ethtool $n"; ' +
      'o=$(ethtool "$n" 2>/dev/null) && printf \'%s\\n\' "$o"; echo "@@monorail ethtool -i $n"; ' +
      'o=$(ethtool -i "$n" 2>/dev/null) && printf \'%s\\n\' "$o"; done; true',
    source: 'ethtool',
    parse: parseEthtoolSweep,
  },
  {
    // --scan-open names the type each disk answers to (sat, nvme, scsi), which plain --scan does not.
    cmd:
      'echo "@@monorail smartctl --scan-open"; smartctl --scan-open | while read -r dev x typ rest; do ' +
      'echo "@@monorail smartctl $dev $typ"; smartctl -j -a -d "$typ" "$dev"; done; true',
    source: 'smart',
    parse: parseSmartSweep,
  },
]);

/** RackHD's catalog-bmc sources: channel 1 is the BMC (`bmc`), channel 3 Intel's RMM (`rmm`), others `bmc-<n>`. */
function bmcSourceOf(cmd: string): string {
  const channel = /(\d{1,2})$/.exec(cmd)?.[1];
  if (channel === undefined || channel === '1') return 'bmc';
  return channel === '3' ? 'rmm' : `bmc-${channel}`;
}

/**
 * ipmitool, run by the microkernel against its own BMC through the kernel's IPMI driver (RackHD's
 * catalog-bmc). Patterns, because RackHD's graphs vary channels and listing forms.
 */
export const catalogCommandPatterns: readonly CatalogCommandPattern[] = Object.freeze([
  { pattern: /^ipmitool lan print(?: (\d{1,2}))?$/, source: bmcSourceOf, parse: parseIpmiLanPrint },
  { pattern: /^ipmitool mc info$/, source: () => 'ipmi-mc-info', parse: parseIpmiMcInfo },
  { pattern: /^ipmitool fru(?: print)?$/, source: () => 'ipmi-fru', parse: parseIpmiFru },
  { pattern: /^ipmitool (?:sel|sel info)$/, source: () => 'ipmi-sel-information', parse: parseIpmiSel },
  { pattern: /^ipmitool (?:-c )?sel (?:list|elist)(?: -c)?$/, source: () => 'ipmi-sel', parse: parseIpmiSel },
  { pattern: /^ipmitool (?:-c )?sdr(?: (?:list|elist|-v|-c))*$/, source: () => 'ipmi-sdr', parse: parseIpmiSdr },
]);

/**
 * Parses one command's output into its catalog. Errors (all ValidationError): an unknown command, a
 * non-zero exit code the command does not accept, or output its parser rejects.
 */
export function parseCommandOutput(cmd: string, stdout: string, stderr = '', exitCode = 0): ParsedCatalog {
  const entry = findCommand(cmd);
  if (entry === undefined) {
    throw new ValidationError(`no catalog parser for command "${excerpt(cmd, 120)}"`, [{ path: 'cmd', message: 'unknown catalog command' }]);
  }
  const { source, parse, acceptedExitCodes = [] } = entry;
  if (exitCode !== 0 && !acceptedExitCodes.includes(exitCode)) {
    const why = stderr.trim() === '' ? '' : `: ${excerpt(stderr.trim(), 200)}`;
    throw new ValidationError(`${source}: "${excerpt(cmd, 60)}" exited with code ${exitCode}${why}`, [
      { path: source, message: `exit code ${exitCode}` },
    ]);
  }
  return { source, data: parse(stdout) };
}

function findCommand(cmd: string): { source: string; parse: (stdout: string) => unknown; acceptedExitCodes?: readonly number[] } | undefined {
  const exact = catalogCommands.find((c) => c.cmd === cmd);
  if (exact !== undefined) return exact;
  const pattern = catalogCommandPatterns.find((p) => p.pattern.test(cmd));
  if (pattern === undefined) return undefined;
  return { source: pattern.source(cmd), parse: pattern.parse, ...(pattern.acceptedExitCodes === undefined ? {} : { acceptedExitCodes: pattern.acceptedExitCodes }) };
}
