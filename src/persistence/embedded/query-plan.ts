/**
 * Choosing how to fetch candidate documents for a filter. A plan only narrows what is read from disk;
 * the caller always evaluates the full filter on every candidate, so a plan must never drop a document
 * that could match (see index-keys.ts) but may include ones that do not.
 *
 * Only conditions that pin a field to a finite set of scalars are planned: `{f: v}`, `{f: {$eq: v}}`
 * and `{f: {$in: [v...]}}`, at the top level or inside a top-level `$and`. Anything else scans.
 * Among several such conditions: `id` first, then a unique field, then the field with the fewest
 * matching index rows.
 */
import type { IndexSpec } from '../collections.ts';
import type { Filter } from '../document-store.ts';
import { encodeIndexKey, isIndexScalar } from './index-keys.ts';
import type { IndexScalar } from './index-keys.ts';

export type CandidatePlan =
  | { readonly kind: 'ids'; readonly ids: readonly string[] }
  | { readonly kind: 'index'; readonly field: string; readonly keys: readonly string[] }
  | { readonly kind: 'scan' };

interface Pinned {
  readonly field: string;
  readonly values: readonly IndexScalar[];
}

/**
 * Counts index rows for `field` with any of `keys`, stopping at `cap`: the planner only needs to know
 * whether a field beats the best found so far, so no count ever reads more than that.
 */
export type IndexRowEstimator = (field: string, keys: readonly string[], cap: number) => number;

export function planQuery(filter: Filter, indexes: readonly IndexSpec[], estimateRows: IndexRowEstimator): CandidatePlan {
  const pinned = pinnedFields(filter);

  const byId = pinned.find((p) => p.field === 'id');
  // Ids are always strings, so any other value can match no document and is dropped.
  if (byId !== undefined) return { kind: 'ids', ids: byId.values.filter((v): v is string => typeof v === 'string') };

  const usable = pinned.flatMap(({ field, values }) => {
    const spec = indexes.find((i) => i.field === field);
    return spec === undefined ? [] : [{ field, keys: [...new Set(values.map(encodeIndexKey))], unique: spec.unique === true }];
  });
  // A unique index yields at most one document per value; otherwise pick the field with the fewest
  // matching index rows, since one common value ("type: compute") can match most of a collection.
  let best: { readonly field: string; readonly keys: readonly string[]; readonly rows: number } | undefined;
  for (const { field, keys, unique } of usable) {
    if (best?.rows === 0) break;
    const rows = unique ? keys.length : estimateRows(field, keys, best === undefined ? Number.MAX_SAFE_INTEGER : best.rows);
    if (best === undefined || rows < best.rows) best = { field, keys, rows };
  }
  return best === undefined ? { kind: 'scan' } : { kind: 'index', field: best.field, keys: best.keys };
}

function pinnedFields(filter: Filter): Pinned[] {
  const pinned: Pinned[] = [];
  for (const [field, condition] of Object.entries(filter)) {
    if (field === '$and' && Array.isArray(condition)) {
      for (const clause of condition) if (isRecord(clause)) pinned.push(...pinnedFields(clause));
      continue;
    }
    if (field.startsWith('$')) continue;
    const values = pinnedValues(condition);
    if (values !== undefined) pinned.push({ field, values });
  }
  return pinned;
}

/** The scalars a condition restricts its field to, or undefined when it is not such a condition. */
function pinnedValues(condition: unknown): readonly IndexScalar[] | undefined {
  if (isIndexScalar(condition)) return [condition];
  if (!isRecord(condition)) return undefined;
  const operators = Object.keys(condition);
  // An object with a non-operator key is a whole-object equality, which the index does not hold.
  if (operators.length === 0 || !operators.every((op) => op.startsWith('$'))) return undefined;
  const { $eq: eq, $in: within } = condition;
  if (isIndexScalar(eq)) return [eq];
  if (Array.isArray(within) && within.every(isIndexScalar)) return within;
  return undefined;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof RegExp);
}
