import { nodeDoc } from '../../support/documents.ts';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Query } from 'mingo';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { JournalConflictError, JournalCorruptError } from '../../../src/errors.ts';
import type { JournalRecord } from '../../../src/persistence/journal.ts';
import type { Store } from '../../../src/persistence/store.ts';
import { databaseFileName, openEmbeddedStore } from '../../../src/persistence/embedded/embedded-store.ts';
import { GroupCommitter } from '../../../src/persistence/embedded/group-commit.ts';
import { SqliteCollection } from '../../../src/persistence/embedded/sqlite-document-store.ts';
import { SqliteJournal, journalSchema } from '../../../src/persistence/embedded/sqlite-journal.ts';
import { describeStoreContract } from '../store-contract.ts';

const directories: string[] = [];

function freshDirectory(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'monorail-embedded-'));
  directories.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
});

describeStoreContract('embedded', () => openEmbeddedStore({ path: freshDirectory() }));
describeStoreContract('embedded (durability normal)', () => openEmbeddedStore({ path: freshDirectory(), durability: 'normal' }));

const event = (persistenceKey: string, sequenceNumber: number, payload: unknown = { n: sequenceNumber }): JournalRecord => ({
  persistenceKey,
  sequenceNumber,
  eventType: 'Test.Happened',
  payload,
  createdAt: 1_700_000_000_000,
  tags: [],
});

const node = nodeDoc;

/** Runs `change` on the database file with a separate raw connection, as damage from outside would. */
function tamper(dir: string, change: (db: Database.Database) => void): void {
  const db = new Database(path.join(dir, databaseFileName));
  try {
    change(db);
  } finally {
    db.close();
  }
}

