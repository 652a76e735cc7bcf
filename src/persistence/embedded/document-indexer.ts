/**
 * Keeps a collection's index side tables in step with its documents. Callers run these methods inside
 * the same transaction (savepoint) as the document write, so a document and its index rows are never
 * seen apart, and a unique-value clash rolls back the document write with it.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { DuplicateKeyError } from '../../errors.ts';
import type { IndexSpec } from '../collections.ts';
import type { CollectionTables } from './collection-tables.ts';
import { indexKeys } from './index-keys.ts';
import { isUniquenessViolation } from './sqlite-errors.ts';

interface IndexRow {
  field: string;
  value: string;
}

// Field names are dotted paths and never contain NUL, so it separates field from value unambiguously.
const rowKey = (r: IndexRow): string => `${r.field}\u0000${r.value}`;
const splitKey = (k: string): [string, string] => {
  const i = k.indexOf('\u0000');
  return [k.slice(0, i), k.slice(i + 1)];
};

export class DocumentIndexer {
  readonly #collection: string;
  readonly #indexes: readonly IndexSpec[];
  readonly #insertKey: BetterSqlite3.Statement<[string, string, string]>;
  readonly #insertUnique: BetterSqlite3.Statement<[string, string, string]>;
  readonly #removeKeys: BetterSqlite3.Statement<[string]>;
  readonly #removeUnique: BetterSqlite3.Statement<[string]>;
  readonly #keysOf: BetterSqlite3.Statement<[string], IndexRow>;
  readonly #uniqueOf: BetterSqlite3.Statement<[string], IndexRow>;
  readonly #removeKey: BetterSqlite3.Statement<[string, string, string]>;
  readonly #removeUniqueKey: BetterSqlite3.Statement<[string, string, string]>;

  constructor(db: BetterSqlite3.Database, collection: string, tables: CollectionTables, indexes: readonly IndexSpec[]) {
    this.#collection = collection;
    this.#indexes = indexes;
    this.#insertKey = db.prepare(`INSERT INTO ${tables.index} (field, value, id) VALUES (?, ?, ?)`);
    this.#insertUnique = db.prepare(`INSERT INTO ${tables.unique} (field, value, id) VALUES (?, ?, ?)`);
    this.#removeKeys = db.prepare(`DELETE FROM ${tables.index} WHERE id = ?`);
    this.#removeUnique = db.prepare(`DELETE FROM ${tables.unique} WHERE id = ?`);
    this.#keysOf = db.prepare<[string], IndexRow>(`SELECT field, value FROM ${tables.index} WHERE id = ?`);
    this.#uniqueOf = db.prepare<[string], IndexRow>(`SELECT field, value FROM ${tables.unique} WHERE id = ?`);
    this.#removeKey = db.prepare(`DELETE FROM ${tables.index} WHERE field = ? AND value = ? AND id = ?`);
    this.#removeUniqueKey = db.prepare(`DELETE FROM ${tables.unique} WHERE field = ? AND value = ? AND id = ?`);
  }

  /**
   * Brings the index rows of an existing document in line with its new version, touching only the rows
   * that change. Most updates (a lifecycle step, a renamed node) change one indexed value of ten, and
   * rewriting every row made read-model writes the bottleneck of persisted node messages.
   */
  replace(id: string, doc: unknown): void {
    const stale = new Set(this.#keysOf.all(id).map(rowKey));
    const staleUnique = new Set(this.#uniqueOf.all(id).map(rowKey));
    for (const { field, unique } of this.#indexes) {
      for (const [key, value] of indexKeys(doc, field)) {
        const k = rowKey({ field, value: key });
        if (!stale.delete(k)) this.#insertKey.run(field, key, id);
        if (unique !== true || value === null || staleUnique.delete(k)) continue;
        try {
          this.#insertUnique.run(field, key, id);
        } catch (error) {
          if (isUniquenessViolation(error)) throw new DuplicateKeyError(this.#collection, field, value);
          throw error;
        }
      }
    }
    for (const k of stale) this.#removeKey.run(...splitKey(k), id);
    for (const k of staleUnique) this.#removeUniqueKey.run(...splitKey(k), id);
  }

  /** Adds the index rows of a document that has none (a new one, or one just passed to `remove`). */
  add(id: string, doc: unknown): void {
    for (const { field, unique } of this.#indexes) {
      for (const [key, value] of indexKeys(doc, field)) {
        this.#insertKey.run(field, key, id);
        // Missing and null values are exempt from uniqueness, like a sparse index: otherwise only one
        // document of the collection could ever lack the field.
        if (unique !== true || value === null) continue;
        try {
          this.#insertUnique.run(field, key, id);
        } catch (error) {
          if (isUniquenessViolation(error)) throw new DuplicateKeyError(this.#collection, field, value);
          throw error;
        }
      }
    }
  }

  remove(id: string): void {
    this.#removeKeys.run(id);
    this.#removeUnique.run(id);
  }
}
