/**
 * Pure translations between the persistence ports' vocabulary and MongoDB's, kept apart from the I/O so
 * they can be unit-tested without a server:
 *
 * - documents: the port keys documents by `id`; MongoDB keys them by `_id`. We store `id` AS `_id` (so the
 *   primary key is MongoDB's mandatory unique `_id` index, not a second unique index) and map back on
 *   every read, so `_id` never reaches a caller.
 * - filters and sorts: the port's dialect IS MongoDB's, so the only rewrite is `id` → `_id`.
 * - values: what the port stores is JSON. BSON could keep more (Dates, undefined, NaN), which would read
 *   back differently from the embedded adapter, so values are normalised through JSON on the way in.
 */
import { toJsonText } from '../json-text.ts';
import { ValidationError } from '../../errors.ts';
import type { Document, Filter, FindOptions, UpdateOperators } from '../document-store.ts';

/** A read-model document as stored in MongoDB. */
export interface StoredDocument {
  readonly _id: string;
  readonly [field: string]: unknown;
}

type Mutable = Record<string, unknown>;

/**
 * The top-level logical operators whose operands are whole filters. `id` inside them is still the document
 * id, so it is mapped too. Field-level operators (`$not`, `$elemMatch`, ...) sit *under* a field name and
 * are left alone: `{ 'relations.id': ... }` or `{ obms: { $elemMatch: { id: ... } } }` address nested
 * fields called `id`, not the document id.
 */
const logicalOperators: ReadonlySet<string> = new Set(['$and', '$or', '$nor']);

/** Rewrites `id` → `_id` at the top level of a filter and inside `$and`/`$or`/`$nor`. Values pass through unchanged. */
export function toMongoFilter(filter: Filter): Mutable {
  const mapped: Mutable = {};
  for (const [key, value] of Object.entries(filter)) {
    if (key === 'id') {
      mapped['_id'] = value;
    } else if (logicalOperators.has(key) && Array.isArray(value)) {
      mapped[key] = value.map((clause: unknown) => (isRecord(clause) ? toMongoFilter(clause) : clause));
    } else {
      mapped[key] = value;
    }
  }
  return mapped;
}

/**
 * The port's sort as an ordered list of [field, direction] pairs with `id` → `_id`, plus `_id` ascending
 * as the final tie-breaker: the port promises a deterministic order and MongoDB does not order ties by
 * itself (https://www.mongodb.com/docs/manual/reference/method/cursor.sort/#sort-consistency). A list
 * rather than an object, so the order the server sees cannot depend on object-key ordering rules.
 */
export function toMongoSort(sort: FindOptions['sort']): [string, 1 | -1][] {
  const pairs = Object.entries(sort ?? {}).map(([field, direction]): [string, 1 | -1] => [field === 'id' ? '_id' : field, direction]);
  if (!pairs.some(([field]) => field === '_id')) pairs.push(['_id', 1]);
  return pairs;
}

/** The stored form of a port document: JSON-normalised, `id` renamed `_id`; no `id` field is kept. */
export function toStoredDocument(doc: Document, where: string): StoredDocument {
  const json = toJsonValue(doc, where);
  if (!isRecord(json) || typeof json['id'] !== 'string') throw new ValidationError(`${where}: a document needs a string id`);
  const { id, ...rest } = json;
  return { ...rest, _id: id };
}

/**
 * The port form of a stored document: `_id` becomes `id`. A stored `id` field (only a foreign writer
 * could have put one there) is dropped so the primary key always wins.
 */
export function fromStoredDocument<T extends Document>(stored: StoredDocument): T {
  const { _id, id: _ignored, ...rest } = stored;
  // The adapter's contract: a collection returns what callers of the same collection stored in it.
  return { id: _id, ...rest } as unknown as T;
}

const supportedUpdateOperators: ReadonlySet<string> = new Set(['$set', '$unset', '$inc', '$push', '$addToSet', '$pull']);

/**
 * Checks an update against the port's contract before it reaches the server, with the same
 * `ValidationError`s as the embedded adapter: at least one operator, only the port's operators, and no
 * path touching `id` (stored as `_id`, which the server would refuse to modify anyway; a path `id` would
 * otherwise silently write a shadow field). Returns the update with its values JSON-normalised, except
 * `$pull`'s, which are conditions and may hold a RegExp.
 */
export function toMongoUpdate(update: UpdateOperators, where: string): Mutable {
  const operators = Object.entries(update).filter(([, fields]) => fields !== undefined);
  if (operators.length === 0) throw new ValidationError(`${where}: the update has no operators`);
  const mapped: Mutable = {};
  for (const [operator, fields] of operators) {
    if (!supportedUpdateOperators.has(operator)) throw new ValidationError(`${where}: unsupported update operator ${operator}`);
    if (!isRecord(fields)) throw new ValidationError(`${where}: ${operator} needs an object of paths`);
    for (const path of Object.keys(fields)) {
      if (path === 'id' || path.startsWith('id.')) throw new ValidationError(`${where}: ${operator} would modify the immutable id`);
    }
    mapped[operator] = operator === '$pull' ? fields : toJsonValue(fields, `${where}: ${operator}`);
  }
  return mapped;
}

/**
 * `value` as JSON would carry it (Dates become strings, nested undefined disappears, NaN becomes null),
 * or a `ValidationError` for a value JSON cannot carry at all (undefined, a function, a BigInt, a cycle),
 * as the embedded adapter raises.
 */
export function toJsonValue(value: unknown, what: string): unknown {
  return JSON.parse(toJsonText(value, what)) as unknown;
}

/**
 * A filter matching strings that start with `prefix`. An anchored regex whose pattern is a literal
 * prefix lets the server scan only the index range of the prefix
 * (https://www.mongodb.com/docs/manual/reference/operator/query/regex/#index-use).
 */
export function prefixFilter(prefix: string): { $regex: string } {
  return { $regex: `^${escapeRegExp(prefix)}` };
}

/**
 * Escapes every character that is special in a PCRE pattern (the server's regex engine), so the text
 * matches literally. A backslash before any non-alphanumeric character is a literal in PCRE, so
 * over-escaping is harmless.
 */
export function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** Orders strings by their UTF-8 bytes: MongoDB's (and SQLite's) binary string order, not JavaScript's UTF-16 one. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
