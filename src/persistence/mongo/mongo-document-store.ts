/**
 * The `DocumentStore` port on MongoDB: one MongoDB collection per read model, named like the read model.
 *
 * The port's filter and update dialect is MongoDB's, so filters and updates go to the server unchanged
 * except for the `id` → `_id` rewrite (mongo-mapping.ts). A document's `id` is stored as `_id`, so the
 * primary key is MongoDB's own unique `_id` index, and it is mapped back to `id` on every read.
 *
 * Read models are projections that can be rebuilt from the journal, so they use the deployment's default
 * write concern (w: 'majority' on replica sets since MongoDB 5.0) rather than the journal's explicit
 * `{ w: 'majority', j: true }`.
 */
import type { Collection, Db, Filter as MongoFilter, IndexDescription } from 'mongodb';
import { collectionIndexes } from '../collections.ts';
import type { CollectionName, DocumentOf } from '../collections.ts';
import type { Document, DocumentCollection, DocumentStore, Filter, FindOptions, UpdateOperators } from '../document-store.ts';
import { toDuplicateKeyError, toUpdateValidationError } from './mongo-errors.ts';
import { fromStoredDocument, toMongoFilter, toMongoSort, toMongoUpdate, toStoredDocument } from './mongo-mapping.ts';
import type { StoredDocument } from './mongo-mapping.ts';

export class MongoDocumentStore implements DocumentStore {
  private constructor(private readonly db: Db) {}

  /** Creates every read model's indexes (idempotent: an identical existing index is left as is). */
  static async open(db: Db): Promise<MongoDocumentStore> {
    for (const [name, specs] of Object.entries(collectionIndexes)) {
      const indexes: IndexDescription[] = specs.map((spec) => ({
        // An array field gets a multikey index (one entry per element), as the port's IndexSpec asks.
        key: { [spec.field]: 1 },
        // The name MongoDB would generate itself, fixed here so operators can rely on it.
        name: `${spec.field}_1`,
        ...(spec.unique === true ? uniqueWherePresent(spec.field) : {}),
      }));
      if (indexes.length > 0) await db.collection(name).createIndexes(indexes);
    }
    return new MongoDocumentStore(db);
  }

  collection<K extends CollectionName>(name: K): DocumentCollection<DocumentOf<K>> {
    // A Collection handle is a cheap, stateless wrapper in the driver, so one per call needs no cache.
    return new MongoDocumentCollection<DocumentOf<K>>(name, this.db.collection<StoredDocument>(name));
  }
}

class MongoDocumentCollection<T extends Document> implements DocumentCollection<T> {
  constructor(
    readonly name: string,
    private readonly collection: Collection<StoredDocument>,
  ) {}

  async get(id: string): Promise<T | undefined> {
    const stored = await this.collection.findOne({ _id: id });
    return stored === null ? undefined : fromStoredDocument<T>(stored);
  }

  async findOne(filter: Filter): Promise<T | undefined> {
    // Sorted like find() so that "the first match" is the same document on every adapter.
    const stored = await this.collection.findOne(mongoFilter(filter), { sort: toMongoSort(undefined) });
    return stored === null ? undefined : fromStoredDocument<T>(stored);
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    if (options.limit !== undefined && options.limit <= 0) return [];
    const cursor = this.collection.find(mongoFilter(filter), { sort: toMongoSort(options.sort) });
    // Paging ($skip); a negative skip is ignored, as the embedded adapter does (contract suite).
    if (options.skip !== undefined && options.skip > 0) cursor.skip(options.skip);
    // MongoDB reads limit(0) as "no limit" and a negative limit as "one batch"; both are excluded above.
    if (options.limit !== undefined) cursor.limit(options.limit);
    const stored = await cursor.toArray();
    return stored.map((doc) => fromStoredDocument<T>(doc));
  }

  async count(filter: Filter): Promise<number> {
    // countDocuments, not the metadata-based estimatedDocumentCount: it honours the filter and is exact.
    return this.collection.countDocuments(mongoFilter(filter));
  }

  async insert(doc: T): Promise<void> {
    const where = `${this.name}: insert of ${doc.id}`;
    const stored = toStoredDocument(doc, where);
    try {
      await this.collection.insertOne(stored);
    } catch (error) {
      throw this.translate(error, where);
    }
  }

  async put(doc: T): Promise<void> {
    const where = `${this.name}: put of ${doc.id}`;
    const { _id, ...replacement } = toStoredDocument(doc, where);
    try {
      // An upsert keyed by _id: MongoDB 4.2+ retries internally when two upserts of the same new _id race
      // (https://www.mongodb.com/docs/manual/reference/method/db.collection.replaceOne/#upsert-with-duplicate-values).
      await this.collection.replaceOne({ _id }, replacement, { upsert: true });
    } catch (error) {
      throw this.translate(error, where);
    }
  }

  async update(id: string, update: UpdateOperators): Promise<T | undefined> {
    const where = `${this.name}: update of ${id}`;
    // Checked against the port's contract and JSON-normalised; as a plain record it satisfies the driver's
    // schema-derived UpdateFilter<T>, and the server validates the operators.
    const operators = toMongoUpdate(update, where);
    try {
      // Driver v6 resolves findOneAndUpdate to the document itself (includeResultMetadata defaults to false).
      // One server-side read-modify-write, atomic for the document.
      const stored = await this.collection.findOneAndUpdate({ _id: id }, operators, { returnDocument: 'after' });
      return stored === null ? undefined : fromStoredDocument<T>(stored);
    } catch (error) {
      throw this.translate(error, where);
    }
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.collection.deleteOne({ _id: id });
    return result.deletedCount === 1;
  }

  async deleteMany(filter: Filter): Promise<number> {
    const result = await this.collection.deleteMany(mongoFilter(filter));
    return result.deletedCount;
  }

  /** A write's server error in the port's terms: a taken key, a write the server refuses as invalid, or as it is. */
  private translate(error: unknown, where: string): unknown {
    return toDuplicateKeyError(this.name, error) ?? toUpdateValidationError(where, error) ?? error;
  }
}

/**
 * A unique index that ignores documents lacking the field, like the embedded adapter. (The embedded one
 * also exempts null; partial filters do not allow `$ne`, so here null is an ordinary unique value.)
 * Without the partial filter, MongoDB indexes a missing field as null and only one document could lack it.
 * `$exists: true` is the partial filter the planner matches best: an equality or `$in` on non-null values
 * implies it, so such queries still use the index (SERVER-18457).
 */
function uniqueWherePresent(field: string): Pick<IndexDescription, 'unique' | 'partialFilterExpression'> {
  return { unique: true, partialFilterExpression: { [field]: { $exists: true } } };
}

/**
 * The port's filter is MongoDB's dialect already; only `id` is renamed. A plain record satisfies the
 * driver's schema-derived `Filter<T>` as it is (the server validates the operators).
 */
function mongoFilter(filter: Filter): MongoFilter<StoredDocument> {
  return toMongoFilter(filter);
}
