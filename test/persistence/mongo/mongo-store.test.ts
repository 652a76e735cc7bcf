/**
 * The store contract against a real MongoDB server. There is no server in the default test run, so the
 * suite only registers when MONGODB_URL names one; otherwise a skipped test says how to run it.
 *
 * Every store gets a database of its own, dropped when the store closes, so runs never see each other's
 * data and leave nothing behind.
 */
import { MongoClient } from 'mongodb';
import { describe, it } from 'vitest';
import { openMongoStore } from '../../../src/persistence/mongo/mongo-store.ts';
import type { MongoStoreOptions } from '../../../src/persistence/mongo/mongo-store.ts';
import type { Store } from '../../../src/persistence/store.ts';
import { describeStoreContract } from '../store-contract.ts';

const url = process.env['MONGODB_URL'];
const howToRun = 'MONGODB_URL=mongodb://127.0.0.1:27017 npx vitest run test/persistence/mongo';

let databases = 0;

/** Opens a store on a fresh database; closing the store drops that database. */
async function openScratchStore(serverUrl: string, journalAtomicity: MongoStoreOptions['journalAtomicity']): Promise<Store> {
  const database = `monorail_test_${process.pid}_${++databases}`;
  const store = await openMongoStore({ url: serverUrl, database, journalAtomicity });
  return {
    ...store,
    async close(): Promise<void> {
      await store.close();
      // The store's own client is closed by now, so the drop goes through a short-lived one.
      const client = new MongoClient(serverUrl);
      try {
        await client.db(database).dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}

if (url === undefined || url === '') {
  // No MongoDB server can be installed on this project's machines (README: Persistence); the skip is
  // reported with the command that runs the contract where a server exists.
  describe.skip('mongodb store contract', () => {
    it(`needs a MongoDB server: ${howToRun}`, () => {});
  });
} else {
  // 'auto': transactions on a replica set or sharded cluster, compensation on a standalone server.
  describeStoreContract('mongodb', () => openScratchStore(url, 'auto'));
  // The compensation path explicitly, so a replica-set run covers the standalone strategy as well.
  describeStoreContract('mongodb (compensating journal)', () => openScratchStore(url, 'compensation'));
}
