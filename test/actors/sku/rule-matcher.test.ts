import { describe, expect, it } from 'vitest';
import { parseCommandOutput } from '../../../src/actors/catalog/command-parsers.ts';
import { compileRules, type CatalogRule } from '../../../src/actors/sku/catalog-rule.ts';
import { evaluateRules, matchSku, matchTags, resolveCatalogPath, type CatalogsBySource } from '../../../src/actors/sku/rule-matcher.ts';
import { catalogFixture } from '../catalog/catalog-fixtures.ts';

const sample: CatalogsBySource = {
  t: {
    str: 'Quanta Computer Inc',
    num: 16,
    numStr: '2300 MHz',
    numText: '16',
    bool: true,
    list: ['PCI is supported', 'UEFI is supported'],
    nums: [1, 2],
    obj: { a: 'b' },
    nil: null,
    empty: '',
    neg: '-5.5',
  },
};

function passes(rule: CatalogRule, catalogs: CatalogsBySource = sample): boolean {
  return evaluateRules(compileRules([rule]), catalogs).matched;
}

describe('resolveCatalogPath', () => {
  const catalogs: CatalogsBySource = { dmi: { 'Base Board Information': { Manufacturer: 'Supermicro' }, 'Memory Device': [{ Size: '32 GB' }, { Size: '16 GB' }] } };

  it('walks keys with spaces and indexes arrays by decimal segment', () => {
    expect(resolveCatalogPath(catalogs, ['dmi', 'Base Board Information', 'Manufacturer'])).toBe('Supermicro');
    expect(resolveCatalogPath(catalogs, ['dmi', 'Memory Device', '1', 'Size'])).toBe('16 GB');
  });

  it('finds nothing for a missing source, key or index, or a non-decimal index', () => {
    expect(resolveCatalogPath(catalogs, ['lshw', 'id'])).toBeUndefined();
    expect(resolveCatalogPath(catalogs, ['dmi', 'Chassis Information'])).toBeUndefined();
    expect(resolveCatalogPath(catalogs, ['dmi', 'Memory Device', '2', 'Size'])).toBeUndefined();
    expect(resolveCatalogPath(catalogs, ['dmi', 'Memory Device', 'length'])).toBeUndefined();
    expect(resolveCatalogPath(catalogs, ['dmi', 'Base Board Information', 'Manufacturer', 'length'])).toBeUndefined();
  });

  it('never follows inherited properties', () => {
    expect(resolveCatalogPath(catalogs, ['dmi', 'constructor'])).toBeUndefined();
    expect(resolveCatalogPath(catalogs, ['toString'])).toBeUndefined();
    expect(resolveCatalogPath(catalogs, ['dmi', '__proto__'])).toBeUndefined();
  });
});

