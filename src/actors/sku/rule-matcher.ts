/**
 * Matching SKU and tag rules against a node's latest catalog per source (RackHD's GenerateSku and
 * GenerateTag jobs).
 *
 * Paths: `path.split('.')` without empty segments; the first segment names the catalog source, each next
 * one an own property, or a decimal index into an array (`dmi.Memory Device.0.Size`). Keys with spaces
 * (`dmi.Base Board Information.Manufacturer`) need nothing special; keys containing '.' cannot be reached,
 * as in RackHD.
 *
 * Values are compared the way RackHD's validators (anchor over validator.js) compared them, by their
 * string form: numbers and booleans as JavaScript prints them, a list as its items joined with ',', so
 * `equals: 2` matches the catalog string "2". Where RackHD's behaviour was an accident, it is not kept:
 * - a missing value (no catalog, no such key, or null) fails every positive validator (equals, in,
 *   contains, regex and the numeric ones) and passes the negative ones (notIn, notContains, notRegex).
 *   RackHD turned it into '' first, and let `min`/`max`/`greaterThan`/`lessThan` pass on anything that is
 *   not a number, so a SKU of numeric rules matched nodes that lacked the data;
 * - numeric validators read a number from the start of the string form (`parseFloat`, so "2300 MHz" is
 *   2300, as in RackHD) and fail when there is none;
 * - `contains` on a list is true when one item contains the text (RackHD searched the joined string, so a
 *   needle could straddle two items); on a string it is a substring test;
 * - an object value (a whole section) has no string form and fails every positive validator.
 */
import type { CompiledRule, RuleCheck } from './catalog-rule.ts';
import { compileRules } from './catalog-rule.ts';

/** The latest catalog data per source: `{ dmi: {...}, lshw: {...} }`. */
export type CatalogsBySource = Readonly<Record<string, unknown>>;

export interface RuleFailure {
  readonly path: string;
  readonly validator: RuleCheck['validator'];
  /** The value found at the path (undefined when there is none). */
  readonly actual: unknown;
}

export interface RulesVerdict {
  readonly matched: boolean;
  /** The most segments of any rule path (source included): RackHD's measure of how specific a SKU is. */
  readonly depth: number;
  readonly failures: readonly RuleFailure[];
}

export interface SkuCandidate {
  readonly name: string;
  readonly rules: unknown;
  /** Milliseconds since the epoch or an ISO date: among equally deep matches the newest SKU wins. */
  readonly createdAt?: number | string;
}

export interface TagCandidate {
  readonly name: string;
  readonly rules: unknown;
}

/** The value a rule path points at, or undefined. */
export function resolveCatalogPath(catalogs: CatalogsBySource, segments: readonly string[]): unknown {
  let current: unknown = catalogs;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (typeof current === 'object' && current !== null) {
      if (!Object.hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

export function evaluateRules(rules: readonly CompiledRule[], catalogs: CatalogsBySource): RulesVerdict {
  const failures: RuleFailure[] = [];
  let depth = 0;
  for (const rule of rules) {
    depth = Math.max(depth, rule.segments.length);
    const actual = resolveCatalogPath(catalogs, rule.segments);
    for (const check of rule.checks) {
      if (!passes(check, actual)) failures.push({ path: rule.path, validator: check.validator, actual });
    }
  }
  return { matched: rules.length > 0 && failures.length === 0, depth, failures };
}

/**
 * The SKU a node belongs to: among SKUs all of whose rules pass, the one with the deepest rule path, then
 * the newest, then the later in `skus`. A SKU whose stored rules no longer validate never matches.
 */
export function matchSku<S extends SkuCandidate>(skus: readonly S[], catalogs: CatalogsBySource): S | undefined {
  let best: { sku: S; depth: number; created: number } | undefined;
  for (const sku of skus) {
    const rules = compiledOrUndefined(sku.rules);
    if (rules === undefined) continue;
    const verdict = evaluateRules(rules, catalogs);
    if (!verdict.matched) continue;
    const created = createdAtMillis(sku.createdAt);
    if (best === undefined || verdict.depth > best.depth || (verdict.depth === best.depth && created >= best.created)) {
      best = { sku, depth: verdict.depth, created };
    }
  }
  return best?.sku;
}

/** Names of the tags all of whose rules pass, in the order given, each once. */
export function matchTags(tags: readonly TagCandidate[], catalogs: CatalogsBySource): string[] {
  const names: string[] = [];
  for (const tag of tags) {
    const rules = compiledOrUndefined(tag.rules);
    if (rules === undefined || names.includes(tag.name)) continue;
    if (evaluateRules(rules, catalogs).matched) names.push(tag.name);
  }
  return names;
}

function compiledOrUndefined(rules: unknown): CompiledRule[] | undefined {
  try {
    return compileRules(rules);
  } catch {
    return undefined;
  }
}

function createdAtMillis(createdAt: number | string | undefined): number {
  if (typeof createdAt === 'number') return createdAt;
  if (typeof createdAt === 'string') {
    const t = Date.parse(createdAt);
    return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
  }
  return Number.NEGATIVE_INFINITY;
}

function passes(check: RuleCheck, actual: unknown): boolean {
  const text = stringForm(actual);
  switch (check.validator) {
    case 'equals':
      return text !== undefined && text === check.expected;
    case 'in':
      return text !== undefined && isIn(text, check.expected);
    case 'notIn':
      return text === undefined || !isIn(text, check.expected);
    case 'contains':
      return contains(actual, check.expected);
    case 'notContains':
      return isMissing(actual) || !contains(actual, check.expected);
    case 'greaterThan':
    case 'lessThan':
    case 'min':
    case 'max': {
      const n = numberForm(actual);
      if (n === undefined) return false;
      if (check.validator === 'greaterThan') return n > check.expected;
      if (check.validator === 'lessThan') return n < check.expected;
      if (check.validator === 'min') return n >= check.expected;
      return n <= check.expected;
    }
    case 'regex':
      return text !== undefined && check.expected.test(text);
    case 'notRegex':
      return text === undefined || !check.expected.test(text);
  }
}

function isMissing(value: unknown): boolean {
  return value === undefined || value === null;
}

/** RackHD's string form of a value; undefined when it has none (missing, or an object). */
function stringForm(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map((item) => stringForm(item) ?? '').join(',');
  return undefined;
}

function numberForm(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number.parseFloat(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function isIn(text: string, allowed: readonly string[] | string): boolean {
  return typeof allowed === 'string' ? allowed.includes(text) : allowed.includes(text);
}

function contains(value: unknown, needle: string): boolean {
  if (Array.isArray(value)) return value.some((item) => stringForm(item)?.includes(needle) === true);
  const text = stringForm(value);
  return text !== undefined && text.includes(needle);
}
