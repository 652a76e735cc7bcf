/**
 * The persistence port's contract, run against every adapter: whatever passes here can back Monorail.
 * Each test opens a fresh store and scopes its data with unique ids (and a `scope` field on free-form
 * documents), so the suite also holds for an adapter whose `open` reuses a shared database.
 */
import { nodeDoc } from '../support/documents.ts';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuplicateKeyError, JournalConflictError, ValidationError } from '../../src/errors.ts';
import type { LookupDoc, WorkflowDoc } from '../../src/persistence/collections.ts';
import type { Filter, FindOptions } from '../../src/persistence/document-store.ts';
import type { JournalRecord } from '../../src/persistence/journal.ts';
import type { Store } from '../../src/persistence/store.ts';

export function describeStoreContract(adapterName: string, open: () => Promise<Store>): void {
  describe(`${adapterName} store contract`, () => {
    let store: Store;
    let scope: string;

    beforeEach(async () => {
      store = await open();
      scope = `t${randomUUID().slice(0, 8)}`;
    });

    afterEach(async () => {
      await store.close();
    });

    const event = (persistenceKey: string, sequenceNumber: number, payload: unknown = { n: sequenceNumber }): JournalRecord => ({
      persistenceKey,
      sequenceNumber,
      eventType: 'Test.Happened',
      payload,
      createdAt: 1_700_000_000_000 + sequenceNumber,
      tags: ['test'],
    });

    describe('journal', () => {
      it('reads back appended events in sequence order with every field intact', async () => {
        const key = `${scope}:entity`;
        const payload = { nested: { list: [1, 'two', null, true], unicode: 'ünïcødé ✓ 𝄞' }, n: 1.5 };
        await store.journal.append([event(key, 1, payload), event(key, 2)]);
        await store.journal.append([event(key, 3)]);

        const records = await store.journal.read(key, 0);
        expect(records.map((r) => r.sequenceNumber)).toEqual([1, 2, 3]);
        expect(records[0]).toEqual({ persistenceKey: key, sequenceNumber: 1, eventType: 'Test.Happened', payload, createdAt: 1_700_000_000_001, tags: ['test'] });
      });

      it('reads only events after the given sequence number, up to the limit', async () => {
        const key = `${scope}:entity`;
        await store.journal.append([1, 2, 3, 4, 5].map((n) => event(key, n)));
        expect((await store.journal.read(key, 2)).map((r) => r.sequenceNumber)).toEqual([3, 4, 5]);
        expect((await store.journal.read(key, 1, 2)).map((r) => r.sequenceNumber)).toEqual([2, 3]);
        expect(await store.journal.read(key, 5)).toEqual([]);
        expect(await store.journal.read(`${scope}:nobody`, 0)).toEqual([]);
      });

      it('keeps the events of different keys apart', async () => {
        await store.journal.append([event(`${scope}:a`, 1, 'a1'), event(`${scope}:b`, 1, 'b1'), event(`${scope}:a`, 2, 'a2')]);
        expect((await store.journal.read(`${scope}:a`, 0)).map((r) => r.payload)).toEqual(['a1', 'a2']);
        expect((await store.journal.read(`${scope}:b`, 0)).map((r) => r.payload)).toEqual(['b1']);
      });

      it('rejects a sequence number that was already written with a typed JournalConflictError', async () => {
        const key = `${scope}:entity`;
        await store.journal.append([event(key, 1), event(key, 2)]);
        const attempt = store.journal.append([event(key, 2, 'intruder')]);
        await expect(attempt).rejects.toBeInstanceOf(JournalConflictError);
        await expect(attempt).rejects.toMatchObject({ code: 'JOURNAL_CONFLICT', persistenceKey: key, sequenceNumber: 2 });
        expect((await store.journal.read(key, 0)).map((r) => r.payload)).toEqual([{ n: 1 }, { n: 2 }]);
      });

      it('writes nothing of a multi-event append that conflicts', async () => {
        const key = `${scope}:entity`;
        await store.journal.append([event(key, 1), event(key, 2)]);
        await expect(store.journal.append([event(key, 3), event(key, 4), event(key, 2)])).rejects.toBeInstanceOf(JournalConflictError);
        expect((await store.journal.read(key, 0)).map((r) => r.sequenceNumber)).toEqual([1, 2]);
        expect(await store.journal.highestSequenceNumber(key)).toBe(2);
      });

      it('lets exactly one of two concurrent writers of the same sequence number win', async () => {
        const key = `${scope}:entity`;
        const results = await Promise.allSettled([store.journal.append([event(key, 1, 'first')]), store.journal.append([event(key, 1, 'second')])]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.filter((r) => r.status === 'rejected');
        expect(rejected).toHaveLength(1);
        expect(rejected[0]?.reason).toBeInstanceOf(JournalConflictError);
        expect(await store.journal.read(key, 0)).toHaveLength(1);
      });

      it('lands every one of many concurrent appends to different keys', async () => {
        const keys = Array.from({ length: 50 }, (_, i) => `${scope}:k${i}`);
        await Promise.all(keys.map((key) => store.journal.append([event(key, 1), event(key, 2)])));
        for (const key of keys) expect(await store.journal.highestSequenceNumber(key)).toBe(2);
      });

      it('reports the highest sequence number, 0 for an unknown key', async () => {
        const key = `${scope}:entity`;
        expect(await store.journal.highestSequenceNumber(key)).toBe(0);
        await store.journal.append([event(key, 1), event(key, 2), event(key, 3)]);
        expect(await store.journal.highestSequenceNumber(key)).toBe(3);
      });

      it('returns the snapshot with the highest sequence number', async () => {
        const key = `${scope}:entity`;
        expect(await store.journal.latestSnapshot(key)).toBeUndefined();
        await store.journal.saveSnapshot({ persistenceKey: key, sequenceNumber: 5, state: { v: 5, list: ['a'] }, createdAt: 50 });
        await store.journal.saveSnapshot({ persistenceKey: key, sequenceNumber: 3, state: { v: 3 }, createdAt: 30 });
        expect(await store.journal.latestSnapshot(key)).toEqual({ persistenceKey: key, sequenceNumber: 5, state: { v: 5, list: ['a'] }, createdAt: 50 });
        await store.journal.saveSnapshot({ persistenceKey: key, sequenceNumber: 9, state: { v: 9 }, createdAt: 90 });
        expect((await store.journal.latestSnapshot(key))?.state).toEqual({ v: 9 });
        expect(await store.journal.latestSnapshot(`${scope}:other`)).toBeUndefined();
      });

      it('lists the keys with events under a prefix', async () => {
        await store.journal.append([event(`${scope}:node:a`, 1), event(`${scope}:node:a`, 2), event(`${scope}:node:b`, 1)]);
        await store.journal.append([event(`${scope}:nodeish`, 1), event(`${scope}:workflow:c`, 1), event(`${scope}:node:`, 1)]);
        await store.journal.saveSnapshot({ persistenceKey: `${scope}:node:snapshot-only`, sequenceNumber: 1, state: {}, createdAt: 1 });

        expect((await store.journal.keys(`${scope}:node:`)).sort()).toEqual([`${scope}:node:`, `${scope}:node:a`, `${scope}:node:b`]);
        expect((await store.journal.keys(`${scope}:node`)).sort()).toEqual([`${scope}:node:`, `${scope}:node:a`, `${scope}:node:b`, `${scope}:nodeish`]);
        expect(await store.journal.keys(`${scope}:nothing`)).toEqual([]);
        expect(await store.journal.keys(scope)).toHaveLength(5);
      });
    });

    describe('documents', () => {
      const node = nodeDoc;
      const lookup = (mac: string, nodeId: string): LookupDoc => ({ id: mac, macAddress: mac, node: nodeId, updatedAt: '2024-01-01T00:00:00.000Z' });
      /** A unique MAC per test and suffix. */
      const mac = (suffix: number): string => `${scope}:${suffix.toString(16).padStart(2, '0')}`;

      describe('writes', () => {
        it('inserts and gets a document by id', async () => {
          const doc = node(`${scope}-n1`, { identifiers: ['aa:bb'], bootSettings: { profile: 'p', options: { a: [1, { b: null }] } } });
          await store.documents.collection('nodes').insert(doc);
          expect(await store.documents.collection('nodes').get(doc.id)).toEqual(doc);
          expect(await store.documents.collection('nodes').get(`${scope}-missing`)).toBeUndefined();
        });

        it('refuses a second document with the same id', async () => {
          const nodes = store.documents.collection('nodes');
          await nodes.insert(node(`${scope}-n1`, { name: 'first' }));
          const attempt = nodes.insert(node(`${scope}-n1`, { name: 'second' }));
          await expect(attempt).rejects.toBeInstanceOf(DuplicateKeyError);
          await expect(attempt).rejects.toMatchObject({ code: 'DUPLICATE_KEY', collection: 'nodes', field: 'id', value: `${scope}-n1` });
          expect((await nodes.get(`${scope}-n1`))?.name).toBe('first');
        });

        it('put inserts, then replaces the whole document', async () => {
          const nodes = store.documents.collection('nodes');
          await nodes.put(node(`${scope}-n1`, { sku: 'sku-1', bootSettings: { profile: 'p', options: {} } }));
          await nodes.put(node(`${scope}-n1`, { name: 'renamed' }));
          const stored = await nodes.get(`${scope}-n1`);
          expect(stored).toEqual(node(`${scope}-n1`, { name: 'renamed' }));
          expect(stored?.bootSettings).toBeUndefined();
          expect(await nodes.find({ id: `${scope}-n1`, sku: 'sku-1' })).toEqual([]);
        });

        it('enforces a unique field across documents, and frees a value once its owner lets go', async () => {
          const lookups = store.documents.collection('lookups');
          await lookups.insert(lookup(mac(1), 'node-1'));
          const clash = { ...lookup(mac(1), 'node-2'), id: `${scope}-other` };

          const insert = lookups.insert(clash);
          await expect(insert).rejects.toBeInstanceOf(DuplicateKeyError);
          await expect(insert).rejects.toMatchObject({ collection: 'lookups', field: 'macAddress', value: mac(1) });
          await expect(lookups.put(clash)).rejects.toMatchObject({ collection: 'lookups', field: 'macAddress', value: mac(1) });
          expect(await lookups.get(`${scope}-other`)).toBeUndefined();

          // Rewriting the owner with its own value is not a clash.
          await lookups.put({ ...lookup(mac(1), 'node-1'), ipAddress: '10.0.0.1' });
          await lookups.update(mac(1), { $set: { macAddress: mac(2) } });
          await lookups.insert(clash);
          expect((await lookups.find({ macAddress: mac(1) })).map((d) => d.id)).toEqual([`${scope}-other`]);
        });

        it('refuses an update that would take a unique value, leaving the document as it was', async () => {
          const lookups = store.documents.collection('lookups');
          await lookups.insert(lookup(mac(1), 'node-1'));
          await lookups.insert(lookup(mac(2), 'node-2'));
          await expect(lookups.update(mac(2), { $set: { macAddress: mac(1), node: 'node-x' } })).rejects.toBeInstanceOf(DuplicateKeyError);
          expect(await lookups.get(mac(2))).toEqual(lookup(mac(2), 'node-2'));
        });

        it('deletes one document, reporting whether it existed', async () => {
          const nodes = store.documents.collection('nodes');
          await nodes.insert(node(`${scope}-n1`, { identifiers: ['id-1'] }));
          expect(await nodes.delete(`${scope}-n1`)).toBe(true);
          expect(await nodes.delete(`${scope}-n1`)).toBe(false);
          expect(await nodes.get(`${scope}-n1`)).toBeUndefined();
          expect(await nodes.find({ identifiers: 'id-1', id: `${scope}-n1` })).toEqual([]);
          await nodes.insert(node(`${scope}-n1`, { identifiers: ['id-1'] }));
        });

        it('deletes the documents matching a filter and counts them', async () => {
          const nodes = store.documents.collection('nodes');
          for (const [i, type] of (['compute', 'switch', 'compute', 'pdu'] as const).entries()) await nodes.insert(node(`${scope}-n${i}`, { type, sku: scope }));
          expect(await nodes.deleteMany({ sku: scope, type: 'compute' })).toBe(2);
          expect((await nodes.find({ sku: scope })).map((d) => d.id).sort()).toEqual([`${scope}-n1`, `${scope}-n3`]);
          expect(await nodes.deleteMany({ sku: scope, type: 'compute' })).toBe(0);
        });

        it('keeps collections apart', async () => {
          const id = `${scope}-shared`;
          await store.documents.collection('nodes').insert(node(id));
          await store.documents.collection('workflows').insert({ id, injectableName: 'Graph.Test', status: 'running', createdAt: 'now' });
          expect((await store.documents.collection('nodes').get(id))?.name).toBe(`node ${id}`);
          expect((await store.documents.collection('workflows').get(id))?.injectableName).toBe('Graph.Test');
          expect(await store.documents.collection('tasks').find({ id })).toEqual([]);
          await store.documents.collection('nodes').delete(id);
          expect(await store.documents.collection('workflows').get(id)).toBeDefined();
        });
      });

      describe('update operators', () => {
        it('returns undefined for a missing document', async () => {
          expect(await store.documents.collection('nodes').update(`${scope}-missing`, { $set: { name: 'x' } })).toBeUndefined();
          expect(await store.documents.collection('nodes').get(`${scope}-missing`)).toBeUndefined();
        });

        it('applies $set (dotted), $unset and $inc and returns the new document', async () => {
          const nodes = store.documents.collection('nodes');
          await nodes.insert(node(`${scope}-n1`, { sku: 'old', bootSettings: { profile: 'p', options: {} } }));
          const updated = await nodes.update(`${scope}-n1`, { $set: { 'lifecycle.state': 'available', sku: 'new' }, $unset: { bootSettings: '' }, $inc: { version: 2 } });
          expect(updated).toEqual(node(`${scope}-n1`, { sku: 'new', lifecycle: { state: 'available', since: '2024-01-01T00:00:00.000Z' }, version: 3 }));
          expect(await nodes.get(`${scope}-n1`)).toEqual(updated);
        });

        it('applies $push, $addToSet and $pull to arrays', async () => {
          const nodes = store.documents.collection('nodes');
          await nodes.insert(node(`${scope}-n1`, { tags: ['a', 'b'], identifiers: ['m1'] }));
          await nodes.update(`${scope}-n1`, { $push: { identifiers: 'm2' }, $addToSet: { tags: 'a' } });
          await nodes.update(`${scope}-n1`, { $addToSet: { tags: 'c' } });
          await nodes.update(`${scope}-n1`, { $pull: { tags: 'b' }, $push: { relations: { relationType: 'enclosedBy', targets: ['x'] } } });
          expect(await nodes.get(`${scope}-n1`)).toMatchObject({ tags: ['a', 'c'], identifiers: ['m1', 'm2'], relations: [{ relationType: 'enclosedBy', targets: ['x'] }] });
        });

        it('moves index entries with the values they index', async () => {
          const nodes = store.documents.collection('nodes');
          const id = `${scope}-n1`;
          await nodes.insert(node(id, { name: `${scope}-before`, tags: [`${scope}-keep`, `${scope}-drop`], identifiers: [`${scope}-mac1`] }));
          await nodes.update(id, { $pull: { tags: `${scope}-drop` }, $set: { name: `${scope}-after`, 'lifecycle.state': 'provisioning' }, $push: { identifiers: `${scope}-mac2` } });

          expect(await nodes.find({ tags: `${scope}-drop` })).toEqual([]);
          expect(await nodes.find({ name: `${scope}-before` })).toEqual([]);
          expect((await nodes.find({ tags: `${scope}-keep` })).map((d) => d.id)).toEqual([id]);
          expect((await nodes.find({ name: `${scope}-after` })).map((d) => d.id)).toEqual([id]);
          expect((await nodes.find({ identifiers: `${scope}-mac2` })).map((d) => d.id)).toEqual([id]);
          expect((await nodes.find({ id, 'lifecycle.state': 'provisioning' })).map((d) => d.id)).toEqual([id]);
          expect(await nodes.count({ id, 'lifecycle.state': 'discovered' })).toBe(0);

          // A whole-document put moves them too, keeping the entries that did not change.
          await nodes.put(node(id, { name: `${scope}-third`, tags: [`${scope}-keep`], identifiers: [] }));
          expect(await nodes.find({ name: `${scope}-after` })).toEqual([]);
          expect(await nodes.find({ identifiers: `${scope}-mac2` })).toEqual([]);
          expect((await nodes.find({ name: `${scope}-third` })).map((d) => d.id)).toEqual([id]);
          expect((await nodes.find({ tags: `${scope}-keep` })).map((d) => d.id)).toEqual([id]);
          expect((await nodes.find({ id, 'lifecycle.state': 'discovered' })).map((d) => d.id)).toEqual([id]);
        });

        it('refuses an operator the target value cannot take, leaving the document as it was', async () => {
          const nodes = store.documents.collection('nodes');
          await nodes.insert(node(`${scope}-n1`));
          await expect(nodes.update(`${scope}-n1`, { $inc: { name: 1 } })).rejects.toBeInstanceOf(ValidationError);
          await expect(nodes.update(`${scope}-n1`, { $push: { version: 1 } })).rejects.toBeInstanceOf(ValidationError);
          expect(await nodes.get(`${scope}-n1`)).toEqual(node(`${scope}-n1`));
        });
      });

      describe('queries', () => {
        interface Sample {
          readonly key: string;
          readonly fields: Readonly<Record<string, unknown>>;
        }
        // Workflows allow free-form fields; `status` and `node` are indexed, the rest are not, so both
        // the index path and the scan path are exercised.
        const samples: readonly Sample[] = [
          { key: 'a', fields: { status: 'running', node: 'node-1', n: 1, label: 'alpha', tags: ['x', 'y'], nested: { state: 'on', level: 1 }, items: [{ k: 'a', v: 1 }, { k: 'b', v: 5 }], opt: 'set' } },
          { key: 'b', fields: { status: 'running', n: 2, label: 'beta', tags: ['y'], nested: { state: 'off', level: 2 }, items: [{ k: 'a', v: 7 }], opt: null } },
          { key: 'c', fields: { status: 'succeeded', node: 'node-1', n: 3, label: 'gamma', tags: [], nested: { state: 'on', level: 3 }, items: [] } },
          { key: 'd', fields: { status: 'succeeded', n: 4, label: 'delta', tags: ['x', 'y', 'z'], nested: { state: 'off', level: 4 }, items: [{ k: 'c', v: 2 }] } },
          { key: 'e', fields: { status: 'failed', n: 5, label: 'Epsilon', tags: ['z'], nested: { state: 'on', level: 5 }, items: [{ k: 'b', v: 9 }] } },
        ];
        const idOf = (key: string): string => `${scope}-${key}`;
        const keysOf = (docs: readonly { id: string }[]): string[] => docs.map((d) => d.id.slice(scope.length + 1));

        beforeEach(async () => {
          const workflows = store.documents.collection('workflows');
          // Inserted out of id order, so that id order in results is the store's doing.
          for (const sample of [...samples].reverse()) {
            const doc: WorkflowDoc = { id: idOf(sample.key), injectableName: 'Graph.Sample', createdAt: '2024-01-01T00:00:00.000Z', status: 'pending', scope, ...sample.fields };
            await workflows.insert(doc);
          }
        });

        const find = (filter: Filter, options?: FindOptions) => store.documents.collection('workflows').find({ $and: [{ scope }, filter] }, options);

        const cases: readonly (readonly [string, () => Filter, readonly string[]])[] = [
          ['equality on a dotted path', () => ({ 'nested.state': 'on' }), ['a', 'c', 'e']],
          ['equality with an array member', () => ({ tags: 'x' }), ['a', 'd']],
          ['equality through an array of objects', () => ({ 'items.k': 'a' }), ['a', 'b']],
          ['equality on an indexed field', () => ({ status: 'running' }), ['a', 'b']],
          ['indexed and unindexed conditions together', () => ({ status: 'running', n: 2 }), ['b']],
          ['null on an indexed field matches missing', () => ({ node: null }), ['b', 'd', 'e']],
          ['null on a field matches null and missing', () => ({ opt: null }), ['b', 'c', 'd', 'e']],
          ['equality on id', () => ({ id: idOf('c') }), ['c']],
          ['$in on id', () => ({ id: { $in: [idOf('a'), idOf('e'), idOf('zz')] } }), ['a', 'e']],
          ['$eq', () => ({ n: { $eq: 2 } }), ['b']],
          ['$ne', () => ({ status: { $ne: 'running' } }), ['c', 'd', 'e']],
          ['$in', () => ({ label: { $in: ['alpha', 'gamma', 'omega'] } }), ['a', 'c']],
          ['$in on an indexed field', () => ({ status: { $in: ['failed', 'succeeded'] } }), ['c', 'd', 'e']],
          ['$in with null on an indexed field', () => ({ node: { $in: [null, 'node-1'] } }), ['a', 'b', 'c', 'd', 'e']],
          ['$nin on an array', () => ({ tags: { $nin: ['y'] } }), ['c', 'e']],
          ['$gt with $lte', () => ({ n: { $gt: 2, $lte: 4 } }), ['c', 'd']],
          ['$gte', () => ({ n: { $gte: 4 } }), ['d', 'e']],
          ['$lt', () => ({ 'nested.level': { $lt: 2 } }), ['a']],
          ['$exists: true', () => ({ opt: { $exists: true } }), ['a', 'b']],
          ['$exists: false', () => ({ opt: { $exists: false } }), ['c', 'd', 'e']],
          ['$regex', () => ({ label: { $regex: '^[a-d]' } }), ['a', 'b', 'd']],
          ['$regex with options', () => ({ label: { $regex: '^e', $options: 'i' } }), ['e']],
          ['$and', () => ({ $and: [{ tags: 'y' }, { n: { $gt: 1 } }] }), ['b', 'd']],
          ['$or', () => ({ $or: [{ n: 1 }, { label: 'delta' }, { status: 'failed' }] }), ['a', 'd', 'e']],
          ['$not', () => ({ n: { $not: { $gt: 2 } } }), ['a', 'b']],
          ['$elemMatch', () => ({ items: { $elemMatch: { k: 'a', v: { $gt: 5 } } } }), ['b']],
          ['$all', () => ({ tags: { $all: ['x', 'y'] } }), ['a', 'd']],
          ['$size', () => ({ tags: { $size: 1 } }), ['b', 'e']],
          ['$size of an empty array', () => ({ items: { $size: 0 } }), ['c']],
          ['an empty filter', () => ({}), ['a', 'b', 'c', 'd', 'e']],
        ];

        for (const [name, filter, expected] of cases) {
          it(`finds by ${name}`, async () => {
            expect(keysOf(await find(filter())).sort()).toEqual(expected);
            expect(await store.documents.collection('workflows').count({ $and: [{ scope }, filter()] })).toBe(expected.length);
          });
        }

        it('findOne returns a match or undefined', async () => {
          const one = await store.documents.collection('workflows').findOne({ scope, status: 'failed' });
          expect(one?.id).toBe(idOf('e'));
          expect(await store.documents.collection('workflows').findOne({ scope, status: 'nope' })).toBeUndefined();
        });

        it('sorts ascending and descending, breaking ties by id ascending', async () => {
          expect(keysOf(await find({}, { sort: { n: 1 } }))).toEqual(['a', 'b', 'c', 'd', 'e']);
          expect(keysOf(await find({}, { sort: { n: -1 } }))).toEqual(['e', 'd', 'c', 'b', 'a']);
          expect(keysOf(await find({}, { sort: { status: 1 } }))).toEqual(['e', 'a', 'b', 'c', 'd']);
          expect(keysOf(await find({}, { sort: { status: -1 } }))).toEqual(['c', 'd', 'a', 'b', 'e']);
          expect(keysOf(await find({}, { sort: { status: 1, n: -1 } }))).toEqual(['e', 'b', 'a', 'd', 'c']);
          expect(keysOf(await find({}, { sort: { 'nested.state': -1, 'nested.level': 1 } }))).toEqual(['a', 'c', 'e', 'b', 'd']);
        });

        it('sorts a missing field and null as equal, before any value', async () => {
          expect(keysOf(await find({}, { sort: { opt: 1 } }))).toEqual(['b', 'c', 'd', 'e', 'a']);
          expect(keysOf(await find({}, { sort: { opt: -1 } }))).toEqual(['a', 'b', 'c', 'd', 'e']);
        });

        it('sorts an array field by its smallest element ascending and its largest descending, [] first', async () => {
          expect(keysOf(await find({}, { sort: { tags: 1 } }))).toEqual(['c', 'a', 'd', 'b', 'e']);
          expect(keysOf(await find({}, { sort: { tags: -1 } }))).toEqual(['d', 'e', 'a', 'b', 'c']);
        });

        it('sorts strings by code point, as MongoDB compares UTF-8', async () => {
          const workflows = store.documents.collection('workflows');
          // UTF-16 code units would put the emoji (a surrogate pair) before the fullwidth letter.
          const labels = { x1: '\u{1F600}', x2: '\uFF5A', x3: 'z' };
          for (const [key, label] of Object.entries(labels)) {
            await workflows.insert({ id: idOf(key), injectableName: 'Graph.Sample', createdAt: '', status: 'pending', scope, label, unicode: true });
          }
          expect(keysOf(await find({ unicode: true }, { sort: { label: 1 } }))).toEqual(['x3', 'x2', 'x1']);
        });

        it('pages with skip and limit over a sorted result', async () => {
          expect(keysOf(await find({}, { sort: { n: 1 }, skip: 1, limit: 2 }))).toEqual(['b', 'c']);
          expect(keysOf(await find({}, { sort: { n: -1 }, limit: 2 }))).toEqual(['e', 'd']);
          expect(keysOf(await find({}, { sort: { n: 1 }, skip: 4, limit: 2 }))).toEqual(['e']);
          expect(await find({}, { sort: { n: 1 }, skip: 10 })).toEqual([]);
          expect(await find({}, { sort: { n: 1 }, limit: 0 })).toEqual([]);

          const pages: string[] = [];
          for (let skip = 0; skip < 5; skip += 2) pages.push(...keysOf(await find({ tags: { $exists: true } }, { sort: { label: 1 }, skip, limit: 2 })));
          expect(pages).toEqual(keysOf(await find({}, { sort: { label: 1 } })));
        });

        it('pages with skip and limit without a sort', async () => {
          const all = keysOf(await find({}));
          const pages: string[] = [];
          for (let skip = 0; skip < 5; skip += 2) pages.push(...keysOf(await find({}, { skip, limit: 2 })));
          expect(pages).toEqual(all);
          expect(await find({}, { limit: 3 })).toHaveLength(3);
        });

        it('counts the matches of a filter', async () => {
          const workflows = store.documents.collection('workflows');
          expect(await workflows.count({ scope })).toBe(5);
          expect(await workflows.count({ scope, tags: 'y' })).toBe(3);
          expect(await workflows.count({ scope, status: 'unknown' })).toBe(0);
        });
      });
    });
  });
}
