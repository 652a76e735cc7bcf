import { describe, expect, it } from 'vitest';
import { parseDmidecode } from '../../../src/actors/catalog/parsers/dmidecode.ts';
import { parseEthtoolDriver, parseEthtoolSettings, parseEthtoolSweep } from '../../../src/actors/catalog/parsers/ethtool.ts';
import { parseIpAddr, parseIpLink } from '../../../src/actors/catalog/parsers/ip.ts';
import { parseLsblk } from '../../../src/actors/catalog/parsers/lsblk.ts';
import { parseLshw } from '../../../src/actors/catalog/parsers/lshw.ts';
import { parseLspciVmm } from '../../../src/actors/catalog/parsers/lspci.ts';
import { parseSmartctlJson, parseSmartSweep } from '../../../src/actors/catalog/parsers/smartctl.ts';
import { catalogFixture } from './catalog-fixtures.ts';
import { fuzzParser } from './parser-fuzz.ts';

const ethtoolSweep = catalogFixture('ethtool/qemu-q35-sweep.txt');
const smartSweep = catalogFixture('smartctl/qemu-q35-sweep.txt');

/** Each parser with the real outputs its mutants start from. */
const targets: readonly { name: string; parse: (stdout: string) => unknown; corpus: readonly string[]; iterations: number }[] = [
  {
    name: 'dmidecode',
    parse: parseDmidecode,
    corpus: ['dmidecode/qemu-q35.txt', 'dmidecode/rackhd-supermicro-x9drt-abridged.txt', 'dmidecode/rackhd-quanta-t41s-abridged.txt', 'dmidecode/no-smbios.txt'].map(catalogFixture),
    iterations: 600,
  },
  { name: 'lshw', parse: parseLshw, corpus: ['lshw/qemu-q35.json', 'lshw/firecracker-vm.json', 'lshw/qemu-q35-array.json'].map(catalogFixture), iterations: 400 },
  { name: 'lspci', parse: parseLspciVmm, corpus: ['lspci/qemu-q35.txt', 'lspci/firecracker-vm.txt'].map(catalogFixture), iterations: 600 },
  { name: 'lsblk', parse: parseLsblk, corpus: ['lsblk/qemu-q35.json', 'lsblk/firecracker-vm.json'].map(catalogFixture), iterations: 600 },
  { name: 'ip addr', parse: parseIpAddr, corpus: [catalogFixture('ip/qemu-q35-addr.json')], iterations: 600 },
  { name: 'ip link', parse: parseIpLink, corpus: [catalogFixture('ip/qemu-q35-link.json')], iterations: 600 },
  { name: 'ethtool sweep', parse: parseEthtoolSweep, corpus: [ethtoolSweep, catalogFixture('ethtool/firecracker-vm-sweep.txt')], iterations: 600 },
  {
    name: 'ethtool settings',
    parse: parseEthtoolSettings,
    corpus: [ethtoolSweep.slice(ethtoolSweep.indexOf('Settings for eth1:'), ethtoolSweep.indexOf('@@monorail ethtool -i eth1'))],
    iterations: 600,
  },
  { name: 'ethtool -i', parse: parseEthtoolDriver, corpus: ['driver: e1000e\nversion: 6.1.0-56-amd64\nfirmware-version: 2.1-0\nexpansion-rom-version: \nbus-info: 0000:00:05.0\n'], iterations: 600 },
  { name: 'smartctl sweep', parse: parseSmartSweep, corpus: [smartSweep, catalogFixture('smartctl/firecracker-vm-sweep.txt')], iterations: 400 },
  { name: 'smartctl -j', parse: parseSmartctlJson, corpus: [catalogFixture('smartctl/unable-to-detect.json'), smartSweep.slice(smartSweep.indexOf('{'), smartSweep.indexOf('@@monorail smartctl /dev/nvme0'))], iterations: 400 },
];

describe('catalog parsers under seeded fuzzing', () => {
  it.each(targets)('$name answers every mutant with data or a ValidationError', ({ parse, corpus, iterations }) => {
    for (const seed of [1, 2, 3]) {
      const outcome = fuzzParser(parse, corpus, seed, iterations);
      // Both branches ran: the mutants are neither all harmless nor all fatal, so the fuzzing reached the parser's checks.
      expect(outcome.refused).toBeGreaterThan(0);
      expect(outcome.accepted + outcome.refused).toBe(iterations);
    }
  });

  it('the unmutated corpus parses, so refusals come from the mutations', () => {
    for (const { parse, corpus, name } of targets) {
      for (const input of corpus) {
        if (name === 'dmidecode' && input.includes('Scanning /dev/mem')) continue; // the real no-SMBIOS answer
        expect(() => parse(input)).not.toThrow();
      }
    }
  });
});
