/**
 * The journal's own logic (compensating a partial batch, mapping conflicts, validating what it reads)
 * against an in-memory stand-in for the few driver calls it makes, so it is checked even where no MongoDB
 * server exists. The stand-in is deliberately small; the store contract run against a real server
 * (mongo-store.test.ts) is what shows the adapter and the driver agree.
 */
import { MongoBulkWriteError, MongoServerError } from 'mongodb';
import type { BulkWriteResult, Db, MongoClient, WriteError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { JournalConflictError, JournalCorruptError, ValidationError } from '../../../src/errors.ts';
import type { JournalRecord } from '../../../src/persistence/journal.ts';
import { MongoEventJournal } from '../../../src/persistence/mongo/mongo-journal.ts';

type Row = Record<string, unknown>;

/** A journal collection that enforces the unique (persistenceKey, sequenceNumber) index like the server. */
class FakeJournalCollection {
  readonly rows: Row[] = [];
  readonly deletedIds: unknown[] = [];
  failDeletes = false;

  async createIndex(): Promise<string> {
    return 'index';
  }

  async insertOne(doc: Row): Promise<void> {
    if (this.taken(doc)) throw new MongoServerError({ errmsg: 'E11000 duplicate key error', code: 11000 });
    this.rows.push(doc);
  }

  /** Ordered: stops at the first duplicate, having written the documents before it, as the server does. */
  async insertMany(docs: readonly Row[]): Promise<void> {
    for (const [index, doc] of docs.entries()) {
      if (this.taken(doc)) {
        // WriteError is declared in mongodb.d.ts but not exported at run time; the journal reads only these fields.
        const writeErrors = [{ index, code: 11000, errmsg: 'E11000 duplicate key error' } as unknown as WriteError];
        throw new MongoBulkWriteError({ message: 'E11000 duplicate key error', code: 11000, writeErrors }, {} as unknown as BulkWriteResult);
      }
      this.rows.push(doc);
    }
  }

  async deleteMany(filter: { _id: { $in: unknown[] } }): Promise<{ deletedCount: number }> {
    if (this.failDeletes) throw new Error('connection reset');
    this.deletedIds.push(...filter._id.$in);
    const before = this.rows.length;
    const remaining = this.rows.filter((row) => !filter._id.$in.includes(row['_id']));
    this.rows.splice(0, this.rows.length, ...remaining);
    return { deletedCount: before - remaining.length };
  }

  find(filter: { persistenceKey: string; sequenceNumber: { $gt: number } }): { sort(): unknown; limit(): unknown; toArray(): Promise<Row[]> } {
    const matches = this.rows
      .filter((row) => row['persistenceKey'] === filter.persistenceKey && Number(row['sequenceNumber']) > filter.sequenceNumber.$gt)
      .map(({ _id, ...rest }) => rest);
    const cursor = { sort: () => cursor, limit: () => cursor, toArray: async () => matches };
    return cursor;
  }

  private taken(doc: Row): boolean {
    return this.rows.some((row) => row['persistenceKey'] === doc['persistenceKey'] && row['sequenceNumber'] === doc['sequenceNumber']);
  }
}

async function openJournal(): Promise<{ journal: MongoEventJournal; events: FakeJournalCollection }> {
  const events = new FakeJournalCollection();
  const snapshots = new FakeJournalCollection();
  const db = { collection: (name: string) => (name === 'journal' ? events : snapshots) } as unknown as Db;
  // The client is only used to start sessions, which the compensation strategy never does.
  const journal = await MongoEventJournal.open({} as MongoClient, db, { atomicity: 'compensation' });
  return { journal, events };
}

const event = (sequenceNumber: number, payload: unknown = { n: sequenceNumber }): JournalRecord => ({
  persistenceKey: 'node:1',
  sequenceNumber,
  eventType: 'Test.Happened',
  payload,
  createdAt: 1_700_000_000_000,
  tags: [],
});

describe('MongoEventJournal with compensation', () => {
  it('removes the records a conflicting batch wrote before the conflict, and only those', async () => {
    const { journal, events } = await openJournal();
    await journal.append([event(1), event(2)]);
    const existingIds = events.rows.map((row) => row['_id']);

    const attempt = journal.append([event(3), event(4), event(2)]);
    await expect(attempt).rejects.toBeInstanceOf(JournalConflictError);
    await expect(attempt).rejects.toMatchObject({ persistenceKey: 'node:1', sequenceNumber: 2 });

    expect(events.rows.map((row) => row['sequenceNumber'])).toEqual([1, 2]);
    expect(events.rows.map((row) => row['_id'])).toEqual(existingIds);
    expect(events.deletedIds).toHaveLength(3);
    for (const id of existingIds) expect(events.deletedIds).not.toContain(id);
  });

  it('maps a one-record conflict from insertOne', async () => {
    const { journal } = await openJournal();
    await journal.append([event(1)]);
    await expect(journal.append([event(1, 'again')])).rejects.toMatchObject({ code: 'JOURNAL_CONFLICT', sequenceNumber: 1 });
  });

  it('reports a batch it could not roll back as such, not as a conflict', async () => {
    const { journal, events } = await openJournal();
    await journal.append([event(1)]);
    events.failDeletes = true;
    const attempt = journal.append([event(2), event(1)]);
    await expect(attempt).rejects.toBeInstanceOf(AggregateError);
    await expect(attempt).rejects.not.toBeInstanceOf(JournalConflictError);
  });

  it('refuses records the port forbids before writing anything', async () => {
    const { journal, events } = await openJournal();
    await expect(journal.append([event(0)])).rejects.toBeInstanceOf(ValidationError);
    await expect(journal.append([{ ...event(1), payload: undefined }])).rejects.toBeInstanceOf(ValidationError);
    await expect(journal.append([{ ...event(1), eventType: '' }])).rejects.toBeInstanceOf(ValidationError);
    expect(events.rows).toEqual([]);
  });

  it('stores payloads as JSON, so they read back as written', async () => {
    const { journal } = await openJournal();
    await journal.append([event(1, { at: new Date('2024-01-02T00:00:00.000Z'), gone: undefined })]);
    expect((await journal.read('node:1', 0))[0]?.payload).toEqual({ at: '2024-01-02T00:00:00.000Z' });
  });

  it('rejects a malformed stored record with JournalCorruptError naming key and sequence number', async () => {
    const { journal, events } = await openJournal();
    await journal.append([event(1)]);
    events.rows.push({ persistenceKey: 'node:1', sequenceNumber: 2, eventType: 'Test.Happened', payload: {}, tags: 'not-a-list', createdAt: 1 });
    const attempt = journal.read('node:1', 0);
    await expect(attempt).rejects.toBeInstanceOf(JournalCorruptError);
    await expect(attempt).rejects.toMatchObject({ persistenceKey: 'node:1', sequenceNumber: 2, message: expect.stringContaining('tags') as unknown });
  });

  it('names the expected sequence number when the stored one is unreadable', async () => {
    const { journal, events } = await openJournal();
    await journal.append([event(1)]);
    events.rows.push({ persistenceKey: 'node:1', sequenceNumber: 2.5, eventType: 'Test.Happened', payload: {}, tags: [], createdAt: 1 });
    await expect(journal.read('node:1', 0)).rejects.toMatchObject({ code: 'JOURNAL_CORRUPT', sequenceNumber: 2 });
  });
});
