/**
 * Group commit: every write issued during one turn of the event loop shares one SQLite transaction.
 *
 * With synchronous=FULL each COMMIT costs an fsync of the WAL, which dominates the cost of a small write
 * (see docs/decisions/0001-embedded-store.md for the figures). Entities persist their events one
 * `append` at a time, so committing each call on its own would cap the whole member at the disk's
 * fsync rate. Instead writes are queued and flushed together from `setImmediate`, after the current
 * turn's promise callbacks have had the chance to queue theirs.
 *
 * Each queued write runs inside its own SAVEPOINT, so a write that fails (a journal conflict, a
 * duplicate key) is rolled back alone and only its caller sees the error; the others still commit.
 * A caller's promise settles only after COMMIT returned, that is once its write is durable.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { MonorailError, describe } from '../../errors.ts';

interface QueuedWrite {
  /** Runs the write inside the open transaction; returns how to resolve the caller once committed. */
  readonly apply: () => () => void;
  readonly fail: (error: unknown) => void;
}

export class GroupCommitter {
  readonly #db: BetterSqlite3.Database;
  readonly #describeStore: string;
  // Prepared once: `exec` would parse the SQL again for each of the thousands of writes in a busy batch.
  readonly #begin: BetterSqlite3.Statement<[]>;
  readonly #commit: BetterSqlite3.Statement<[]>;
  readonly #rollback: BetterSqlite3.Statement<[]>;
  readonly #savepoint: BetterSqlite3.Statement<[]>;
  readonly #release: BetterSqlite3.Statement<[]>;
  readonly #rollbackToSavepoint: BetterSqlite3.Statement<[]>;
  #queue: QueuedWrite[] = [];
  #scheduled: NodeJS.Immediate | undefined;
  #closed = false;
  #committedTransactions = 0;
  #committedWrites = 0;

  constructor(db: BetterSqlite3.Database, describeStore: string) {
    this.#db = db;
    this.#describeStore = describeStore;
    // IMMEDIATE takes the write lock up front, so another process cannot make COMMIT fail with BUSY
    // after the writes already ran; busy_timeout makes BEGIN wait instead of failing at once.
    this.#begin = db.prepare('BEGIN IMMEDIATE');
    this.#commit = db.prepare('COMMIT');
    this.#rollback = db.prepare('ROLLBACK');
    this.#savepoint = db.prepare('SAVEPOINT queued_write');
    this.#release = db.prepare('RELEASE queued_write');
    this.#rollbackToSavepoint = db.prepare('ROLLBACK TO queued_write');
  }

  /**
   * Queues `write` for the next group commit and resolves with its result once the transaction holding
   * it is committed. `write` runs synchronously against the database and must not open transactions
   * itself; whatever it throws rejects this call only.
   */
  run<T>(write: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new MonorailError('SYSTEM_STOPPED', `${this.#describeStore} is closed`));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        apply: () => {
          const value = write();
          return () => resolve(value);
        },
        fail: reject,
      });
      this.#scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Commits everything queued so far, now. Never throws: failures go to the callers' promises. */
  flush(): void {
    if (this.#scheduled !== undefined) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    const batch = this.#queue;
    this.#queue = [];
    let next = 0;
    while (next < batch.length) next = this.#commitFrom(batch, next);
  }

  /** Counters since start, for metrics and for checking that batching happens. */
  get stats(): { readonly committedTransactions: number; readonly committedWrites: number } {
    return { committedTransactions: this.#committedTransactions, committedWrites: this.#committedWrites };
  }

  /** Flushes what is queued and refuses further writes, so closing the database loses nothing accepted. */
  close(): void {
    this.flush();
    this.#closed = true;
  }

  /**
   * Runs writes from `start` in one transaction until the batch ends or SQLite aborts the transaction,
   * and returns the index of the first write not yet handled.
   */
  #commitFrom(batch: readonly QueuedWrite[], start: number): number {
    try {
      this.#begin.run();
    } catch (error) {
      for (const write of batch.slice(start)) write.fail(error);
      return batch.length;
    }

    const written: { readonly write: QueuedWrite; readonly resolve: () => void }[] = [];
    let index = start;
    try {
      for (; index < batch.length; index++) {
        const write = batch[index];
        if (write === undefined) continue;
        this.#savepoint.run();
        try {
          const resolve = write.apply();
          this.#release.run();
          written.push({ write, resolve });
        } catch (error) {
          if (!this.#db.inTransaction) {
            // Some errors (I/O, disk full) make SQLite roll back the whole transaction, taking the
            // earlier writes of this batch with it; they must not be reported as committed.
            write.fail(error);
            this.#abandon(written.map((w) => w.write), error);
            return index + 1;
          }
          this.#rollbackToSavepoint.run();
          this.#release.run();
          write.fail(error);
        }
      }
      this.#commit.run();
    } catch (error) {
      // COMMIT (or savepoint bookkeeping) failed: nothing of this transaction is durable.
      if (this.#db.inTransaction) this.#rollbackQuietly();
      this.#abandon(written.map((w) => w.write), error);
      // The write being handled when bookkeeping failed has not been settled yet.
      const current = batch[index];
      if (index < batch.length && current !== undefined && !written.some((w) => w.write === current)) current.fail(error);
      return Math.min(index + 1, batch.length);
    }
    this.#committedTransactions++;
    this.#committedWrites += written.length;
    for (const { resolve } of written) resolve();
    return batch.length;
  }

  #abandon(writes: readonly QueuedWrite[], cause: unknown): void {
    for (const write of writes) {
      write.fail(new MonorailError('PERSIST_FAILED', `${this.#describeStore}: the transaction was rolled back: ${describe(cause)}`, {}, { cause }));
    }
  }

  #rollbackQuietly(): void {
    try {
      this.#rollback.run();
    } catch {
      // The transaction is already gone; there is nothing left to undo.
    }
  }
}
