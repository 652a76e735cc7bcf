/**
 * Opens the MongoDB-backed `Store`: one client, one database holding the journal, the snapshots and a
 * collection per read model. Opening connects, creates every index, and picks how the journal makes a
 * multi-record append atomic (mongo-journal.ts).
 */
import { MongoClient } from 'mongodb';
import type { Db } from 'mongodb';
import type { Store } from '../store.ts';
import { MongoDocumentStore } from './mongo-document-store.ts';
import { MongoEventJournal } from './mongo-journal.ts';
import type { JournalAtomicity } from './mongo-journal.ts';

export interface MongoStoreOptions {
  /** A MongoDB connection string, e.g. `mongodb://127.0.0.1:27017` or a replica set's `mongodb://a,b,c/?replicaSet=rs0`. */
  readonly url: string;
  readonly database: string;
  /**
   * 'auto' (the default) uses transactions where the deployment supports them and compensation on a
   * standalone server. Forcing 'compensation' lets tests exercise that path on a replica set; forcing
   * 'transaction' on a standalone server makes every multi-record append fail.
   */
  readonly journalAtomicity?: 'auto' | JournalAtomicity;
}

export async function openMongoStore(options: MongoStoreOptions): Promise<Store> {
  // ignoreUndefined stays at its default (false: undefined is sent as null). Stored values are already
  // JSON-normalised, so it only matters for filters, where dropping `{ node: undefined }` would turn a
  // deleteMany for "no node" into one for every document.
  const client = new MongoClient(options.url);
  await client.connect();
  try {
    const db = client.db(options.database);
    const requested = options.journalAtomicity ?? 'auto';
    const atomicity: JournalAtomicity = requested !== 'auto' ? requested : (await supportsTransactions(db)) ? 'transaction' : 'compensation';
    const journal = await MongoEventJournal.open(client, db, { atomicity });
    const documents = await MongoDocumentStore.open(db);
    return {
      kind: 'mongodb',
      journal,
      documents,
      // Closing twice is harmless: the driver's close() on a closed client resolves immediately.
      close: () => client.close(),
    };
  } catch (error) {
    await client.close();
    throw error;
  }
}

/**
 * Multi-document transactions need a replica set (wire version 7, MongoDB 4.0) or a sharded cluster
 * behind mongos (wire version 8, MongoDB 4.2), plus logical sessions; a standalone server has neither
 * (https://www.mongodb.com/docs/manual/core/transactions/#transactions-and-replica-sets). `hello`
 * answers with `setName` on a replica-set member and `msg: 'isdbgrid'` on mongos.
 */
async function supportsTransactions(db: Db): Promise<boolean> {
  const hello = await handshake(db);
  const wireVersion: unknown = hello['maxWireVersion'];
  const sessions: unknown = hello['logicalSessionTimeoutMinutes'];
  if (typeof wireVersion !== 'number' || typeof sessions !== 'number') return false;
  if (typeof hello['setName'] === 'string') return wireVersion >= 7;
  if (hello['msg'] === 'isdbgrid') return wireVersion >= 8;
  return false;
}

/** `hello` exists since MongoDB 4.4.2 (backported to 4.0.21 and 4.2.10); older servers only know `isMaster`. */
async function handshake(db: Db): Promise<Readonly<Record<string, unknown>>> {
  try {
    return await db.command({ hello: 1 });
  } catch {
    return db.command({ isMaster: 1 });
  }
}
