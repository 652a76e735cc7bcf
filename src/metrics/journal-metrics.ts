/**
 * The journal timed: an `EventJournal` that measures each call against the store (append is the write
 * every command waits for before it replies; read and the snapshot calls are recovery's cost) and passes it
 * through unchanged. Wrapping the port keeps the actor runtime free of metrics, and times the embedded
 * store (group commit included) and MongoDB alike.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import { MonorailError } from '../errors.ts';
import type { EventJournal } from '../persistence/journal.ts';

/** An embedded append is one fsync (≈0.1–10 ms on SSDs); a MongoDB one is a network round trip with majority write concern. */
const buckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function timedJournal(registry: Registry, journal: EventJournal): EventJournal {
  const durations = new Histogram({
    name: 'monorail_journal_operation_duration_seconds',
    help: 'Calls to the event journal, by operation (append, read, save_snapshot, latest_snapshot, highest_sequence, keys) and outcome (ok, or the error code).',
    labelNames: ['operation', 'outcome'] as const,
    buckets,
    registers: [registry],
  });
  const appended = new Counter({
    name: 'monorail_journal_appended_records_total',
    help: 'Journal records appended (one per committed command).',
    registers: [registry],
  });
  const timed = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
    const started = process.hrtime.bigint();
    let outcome = 'ok';
    try {
      return await call();
    } catch (e) {
      outcome = e instanceof MonorailError ? e.code.toLowerCase() : 'error';
      throw e;
    } finally {
      durations.observe({ operation, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };
  return {
    async append(records) {
      await timed('append', () => journal.append(records));
      appended.inc(records.length);
    },
    read: (key, after, limit) => timed('read', () => journal.read(key, after, limit)),
    highestSequenceNumber: (key) => timed('highest_sequence', () => journal.highestSequenceNumber(key)),
    saveSnapshot: (snapshot) => timed('save_snapshot', () => journal.saveSnapshot(snapshot)),
    latestSnapshot: (key) => timed('latest_snapshot', () => journal.latestSnapshot(key)),
    keys: (prefix) => timed('keys', () => journal.keys(prefix)),
  };
}
