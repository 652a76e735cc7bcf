/**
 * A nact persistence engine over the `EventJournal` port, so that any adapter (embedded, MongoDB) backs
 * nact's persistent actors.
 *
 * Record layout: one journal record per committed command. Its payload is the array of domain events the
 * command produced, so a command's events are durable together or not at all. The engine hands nact a
 * `JournalBatch` (sequence number + events) as each event's `data`; decoding and validating the domain
 * events is the entity layer's job, which knows the event types.
 */
import type { EventJournal } from '../../persistence/journal.ts';
import type { NactEventStream, NactPersistedEvent, NactPersistedSnapshot, NactPersistenceEngine } from './nact.ts';

/** What nact carries as one persisted event's `data`. */
export interface JournalBatch {
  readonly sequenceNumber: number;
  readonly eventType: string;
  readonly payload: unknown;
  /** The record's tags (the transport message id behind it, when there was one). */
  readonly tags?: readonly string[];
}

/** What a persistent entity hands to `ctx.persist`. */
export interface PendingBatch {
  readonly eventType: string;
  readonly payload: unknown;
}

/** What nact carries as a snapshot's `data`. */
export interface SnapshotData {
  readonly sequenceNumber: number;
  readonly state: unknown;
}

export class JournalPersistenceEngine implements NactPersistenceEngine {
  constructor(private readonly journal: EventJournal) {}

  events(persistenceKey: string, offset = 0): NactEventStream {
    const journal = this.journal;
    return {
      async reduce<U>(reducer: (acc: U, event: NactPersistedEvent, index: number) => U, initial: U): Promise<U> {
        const records = await journal.read(persistenceKey, offset);
        let acc = initial;
        records.forEach((r, index) => {
          const data: JournalBatch = { sequenceNumber: r.sequenceNumber, eventType: r.eventType, payload: r.payload, tags: r.tags };
          acc = reducer(
            acc,
            { data, sequenceNumber: r.sequenceNumber, key: r.persistenceKey, createdAt: r.createdAt, isDeleted: false, tags: r.tags },
            index,
          );
        });
        return acc;
      },
    };
  }

  async latestSnapshot(persistenceKey: string): Promise<NactPersistedSnapshot | undefined> {
    const s = await this.journal.latestSnapshot(persistenceKey);
    if (!s) return undefined;
    const data: SnapshotData = { sequenceNumber: s.sequenceNumber, state: s.state };
    return { data, sequenceNumber: s.sequenceNumber, key: s.persistenceKey, createdAt: s.createdAt };
  }

  async takeSnapshot(snapshot: NactPersistedSnapshot): Promise<void> {
    const data = snapshot.data as SnapshotData;
    await this.journal.saveSnapshot({
      persistenceKey: snapshot.key,
      sequenceNumber: snapshot.sequenceNumber,
      state: data.state,
      createdAt: snapshot.createdAt,
    });
  }

  async persist(event: NactPersistedEvent): Promise<void> {
    const batch = event.data as PendingBatch;
    await this.journal.append([
      {
        persistenceKey: event.key,
        sequenceNumber: event.sequenceNumber,
        eventType: batch.eventType,
        payload: batch.payload,
        createdAt: event.createdAt,
        tags: event.tags,
      },
    ]);
  }
}
