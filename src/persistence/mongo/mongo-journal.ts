/**
 * The `EventJournal` port on MongoDB.
 *
 * Layout: collection `journal`, one document per record
 * `{ _id, persistenceKey, sequenceNumber, eventType, payload, tags, createdAt }`, with a unique index on
 * `{ persistenceKey: 1, sequenceNumber: 1 }`: that index is the optimistic-concurrency fence, so a second
 * writer of the same sequence number gets duplicate-key error 11000, which we report as
 * `JournalConflictError`. Collection `snapshots`, one document per snapshot, indexed
 * `{ persistenceKey: 1, sequenceNumber: -1 }` so the latest snapshot is the first index entry of its key.
 *
 * Durability: every write uses `{ w: 'majority', j: true }` (see docs/decisions/0002-mongodb-adapter.md):
 * an acknowledged event has reached the on-disk journal of a majority of the replica set, so it survives
 * a crash or a failover and is never rolled back. Reads use read concern `majority` so recovery only replays
 * history that cannot be rolled back.
 *
 * Atomicity of a multi-record append: MongoDB writes each document atomically, never several
 * (https://www.mongodb.com/docs/manual/core/write-operations-atomicity/). A one-record append is therefore
 * a plain insertOne. For several records there are two strategies, chosen when the store opens:
 * - 'transaction' (replica sets, sharded clusters): insertMany inside a multi-document transaction;
 *   nobody ever sees part of the batch.
 * - 'compensation' (standalone servers, which do not support transactions): an ordered insertMany, and on
 *   any failure a delete of exactly the documents this call tried to insert (by the `_id`s we generated,
 *   so another writer's records are never touched). Until the delete lands, readers can see the partial
 *   batch; the decision record discusses why that is acceptable for single-writer entities.
 */
import { ObjectId, WriteConcern } from 'mongodb';
import type { Collection, Db, MongoClient } from 'mongodb';
import { JournalConflictError, JournalCorruptError, ValidationError } from '../../errors.ts';
import type { EventJournal, JournalRecord, SnapshotRecord } from '../journal.ts';
import { locateDuplicateKey } from './mongo-errors.ts';
import { compareUtf8, prefixFilter, toJsonValue } from './mongo-mapping.ts';

export type JournalAtomicity = 'transaction' | 'compensation';

export interface MongoJournalOptions {
  /** How a multi-record append is made all-or-nothing; see the module comment. */
  readonly atomicity: JournalAtomicity;
}

interface JournalDocument {
  readonly _id: ObjectId;
  readonly persistenceKey: string;
  readonly sequenceNumber: number;
  readonly eventType: string;
  readonly payload: unknown;
  readonly tags: string[];
  readonly createdAt: number;
}

interface SnapshotDocument {
  readonly persistenceKey: string;
  readonly sequenceNumber: number;
  readonly state: unknown;
  readonly createdAt: number;
}

/** What a read returns before validation: anything a foreign writer or a bug could have stored. */
type Untrusted = Readonly<Record<string, unknown>>;

export const journalCollectionName = 'journal';
export const snapshotCollectionName = 'snapshots';

/**
 * `j: true` on top of `w: 'majority'`: majority implies journaling only while the replica set's
 * `writeConcernMajorityJournalDefault` is true, and on a standalone server `majority` means just this node,
 * acknowledged possibly before the journal flush (https://www.mongodb.com/docs/manual/reference/write-concern/#j-option).
 */
const durable = new WriteConcern('majority', undefined, true);

export class MongoEventJournal implements EventJournal {
  private constructor(
    private readonly client: MongoClient,
    private readonly events: Collection<JournalDocument>,
    private readonly snapshots: Collection<SnapshotDocument>,
    private readonly atomicity: JournalAtomicity,
  ) {}

  /** Binds the collections and creates their indexes (idempotent: createIndexes is a no-op for an identical existing index). */
  static async open(client: MongoClient, db: Db, options: MongoJournalOptions): Promise<MongoEventJournal> {
    const collectionOptions = { writeConcern: durable, readConcern: { level: 'majority' as const } };
    const events = db.collection<JournalDocument>(journalCollectionName, collectionOptions);
    const snapshots = db.collection<SnapshotDocument>(snapshotCollectionName, collectionOptions);
    await events.createIndex({ persistenceKey: 1, sequenceNumber: 1 }, { unique: true, name: 'persistenceKey_1_sequenceNumber_1' });
    // Unique as well, so that saving the same snapshot twice (a retried save) replaces rather than duplicates;
    // the server retries an upsert that races on a unique index with an equality predicate on all its fields.
    await snapshots.createIndex({ persistenceKey: 1, sequenceNumber: -1 }, { unique: true, name: 'persistenceKey_1_sequenceNumber_-1' });
    return new MongoEventJournal(client, events, snapshots, options.atomicity);
  }

