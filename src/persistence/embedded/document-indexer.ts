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

export class DocumentIndexer {
  readonly #collection: string;
  readonly #indexes: readonly IndexSpec[];
  readonly #insertKey: BetterSqlite3.Statement<[string, string, string]>;
  readonly #insertUnique: BetterSqlite3.Statement<[string, string, string]>;
  readonly #removeKeys: BetterSqlite3.Statement<[string]>;
  readonly #removeUnique: BetterSqlite3.Statement<[string]>;

  constructor(db: BetterSqlite3.Database, collection: string, tables: CollectionTables, indexes: readonly IndexSpec[]) {
    this.#collection = collection;
    this.#indexes = indexes;
    this.#insertKey = db.prepare(`INSERT INTO ${tables.index} (field, value, id) VALUES (?, ?, ?)`);
    this.#insertUnique = db.prepare(`INSERT INTO ${tables.unique} (field, value, id) VALUES (?, ?, ?)`);
    this.#removeKeys = db.prepare(`DELETE FROM ${tables.index} WHERE id = ?`);
    this.#removeUnique = db.prepare(`DELETE FROM ${tables.unique} WHERE id = ?`);
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
