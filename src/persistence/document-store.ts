/**
 * The read-model port: collections of JSON documents keyed by `id`, queried in one dialect, MongoDB's
 * filter and update language, whatever the adapter. The embedded adapter evaluates it with mingo over
 * index-selected candidates; the MongoDB adapter passes it to the server unchanged.
 *
 * Only the operators below are part of the contract (the contract suite exercises each): filters with
 * equality on dotted paths (matching array members), `$eq $ne $in $nin $gt $gte $lt $lte $exists
 * $regex $and $or $not $elemMatch $all $size`; updates with `$set $unset $inc $push $addToSet $pull`.
 */
import type { CollectionName, DocumentOf } from './collections.ts';

export type Filter = Readonly<Record<string, unknown>>;

export interface UpdateOperators {
  readonly $set?: Readonly<Record<string, unknown>>;
  readonly $unset?: Readonly<Record<string, '' | 1 | true>>;
  readonly $inc?: Readonly<Record<string, number>>;
  readonly $push?: Readonly<Record<string, unknown>>;
  readonly $addToSet?: Readonly<Record<string, unknown>>;
  readonly $pull?: Readonly<Record<string, unknown>>;
}

export interface FindOptions {
  readonly skip?: number;
  readonly limit?: number;
  /** Field paths to 1 (ascending) or -1 (descending); ties are broken by `id` ascending. */
  readonly sort?: Readonly<Record<string, 1 | -1>>;
}

export interface Document {
  readonly id: string;
}

export interface DocumentCollection<T extends Document> {
  readonly name: string;
  get(id: string): Promise<T | undefined>;
  findOne(filter: Filter): Promise<T | undefined>;
  find(filter: Filter, options?: FindOptions): Promise<T[]>;
  count(filter: Filter): Promise<number>;
  /** Rejects with `DuplicateKeyError` when the id or a unique index value is taken. */
  insert(doc: T): Promise<void>;
  /** Inserts or replaces by id. Rejects with `DuplicateKeyError` when a unique value belongs to another document. */
  put(doc: T): Promise<void>;
  /** Applies update operators to the document with this id; resolves to the new document, or undefined if absent. */
  update(id: string, update: UpdateOperators): Promise<T | undefined>;
  delete(id: string): Promise<boolean>;
  deleteMany(filter: Filter): Promise<number>;
}

export interface DocumentStore {
  collection<K extends CollectionName>(name: K): DocumentCollection<DocumentOf<K>>;
}