  async append(records: readonly JournalRecord[]): Promise<void> {
    const docs = records.map(toJournalDocument);
    const [first] = docs;
    if (first === undefined) return;
    try {
      if (docs.length === 1) await this.events.insertOne(first);
      else if (this.atomicity === 'transaction') await this.insertInTransaction(docs);
      else await this.insertCompensating(docs);
    } catch (error) {
      const conflicting = conflictingRecord(records, error);
      if (conflicting !== undefined) throw new JournalConflictError(conflicting.persistenceKey, conflicting.sequenceNumber);
      throw error;
    }
  }

  async read(persistenceKey: string, after: number, limit?: number): Promise<JournalRecord[]> {
    if (limit !== undefined && limit <= 0) return [];
    const cursor = this.events
      .find<Untrusted>({ persistenceKey, sequenceNumber: { $gt: after } }, { projection: { _id: 0 } })
      .sort({ sequenceNumber: 1 });
    // MongoDB reads limit(0) as "no limit"; the port's undefined is the only way to ask for everything.
    if (limit !== undefined) cursor.limit(limit);
    const raws = await cursor.toArray();
    // Records are dense, so the i-th one should be after + i + 1: the best name for one whose own number is unreadable.
    return raws.map((raw, i) => decodeRecord(raw, persistenceKey, after + i + 1));
  }

  async highestSequenceNumber(persistenceKey: string): Promise<number> {
    const raw = await this.events.findOne<Untrusted>(
      { persistenceKey },
      { sort: { sequenceNumber: -1 }, projection: { _id: 0, sequenceNumber: 1 } },
    );
    if (raw === null) return 0;
    const sequenceNumber = raw['sequenceNumber'];
    if (!isSequenceNumber(sequenceNumber)) {
      throw new JournalCorruptError(persistenceKey, 0, `highest sequenceNumber is not a positive integer: ${show(sequenceNumber)}`);
    }
    return sequenceNumber;
  }

  async saveSnapshot(snapshot: SnapshotRecord): Promise<void> {
    const doc = toSnapshotDocument(snapshot);
    const { persistenceKey, sequenceNumber } = doc;
    await this.snapshots.replaceOne({ persistenceKey, sequenceNumber }, doc, { upsert: true });
  }

  async latestSnapshot(persistenceKey: string): Promise<SnapshotRecord | undefined> {
    const raw = await this.snapshots.findOne<Untrusted>({ persistenceKey }, { sort: { sequenceNumber: -1 }, projection: { _id: 0 } });
    return raw === null ? undefined : decodeSnapshot(raw, persistenceKey);
  }

  async keys(prefix: string): Promise<string[]> {
    // distinct returns one array in one reply, so it is bounded by the 16 MiB document limit; fine for the
    // key counts a rebuild or a test deals with.
    const keys: unknown[] = await this.events.distinct('persistenceKey', { persistenceKey: prefixFilter(prefix) });
    // Sorted like the server and SQLite sort strings (by UTF-8 bytes), so both adapters list keys alike.
    return keys.filter((key): key is string => typeof key === 'string').sort(compareUtf8);
  }

  private async insertInTransaction(docs: readonly JournalDocument[]): Promise<void> {
    const session = this.client.startSession();
    try {
      // withTransaction retries the whole callback on TransientTransactionError (e.g. a WriteConflict with a
      // concurrent writer of the same key; the retry then sees its committed record and fails with 11000)
      // and the commit on UnknownTransactionCommitResult. The collection's write concern is ignored inside a
      // transaction, so the durable one is given to the transaction, which applies it to the commit.
      await session.withTransaction(
        async () => {
          await this.events.insertMany(docs, { session, ordered: true });
        },
        { writeConcern: durable },
      );
    } finally {
      await session.endSession();
    }
  }

  private async insertCompensating(docs: readonly JournalDocument[]): Promise<void> {
    try {
      // Ordered: the server stops at the first failure, so at most the records before it were written.
      await this.events.insertMany(docs, { ordered: true });
    } catch (error) {
      try {
        // Every _id was generated here, so this deletes what this call inserted and nothing else, whatever the
        // error (a conflict, a write-concern failure, a dropped connection that may or may not have applied).
        await this.events.deleteMany({ _id: { $in: docs.map((doc) => doc._id) } });
      } catch (rollbackError) {
        // Not a conflict any more: part of the batch may be durable. Surface both so an operator can repair it.
        throw new AggregateError(
          [error, rollbackError],
          `journal append of ${docs.length} records failed and its partial write could not be removed`,
        );
      }
      throw error;
    }
  }
}

/**
 * Checks what the port's types cannot promise at run time, with the same `ValidationError`s as the
 * embedded adapter, and normalises the payload through JSON so it reads back exactly as written.
 */
