/**
 * The event journal on SQLite. The primary key (persistence_key, sequence_number) is the
 * optimistic-concurrency fence of the port: a second writer of the same sequence number hits the
 * constraint and gets `JournalConflictError`. Appends go through the group committer, so all the appends
 * of one event-loop turn cost one fsync, while each call still succeeds or fails on its own.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { JournalConflictError } from '../../errors.ts';
import type { EventJournal, JournalRecord, SnapshotRecord } from '../journal.ts';
import type { GroupCommitter } from './group-commit.ts';
import { decodeJournalRow, decodeSnapshotRow, encodeJournalRecord, encodeSnapshot } from './journal-rows.ts';
import type { JournalRow, RawRow, SnapshotRow } from './journal-rows.ts';
import { isUniquenessViolation } from './sqlite-errors.ts';

/** Older snapshots are kept as fallbacks for an operator; recovery only ever reads the latest. */
const SNAPSHOTS_KEPT_PER_KEY = 3;

export const journalSchema = `
  CREATE TABLE IF NOT EXISTS journal (
    persistence_key TEXT NOT NULL,
    sequence_number INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    tags TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (persistence_key, sequence_number)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS snapshots (
    persistence_key TEXT NOT NULL,
    sequence_number INTEGER NOT NULL,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (persistence_key, sequence_number)
  );
`;
// WITHOUT ROWID clusters a key's events together in primary-key order, so replaying an entity is one
// range read. Snapshots keep a rowid: states can be large, and wide rows belong in a rowid table.

export class SqliteJournal implements EventJournal {
  readonly #committer: GroupCommitter;
  readonly #insertEvent: BetterSqlite3.Statement<[JournalRow]>;
  readonly #readEvents: BetterSqlite3.Statement<[string, number, number], RawRow>;
  readonly #highest: BetterSqlite3.Statement<[string], RawRow>;
  readonly #upsertSnapshot: BetterSqlite3.Statement<[SnapshotRow]>;
  readonly #pruneSnapshots: BetterSqlite3.Statement<{ key: string; kept: number }>;
  readonly #latestSnapshot: BetterSqlite3.Statement<[string], RawRow>;
  readonly #firstKeyFrom: BetterSqlite3.Statement<[string], RawRow>;
  readonly #nextKey: BetterSqlite3.Statement<[string], RawRow>;

  constructor(db: BetterSqlite3.Database, committer: GroupCommitter) {
    this.#committer = committer;
    this.#insertEvent = db.prepare(`
      INSERT INTO journal (persistence_key, sequence_number, event_type, payload, tags, created_at)
      VALUES (@persistence_key, @sequence_number, @event_type, @payload, @tags, @created_at)`);
    this.#readEvents = db.prepare(`
      SELECT sequence_number, event_type, payload, tags, created_at FROM journal
      WHERE persistence_key = ? AND sequence_number > ? ORDER BY sequence_number LIMIT ?`);
    this.#highest = db.prepare('SELECT max(sequence_number) AS highest FROM journal WHERE persistence_key = ?');
    this.#upsertSnapshot = db.prepare(`
      INSERT OR REPLACE INTO snapshots (persistence_key, sequence_number, state, created_at)
      VALUES (@persistence_key, @sequence_number, @state, @created_at)`);
    // With fewer than `kept` snapshots the subquery is NULL, the comparison is NULL and nothing goes.
    this.#pruneSnapshots = db.prepare(`
      DELETE FROM snapshots WHERE persistence_key = @key AND sequence_number < (
        SELECT sequence_number FROM snapshots WHERE persistence_key = @key
        ORDER BY sequence_number DESC LIMIT 1 OFFSET @kept - 1)`);
    this.#latestSnapshot = db.prepare(`
      SELECT sequence_number, state, created_at FROM snapshots
      WHERE persistence_key = ? ORDER BY sequence_number DESC LIMIT 1`);
    this.#firstKeyFrom = db.prepare('SELECT persistence_key FROM journal WHERE persistence_key >= ? ORDER BY persistence_key LIMIT 1');
    this.#nextKey = db.prepare('SELECT persistence_key FROM journal WHERE persistence_key > ? ORDER BY persistence_key LIMIT 1');
  }

  async append(records: readonly JournalRecord[]): Promise<void> {
    if (records.length === 0) return;
    const rows = records.map(encodeJournalRecord);
    await this.#committer.run(() => {
      for (const row of rows) {
        try {
          this.#insertEvent.run(row);
        } catch (error) {
          if (isUniquenessViolation(error)) throw new JournalConflictError(row.persistence_key, row.sequence_number);
          throw error;
        }
      }
    });
  }

  async read(persistenceKey: string, after: number, limit?: number): Promise<JournalRecord[]> {
    // A negative LIMIT means "no limit" to SQLite.
    const rows = this.#readEvents.all(persistenceKey, after, limit ?? -1);
    return rows.map((row) => decodeJournalRow(persistenceKey, row));
  }

  async highestSequenceNumber(persistenceKey: string): Promise<number> {
    const highest = this.#highest.get(persistenceKey)?.highest;
    return typeof highest === 'number' ? highest : 0;
  }

  async saveSnapshot(snapshot: SnapshotRecord): Promise<void> {
    const row = encodeSnapshot(snapshot);
    await this.#committer.run(() => {
      this.#upsertSnapshot.run(row);
      this.#pruneSnapshots.run({ key: row.persistence_key, kept: SNAPSHOTS_KEPT_PER_KEY });
    });
  }

  async latestSnapshot(persistenceKey: string): Promise<SnapshotRecord | undefined> {
    const row = this.#latestSnapshot.get(persistenceKey);
    return row === undefined ? undefined : decodeSnapshotRow(persistenceKey, row);
  }

  async keys(prefix: string): Promise<string[]> {
    // Hops from key to key along the primary key instead of reading every event: one index seek per
    // distinct key. Keys sharing a prefix are contiguous in SQLite's binary (UTF-8) order, so the walk
    // stops at the first key without it.
    const keys: string[] = [];
    let cursor = this.#firstKeyFrom.get(prefix)?.persistence_key;
    while (typeof cursor === 'string' && cursor.startsWith(prefix)) {
      keys.push(cursor);
      cursor = this.#nextKey.get(cursor)?.persistence_key;
    }
    return keys;
  }
}
