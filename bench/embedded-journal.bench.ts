/**
 * Measures what group commit buys on this machine's disk: journal appends per second with one append
 * per transaction versus appends batched by the group committer, under synchronous=FULL (and NORMAL for
 * comparison), plus document insert throughput. Figures quoted in docs/decisions/0001-embedded-store.md.
 *
 *   npx tsx bench/embedded-journal.bench.ts
 *
 * Runs in a temporary directory under os.tmpdir(), which must be on a real disk for the fsync figures
 * to mean anything (not tmpfs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import type { NodeDoc } from '../src/persistence/collections.ts';
import type { JournalRecord } from '../src/persistence/journal.ts';
import type { Store } from '../src/persistence/store.ts';
import { openEmbeddedStore } from '../src/persistence/embedded/embedded-store.ts';

const root = mkdtempSync(path.join(tmpdir(), 'monorail-bench-'));
let runs = 0;
type Durability = 'full' | 'normal';

const record = (persistenceKey: string, sequenceNumber: number): JournalRecord => ({
  persistenceKey,
  sequenceNumber,
  eventType: 'Node.LifecycleChanged',
  payload: { from: 'discovered', to: 'available', at: '2024-01-01T00:00:00.000Z', reason: 'bench' },
  createdAt: Date.now(),
  tags: ['bench'],
});

const node = (id: string): NodeDoc => ({
  id,
  name: `node ${id}`,
  type: 'compute',
  identifiers: [`52:54:00:${id.slice(-6)}`, `serial-${id}`],
  obms: [{ service: 'ipmi-obm-service', obmId: `obm-${id}` }],
  tags: ['rack-1', 'bench'],
  relations: [],
  sku: null,
  autoDiscover: false,
  lifecycle: { state: 'available', since: '2024-01-01T00:00:00.000Z' },
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
  version: 1,
});

/**
 * Times `run` against a new, empty store (opening and closing it is not timed), three times, and reports
 * the median rate: the machine may be shared, and a single run is noise.
 */
async function measure(label: string, operations: number, durability: Durability, run: (store: Store) => Promise<void>): Promise<number> {
  const rates: number[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const store = await openEmbeddedStore({ path: path.join(root, `run-${++runs}`), durability });
    try {
      const start = performance.now();
      await run(store);
      rates.push(operations / ((performance.now() - start) / 1000));
    } finally {
      await store.close();
    }
  }
  return report(label, operations, rates);
}

function report(label: string, operations: number, rates: number[]): number {
  const [low = 0, median = 0, high = 0] = rates.sort((a, b) => a - b);
  const format = (rate: number): string => Math.round(rate).toLocaleString('en-US');
  console.log(`${label.padEnd(72)} ${format(median).padStart(9)} /s  (runs ${format(low)}..${format(high)}, ${operations} ops each)`);
  return median;
}

/** Each append awaited before the next: every append is its own transaction and its own fsync. */
const sequentialAppends = (durability: Durability, count: number): Promise<number> =>
  measure(`journal: one append per transaction, synchronous=${durability}`, count, durability, async (store) => {
    for (let seq = 1; seq <= count; seq++) await store.journal.append([record('node:seq', seq)]);
  });

/** Entities each persisting event after event, as a busy member does: their appends meet in group commits. */
const concurrentWriters = (durability: Durability, writers: number, eventsEach: number): Promise<number> =>
  measure(`journal: ${writers} concurrent writers (group commit), synchronous=${durability}`, writers * eventsEach, durability, async (store) => {
    await Promise.all(Array.from({ length: writers }, async (_, w) => {
      for (let seq = 1; seq <= eventsEach; seq++) await store.journal.append([record(`node:${w}`, seq)]);
    }));
  });

/** Everything issued in one tick: a single transaction. */
const oneTick = (durability: Durability, count: number): Promise<number> =>
  measure(`journal: ${count} appends in one tick (one transaction), synchronous=${durability}`, count, durability, async (store) => {
    await Promise.all(Array.from({ length: count }, (_, i) => store.journal.append([record(`node:${i}`, 1)])));
  });

const documentInserts = (count: number): Promise<number> =>
  measure(`documents: ${count} node inserts in one tick (doc + 9 index rows each)`, count, 'full', async (store) => {
    const nodes = store.documents.collection('nodes');
    await Promise.all(Array.from({ length: count }, (_, i) => nodes.insert(node(`n${String(i).padStart(8, '0')}`))));
  });

/** The floor under everything above: better-sqlite3 alone, JSON text into an (id, doc) table. */
function rawInserts(count: number): number {
  const rates: number[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const db = new Database(path.join(root, `raw-${++runs}.sqlite`));
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec('CREATE TABLE docs (id TEXT PRIMARY KEY NOT NULL, doc TEXT NOT NULL)');
      const insert = db.prepare<[string, string]>('INSERT INTO docs (id, doc) VALUES (?, ?)');
      const start = performance.now();
      db.transaction(() => {
        for (let i = 0; i < count; i++) {
          const id = `n${String(i).padStart(8, '0')}`;
          insert.run(id, JSON.stringify(node(id)));
        }
      })();
      rates.push(count / ((performance.now() - start) / 1000));
    } finally {
      db.close();
    }
  }
  return report(`better-sqlite3 alone: ${count} JSON documents in one transaction`, count, rates);
}

try {
  console.log(`node ${process.version}, better-sqlite3 in ${root}\n`);
  const sequentialFull = await sequentialAppends('full', 1000);
  await sequentialAppends('normal', 5000);
  const writersFull = await concurrentWriters('full', 100, 100);
  await concurrentWriters('normal', 100, 100);
  await oneTick('full', 20_000);
  await documentInserts(20_000);
  rawInserts(100_000);
  console.log(`\ngroup commit, 100 concurrent writers vs one append per transaction (synchronous=full): ${(writersFull / sequentialFull).toFixed(0)}x`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
