/**
 * The `$filter` language (DSP0266 §7.3.4): what parses, what each operator means, what is refused, and a
 * seeded fuzz run holding the parser to its promise — any input either parses or throws FilterParseError,
 * and evaluating what parses never throws.
 */
import { describe, expect, it } from 'vitest';
import { FilterParseError, MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, matchesFilter, parseFilter } from '../../../../src/api/redfish/query/filter-expression.ts';

const system = {
  Id: 'node-1',
  Name: "O'Brien's box",
  PowerState: 'On',
  ProcessorSummary: { Count: 2, Model: 'Xeon' },
  MemorySummary: { TotalSystemMemoryGiB: 1.5 },
  Status: { State: 'Enabled', Health: 'OK' },
  Boot: { BootSourceOverrideTarget: 'None' },
  AssetTag: null,
  Enabled: true,
  Created: '2026-03-01T10:00:00Z',
  Links: { ManagedBy: [{ '@odata.id': '/redfish/v1/Managers/x' }] },
};
const matches = (filter: string, resource: unknown = system): boolean => matchesFilter(parseFilter(filter), resource);

describe('parseFilter', () => {
  it('reads comparisons of properties and literals', () => {
    expect(parseFilter("PowerState eq 'On'")).toEqual({ kind: 'compare', op: 'eq', left: { kind: 'property', path: ['PowerState'] }, right: { kind: 'literal', value: 'On' } });
    expect(parseFilter('ProcessorSummary/Count ge -2.5e1')).toEqual({ kind: 'compare', op: 'ge', left: { kind: 'property', path: ['ProcessorSummary', 'Count'] }, right: { kind: 'literal', value: -25 } });
    expect(parseFilter("'x''y' ne Name")).toEqual({ kind: 'compare', op: 'ne', left: { kind: 'literal', value: "x'y" }, right: { kind: 'property', path: ['Name'] } });
  });

  it('binds not tighter than and, and tighter than or; parentheses group', () => {
    expect(parseFilter('A eq 1 or B eq 2 and C eq 3')).toMatchObject({ kind: 'or', right: { kind: 'and' } });
    expect(parseFilter('(A eq 1 or B eq 2) and C eq 3')).toMatchObject({ kind: 'and', left: { kind: 'or' } });
    expect(parseFilter('not A eq 1 and B eq 2')).toMatchObject({ kind: 'and', left: { kind: 'not', operand: { kind: 'compare' } } });
    expect(parseFilter('not not (A eq 1)')).toMatchObject({ kind: 'not', operand: { kind: 'not', operand: { kind: 'compare' } } });
  });

  it('refuses what is not in the grammar, saying where', () => {
    const bad = ['', '   ', 'Id', 'Id eq', "Id eq 'open", '(Id eq 1', 'Id eq 1)', 'Id eq 1 and', 'Id == 1', 'contains(Id, 1)', 'Id eq 1 2', 'eq eq 1', 'Status/ eq 1', '/Id eq 1', 'Id eq -', 'Id eq 1e999', 'Id in (1, 2)', 'Id eq @x', 'Id eq "x"', 'and eq 1', 'Id eq true false', 'PowerState eq On', "'a' eq 'b'", '1 eq 2'];
    for (const text of bad) expect(() => parseFilter(text), text).toThrow(FilterParseError);
    try {
      parseFilter("Id eq 1 and Name eq 'x' )");
    } catch (e) {
      expect(e).toBeInstanceOf(FilterParseError);
      expect((e as FilterParseError).position).toBe(24);
    }
  });

  it('bounds the length and the nesting of what it reads', () => {
    expect(() => parseFilter(`Id eq '${'x'.repeat(MAX_FILTER_LENGTH)}'`)).toThrow(/longer than/);
    const deep = `${'('.repeat(MAX_FILTER_DEPTH + 1)}Id eq 1${')'.repeat(MAX_FILTER_DEPTH + 1)}`;
    expect(() => parseFilter(deep)).toThrow(/nested deeper/);
    const notChain = `${'not '.repeat(MAX_FILTER_DEPTH + 1)}Id eq 1`;
    expect(() => parseFilter(notChain)).toThrow(FilterParseError);
    expect(matches(`${'('.repeat(MAX_FILTER_DEPTH - 1)}Id eq 'node-1'${')'.repeat(MAX_FILTER_DEPTH - 1)}`)).toBe(true);
  });
});

