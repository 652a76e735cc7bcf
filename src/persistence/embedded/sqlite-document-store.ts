/**
 * The read-model port on SQLite. A collection is a table of JSON documents plus index side tables (see
 * collection-tables.ts). Queries are answered in two steps: the planner picks candidate rows, through an
 * index when the filter pins an indexed field to scalars, otherwise by a scan; then mingo evaluates the
 * complete filter on each candidate, so the result is MongoDB's whatever the plan was.
 *
 * Every write goes through the group committer: the document and its index rows change in one
 * savepoint, so a failed write (duplicate key, refused update) leaves no trace, and the caller's promise
 * settles once the transaction is durable.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { Query } from 'mingo';
import type { AnyObject, Criteria } from 'mingo/types';
import { DuplicateKeyError, ValidationError } from '../../errors.ts';
import { collectionIndexes } from '../collections.ts';
import type { CollectionName, DocumentOf, IndexSpec } from '../collections.ts';
import type { Document, DocumentCollection, DocumentStore, Filter, FindOptions, UpdateOperators } from '../document-store.ts';
import { applyUpdate } from './apply-update.ts';
import { collectionTables } from './collection-tables.ts';
import { DocumentIndexer } from './document-indexer.ts';
import type { GroupCommitter } from './group-commit.ts';
import { toJsonText } from '../json-text.ts';
import { planQuery } from './query-plan.ts';
import type { CandidatePlan, IndexRowEstimator } from './query-plan.ts';
import { sortDocuments } from './sort-order.ts';
import { isUniquenessViolation } from './sqlite-errors.ts';

interface DocRow {
  readonly id: string;
  readonly doc: string;
}

export class SqliteDocumentStore implements DocumentStore {
  readonly #db: BetterSqlite3.Database;
  readonly #committer: GroupCommitter;
  readonly #collections = new Map<CollectionName, unknown>();

  constructor(db: BetterSqlite3.Database, committer: GroupCommitter) {
    this.#db = db;
    this.#committer = committer;
  }

  collection<K extends CollectionName>(name: K): DocumentCollection<DocumentOf<K>> {
    let collection = this.#collections.get(name);
    if (collection === undefined) {
      collection = new SqliteCollection<DocumentOf<K>>(this.#db, this.#committer, name, collectionIndexes[name]);
      this.#collections.set(name, collection);
    }
    // The map holds one collection per name, created just above with that name's document type; a Map
    // cannot express the per-key type, so it is restored here.
    return collection as DocumentCollection<DocumentOf<K>>;
  }
}

export class SqliteCollection<T extends Document> implements DocumentCollection<T> {
  readonly name: string;
  readonly #committer: GroupCommitter;
  readonly #indexes: readonly IndexSpec[];
  readonly #indexer: DocumentIndexer;
  readonly #db: BetterSqlite3.Database;
  readonly #getDoc: BetterSqlite3.Statement<[string], DocRow>;
  // Candidate queries take their parameters as a list, so one code path can run (or explain) any of them.
  readonly #scan: BetterSqlite3.Statement<string[], DocRow>;
  readonly #countAll: BetterSqlite3.Statement<[], { n: number }>;
  readonly #page: BetterSqlite3.Statement<[number, number], DocRow>;
  readonly #byIds: BetterSqlite3.Statement<string[], DocRow>;
  readonly #byIndex: BetterSqlite3.Statement<string[], DocRow>;
  readonly #countIndexRows: BetterSqlite3.Statement<[string, string, number], { n: number }>;
  readonly #estimateRows: IndexRowEstimator;
  readonly #insertDoc: BetterSqlite3.Statement<[string, string]>;
  readonly #upsertDoc: BetterSqlite3.Statement<[string, string]>;
  readonly #deleteDoc: BetterSqlite3.Statement<[string]>;

  constructor(db: BetterSqlite3.Database, committer: GroupCommitter, name: string, indexes: readonly IndexSpec[]) {
    this.name = name;
    this.#db = db;
    this.#committer = committer;
    this.#indexes = indexes;
    const t = collectionTables(name);
    this.#indexer = new DocumentIndexer(db, name, t, indexes);
    this.#getDoc = db.prepare(`SELECT id, doc FROM ${t.docs} WHERE id = ?`);
    // Candidates come in id order, which is also the result order when no sort is asked for, so an
    // unsorted page can stop reading as soon as it is full.
    this.#scan = db.prepare(`SELECT id, doc FROM ${t.docs} ORDER BY id`);
    this.#countAll = db.prepare(`SELECT COUNT(*) AS n FROM ${t.docs}`);
    this.#page = db.prepare(`SELECT id, doc FROM ${t.docs} ORDER BY id LIMIT ? OFFSET ?`);
    this.#byIds = db.prepare(`SELECT id, doc FROM ${t.docs} WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`);
    this.#byIndex = db.prepare(`
      SELECT d.id, d.doc FROM ${t.docs} d WHERE d.id IN (
        SELECT i.id FROM ${t.index} i WHERE i.field = ? AND i.value IN (SELECT value FROM json_each(?))
      ) ORDER BY d.id`);
    this.#countIndexRows = db.prepare(`
      SELECT count(*) AS n FROM (
        SELECT 1 FROM ${t.index} WHERE field = ? AND value IN (SELECT value FROM json_each(?)) LIMIT ?
      )`);
    this.#estimateRows = (field, keys, cap) => this.#countIndexRows.get(field, JSON.stringify(keys), cap)?.n ?? 0;
    this.#insertDoc = db.prepare(`INSERT INTO ${t.docs} (id, doc) VALUES (?, ?)`);
    this.#upsertDoc = db.prepare(`INSERT INTO ${t.docs} (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`);
    this.#deleteDoc = db.prepare(`DELETE FROM ${t.docs} WHERE id = ?`);
  }

  async get(id: string): Promise<T | undefined> {
    const row = this.#getDoc.get(id);
    return row === undefined ? undefined : this.#decode(row);
  }

  async findOne(filter: Filter): Promise<T | undefined> {
    return this.#select(filter, { limit: 1 })[0];
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    return this.#select(filter, options);
  }

  async count(filter: Filter): Promise<number> {
    // Counting a whole collection (a list's X-Total-Count) must not decode every document.
    if (Object.keys(filter).length === 0) return this.#countAll.get()?.n ?? 0;
    const query = compileFilter<T>(filter);
    let count = 0;
    for (const row of this.#candidates(filter)) if (query.test(this.#decode(row))) count++;
    return count;
  }

  async insert(doc: T): Promise<void> {
    const { id, text, stored } = this.#encode(doc);
    await this.#committer.run(() => {
      try {
        this.#insertDoc.run(id, text);
      } catch (error) {
        if (isUniquenessViolation(error)) throw new DuplicateKeyError(this.name, 'id', id);
        throw error;
      }
      this.#indexer.add(id, stored);
    });
  }

  async put(doc: T): Promise<void> {
    const { id, text, stored } = this.#encode(doc);
    await this.#committer.run(() => {
      this.#upsertDoc.run(id, text);
      this.#indexer.replace(id, stored);
    });
  }

  async update(id: string, ops: UpdateOperators): Promise<T | undefined> {
    // Read, modify and write all happen inside the write's savepoint, so the update applies to the
    // document as left by every write queued before it, and nothing can slip in between.
    return this.#committer.run(() => {
      const row = this.#getDoc.get(id);
      if (row === undefined) return undefined;
      const doc = this.#decode(row) as unknown as AnyObject;
      applyUpdate(doc, ops, `${this.name} ${id}`);
      const { text, stored } = this.#encode(doc);
      this.#upsertDoc.run(id, text);
      this.#indexer.replace(id, stored);
      return stored;
    });
  }

  async delete(id: string): Promise<boolean> {
    return this.#committer.run(() => this.#remove(id));
  }

  async deleteMany(filter: Filter): Promise<number> {
    const query = compileFilter<T>(filter);
    return this.#committer.run(() => {
      const ids: string[] = [];
      for (const row of this.#candidates(filter)) if (query.test(this.#decode(row))) ids.push(row.id);
      // Deleting only after the candidate cursor is exhausted: the connection cannot write mid-iteration.
      for (const id of ids) this.#remove(id);
      return ids.length;
    });
  }

  #remove(id: string): boolean {
    this.#indexer.remove(id);
    return this.#deleteDoc.run(id).changes > 0;
  }

  #select(filter: Filter, options: FindOptions): T[] {
    const query = compileFilter<T>(filter);
    // Same reading as the MongoDB adapter: a limit of 0 or less asks for nothing (not MongoDB's "no
    // limit"), and a negative skip skips nothing.
    const skip = Math.max(0, integerOption(options.skip, 'skip') ?? 0);
    const limit = integerOption(options.limit, 'limit') ?? Infinity;
    if (limit <= 0) return [];
    const sort = options.sort !== undefined && Object.keys(options.sort).length > 0 ? options.sort : undefined;
    // A page of a whole collection in id order: SQLite skips the rows, nothing is decoded that is not returned.
    if (sort === undefined && Object.keys(filter).length === 0) {
      return this.#page.all(Number.isFinite(limit) ? limit : -1, skip).map((row) => this.#decode(row));
    }

    const matches: T[] = [];
    // Without a sort the candidates already arrive in result order (id ascending): stop once the page is full.
    const wanted = sort === undefined ? skip + limit : Infinity;
    for (const row of this.#candidates(filter)) {
      const doc = this.#decode(row);
      if (!query.test(doc)) continue;
      matches.push(doc);
      if (matches.length >= wanted) break;
    }
    if (sort !== undefined) sortDocuments(matches, sort);
    return matches.slice(skip, skip + limit);
  }

  #candidates(filter: Filter): IterableIterator<DocRow> {
    const { statement, parameters } = this.#candidateQuery(planQuery(filter, this.#indexes, this.#estimateRows));
    return statement.iterate(...parameters);
  }

  /**
   * How the candidates of `filter` are read: the plan, and SQLite's own query plan for it. Not part of
   * the port; for diagnosing slow queries and for tests that check an index is really used.
   */
  explain(filter: Filter): { readonly plan: CandidatePlan; readonly sqlite: readonly string[] } {
    const plan = planQuery(filter, this.#indexes, this.#estimateRows);
    const { statement, parameters } = this.#candidateQuery(plan);
    const rows = this.#db.prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${statement.source}`).all(...parameters);
    return { plan, sqlite: rows.map((row) => row.detail) };
  }

  #candidateQuery(plan: CandidatePlan): { readonly statement: BetterSqlite3.Statement<string[], DocRow>; readonly parameters: string[] } {
    switch (plan.kind) {
      case 'ids':
        return { statement: this.#byIds, parameters: [JSON.stringify(plan.ids)] };
      case 'index':
        return { statement: this.#byIndex, parameters: [plan.field, JSON.stringify(plan.keys)] };
      case 'scan':
        return { statement: this.#scan, parameters: [] };
    }
  }

  #encode(doc: unknown): { readonly id: string; readonly text: string; readonly stored: T } {
    const id = typeof doc === 'object' && doc !== null ? (doc as Partial<Document>).id : undefined;
    if (typeof id !== 'string' || id === '') throw new ValidationError(`${this.name}: a document needs a non-empty string id`);
    const text = toJsonText(doc, `${this.name} document ${id}`);
    // What is indexed and returned is what a later read will see: the document after a JSON round trip.
    return { id, text, stored: JSON.parse(text) as T };
  }

  #decode(row: DocRow): T {
    try {
      return JSON.parse(row.doc) as T;
    } catch (error) {
      throw new Error(`${this.name} document ${row.id} is unreadable: its stored JSON does not parse`, { cause: error });
    }
  }
}

function compileFilter<T>(filter: Filter): Query<T> {
  // Filters arrive from the API as JSON; scripts ($where, $function) are never a legitimate part of one.
  // mingo types filters against the document's paths; the port's filters are untyped JSON, hence the cast.
  return new Query<T>(filter as Criteria<T>, { scriptEnabled: false });
}

function integerOption(value: number | undefined, name: string): number | undefined {
  if (value !== undefined && !Number.isSafeInteger(value)) throw new ValidationError(`${name} must be an integer, got ${value}`);
  return value;
}
