/**
 * The event-journal port: an append-only log of events per persistence key, plus snapshots.
 *
 * Sequence numbers are dense and start at 1 for every key. The pair (persistenceKey, sequenceNumber)
 * is unique: that uniqueness is the optimistic-concurrency fence. A writer that appends a sequence
 * number someone else already wrote gets a `JournalConflictError`, never an interleaved history, so a
 * stale incarnation of an entity (for example on a cluster member that hung and woke up) cannot write.
 */
export interface JournalRecord {
  readonly persistenceKey: string;
  readonly sequenceNumber: number;
  /** The event's discriminant, stored beside the payload so unknown types are detected without parsing. */
  readonly eventType: string;
  /** The event as plain JSON. */
  readonly payload: unknown;
  readonly createdAt: number;
  readonly tags: readonly string[];
}

export interface SnapshotRecord {
  readonly persistenceKey: string;
  /** The sequence number of the last event folded into `state`. */
  readonly sequenceNumber: number;
  readonly state: unknown;
  readonly createdAt: number;
}

export interface EventJournal {
  /**
   * Appends events atomically: all of them or none. Rejects with `JournalConflictError` when any
   * (key, sequence number) already exists. Resolves only once the events are durable.
   */
  append(records: readonly JournalRecord[]): Promise<void>;
  /**
   * Events of one key with sequence number > `after`, ascending. A record that cannot be decoded rejects
   * with `JournalCorruptError` naming the key and sequence number.
   */
  read(persistenceKey: string, after: number, limit?: number): Promise<JournalRecord[]>;
  highestSequenceNumber(persistenceKey: string): Promise<number>;
  saveSnapshot(snapshot: SnapshotRecord): Promise<void>;
  /** The snapshot with the highest sequence number, if any. A corrupt snapshot rejects with `JournalCorruptError`. */
  latestSnapshot(persistenceKey: string): Promise<SnapshotRecord | undefined>;
  /** Keys with at least one event whose key starts with `prefix`, for rebuilding read models and tests. */
  keys(prefix: string): Promise<string[]>;
}
