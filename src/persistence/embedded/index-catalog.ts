/**
 * Remembers which indexes each collection's side tables were built for, and rebuilds them when the
 * definitions in collections.ts change. Without this, a field indexed by a newer release would have no
 * rows for documents written before the upgrade, and index lookups would silently miss those documents.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { IndexSpec } from '../collections.ts';
import type { CollectionTables } from './collection-tables.ts';
import { DocumentIndexer } from './document-indexer.ts';

export const indexCatalogSchema = `
  CREATE TABLE IF NOT EXISTS index_catalog (
    collection TEXT PRIMARY KEY NOT NULL,
    definition TEXT NOT NULL
  );
`;

/**
 * Rebuilds the collection's index rows if its index definition differs from the one they were built
 * for. Must run inside a transaction; throws `DuplicateKeyError` if existing documents violate a newly
 * unique field, which leaves the old index and the catalog as they were once the caller rolls back.
 * Returns whether a rebuild happened.
 */
export function reconcileIndexes(db: BetterSqlite3.Database, collection: string, tables: CollectionTables, indexes: readonly IndexSpec[]): boolean {
  const definition = JSON.stringify(indexes.map(({ field, unique }) => ({ field, unique: unique === true })));
  const recorded = db.prepare<[string], { definition: string }>('SELECT definition FROM index_catalog WHERE collection = ?').get(collection);
  if (recorded?.definition === definition) return false;

  db.prepare(`DELETE FROM ${tables.index}`).run();
  db.prepare(`DELETE FROM ${tables.unique}`).run();
  const indexer = new DocumentIndexer(db, collection, tables, indexes);
  // Read in pages rather than through one cursor: the connection cannot write while a cursor is open,
  // and a page bounds memory for large collections such as catalogs.
  const page = db.prepare<[string], { id: string; doc: string }>(`SELECT id, doc FROM ${tables.docs} WHERE id > ? ORDER BY id LIMIT 500`);
  for (let rows = page.all(''); rows.length > 0; rows = page.all(rows[rows.length - 1]?.id ?? '')) {
    for (const { id, doc } of rows) indexer.add(id, JSON.parse(doc) as unknown);
  }
  db.prepare('INSERT INTO index_catalog (collection, definition) VALUES (?, ?) ON CONFLICT (collection) DO UPDATE SET definition = excluded.definition')
    .run(collection, definition);
  return true;
}
