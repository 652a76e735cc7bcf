/**
 * Translation between journal records and SQLite rows. Writing validates what the port's types cannot
 * promise at run time (integers, JSON-serialisable payloads); reading trusts nothing, because the file
 * may have been written by another version, edited by hand or damaged: every column is type-checked and
 * any undecodable row becomes a `JournalCorruptError` naming the key and sequence number, rather than an
 * entity recovering from a wrong history.
 */
import { JournalCorruptError, ValidationError } from '../../errors.ts';
import type { JournalRecord, SnapshotRecord } from '../journal.ts';
import { toJsonText } from '../json-text.ts';

export interface JournalRow {
  readonly persistence_key: string;
  readonly sequence_number: number;
  readonly event_type: string;
  readonly payload: string;
  readonly tags: string;
  readonly created_at: number;
}

export interface SnapshotRow {
  readonly persistence_key: string;
  readonly sequence_number: number;
  readonly state: string;
  readonly created_at: number;
}

/** Rows as they come back from SQLite: nothing about their columns is known yet. */
export type RawRow = Readonly<Record<string, unknown>>;

export function encodeJournalRecord(record: JournalRecord): JournalRow {
  const where = `journal record ${String(record.persistenceKey)}#${String(record.sequenceNumber)}`;
  requireKey(record.persistenceKey, where);
  if (!Number.isSafeInteger(record.sequenceNumber) || record.sequenceNumber < 1) {
    throw new ValidationError(`${where}: the sequence number must be a positive integer`);
  }
  if (typeof record.eventType !== 'string' || record.eventType === '') throw new ValidationError(`${where}: the event type must be a non-empty string`);
  requireTimestamp(record.createdAt, where);
  if (!Array.isArray(record.tags) || !record.tags.every((t) => typeof t === 'string')) throw new ValidationError(`${where}: tags must be strings`);
  return {
    persistence_key: record.persistenceKey,
    sequence_number: record.sequenceNumber,
    event_type: record.eventType,
    payload: toJsonText(record.payload, `${where}: the payload`),
    tags: JSON.stringify(record.tags),
    created_at: record.createdAt,
  };
}

export function encodeSnapshot(snapshot: SnapshotRecord): SnapshotRow {
  const where = `snapshot ${String(snapshot.persistenceKey)}#${String(snapshot.sequenceNumber)}`;
  requireKey(snapshot.persistenceKey, where);
  if (!Number.isSafeInteger(snapshot.sequenceNumber) || snapshot.sequenceNumber < 0) {
    throw new ValidationError(`${where}: the sequence number must be a non-negative integer`);
  }
  requireTimestamp(snapshot.createdAt, where);
  return {
    persistence_key: snapshot.persistenceKey,
    sequence_number: snapshot.sequenceNumber,
    state: toJsonText(snapshot.state, `${where}: the state`),
    created_at: snapshot.createdAt,
  };
}

export function decodeJournalRow(persistenceKey: string, row: RawRow): JournalRecord {
  const sequenceNumber = decodeSequenceNumber(persistenceKey, row);
  const corrupt = (problem: string): JournalCorruptError => new JournalCorruptError(persistenceKey, sequenceNumber, problem);
  const { event_type: eventType, created_at: createdAt } = row;
  if (typeof eventType !== 'string') throw corrupt(`the event type is ${describeColumn(eventType)}, not text`);
  if (typeof createdAt !== 'number') throw corrupt(`the timestamp is ${describeColumn(createdAt)}, not a number`);
  const payload = parseJsonColumn(row.payload, 'payload', corrupt);
  const tags = parseJsonColumn(row.tags, 'tags', corrupt);
  if (!Array.isArray(tags) || !tags.every((t): t is string => typeof t === 'string')) throw corrupt('the tags are not an array of strings');
  return { persistenceKey, sequenceNumber, eventType, payload, createdAt, tags };
}

export function decodeSnapshotRow(persistenceKey: string, row: RawRow): SnapshotRecord {
  const sequenceNumber = decodeSequenceNumber(persistenceKey, row);
  const corrupt = (problem: string): JournalCorruptError => new JournalCorruptError(persistenceKey, sequenceNumber, `snapshot: ${problem}`);
  const { created_at: createdAt } = row;
  if (typeof createdAt !== 'number') throw corrupt(`the timestamp is ${describeColumn(createdAt)}, not a number`);
  const state = parseJsonColumn(row.state, 'state', corrupt);
  return { persistenceKey, sequenceNumber, state, createdAt };
}

function decodeSequenceNumber(persistenceKey: string, row: RawRow): number {
  const value = row.sequence_number;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  // The sequence number itself is unreadable, so the error carries the closest number we can give.
  throw new JournalCorruptError(persistenceKey, Number(value), `the sequence number is ${describeColumn(value)}, not an integer`);
}

function parseJsonColumn(value: unknown, column: string, corrupt: (problem: string) => JournalCorruptError): unknown {
  if (typeof value !== 'string') throw corrupt(`the ${column} is ${describeColumn(value)}, not JSON text`);
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    throw corrupt(`the ${column} is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

function describeColumn(value: unknown): string {
  if (value === null) return 'NULL';
  if (Buffer.isBuffer(value)) return `a ${value.length}-byte blob`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

function requireKey(key: unknown, where: string): void {
  if (typeof key !== 'string' || key === '') throw new ValidationError(`${where}: the persistence key must be a non-empty string`);
}

function requireTimestamp(value: unknown, where: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ValidationError(`${where}: createdAt must be a finite number`);
}
