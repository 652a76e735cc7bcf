/**
 * Chooses the store adapter from configuration. The only module outside the adapters that names them;
 * everything else receives a `Store`.
 */
import type { MonorailConfig } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import { openEmbeddedStore } from './embedded/embedded-store.ts';
import { openMongoStore } from './mongo/mongo-store.ts';
import type { Store } from './store.ts';

export async function openStore(config: MonorailConfig): Promise<Store> {
  switch (config.store.kind) {
    case 'embedded':
      return openEmbeddedStore({ path: config.store.path, durability: config.store.durability });
    case 'mongodb':
      if (!config.store.mongodbUrl) {
        throw new ConfigError([{ path: 'store.mongodbUrl', expected: 'a mongodb:// URL when store.kind is "mongodb"', actual: null }]);
      }
      return openMongoStore({ url: config.store.mongodbUrl, database: config.store.mongodbDatabase });
  }
}
