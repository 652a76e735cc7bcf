import type { DocumentStore } from './document-store.ts';
import type { EventJournal } from './journal.ts';

/** Everything durable a Monorail member needs: the event journal and the read models. */
export interface Store {
  readonly kind: 'embedded' | 'mongodb';
  readonly journal: EventJournal;
  readonly documents: DocumentStore;
  close(): Promise<void>;
}