describe('matchesFilter', () => {
  it('compares strings, numbers, booleans and null as DSP0266 reads them', () => {
    expect(matches("PowerState eq 'On'")).toBe(true);
    expect(matches("PowerState ne 'On'")).toBe(false);
    expect(matches("Name eq 'O''Brien''s box'")).toBe(true);
    expect(matches('ProcessorSummary/Count gt 1')).toBe(true);
    expect(matches('ProcessorSummary/Count ge 2 and ProcessorSummary/Count le 2')).toBe(true);
    expect(matches('MemorySummary/TotalSystemMemoryGiB lt 1.5')).toBe(false);
    expect(matches('Enabled eq true')).toBe(true);
    expect(matches('AssetTag eq null')).toBe(true);
    expect(matches("Created gt '2026-01-01T00:00:00Z'")).toBe(true);
    expect(matches("Status/Health eq 'OK' and not (PowerState eq 'Off')")).toBe(true);
    expect(matches("PowerState eq 'Off' or Status/State eq 'Enabled'")).toBe(true);
  });

  it('treats a missing property as null, and ordering between unlike values as false', () => {
    expect(matches('SerialNumber eq null')).toBe(true);
    expect(matches("SerialNumber eq 'x'")).toBe(false);
    expect(matches('Status/Nope/Deeper eq null')).toBe(true);
    expect(matches("ProcessorSummary/Count gt 'a'")).toBe(false);
    expect(matches('PowerState gt 1')).toBe(false);
    expect(matches('AssetTag lt 1')).toBe(false);
    // Objects and arrays are not values a comparison sees.
    expect(matches('Status eq null')).toBe(false);
    expect(matches('Links/ManagedBy ne null')).toBe(false);
    expect(matches("Id eq 'node-1'", 'not an object')).toBe(false);
    expect(matches('Id eq null', null)).toBe(true);
  });
});

/** Mulberry32: a small seeded PRNG, so a failure names the seed that reproduces it. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('fuzz', () => {
  const pieces = ['Id', 'Status/Health', 'ProcessorSummary/Count', ' eq ', ' ne ', ' gt ', ' ge ', ' lt ', ' le ', ' and ', ' or ', 'not ', '(', ')', "'On'", "'a''b'", "'", '1', '-2.5', '1e3', 'true', 'false', 'null', ' ', '/', '-', '@', '$', ',', '\u00e9', '\u0000', 'eq', 'contains(', '"', '\\'];

  it('any text either parses or throws FilterParseError, and what parses evaluates without throwing (seeded)', () => {
    for (const seed of [1, 7, 42, 2026, 31337]) {
      const random = prng(seed);
      for (let i = 0; i < 4000; i++) {
        const length = Math.floor(random() * 14);
        let text = '';
        for (let j = 0; j < length; j++) {
          // Mostly grammar pieces, sometimes any code unit at all.
          text += random() < 0.85 ? (pieces[Math.floor(random() * pieces.length)] ?? '') : String.fromCharCode(Math.floor(random() * 0x10000));
        }
        let tree;
        try {
          tree = parseFilter(text);
        } catch (e) {
          if (!(e instanceof FilterParseError)) throw new Error(`seed ${seed}, input ${JSON.stringify(text)}: ${String(e)}`);
          continue;
        }
        expect(typeof matchesFilter(tree, system), JSON.stringify(text)).toBe('boolean');
      }
    }
  });

  it('valid filters built at random all parse (seeded)', () => {
    const random = prng(99);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    const build = (depth: number): string => {
      const r = random();
      if (depth > 4 || r < 0.4) return `${pick(['Id', 'Status/Health', 'ProcessorSummary/Count'])} ${pick(['eq', 'ne', 'gt', 'ge', 'lt', 'le'])} ${pick(["'On'", '3', 'true', 'null', '-1.5'])}`;
      if (r < 0.6) return `not ${build(depth + 1)}`;
      if (r < 0.8) return `(${build(depth + 1)})`;
      return `${build(depth + 1)} ${pick(['and', 'or'])} ${build(depth + 1)}`;
    };
    for (let i = 0; i < 2000; i++) {
      const text = build(0);
      expect(() => matchesFilter(parseFilter(text), system), text).not.toThrow();
    }
  });

  it('valid filters with a few characters inserted, deleted or replaced parse or throw FilterParseError (seeded)', () => {
    const random = prng(4242);
    const alphabet = "()' eqandornotlgt/-.019@$,\"\u00e9\u0000";
    const valid = ["PowerState eq 'On'", "(Status/Health eq 'OK' or not (ProcessorSummary/Count lt 2)) and Enabled ne false", "Name eq 'a''b' and Created gt '2026'", 'not (MemorySummary/TotalSystemMemoryGiB ge -1.5e2)'];
    let parsed = 0;
    let refused = 0;
    for (let i = 0; i < 20000; i++) {
      let text = valid[i % valid.length] ?? '';
      for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) {
        const at = Math.floor(random() * (text.length + 1));
        const c = alphabet[Math.floor(random() * alphabet.length)] ?? '';
        const r = random();
        text = r < 0.33 ? text.slice(0, at) + c + text.slice(at) : r < 0.66 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + c + text.slice(at + 1);
      }
      try {
        expect(typeof matchesFilter(parseFilter(text), system)).toBe('boolean');
        parsed++;
      } catch (e) {
        if (!(e instanceof FilterParseError)) throw new Error(`input ${JSON.stringify(text)}: ${String(e)}`);
        refused++;
      }
    }
    // Both ways out were taken many times: the mutations reach the grammar's edges from both sides.
    expect(parsed).toBeGreaterThan(1000);
    expect(refused).toBeGreaterThan(1000);
  });
});