describe('validators', () => {
  it.each<[string, CatalogRule, boolean]>([
    // equals: string forms compared, so a number rule matches catalog text and vice versa
    ['equals string', { path: 't.str', equals: 'Quanta Computer Inc' }, true],
    ['equals is exact', { path: 't.str', equals: 'quanta computer inc' }, false],
    ['equals number vs number', { path: 't.num', equals: 16 }, true],
    ['equals number vs text', { path: 't.numText', equals: 16 }, true],
    ['equals text vs number', { path: 't.num', equals: '16' }, true],
    ['equals boolean', { path: 't.bool', equals: 'true' }, true],
    ['equals list (joined with commas)', { path: 't.nums', equals: '1,2' }, true],
    ['equals object', { path: 't.obj', equals: '[object Object]' }, false],
    ['equals missing', { path: 't.nope', equals: '' }, false],
    ['equals null', { path: 't.nil', equals: 'null' }, false],
    ['equals empty', { path: 't.empty', equals: '' }, true],
    // in / notIn: a list of allowed values, or (RackHD's schema) a string the value must be part of
    ['in list', { path: 't.str', in: ['Supermicro', 'Quanta Computer Inc'] }, true],
    ['in list miss', { path: 't.str', in: ['Supermicro'] }, false],
    ['in list number', { path: 't.num', in: [8, 16] }, true],
    ['in string', { path: 't.numText', in: '8,16,32' }, true],
    ['in missing', { path: 't.nope', in: [''] }, false],
    ['notIn list', { path: 't.str', notIn: ['Supermicro'] }, true],
    ['notIn list hit', { path: 't.num', notIn: ['16'] }, false],
    ['notIn missing', { path: 't.nope', notIn: ['x'] }, true],
    // contains / notContains: substring of a string, or of one item of a list
    ['contains substring', { path: 't.str', contains: 'Computer' }, true],
    ['contains miss', { path: 't.str', contains: 'Dell' }, false],
    ['contains list item', { path: 't.list', contains: 'UEFI' }, true],
    ['contains across items', { path: 't.list', contains: 'supported,UEFI' }, false],
    ['contains number', { path: 't.num', contains: 6 }, true],
    ['contains object', { path: 't.obj', contains: 'a' }, false],
    ['contains missing', { path: 't.nope', contains: '' }, false],
    ['notContains', { path: 't.str', notContains: 'Dell' }, true],
    ['notContains hit', { path: 't.list', notContains: 'PCI' }, false],
    ['notContains missing', { path: 't.nope', notContains: 'x' }, true],
    ['notContains null', { path: 't.nil', notContains: 'x' }, true],
    // numeric: a number, or the number a string starts with
    ['greaterThan', { path: 't.num', greaterThan: 15 }, true],
    ['greaterThan is strict', { path: 't.num', greaterThan: 16 }, false],
    ['greaterThan unit text', { path: 't.numStr', greaterThan: 2000 }, true],
    ['lessThan', { path: 't.num', lessThan: 17 }, true],
    ['lessThan is strict', { path: 't.num', lessThan: 16 }, false],
    ['lessThan negative text', { path: 't.neg', lessThan: -5 }, true],
    ['min inclusive', { path: 't.numText', min: 16 }, true],
    ['min miss', { path: 't.numText', min: 17 }, false],
    ['max inclusive', { path: 't.num', max: '16' }, true],
    ['max miss', { path: 't.numStr', max: 2299 }, false],
    ['numeric on a word', { path: 't.str', min: 0 }, false],
    ['numeric on a boolean', { path: 't.bool', max: 1 }, false],
    ['numeric on a list', { path: 't.nums', min: 0 }, false],
    ['numeric on missing', { path: 't.nope', max: 100 }, false],
    ['numeric on null', { path: 't.nil', lessThan: 100 }, false],
    // regex / notRegex: tested against the string form
    ['regex', { path: 't.str', regex: '^Quanta' }, true],
    ['regex miss', { path: 't.str', regex: '^Computer' }, false],
    ['regex number', { path: 't.num', regex: '^1\\d$' }, true],
    ['regex list', { path: 't.list', regex: 'UEFI' }, true],
    ['regex object', { path: 't.obj', regex: '.*' }, false],
    ['regex missing', { path: 't.nope', regex: '.*' }, false],
    ['notRegex', { path: 't.str', notRegex: '^Dell' }, true],
    ['notRegex hit', { path: 't.str', notRegex: 'Inc$' }, false],
    ['notRegex missing', { path: 't.nope', notRegex: '.*' }, true],
  ])('%s', (_name, rule, expected) => {
    expect(passes(rule)).toBe(expected);
  });

  it('requires every validator of a rule to hold', () => {
    expect(passes({ path: 't.num', min: 8, max: 32 })).toBe(true);
    expect(passes({ path: 't.num', min: 8, max: 12 })).toBe(false);
  });

  it('reports each failing check with the value it saw', () => {
    const verdict = evaluateRules(compileRules([{ path: 't.num', min: 20, equals: 16 }, { path: 't.nope', equals: 'x' }]), sample);
    expect(verdict).toEqual({
      matched: false,
      depth: 2,
      failures: [
        { path: 't.num', validator: 'min', actual: 16 },
        { path: 't.nope', validator: 'equals', actual: undefined },
      ],
    });
  });
});

