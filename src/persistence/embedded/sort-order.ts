/**
 * MongoDB's sort order for JSON documents, so a page of results is the same whichever adapter serves it.
 *
 * mingo's cursor sort differs from the server where it shows: it orders a missing field before `null`
 * (MongoDB treats them as equal, leaving the order to the `id` tiebreak) and sorts arrays descending by
 * reversing the ascending order instead of by their largest element. The rules implemented here:
 *  - values are ranked by type first: [] < null/missing < numbers < strings < objects < arrays < booleans;
 *  - an array field sorts by its smallest element ascending and its largest descending;
 *  - strings compare by code point (MongoDB's binary comparison of UTF-8), not by UTF-16 code unit;
 *  - objects compare field by field (type, then name, then value), then by length;
 *  - documents equal on every sort field are ordered by `id` ascending.
 */
import type { FindOptions } from '../document-store.ts';

type SortSpec = NonNullable<FindOptions['sort']>;

/** Sorts documents in place by `sort`, ties broken by id ascending, and returns them. */
export function sortDocuments<T extends { readonly id: string }>(docs: T[], sort: SortSpec): T[] {
  const fields = Object.entries(sort);
  const decorated = docs.map((doc) => ({ doc, keys: fields.map(([path, direction]) => sortKey(doc, path, direction)) }));
  decorated.sort((a, b) => {
    for (const [i, [, direction]] of fields.entries()) {
      const order = compareValues(a.keys[i], b.keys[i]);
      if (order !== 0) return direction === -1 ? -order : order;
    }
    return compareStrings(a.doc.id, b.doc.id);
  });
  decorated.forEach(({ doc }, i) => (docs[i] = doc));
  return docs;
}

/** Marks an empty array, which MongoDB sorts before null. */
const EMPTY_ARRAY = Symbol('empty array');
type SortKey = unknown;

function sortKey(doc: unknown, path: string, direction: 1 | -1): SortKey {
  const candidates: unknown[] = [];
  collect(doc, path.split('.'), 0, candidates);
  let chosen: SortKey = candidates[0];
  for (const candidate of candidates.slice(1)) {
    const order = compareValues(candidate, chosen);
    if (direction === 1 ? order < 0 : order > 0) chosen = candidate;
  }
  return chosen;
}

/** Every value the path reaches, expanding arrays along the way and at the end, as MongoDB's sort does. */
function collect(value: unknown, path: readonly string[], depth: number, out: unknown[]): void {
  if (depth === path.length) {
    if (!Array.isArray(value)) out.push(value ?? null);
    else if (value.length === 0) out.push(EMPTY_ARRAY);
    else out.push(...(value as unknown[]));
    return;
  }
  if (Array.isArray(value)) {
    for (const element of value) collect(element, path, depth, out);
    if (value.length === 0) out.push(null);
    return;
  }
  const segment = path[depth];
  if (segment !== undefined && typeof value === 'object' && value !== null && Object.hasOwn(value, segment)) {
    collect((value as Readonly<Record<string, unknown>>)[segment], path, depth + 1, out);
  } else {
    out.push(null);
  }
}

function typeRank(value: unknown): number {
  if (value === EMPTY_ARRAY) return 0;
  if (value === null || value === undefined) return 1;
  if (typeof value === 'number') return 2;
  if (typeof value === 'string') return 3;
  if (Array.isArray(value)) return 5;
  if (typeof value === 'object') return 4;
  if (typeof value === 'boolean') return 6;
  return 7;
}

export function compareValues(a: unknown, b: unknown): number {
  const rankOrder = typeRank(a) - typeRank(b);
  if (rankOrder !== 0) return Math.sign(rankOrder);
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (Array.isArray(a) && Array.isArray(b)) return compareSequences(a.map((v) => ['', v]), b.map((v) => ['', v]));
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) return compareSequences(Object.entries(a), Object.entries(b));
  return 0;
}

function compareSequences(a: readonly (readonly [string, unknown])[], b: readonly (readonly [string, unknown])[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [nameA, valueA] = a[i] ?? ['', undefined];
    const [nameB, valueB] = b[i] ?? ['', undefined];
    const order = Math.sign(typeRank(valueA) - typeRank(valueB)) || compareStrings(nameA, nameB) || compareValues(valueA, valueB);
    if (order !== 0) return order;
  }
  return Math.sign(a.length - b.length);
}

/**
 * Code point order, which is UTF-8 byte order. UTF-16 code unit order (JavaScript's `<`) agrees except
 * between surrogates (U+D800..U+DFFF, encoding code points above U+FFFF) and U+E000..U+FFFF.
 */
export function compareStrings(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return Math.sign(codePointRank(x) - codePointRank(y));
  }
  return Math.sign(a.length - b.length);
}

function codePointRank(codeUnit: number): number {
  if (codeUnit < 0xd800) return codeUnit;
  // Surrogates stand for code points above U+FFFF, so they rank after U+E000..U+FFFF.
  return codeUnit >= 0xe000 ? codeUnit - 0x800 : codeUnit + 0x2000;
}