describe('embedded store', () => {
  const open: Store[] = [];
  const openStore = async (dir: string): Promise<Store> => {
    const store = await openEmbeddedStore({ path: dir });
    open.push(store);
    return store;
  };

  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    vi.restoreAllMocks();
  });

  it('creates the data directory and keeps everything across close and reopen', async () => {
    const dir = path.join(freshDirectory(), 'nested', 'data');
    const first = await openEmbeddedStore({ path: dir });
    await first.journal.append([event('node:1', 1), event('node:1', 2)]);
    await first.journal.saveSnapshot({ persistenceKey: 'node:1', sequenceNumber: 2, state: { s: 2 }, createdAt: 1 });
    await first.documents.collection('nodes').insert(node('n1', { identifiers: ['aa'] }));
    await first.close();
    await first.close();

    const second = await openStore(dir);
    expect((await second.journal.read('node:1', 0)).map((r) => r.sequenceNumber)).toEqual([1, 2]);
    expect((await second.journal.latestSnapshot('node:1'))?.state).toEqual({ s: 2 });
    expect(await second.documents.collection('nodes').find({ identifiers: 'aa' })).toEqual([node('n1', { identifiers: ['aa'] })]);
    await expect(second.journal.append([event('node:1', 2)])).rejects.toBeInstanceOf(JournalConflictError);
  });

  it('commits writes accepted before close', async () => {
    const dir = freshDirectory();
    const store = await openEmbeddedStore({ path: dir });
    const pending = store.journal.append([event('node:1', 1)]);
    await store.close();
    await pending;
    await expect(store.journal.append([event('node:1', 2)])).rejects.toMatchObject({ code: 'SYSTEM_STOPPED' });
    expect(await (await openStore(dir)).journal.highestSequenceNumber('node:1')).toBe(1);
  });

  it('keeps every acknowledged append when the process is killed mid-stream', async () => {
    const dir = freshDirectory();
    const storeModule = new URL('../../../src/persistence/embedded/embedded-store.ts', import.meta.url).href;
    // The child appends without pause and reports each sequence number once its append resolved.
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      const { openEmbeddedStore } = await import(${JSON.stringify(storeModule)});
      const store = await openEmbeddedStore({ path: ${JSON.stringify(dir)} });
      for (let seq = 1; ; seq++) {
        const appends = [1, 2, 3].map((k) => store.journal.append([{ persistenceKey: 'key:' + k, sequenceNumber: seq, eventType: 'e', payload: { seq }, createdAt: 0, tags: [] }]));
        await Promise.all(appends);
        process.stdout.write(seq + '\\n');
      }
    `], { stdio: ['ignore', 'pipe', 'inherit'] });

    const acknowledged = await new Promise<number>((resolve, reject) => {
      let last = 0;
      let pending = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        const lines = (pending + chunk).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) last = Number(line);
        if (last >= 50) child.kill('SIGKILL');
      });
      child.on('error', reject);
      child.on('exit', () => resolve(last));
    });
    expect(acknowledged).toBeGreaterThanOrEqual(50);

    const reopened = await openStore(dir);
    for (const key of ['key:1', 'key:2', 'key:3']) {
      const records = await reopened.journal.read(key, 0);
      expect(records.length).toBeGreaterThanOrEqual(acknowledged);
      expect(records.map((r) => r.sequenceNumber)).toEqual(records.map((_, i) => i + 1));
    }
  });

  describe('corruption', () => {
    it('names the key and sequence number of an event whose payload is not JSON, and reads everything else', async () => {
      const dir = freshDirectory();
      const store = await openEmbeddedStore({ path: dir });
      await store.journal.append([event('node:1', 1), event('node:1', 2), event('node:1', 3), event('node:2', 1)]);
      await store.close();
      tamper(dir, (db) => db.prepare("UPDATE journal SET payload = '{\"broken' WHERE persistence_key = 'node:1' AND sequence_number = 2").run());

      const reopened = await openStore(dir);
      const read = reopened.journal.read('node:1', 0);
      await expect(read).rejects.toBeInstanceOf(JournalCorruptError);
      await expect(read).rejects.toMatchObject({ code: 'JOURNAL_CORRUPT', persistenceKey: 'node:1', sequenceNumber: 2 });
      await expect(read).rejects.toThrow(/node:1#2.*payload is not valid JSON/);
      expect((await reopened.journal.read('node:1', 2)).map((r) => r.sequenceNumber)).toEqual([3]);
      expect((await reopened.journal.read('node:1', 0, 1)).map((r) => r.sequenceNumber)).toEqual([1]);
      expect(await reopened.journal.read('node:2', 0)).toHaveLength(1);
    });

    it.each([
      ['a payload stored as a blob', "payload = x'00ff'", /payload is a 2-byte blob/],
      ['tags that are not an array of strings', "tags = '[1]'", /tags are not an array of strings/],
      ['tags stored as a blob', "tags = x'01'", /tags is a 1-byte blob/],
      ['an event type stored as a blob', "event_type = x'07'", /event type is a 1-byte blob/],
      ['a timestamp stored as text', "created_at = 'yesterday'", /timestamp is string "yesterday"/],
    ])('rejects %s with JournalCorruptError', async (_case, assignment, message) => {
      const dir = freshDirectory();
      const store = await openEmbeddedStore({ path: dir });
      await store.journal.append([event('node:1', 1), event('node:1', 2)]);
      await store.close();
      tamper(dir, (db) => db.prepare(`UPDATE journal SET ${assignment} WHERE persistence_key = 'node:1' AND sequence_number = 2`).run());

      const read = (await openStore(dir)).journal.read('node:1', 0);
      await expect(read).rejects.toMatchObject({ persistenceKey: 'node:1', sequenceNumber: 2 });
      await expect(read).rejects.toThrow(message);
    });

    it('names the key and sequence number of a snapshot whose state is not JSON', async () => {
      const dir = freshDirectory();
      const store = await openEmbeddedStore({ path: dir });
      await store.journal.saveSnapshot({ persistenceKey: 'node:1', sequenceNumber: 7, state: { ok: true }, createdAt: 1 });
      await store.journal.saveSnapshot({ persistenceKey: 'node:2', sequenceNumber: 3, state: { ok: true }, createdAt: 1 });
      await store.close();
      tamper(dir, (db) => db.prepare("UPDATE snapshots SET state = 'garbage' WHERE persistence_key = 'node:1'").run());

      const reopened = await openStore(dir);
      await expect(reopened.journal.latestSnapshot('node:1')).rejects.toMatchObject({ code: 'JOURNAL_CORRUPT', persistenceKey: 'node:1', sequenceNumber: 7 });
      expect((await reopened.journal.latestSnapshot('node:2'))?.state).toEqual({ ok: true });
    });
  });

  describe('indexes', () => {
    const seed = async (store: Store): Promise<void> => {
      const nodes = store.documents.collection('nodes');
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => nodes.insert(node(`n${String(i).padStart(3, '0')}`, { identifiers: [`mac-${i}`, `serial-${i % 100}`], type: i % 2 ? 'switch' : 'compute' }))),
      );
    };

    it('reads only the index-selected candidates for an indexed equality', async () => {
      const store = await openStore(freshDirectory());
      await seed(store);
      const evaluated = vi.spyOn(Query.prototype, 'test');

      expect((await store.documents.collection('nodes').find({ identifiers: 'serial-7' })).map((d) => d.id)).toEqual(['n007', 'n107']);
      expect(evaluated).toHaveBeenCalledTimes(2);

      evaluated.mockClear();
      expect(await store.documents.collection('nodes').count({ identifiers: { $in: ['mac-1', 'mac-2', 'nope'] }, type: 'switch' })).toBe(1);
      expect(evaluated).toHaveBeenCalledTimes(2);

      evaluated.mockClear();
      expect(await store.documents.collection('nodes').count({ 'obms.service': 'ipmi' })).toBe(0);
      expect(evaluated).toHaveBeenCalledTimes(200);
    });

    it('has SQLite seek the side index rather than scan', async () => {
      const store = await openStore(freshDirectory());
      const nodes = store.documents.collection('nodes');
      if (!(nodes instanceof SqliteCollection)) throw new Error('expected the SQLite collection');

      const indexed = nodes.explain({ identifiers: 'serial-7' });
      expect(indexed.plan).toEqual({ kind: 'index', field: 'identifiers', keys: ['"serial-7"'] });
      expect(indexed.sqlite.join('\n')).toMatch(/SEARCH i USING PRIMARY KEY \(field=\? AND value=\?\)/);
      expect(indexed.sqlite.join('\n')).toMatch(/SEARCH d USING INDEX sqlite_autoindex_docs_nodes_1 \(id=\?\)/);

      const byId = nodes.explain({ id: { $in: ['a', 'b'] } });
      expect(byId.plan).toEqual({ kind: 'ids', ids: ['a', 'b'] });
      expect(byId.sqlite.join('\n')).toMatch(/USING INDEX sqlite_autoindex_docs_nodes_1 \(id=\?\)/);

      expect(nodes.explain({ 'obms.service': 'ipmi' }).plan).toEqual({ kind: 'scan' });
    });

    it('rebuilds index rows when the index definitions change', async () => {
      const dir = freshDirectory();
      const store = await openEmbeddedStore({ path: dir });
      await seed(store);
      await store.close();
      // As if the file had been written by a release that did not index `identifiers`.
      tamper(dir, (db) => {
        db.prepare("DELETE FROM docs_nodes_index WHERE field = 'identifiers'").run();
        db.prepare("UPDATE index_catalog SET definition = '[]' WHERE collection = 'nodes'").run();
      });

      const reopened = await openStore(dir);
      expect((await reopened.documents.collection('nodes').find({ identifiers: 'mac-42' })).map((d) => d.id)).toEqual(['n042']);
    });
  });

  describe('group commit', () => {
    const rawJournal = (): { journal: SqliteJournal; committer: GroupCommitter; db: Database.Database } => {
      const db = new Database(path.join(freshDirectory(), 'journal.sqlite'));
      db.pragma('journal_mode = WAL');
      db.exec(journalSchema);
      const committer = new GroupCommitter(db, 'test journal');
      return { journal: new SqliteJournal(db, committer), committer, db };
    };

    it('commits 1000 appends issued in one tick in one transaction', async () => {
      const { journal, committer, db } = rawJournal();
      try {
        await Promise.all(Array.from({ length: 1000 }, (_, i) => journal.append([event(`node:${i}`, 1), event(`node:${i}`, 2)])));
        expect(committer.stats).toEqual({ committedTransactions: 1, committedWrites: 1000 });
        expect(db.prepare('SELECT count(*) AS n FROM journal').get()).toEqual({ n: 2000 });
        expect(await journal.highestSequenceNumber('node:999')).toBe(2);
      } finally {
        committer.close();
        db.close();
      }
    });

    it('reports earlier writes of a group as failed when SQLite aborts the whole transaction', async () => {
      const { journal, committer, db } = rawJournal();
      try {
        const before = journal.append([event('node:a', 1)]);
        // Stands in for an I/O error or a full disk, after which SQLite has rolled back the transaction.
        const aborting = committer.run(() => {
          db.exec('ROLLBACK');
          throw new Error('disk I/O error');
        });
        const after = journal.append([event('node:b', 1)]);

        await expect(before).rejects.toMatchObject({ code: 'PERSIST_FAILED' });
        await expect(aborting).rejects.toThrow('disk I/O error');
        await after;
        expect(await journal.keys('node:')).toEqual(['node:b']);
      } finally {
        committer.close();
        db.close();
      }
    });

    it('fails the whole group when the write lock cannot be had', async () => {
      const { journal, committer, db } = rawJournal();
      const other = new Database(db.name);
      try {
        db.pragma('busy_timeout = 0');
        other.exec('BEGIN IMMEDIATE');
        const results = await Promise.allSettled([journal.append([event('node:a', 1)]), journal.append([event('node:b', 1)])]);
        expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
        expect(results[0]).toMatchObject({ reason: { code: 'SQLITE_BUSY' } });
        other.exec('ROLLBACK');
        await journal.append([event('node:a', 1)]);
        expect(await journal.keys('node:')).toEqual(['node:a']);
      } finally {
        other.close();
        committer.close();
        db.close();
      }
    });

    it('fails only the conflicting call of a group', async () => {
      const { journal, committer, db } = rawJournal();
      try {
        await journal.append([event('node:a', 1)]);
        const results = await Promise.allSettled([
          journal.append([event('node:b', 1)]),
          journal.append([event('node:c', 1), event('node:a', 1)]),
          journal.append([event('node:d', 1)]),
          journal.append([event('node:b', 1, 'late')]),
          journal.append([event('node:b', 2)]),
        ]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
        expect(results[1]).toMatchObject({ reason: { persistenceKey: 'node:a', sequenceNumber: 1 } });
        expect(results[3]).toMatchObject({ reason: { persistenceKey: 'node:b', sequenceNumber: 1 } });
        expect(committer.stats.committedTransactions).toBe(2);
        expect(await journal.keys('node:')).toEqual(['node:a', 'node:b', 'node:d']);
        expect((await journal.read('node:b', 0)).map((r) => r.payload)).toEqual([{ n: 1 }, { n: 2 }]);
      } finally {
        committer.close();
        db.close();
      }
    });
  });
});