describe('matchSku on real catalogs', () => {
  const catalogsOf = (dmiFixture: string): CatalogsBySource => ({
    dmi: parseCommandOutput('dmidecode', catalogFixture(dmiFixture)).data,
    lspci: parseCommandOutput('lspci -nn -vmm', catalogFixture('lspci/qemu-q35.txt')).data,
  });
  const supermicro = catalogsOf('dmidecode/rackhd-supermicro-x9drt-abridged.txt');
  const quanta = catalogsOf('dmidecode/rackhd-quanta-t41s-abridged.txt');
  const qemu = catalogsOf('dmidecode/qemu-q35.txt');

  const skus = [
    { name: 'Supermicro', rules: [{ path: 'dmi.Base Board Information.Manufacturer', equals: 'Supermicro' }], createdAt: 1 },
    {
      name: 'X9DRT with 8+ cores',
      rules: [
        { path: 'dmi.System Information.Product Name', equals: 'X9DRT-P' },
        { path: 'dmi.Processor Information.0.Core Count', min: 8 },
      ],
      createdAt: 2,
    },
    { name: 'Quanta T41S', rules: [{ path: 'dmi.System Information.Product Name', regex: '^QuantaPlex T41S' }], createdAt: 3 },
    { name: 'Any e1000e box', rules: [{ path: 'lspci.5.Device', contains: '82574L' }], createdAt: 4 },
  ];

  it("resolves RackHD paths whose keys contain spaces, RackHD's own example included", () => {
    expect(matchSku([skus[0]!], supermicro)?.name).toBe('Supermicro');
    expect(matchSku([skus[2]!], quanta)?.name).toBe('Quanta T41S');
  });

  it('picks the SKU with the deepest matched rule path', () => {
    // Both Supermicro SKUs match; "X9DRT with 8+ cores" reaches 4 segments (dmi.Processor Information.0.Core Count).
    expect(matchSku(skus, supermicro)?.name).toBe('X9DRT with 8+ cores');
  });

  it('among equally deep matches picks the newest, then the later listed', () => {
    const older = { name: 'older', rules: [{ path: 'dmi.Base Board Information.Manufacturer', contains: 'Super' }], createdAt: '2024-01-01T00:00:00Z' };
    const newer = { name: 'newer', rules: [{ path: 'dmi.Base Board Information.Product Name', equals: 'X9DRT-P' }], createdAt: '2025-01-01T00:00:00Z' };
    expect(matchSku([newer, older], supermicro)?.name).toBe('newer');
    expect(matchSku([older, newer], supermicro)?.name).toBe('newer');
    const twinA = { ...older, name: 'twinA', createdAt: 5 };
    const twinB = { ...older, name: 'twinB', createdAt: 5 };
    expect(matchSku([twinA, twinB], supermicro)?.name).toBe('twinB');
  });

  it('answers none when no SKU matches every rule', () => {
    expect(matchSku(skus.slice(0, 3), qemu)).toBeUndefined();
    expect(matchSku([{ name: 'half', rules: [{ path: 'dmi.Base Board Information.Manufacturer', equals: 'Supermicro' }, { path: 'dmi.Chassis Information.Type', equals: 'Desktop' }] }], supermicro)).toBeUndefined();
  });

  it('uses catalogs of several sources in one SKU', () => {
    const both = { name: 'acme with e1000e', rules: [{ path: 'dmi.System Information.Manufacturer', equals: 'Acme Servers Inc.' }, ...skus[3]!.rules] };
    expect(matchSku([both], qemu)?.name).toBe('acme with e1000e');
    expect(matchSku([both], { dmi: qemu.dmi })).toBeUndefined();
  });

  it('never matches a SKU whose stored rules do not validate, and never one without rules', () => {
    const broken = { name: 'broken', rules: [{ path: 'dmi.Base Board Information.Manufacturer', equal: 'Supermicro' }] };
    const empty = { name: 'empty', rules: [] };
    expect(matchSku([broken, empty], supermicro)).toBeUndefined();
    expect(matchSku([broken, empty, skus[0]!], supermicro)?.name).toBe('Supermicro');
  });

  it('does not let numeric rules match a node that lacks the data (RackHD did)', () => {
    expect(matchSku([{ name: 'big memory', rules: [{ path: 'dmi.Memory Device.0.Size', min: 16 }] }], { lspci: qemu.lspci })).toBeUndefined();
  });
});

describe('matchTags', () => {
  const catalogs: CatalogsBySource = { dmi: parseCommandOutput('dmidecode', catalogFixture('dmidecode/qemu-q35.txt')).data };

  it('names every tag whose rules all pass, in order, once', () => {
    const tags = [
      { name: 'virtual', rules: [{ path: 'dmi.BIOS Information.Characteristics', contains: 'virtual machine' }] },
      { name: 'supermicro', rules: [{ path: 'dmi.Base Board Information.Manufacturer', equals: 'Supermicro' }] },
      { name: 'two-socket', rules: [{ path: 'dmi.Processor Information.1.Status', regex: '^Populated' }] },
      { name: 'virtual', rules: [{ path: 'dmi.System Information.Family', equals: 'AS Rack Server' }] },
      { name: 'not-dell', rules: [{ path: 'dmi.System Information.Manufacturer', notContains: 'Dell' }] },
    ];
    expect(matchTags(tags, catalogs)).toEqual(['virtual', 'two-socket', 'not-dell']);
  });

  it('skips tags without rules or with invalid rules', () => {
    expect(matchTags([{ name: 'none', rules: [] }, { name: 'bad', rules: [{ path: 'dmi.x', regex: '(' }] }], catalogs)).toEqual([]);
  });
});
