/**
 * A journal that delegates to a real one and fails on demand, to drive the recovery paths (after nact's
 * own test/broken-persistence-engine.js).
 */
import type { EventJournal, JournalRecord, SnapshotRecord } from '../../src/persistence/journal.ts';

export class FailingJournal implements EventJournal {
  /** Number of upcoming `append` calls to reject. */
  failAppends = 0;
  appendCalls = 0;
  /** Number of upcoming `read` calls to reject (a transient I/O error, not corruption). */
  failReads = 0;

  constructor(private readonly inner: EventJournal) {}

  async append(records: readonly JournalRecord[]): Promise<void> {
    this.appendCalls++;
    if (this.failAppends > 0) {
      this.failAppends--;
      throw new Error('disk on fire (injected)');
    }
    return this.inner.append(records);
  }

  async read(key: string, after: number, limit?: number): Promise<JournalRecord[]> {
    if (this.failReads > 0) {
      this.failReads--;
      throw new Error('connection reset (injected)');
    }
    return this.inner.read(key, after, limit);
  }

  highestSequenceNumber(key: string): Promise<number> {
    return this.inner.highestSequenceNumber(key);
  }

  saveSnapshot(s: SnapshotRecord): Promise<void> {
    return this.inner.saveSnapshot(s);
  }

  latestSnapshot(key: string): Promise<SnapshotRecord | undefined> {
    return this.inner.latestSnapshot(key);
  }

  keys(prefix: string): Promise<string[]> {
    return this.inner.keys(prefix);
  }
}
