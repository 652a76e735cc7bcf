/**
 * The tables behind one document collection:
 *  - `docs_<name>`: the documents, JSON text keyed by id;
 *  - `docs_<name>_index`: one row per (indexed field, canonical value, id), the multikey secondary index;
 *    its primary key (field, value, id) is what equality lookups seek;
 *  - `docs_<name>_unique`: one row per (unique field, value); its primary key is the uniqueness constraint.
 * A side table per collection, instead of SQLite expression indexes over json_extract, because array
 * fields need one entry per element and expression indexes give one entry per row.
 */

export interface CollectionTables {
  readonly docs: string;
  readonly index: string;
  readonly unique: string;
}

export function collectionTables(collection: string): CollectionTables {
  // Collection names come from the fixed catalogue in collections.ts, never from a request; the check
  // keeps that assumption honest, since table names cannot be bound as parameters.
  if (!/^[a-z][a-zA-Z0-9]*$/.test(collection)) throw new Error(`not a valid collection name: ${collection}`);
  return { docs: `docs_${collection}`, index: `docs_${collection}_index`, unique: `docs_${collection}_unique` };
}

export function collectionSchema(collection: string): string {
  const t = collectionTables(collection);
  return `
    CREATE TABLE IF NOT EXISTS ${t.docs} (id TEXT PRIMARY KEY NOT NULL, doc TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS ${t.index} (
      field TEXT NOT NULL, value TEXT NOT NULL, id TEXT NOT NULL,
      PRIMARY KEY (field, value, id)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS ${t.index}_by_id ON ${t.index} (id);
    CREATE TABLE IF NOT EXISTS ${t.unique} (
      field TEXT NOT NULL, value TEXT NOT NULL, id TEXT NOT NULL,
      PRIMARY KEY (field, value)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS ${t.unique}_by_id ON ${t.unique} (id);
  `;
}
