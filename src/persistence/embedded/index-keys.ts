/**
 * The keys a document contributes to a secondary index, and their canonical encoding.
 *
 * An index here is only a pre-filter: the planner fetches candidates by key and mingo then evaluates the
 * whole filter. So the one property that matters is completeness: every document that can match
 * `{field: v}` (for a scalar `v`) must have an index row for `v`. Extra rows only cost space. Hence:
 *  - paths are followed the way MongoDB follows them, through arrays at any depth, and a leaf array
 *    contributes each of its scalar elements (a multikey index);
 *  - wherever the path is missing along some branch, the document also gets a `null` key, because
 *    `{field: null}` matches missing fields;
 *  - objects and arrays themselves are not indexed; equality on them is never planned through an index.
 */

export type IndexScalar = string | number | boolean | null;

export function isIndexScalar(value: unknown): value is IndexScalar {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/**
 * The canonical key of a scalar: its JSON text. Types never collide (`"1"` vs `1` vs `true` vs `null`),
 * and numbers MongoDB considers equal (1 and 1.0, 0 and -0) encode identically.
 */
export function encodeIndexKey(value: IndexScalar): string {
  return JSON.stringify(value);
}

/** Canonical keys of `doc` under the dotted `field`, each with the scalar it encodes. */
export function indexKeys(doc: unknown, field: string): Map<string, IndexScalar> {
  const keys = new Map<string, IndexScalar>();
  collect(doc, field.split('.'), 0, keys);
  return keys;
}

function collect(value: unknown, path: readonly string[], depth: number, keys: Map<string, IndexScalar>): void {
  if (Array.isArray(value)) {
    if (value.length === 0) add(null, keys);
    for (const element of value) collect(element, path, depth, keys);
    // A numeric path segment may also address an array element by position ("a.0.b").
    const segment = path[depth];
    if (segment !== undefined && /^\d+$/.test(segment)) collect(value[Number(segment)], path, depth + 1, keys);
    return;
  }
  if (depth === path.length) {
    if (isIndexScalar(value)) add(value, keys);
    else if (value === undefined) add(null, keys);
    return;
  }
  const segment = path[depth];
  if (segment !== undefined && isPlainObject(value) && Object.hasOwn(value, segment)) {
    collect(value[segment], path, depth + 1, keys);
  } else {
    add(null, keys);
  }
}

function add(value: IndexScalar, keys: Map<string, IndexScalar>): void {
  keys.set(encodeIndexKey(value), value);
}

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
