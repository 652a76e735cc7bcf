/**
 * The rule format SKUs and tags share, RackHD's: `{ path: '<catalog source>.<dotted path into its data>',
 * <validator>: <expected>, … }`. Every validator in a rule must hold (a rule may carry several, e.g.
 * `min` and `max`). The validators are the anchor rules RackHD's SKU matching used: equals, in, notIn,
 * contains, notContains, greaterThan, lessThan, min, max, regex, notRegex.
 *
 * `validateRules` runs when a SKU or tag is created or updated, so a typo'd validator or a regex that does
 * not compile is refused with the offending field named, instead of silently never matching.
 */
import { ValidationError } from '../../errors.ts';

export const ruleValidators = [
  'equals',
  'in',
  'notIn',
  'contains',
  'notContains',
  'greaterThan',
  'lessThan',
  'min',
  'max',
  'regex',
  'notRegex',
] as const;

export type RuleValidator = (typeof ruleValidators)[number];

export type RuleScalar = string | number | boolean;

/** A rule as stored and sent over the API. */
export interface CatalogRule {
  readonly path: string;
  readonly equals?: RuleScalar;
  readonly in?: readonly RuleScalar[] | string;
  readonly notIn?: readonly RuleScalar[] | string;
  readonly contains?: string | number;
  readonly notContains?: string | number;
  readonly greaterThan?: number | string;
  readonly lessThan?: number | string;
  readonly min?: number | string;
  readonly max?: number | string;
  readonly regex?: string;
  readonly notRegex?: string;
}

export type RuleCheck =
  | { readonly validator: 'equals'; readonly expected: string }
  | { readonly validator: 'in' | 'notIn'; readonly expected: readonly string[] | string }
  | { readonly validator: 'contains' | 'notContains'; readonly expected: string }
  | { readonly validator: 'greaterThan' | 'lessThan' | 'min' | 'max'; readonly expected: number }
  | { readonly validator: 'regex' | 'notRegex'; readonly expected: RegExp };

/** A validated rule, ready to evaluate: the path split as RackHD splits it, the expectations normalised. */
export interface CompiledRule {
  readonly path: string;
  /** `path.split('.')` without empty segments; the first is the catalog source. */
  readonly segments: readonly string[];
  readonly checks: readonly RuleCheck[];
}

/** Longest regex source accepted; rules are one-line patterns, and a bound keeps compile work small. */
const MAX_REGEX_LENGTH = 1024;
const validatorSet: ReadonlySet<string> = new Set(ruleValidators);

/** The rules, validated and compiled; a ValidationError listing every problem (path `rules[i].field`) otherwise. */
export function compileRules(rules: unknown, field = 'rules'): CompiledRule[] {
  const problems: { path: string; message: string }[] = [];
  const compiled: CompiledRule[] = [];
  if (!Array.isArray(rules)) {
    throw new ValidationError(`${field} must be an array of rules`, [{ path: field, message: 'must be an array' }]);
  }
  // A SKU or tag without rules would match every node (RackHD's SKU matcher let such a SKU win on nodes
  // nothing else claimed); refusing it at creation keeps matching meaningful.
  if (rules.length === 0) problems.push({ path: field, message: 'must contain at least one rule' });
  rules.forEach((rule: unknown, i) => {
    const at = `${field}[${i}]`;
    const result = compileRule(rule, at, problems);
    if (result !== undefined) compiled.push(result);
  });
  if (problems.length > 0) {
    const first = problems[0];
    const summary = first === undefined ? 'invalid rules' : `${first.path}: ${first.message}`;
    throw new ValidationError(`invalid ${field}: ${summary}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, problems);
  }
  return compiled;
}

/** Same checks as compileRules, for callers that only need the verdict (API create/update). */
export function validateRules(rules: unknown, field = 'rules'): CatalogRule[] {
  compileRules(rules, field);
  return rules as CatalogRule[];
}

function compileRule(rule: unknown, at: string, problems: { path: string; message: string }[]): CompiledRule | undefined {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) {
    problems.push({ path: at, message: 'a rule must be an object' });
    return undefined;
  }
  const entries = Object.entries(rule as Record<string, unknown>);
  const path = (rule as Record<string, unknown>).path;
  const segments = typeof path === 'string' ? path.split('.').filter((s) => s !== '') : [];
  if (typeof path !== 'string' || segments.length === 0) {
    problems.push({ path: `${at}.path`, message: 'must be "<catalog source>.<dotted path>"' });
  }
  const checks: RuleCheck[] = [];
  for (const [key, value] of entries) {
    if (key === 'path') continue;
    const where = `${at}.${key}`;
    if (!validatorSet.has(key)) {
      problems.push({ path: where, message: `unknown validator "${key}" (known: ${ruleValidators.join(', ')})` });
      continue;
    }
    const check = compileCheck(key as RuleValidator, value);
    if (typeof check === 'string') problems.push({ path: where, message: check });
    else checks.push(check);
  }
  if (entries.every(([key]) => key === 'path')) problems.push({ path: at, message: 'rule has no validator' });
  if (typeof path !== 'string' || segments.length === 0) return undefined;
  return { path, segments, checks };
}

/** The normalised check, or why the expected value does not fit the validator. */
function compileCheck(validator: RuleValidator, value: unknown): RuleCheck | string {
  switch (validator) {
    case 'equals':
      return isScalar(value) ? { validator, expected: String(value) } : 'must be a string, number or boolean';
    case 'in':
    case 'notIn':
      // RackHD's schema typed these as strings (anchor then tests "is the value a substring of it"); a list
      // of allowed values is the common form.
      if (typeof value === 'string') return { validator, expected: value };
      if (Array.isArray(value) && value.every(isScalar)) return { validator, expected: value.map((v) => String(v)) };
      return 'must be a list of strings, numbers or booleans';
    case 'contains':
    case 'notContains':
      return typeof value === 'string' || typeof value === 'number' ? { validator, expected: String(value) } : 'must be a string or number';
    case 'greaterThan':
    case 'lessThan':
    case 'min':
    case 'max': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      return Number.isFinite(n) ? { validator, expected: n } : 'must be a finite number';
    }
    case 'regex':
    case 'notRegex': {
      if (typeof value !== 'string') return 'must be a regular expression source string';
      if (value.length > MAX_REGEX_LENGTH) return `regular expression is longer than ${MAX_REGEX_LENGTH} characters`;
      try {
        return { validator, expected: new RegExp(value) };
      } catch (e) {
        return `invalid regular expression: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
  }
}

function isScalar(value: unknown): value is RuleScalar {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean';
}
