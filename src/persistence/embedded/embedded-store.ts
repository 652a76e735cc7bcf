/**
 * The default store: one SQLite database file in the member's data directory, holding the event journal
 * and every read-model collection. See docs/decisions/0001-embedded-store.md for why SQLite, and
 * group-commit.ts for how writes are batched.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { collectionIndexes, collectionNames } from '../collections.ts';
import type { Store } from '../store.ts';
import { collectionSchema, collectionTables } from './collection-tables.ts';
import { GroupCommitter } from './group-commit.ts';
import { indexCatalogSchema, reconcileIndexes } from './index-catalog.ts';
import { SqliteDocumentStore } from './sqlite-document-store.ts';
import { SqliteJournal, journalSchema } from './sqlite-journal.ts';

export interface EmbeddedStoreOptions {
  /** The data directory; created if missing. The database is `monorail.sqlite` inside it. */
  readonly path: string;
  /**
   * `full` (default): a resolved write survives process kill and power loss.
   * `normal`: a resolved write survives a process kill but the last commits may be lost on power loss,
   * in exchange for not waiting on fsync at every commit.
   */
  readonly durability?: 'full' | 'normal';
}

export const databaseFileName = 'monorail.sqlite';

/** Bumped when the table layout changes incompatibly; a newer file is refused rather than misread. */
const SCHEMA_VERSION = 1;

/** How long a write waits for another process's lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

export async function openEmbeddedStore(options: EmbeddedStoreOptions): Promise<Store> {
  await mkdir(options.path, { recursive: true });
  const file = path.join(options.path, databaseFileName);
  const db = new Database(file);
  try {
    configure(db, options.durability ?? 'full');
    createSchema(db, file);
  } catch (error) {
    db.close();
    throw error;
  }

  const committer = new GroupCommitter(db, `embedded store ${file}`);
  const journal = new SqliteJournal(db, committer);
  const documents = new SqliteDocumentStore(db, committer);
  let closed = false;
  return {
    kind: 'embedded',
    journal,
    documents,
    async close() {
      if (closed) return;
      closed = true;
      // Writes already accepted are committed before the connection goes away.
      committer.close();
      db.close();
    },
  };
}

function configure(db: Database.Database, durability: 'full' | 'normal'): void {
  // WAL: a commit appends to the write-ahead log instead of rewriting pages in place, so a crash at any
  // point leaves either the whole transaction or none of it, and readers never block the writer.
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') throw new Error(`the embedded store needs WAL journaling, but SQLite chose "${String(mode)}" for ${db.name}`);
  // FULL: every COMMIT fsyncs the WAL before returning, so a committed transaction survives process kill
  // and power loss. NORMAL (in WAL mode) fsyncs only at checkpoints: safe against a process crash, but
  // the latest commits can be lost if the machine loses power.
  db.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
  // Wait for a lock held by another connection (a CLI tool inspecting the file) instead of failing at once.
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // No table declares foreign keys today; enforcing them is SQLite's off-by-default, so any added later
  // is actually checked.
  db.pragma('foreign_keys = ON');
}

function createSchema(db: Database.Database, file: string): void {
  const version = db.pragma('user_version', { simple: true });
  if (typeof version === 'number' && version > SCHEMA_VERSION) {
    throw new Error(`${file} has schema version ${version}; this release understands up to ${SCHEMA_VERSION}`);
  }
  // Idempotent (IF NOT EXISTS), and in one transaction so a crash mid-creation leaves nothing half made.
  db.transaction(() => {
    db.exec(journalSchema);
    db.exec(indexCatalogSchema);
    for (const name of collectionNames) {
      const tables = collectionTables(name);
      db.exec(collectionSchema(name));
      reconcileIndexes(db, name, tables, collectionIndexes[name]);
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
