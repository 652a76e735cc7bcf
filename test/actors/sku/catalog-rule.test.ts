import { describe, expect, it } from 'vitest';
import { compileRules, ruleValidators, validateRules } from '../../../src/actors/sku/catalog-rule.ts';
import { ValidationError } from '../../../src/errors.ts';

function problems(rules: unknown): { path: string; message: string }[] {
  try {
    compileRules(rules);
  } catch (e) {
    if (e instanceof ValidationError) return [...e.errors];
    throw e;
  }
  throw new Error('the rules were accepted');
}

describe('compileRules', () => {
  it('accepts every validator with a fitting value and splits the path as RackHD does', () => {
    const rules = [
      { path: 'dmi.Base Board Information.Manufacturer', equals: 'Supermicro' },
      { path: 'dmi.System Information.Product Name', in: ['X9DRT-P', 'X10DRT-P'], notIn: 'X8' },
      { path: '.dmi..Chassis Information.Type.', contains: 'Server', notContains: 'Desktop' },
      { path: 'dmi.Processor Information.0.Core Count', greaterThan: 4, lessThan: '64', min: 8, max: 32 },
      { path: 'lspci.0.Vendor', regex: '\\[8086\\]$', notRegex: '^AMD' },
    ];
    const compiled = compileRules(rules);
    expect(compiled[0]).toEqual({ path: rules[0]?.path, segments: ['dmi', 'Base Board Information', 'Manufacturer'], checks: [{ validator: 'equals', expected: 'Supermicro' }] });
    expect(compiled[2]?.segments).toEqual(['dmi', 'Chassis Information', 'Type']);
    expect(compiled[3]?.checks).toEqual([
      { validator: 'greaterThan', expected: 4 },
      { validator: 'lessThan', expected: 64 },
      { validator: 'min', expected: 8 },
      { validator: 'max', expected: 32 },
    ]);
    expect(compiled.flatMap((r) => r.checks.map((c) => c.validator)).sort()).toEqual([...ruleValidators].sort());
    expect(validateRules(rules)).toBe(rules);
  });

  it('normalises equals and list values to their string form', () => {
    expect(compileRules([{ path: 'a.b', equals: 2 }])[0]?.checks).toEqual([{ validator: 'equals', expected: '2' }]);
    expect(compileRules([{ path: 'a.b', in: [1, true, 'x'] }])[0]?.checks).toEqual([{ validator: 'in', expected: ['1', 'true', 'x'] }]);
  });

  it('names an unknown validator and the rule it is in', () => {
    expect(problems([{ path: 'dmi.x', equals: 'a' }, { path: 'dmi.y', equal: 'b' }])).toEqual([
      { path: 'rules[1].equal', message: `unknown validator "equal" (known: ${ruleValidators.join(', ')})` },
    ]);
  });

  it('names a regex that does not compile', () => {
    const [problem] = problems([{ path: 'dmi.x', regex: '([a-z]' }]);
    expect(problem?.path).toBe('rules[0].regex');
    expect(problem?.message).toMatch(/^invalid regular expression: .*Unterminated group/);
    expect(problems([{ path: 'dmi.x', notRegex: 'a'.repeat(1025) }])[0]?.message).toMatch(/longer than 1024/);
  });

  it.each([
    ['equals an object', { path: 'a.b', equals: { x: 1 } }, 'rules[0].equals', 'must be a string, number or boolean'],
    ['equals NaN', { path: 'a.b', equals: Number.NaN }, 'rules[0].equals', 'must be a string, number or boolean'],
    ['in a number', { path: 'a.b', in: 5 }, 'rules[0].in', 'must be a list of strings, numbers or booleans'],
    ['notIn a nested list', { path: 'a.b', notIn: [['x']] }, 'rules[0].notIn', 'must be a list of strings, numbers or booleans'],
    ['contains a list', { path: 'a.b', contains: ['x'] }, 'rules[0].contains', 'must be a string or number'],
    ['min a word', { path: 'a.b', min: 'eight' }, 'rules[0].min', 'must be a finite number'],
    ['max an empty string', { path: 'a.b', max: '' }, 'rules[0].max', 'must be a finite number'],
    ['greaterThan Infinity', { path: 'a.b', greaterThan: Number.POSITIVE_INFINITY }, 'rules[0].greaterThan', 'must be a finite number'],
    ['regex a number', { path: 'a.b', regex: 5 }, 'rules[0].regex', 'must be a regular expression source string'],
    ['no path', { equals: 'x' }, 'rules[0].path', 'must be "<catalog source>.<dotted path>"'],
    ['a path of dots', { path: '..', equals: 'x' }, 'rules[0].path', 'must be "<catalog source>.<dotted path>"'],
    ['no validator', { path: 'a.b' }, 'rules[0]', 'rule has no validator'],
  ])('refuses a rule whose %s', (_name, rule, path, message) => {
    expect(problems([rule])).toContainEqual({ path, message });
  });

  it('refuses what is not a list of rule objects, and an empty list', () => {
    expect(problems('dmi.x')).toEqual([{ path: 'rules', message: 'must be an array' }]);
    expect(problems([])).toEqual([{ path: 'rules', message: 'must contain at least one rule' }]);
    expect(problems([null, 'x'])).toEqual([
      { path: 'rules[0]', message: 'a rule must be an object' },
      { path: 'rules[1]', message: 'a rule must be an object' },
    ]);
  });

  it('reports every problem at once, the first in the message', () => {
    try {
      compileRules([{ path: 'a.b', regex: '(' }, { path: 'a.c', foo: 1 }], 'skus.rules');
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      const v = e as ValidationError;
      expect(v.code).toBe('VALIDATION_FAILED');
      expect(v.httpStatus).toBe(400);
      expect(v.message).toMatch(/^invalid skus\.rules: skus\.rules\[0\]\.regex: invalid regular expression: .* \(and 1 more\)$/);
      expect(v.errors.map((p) => p.path)).toEqual(['skus.rules[0].regex', 'skus.rules[1].foo']);
    }
  });
});
