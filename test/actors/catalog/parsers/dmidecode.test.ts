import { describe, expect, it } from 'vitest';
import { parseDmidecode, type DmiSection } from '../../../../src/actors/catalog/parsers/dmidecode.ts';
import { MAX_TOOL_OUTPUT_CHARS } from '../../../../src/actors/catalog/parsers/tool-output.ts';
import { ValidationError } from '../../../../src/errors.ts';
import { catalogFixture } from '../catalog-fixtures.ts';

function section(value: DmiSection | DmiSection[] | undefined): DmiSection {
  if (value === undefined || Array.isArray(value)) throw new Error(`expected one section, got ${JSON.stringify(value)}`);
  return value;
}

function sections(value: DmiSection | DmiSection[] | undefined): DmiSection[] {
  if (!Array.isArray(value)) throw new Error(`expected repeated sections, got ${JSON.stringify(value)}`);
  return value;
}

function refusal(stdout: string): ValidationError {
  try {
    parseDmidecode(stdout);
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('parseDmidecode accepted the input');
}

describe('parseDmidecode on a QEMU q35 guest (dmidecode 3.4)', () => {
  const dmi = parseDmidecode(catalogFixture('dmidecode/qemu-q35.txt'));

  it("produces RackHD's shape: one key per structure title, fields as strings", () => {
    expect(section(dmi['System Information'])).toMatchObject({
      Manufacturer: 'Acme Servers Inc.',
      'Product Name': 'AS-2224 Gen3',
      'Serial Number': 'ACS2224B0042',
      UUID: '4c4c4544-0042-3510-8052-b2c04f4a3132',
      'SKU Number': 'AS2224-G3-BASE',
    });
    expect(section(dmi['Base Board Information']).Manufacturer).toBe('Acme Servers Inc.');
    expect(section(dmi['BIOS Information']).Vendor).toBe('Acme BIOS Corp.');
  });

  it('turns a repeated structure into an array in output order', () => {
    const cpus = sections(dmi['Processor Information']);
    expect(cpus.map((c) => c['Socket Designation'])).toEqual(['CPU 0', 'CPU 1']);
    expect(cpus[1]?.['Core Count']).toBe('2');
  });

  it('turns a list field into an array of its items', () => {
    expect(section(dmi['BIOS Information']).Characteristics).toEqual([
      'BIOS characteristics not supported',
      'Targeted content distribution is supported',
      'System is a virtual machine',
    ]);
    expect(section(dmi['Base Board Information']).Features).toEqual(['Board is a hosting board']);
  });

  it('keeps everything after the first colon of a value', () => {
    expect(section(dmi['Onboard Device'])['Bus Address']).toBe('0000:00:05.0');
  });

  it('leaves out the End Of Table marker and the preamble', () => {
    expect(Object.keys(dmi)).not.toContain('End Of Table');
    expect(Object.keys(dmi).some((k) => k.includes('SMBIOS') || k.startsWith('#'))).toBe(false);
    expect(Object.keys(dmi)).toHaveLength(11);
  });
});

describe('parseDmidecode on real servers (abridged RackHD fixtures, dmidecode 2.12)', () => {
  const supermicro = parseDmidecode(catalogFixture('dmidecode/rackhd-supermicro-x9drt-abridged.txt'));
  const quanta = parseDmidecode(catalogFixture('dmidecode/rackhd-quanta-t41s-abridged.txt'));

  it('resolves the fields SKU rules use', () => {
    expect(section(supermicro['Base Board Information']).Manufacturer).toBe('Supermicro');
    expect(section(supermicro['System Information'])['Product Name']).toBe('X9DRT-P');
    expect(section(quanta['System Information'])['Product Name']).toBe('QuantaPlex T41S-2U');
  });

  it('keeps repeated DIMMs and CPUs apart, with their lists', () => {
    const dimms = sections(supermicro['Memory Device']);
    expect(dimms.map((d) => d.Locator)).toEqual(['P1-DIMMA1', 'P1-DIMMA2']);
    expect(dimms[0]?.Manufacturer).toBe('Micron');
    expect(dimms[0]?.['Serial Number']).toBe('45402C1A');
    const cpus = sections(supermicro['Processor Information']);
    expect(cpus).toHaveLength(2);
    expect(cpus[0]?.Flags).toHaveLength(6);
    expect(cpus[1]?.Characteristics).toContain('Hardware Thread');
    expect(cpus[0]?.Version).toBe('Intel(R) Xeon(R) CPU E5-2650 v2 @ 2.60GHz');
  });

  it('splits the On Board Device titles that follow each other without blank lines', () => {
    expect(section(supermicro['On Board Device 1 Information']).Description).toBe('Onboard Matrox VGA');
    expect(section(supermicro['On Board Device 2 Information']).Type).toBe('Ethernet');
    expect(section(supermicro['On Board Device 3 Information']).Description).toBe('Onboard Intel Ethernet 2');
  });

  it('keeps an empty structure as an empty object', () => {
    expect(supermicro['Management Device Threshold Data']).toEqual({});
  });

  it('turns a counted list into the list of its items', () => {
    expect(section(quanta['Chassis Information'])['Contained Elements']).toEqual(['<OUT OF SPEC> (0)']);
    expect(section(quanta['BIOS Language Information'])['Installable Languages']).toEqual(['en|US|iso8859-1']);
    expect(section(quanta['BIOS Language Information'])['Currently Installed Language']).toBe('en|US|iso8859-1');
  });

  it('reads an empty value as the empty string, not as a list header', () => {
    expect(section(quanta['Base Board Information'])['Asset Tag']).toBe('');
    expect(section(quanta['BIOS Information']).Version).toBe('S2S_3A14');
  });
});

describe('parseDmidecode refuses what is not a DMI table', () => {
  it('names the missing entry point when the firmware exposes none (real output of a microVM)', () => {
    const e = refusal(catalogFixture('dmidecode/no-smbios.txt'));
    expect(e.message).toMatch(/^dmidecode: no DMI structures/);
    expect(refusal('# dmidecode 3.4\n# No SMBIOS nor DMI entry point found, sorry.\n').message).toMatch(/no SMBIOS\/DMI entry point/);
  });

  it('refuses empty, whitespace and binary output', () => {
    expect(refusal('').message).toBe('dmidecode: output is empty');
    expect(refusal('\n\t \n').message).toBe('dmidecode: output is empty');
    expect(refusal('Handle 0x0000, DMI type 0, 24 bytes\nBIOS\u0000Information\n').message).toMatch(/NUL/);
  });

  it('refuses garbage', () => {
    expect(refusal('<html><body>502 Bad Gateway</body></html>').message).toMatch(/no DMI structures/);
    expect(refusal('Handle 0x0000, DMI type 0, 24 bytes\n\n\n').message).toMatch(/no DMI structure has a title/);
  });

  it('refuses output cut off before End Of Table when the header declared more structures', () => {
    const full = catalogFixture('dmidecode/qemu-q35.txt');
    const cut = full.slice(0, full.indexOf('Handle 0x1100'));
    expect(refusal(cut).message).toMatch(/truncated: the table declares 13 structures, 8 were printed/);
    // The same output with its end intact parses.
    expect(Object.keys(parseDmidecode(full))).toContain('Memory Device');
  });

  it('refuses output larger than the bound without reading it', () => {
    const huge = 'Handle 0x0000, DMI type 0, 24 bytes\nBIOS Information\n'.padEnd(MAX_TOOL_OUTPUT_CHARS + 1, '\tVendor: x\n');
    expect(refusal(huge).message).toMatch(/more than the 8388608 accepted/);
  });

  it('parses a large but bounded table (thousands of structures)', () => {
    const one = catalogFixture('dmidecode/rackhd-supermicro-x9drt-abridged.txt');
    const body = one.slice(one.indexOf('Handle 0x002D'), one.indexOf('Handle 0x004F'));
    const big = `${one.slice(0, one.indexOf('Handle 0x004F'))}${body.repeat(2000)}Handle 0x0085, DMI type 127, 4 bytes\nEnd Of Table\n`;
    expect(big.length).toBeGreaterThan(2_000_000);
    expect(sections(parseDmidecode(big)['Memory Device'])).toHaveLength(2 + 2 * 2000);
  });

  it('writes keys named like Object.prototype members as plain data', () => {
    const dmi = parseDmidecode('Handle 0x0000, DMI type 1, 27 bytes\n__proto__\n\t__proto__: polluted\n\tconstructor: x\n');
    expect(Object.getPrototypeOf(dmi)).toBe(Object.prototype);
    expect(Object.hasOwn(dmi, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