function toJournalDocument(record: JournalRecord): JournalDocument {
  const where = `journal record ${String(record.persistenceKey)}#${String(record.sequenceNumber)}`;
  requireKey(record.persistenceKey, where);
  if (!isSequenceNumber(record.sequenceNumber)) throw new ValidationError(`${where}: the sequence number must be a positive integer`);
  if (typeof record.eventType !== 'string' || record.eventType === '') throw new ValidationError(`${where}: the event type must be a non-empty string`);
  if (!isTimestamp(record.createdAt)) throw new ValidationError(`${where}: createdAt must be a finite number`);
  if (!isStringArray(record.tags)) throw new ValidationError(`${where}: tags must be strings`);
  return {
    // Generated here rather than by the driver so a failed batch can be removed by exactly these ids.
    _id: new ObjectId(),
    persistenceKey: record.persistenceKey,
    sequenceNumber: record.sequenceNumber,
    eventType: record.eventType,
    payload: toJsonValue(record.payload, `${where}: the payload`),
    tags: [...record.tags],
    createdAt: record.createdAt,
  };
}

function toSnapshotDocument(snapshot: SnapshotRecord): SnapshotDocument {
  const where = `snapshot ${String(snapshot.persistenceKey)}#${String(snapshot.sequenceNumber)}`;
  requireKey(snapshot.persistenceKey, where);
  // 0 is a valid snapshot position: the state before the first event.
  if (!isSnapshotSequenceNumber(snapshot.sequenceNumber)) throw new ValidationError(`${where}: the sequence number must be a non-negative integer`);
  if (!isTimestamp(snapshot.createdAt)) throw new ValidationError(`${where}: createdAt must be a finite number`);
  return {
    persistenceKey: snapshot.persistenceKey,
    sequenceNumber: snapshot.sequenceNumber,
    state: toJsonValue(snapshot.state, `${where}: the state`),
    createdAt: snapshot.createdAt,
  };
}

/**
 * The record a duplicate-key error is about, or undefined when `error` is no duplicate-key error. When the
 * error names neither a batch position nor the key (servers before 4.4 inside a transaction), the first
 * record stands in: right for a one-record append and, for a batch, right about the key.
 */
function conflictingRecord(records: readonly JournalRecord[], error: unknown): JournalRecord | undefined {
  const location = locateDuplicateKey(error);
  if (location === undefined) return undefined;
  if (location.index !== undefined) return records[location.index];
  const key = location.keyValue;
  const named = key === undefined ? undefined : records.find((r) => r.persistenceKey === key['persistenceKey'] && r.sequenceNumber === key['sequenceNumber']);
  return named ?? records[0];
}

function requireKey(key: unknown, where: string): void {
  if (typeof key !== 'string' || key === '') throw new ValidationError(`${where}: the persistence key must be a non-empty string`);
}

function decodeRecord(raw: Untrusted, persistenceKey: string, expectedSequenceNumber: number): JournalRecord {
  const { sequenceNumber, eventType, tags, createdAt } = raw;
  if (!isSequenceNumber(sequenceNumber)) {
    return corrupt(persistenceKey, expectedSequenceNumber, `sequenceNumber is not a positive integer: ${show(sequenceNumber)}`);
  }
  const fail = (problem: string): never => corrupt(persistenceKey, sequenceNumber, problem);
  if (raw['persistenceKey'] !== persistenceKey) return fail(`persistenceKey is ${show(raw['persistenceKey'])}`);
  if (typeof eventType !== 'string' || eventType === '') return fail(`eventType is not a non-empty string: ${show(eventType)}`);
  if (!('payload' in raw)) return fail('payload is missing');
  if (!isStringArray(tags)) return fail(`tags is not an array of strings: ${show(tags)}`);
  if (!isTimestamp(createdAt)) return fail(`createdAt is not a finite number: ${show(createdAt)}`);
  return { persistenceKey, sequenceNumber, eventType, payload: raw['payload'], tags, createdAt };
}

function decodeSnapshot(raw: Untrusted, persistenceKey: string): SnapshotRecord {
  const { sequenceNumber, createdAt } = raw;
  if (!isSnapshotSequenceNumber(sequenceNumber)) {
    return corrupt(persistenceKey, 0, `snapshot sequenceNumber is not a non-negative integer: ${show(sequenceNumber)}`);
  }
  if (!('state' in raw)) return corrupt(persistenceKey, sequenceNumber, 'snapshot state is missing');
  if (!isTimestamp(createdAt)) return corrupt(persistenceKey, sequenceNumber, `snapshot createdAt is not a finite number: ${show(createdAt)}`);
  return { persistenceKey, sequenceNumber, state: raw['state'], createdAt };
}

function corrupt(persistenceKey: string, sequenceNumber: number, problem: string): never {
  throw new JournalCorruptError(persistenceKey, sequenceNumber, problem);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isTimestamp(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Positive safe integers. The driver returns int32 and double as number and, with its default
 * promoteLongs, an int64 that fits in 53 bits as well, so a foreign writer's NumberLong still passes.
 */
function isSequenceNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

function isSnapshotSequenceNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function show(value: unknown): string {
  if (value === undefined) return 'missing';
  try {
    // BSON values without a JSON form (none should occur) fall back to their type name.
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}
