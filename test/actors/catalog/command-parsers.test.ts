import { describe, expect, it } from 'vitest';
import { catalogCommands, parseCommandOutput } from '../../../src/actors/catalog/command-parsers.ts';
import { ValidationError } from '../../../src/errors.ts';
import { qemuGuestFixtures } from '../../support/qemu-guest.ts';
import { capturedCommand, catalogFixture } from './catalog-fixtures.ts';

/** The real QEMU guest output of each registry command (captured with that very string). */
const qemuOutput = qemuGuestFixtures;

function commandFor(source: string): string {
  const entry = catalogCommands.find((c) => c.source === source);
  if (entry === undefined) throw new Error(`no registry entry for ${source}`);
  return entry.cmd;
}

describe('the catalog command registry', () => {
  it('has one command per source, each command string once', () => {
    expect(catalogCommands.map((c) => c.source)).toEqual(['dmi', 'lshw', 'lspci', 'lsblk', 'ip-addr', 'ip-link', 'ethtool', 'smart']);
    expect(new Set(catalogCommands.map((c) => c.cmd)).size).toBe(catalogCommands.length);
  });

  it.each(catalogCommands.map((c) => c.source))('runs for %s exactly the string the fixtures were captured with', (source) => {
    expect(commandFor(source)).toBe(capturedCommand(source));
  });

  it.each(Object.entries(qemuOutput))('parses the real output of the %s command into its catalog', (source, fixture) => {
    const parsed = parseCommandOutput(commandFor(source), catalogFixture(fixture), '', 0);
    expect(parsed.source).toBe(source);
    expect(parsed.data).toBeTruthy();
  });

  it('gives RackHD-compatible dmi data for SKU rules', () => {
    const { data } = parseCommandOutput('dmidecode', catalogFixture('dmidecode/qemu-q35.txt'));
    expect(data).toMatchObject({ 'Base Board Information': { Manufacturer: 'Acme Servers Inc.' }, 'System Information': { 'Product Name': 'AS-2224 Gen3' } });
  });

  it('refuses a command it has no parser for, naming it', () => {
    expect(() => parseCommandOutput('sudo dmidecode', 'x')).toThrow(ValidationError);
    expect(() => parseCommandOutput('sudo dmidecode', 'x')).toThrow('no catalog parser for command "sudo dmidecode"');
    expect(() => parseCommandOutput('dmidecode ', 'x')).toThrow(/no catalog parser/);
    // busybox's ip applet would answer plain `ip`: only the iproute2 path is a catalog command.
    expect(() => parseCommandOutput('ip -j addr show', '[]')).toThrow(/no catalog parser/);
  });

  it('refuses output of a command that failed, with the start of its stderr', () => {
    const call = (): unknown =>
      parseCommandOutput('dmidecode', catalogFixture('dmidecode/no-smbios.txt'), catalogFixture('dmidecode/no-smbios.stderr.txt'), 1);
    expect(call).toThrow(ValidationError);
    expect(call).toThrow('dmi: "dmidecode" exited with code 1: /dev/mem: No such file or directory');
  });

  it('passes parser errors through as ValidationErrors', () => {
    expect(() => parseCommandOutput('lshw -json', '{"id":')).toThrow(/^lshw: output is not valid JSON/);
    expect(() => parseCommandOutput('/bin/ip -j addr show', '')).toThrow(/^ip addr: output is empty/);
  });

  it('parses the BMC commands discovery runs into RackHD\'s catalog-bmc sources', () => {
    const lan = parseCommandOutput('ipmitool lan print', catalogFixture('ipmitool/lan-print.txt'));
    expect(lan.source).toBe('bmc');
    expect((lan.data as Record<string, unknown>)['IP Address']).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(parseCommandOutput('ipmitool lan print 3', catalogFixture('ipmitool/lan-print.txt')).source).toBe('rmm');
    expect(parseCommandOutput('ipmitool lan print 2', catalogFixture('ipmitool/lan-print.txt')).source).toBe('bmc-2');
    expect(parseCommandOutput('ipmitool mc info', catalogFixture('ipmitool/mc-info.txt')).source).toBe('ipmi-mc-info');
    expect(parseCommandOutput('ipmitool fru', catalogFixture('ipmitool/fru.txt')).source).toBe('ipmi-fru');
    expect(parseCommandOutput('ipmitool sel list -c', catalogFixture('ipmitool/sel-list-csv.txt')).source).toBe('ipmi-sel');
    expect(parseCommandOutput('ipmitool sdr', catalogFixture('ipmitool/sdr.txt')).source).toBe('ipmi-sdr');
    expect(() => parseCommandOutput('ipmitool lan print 999', '')).toThrow(/no catalog parser/);
  });
});
