/**
 * The QEMU guest the catalog fixtures were captured from (test/fixtures/catalogs/README.md), as a machine a
 * simulated agent can be: each discovery command answers with that guest's real output. It has no BMC, so
 * ipmitool fails the way it does on such a machine.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { catalogCommands } from '../../src/actors/catalog/command-parsers.ts';
import type { Inventory } from '../../src/sim/sim-agent.ts';

const root = fileURLToPath(new URL('../fixtures/catalogs/', import.meta.url));

/** Catalog source → the fixture holding the guest's output of that source's registry command. */
export const qemuGuestFixtures: Readonly<Record<string, string>> = {
  dmi: 'dmidecode/qemu-q35.txt',
  lshw: 'lshw/qemu-q35.json',
  lspci: 'lspci/qemu-q35.txt',
  lsblk: 'lsblk/qemu-q35.json',
  'ip-addr': 'ip/qemu-q35-addr.json',
  'ip-link': 'ip/qemu-q35-link.json',
  ethtool: 'ethtool/qemu-q35-sweep.txt',
  smart: 'smartctl/qemu-q35-sweep.txt',
};

export const qemuGuestOutput = (source: string): string | undefined => {
  const file = qemuGuestFixtures[source];
  return file === undefined ? undefined : readFileSync(`${root}${file}`, 'utf8');
};

export const qemuGuest: Inventory = (cmd) => {
  const source = catalogCommands.find((c) => c.cmd === cmd)?.source;
  const out = source === undefined ? undefined : qemuGuestOutput(source);
  if (out !== undefined) return { stdout: out };
  if (cmd.startsWith('ipmitool')) return { stdout: '', stderr: 'Could not open device at /dev/ipmi0: No such file or directory', exitCode: 1 };
  return undefined;
};
