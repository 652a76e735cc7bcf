/**
 * The member's own log records about one node or one workflow, kept in memory so the API can show them
 * (issue 7 point 6: `GET /nodes/{id}/logs/monorail`, `GET /workflows/{id}/logs`). The records are the
 * JSON lines the logger wrote, captured by the tee (log-tee.ts) after pino serialised and censored them,
 * so a record here shows exactly what the log shows and never a secret the log would not.
 *
 * Memory is bounded whatever is logged: each key (a node id or a workflow id) keeps a ring of its newest
 * `keepPerKey` records; at most `maxKeys` keys are held, and all records together stay under `maxBytes`,
 * the least recently written key going first when either cap is reached; a line longer than
 * `maxRecordBytes` is kept as a stub with its level, time, ids and the start of its message.
 *
 * Per member: a member holds the records it logged itself. On a cluster a node's records may be spread over
 * the members that handled it (its shard owner, the member whose DHCP or API saw it), and the API of one
 * member shows that member's share; every record carries `memberId`. Gathering them across members would
 * need a request to every member for every read, which a log view does not justify.
 */
import { pino } from 'pino';

export type RecordKind = 'node' | 'workflow';

/** pino's level names, lowest first, and their numbers. */
export const recordLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type RecordLevel = (typeof recordLevels)[number];

export function levelValue(level: RecordLevel): number {
  return pino.levels.values[level] ?? 30;
}

export interface LogRecordsOptions {
  /** The lowest level kept (default info). Records below it are not even serialised for the store. */
  readonly level?: RecordLevel;
  /** Newest records kept per node and per workflow (default 500). */
  readonly keepPerKey?: number;
  /** Nodes plus workflows with records held at once (default 5000). */
  readonly maxKeys?: number;
  /** All records together, in bytes of JSON (default 32 MiB). */
  readonly maxBytes?: number;
  /** A longer line is kept as a stub (default 8 KiB). */
  readonly maxRecordBytes?: number;
}

export const defaultLogRecordsOptions: Required<LogRecordsOptions> = Object.freeze({
  level: 'info',
  keepPerKey: 500,
  maxKeys: 5000,
  maxBytes: 32 * 1024 * 1024,
  maxRecordBytes: 8 * 1024,
});

/** One kept record: its level and time for filtering, and the line as the log wrote it. */
interface Entry {
  readonly level: number;
  /** ms since the epoch, from the record's own `time`. */
  readonly time: number;
  readonly line: string;
  /** What this entry counts against maxBytes (the line plus the entry's own overhead). */
  readonly bytes: number;
}

/** Bytes counted per entry beyond its line: the object, its fields and its ring slot, roughly. */
const ENTRY_OVERHEAD = 64;
/** Bytes counted per key: the map entry, the ring and the key string. */
const KEY_OVERHEAD = 128;

/** A fixed-capacity ring: pushing onto a full ring drops its oldest entry. */
class Ring {
  private readonly slots: (Entry | undefined)[] = [];
  private start = 0;
  size = 0;
  bytes = KEY_OVERHEAD;

  constructor(private readonly capacity: number) {}

  /** Adds `entry`; returns the entry it pushed out, if any. */
  push(entry: Entry): Entry | undefined {
    this.bytes += entry.bytes;
    if (this.size < this.capacity) {
      this.slots[(this.start + this.size) % this.capacity] = entry;
      this.size += 1;
      return undefined;
    }
    const dropped = this.shift();
    this.slots[(this.start + this.size) % this.capacity] = entry;
    this.size += 1;
    return dropped;
  }

  /** Removes and returns the oldest entry. */
  shift(): Entry | undefined {
    if (this.size === 0) return undefined;
    const oldest = this.slots[this.start];
    this.slots[this.start] = undefined;
    this.start = (this.start + 1) % this.capacity;
    this.size -= 1;
    if (oldest !== undefined) this.bytes -= oldest.bytes;
    return oldest;
  }

  /** Newest first. */
  *newestFirst(): Generator<Entry> {
    for (let i = this.size - 1; i >= 0; i -= 1) {
      const e = this.slots[(this.start + i) % this.capacity];
      if (e !== undefined) yield e;
    }
  }
}

export interface RecordQuery {
  /** Only records at this level or above. */
  readonly level?: RecordLevel;
  /** Only records at or after this time (ms). */
  readonly since?: number;
  /** Only records at or before this time (ms). */
  readonly until?: number;
  readonly skip: number;
  readonly top: number;
}

export interface RecordPage {
  /** Newest first, each the logged JSON object. */
  readonly items: readonly Record<string, unknown>[];
  /** Records matching the filters, of which `items` is the page. */
  readonly total: number;
}

export interface LogRecordsStats {
  readonly keys: number;
  readonly records: number;
  readonly bytes: number;
  /** Keys dropped whole to stay within maxKeys or maxBytes. */
  readonly evictedKeys: number;
  /** Lines longer than maxRecordBytes, kept as stubs. */
  readonly truncated: number;
  /** Lines that named a node or workflow but could not be read as JSON (not kept). */
  readonly unreadable: number;
}

/** The ids a record is filed under: the top-level fields the logger binds (forNode, forWorkflow, entity logBindings). */
const idFields: readonly (readonly [string, RecordKind])[] = [
  ['nodeId', 'node'],
  ['workflowId', 'workflow'],
];

/** Fields a stub keeps from an over-long record. */
const stubFields = ['level', 'time', 'memberId', 'nodeId', 'workflowId', 'taskId', 'component', 'entity', 'entityId', 'traceId'];
const STUB_MESSAGE_CHARS = 1024;

const keyOf = (kind: RecordKind, id: string): string => `${kind}:${id}`;

export class LogRecords {
  readonly options: Required<LogRecordsOptions>;
  /** The numeric level below which the tee does not offer records. */
  readonly levelValue: number;
  /** Insertion order is recency: a key written to is moved to the end, so the first key is the least recently written. */
  private readonly rings = new Map<string, Ring>();
  private bytes = 0;
  private records = 0;
  private evictedKeys = 0;
  private truncated = 0;
  private unreadable = 0;

  constructor(options: LogRecordsOptions = {}) {
    const o = { ...defaultLogRecordsOptions, ...options };
    for (const [name, min] of [['keepPerKey', 1], ['maxKeys', 1], ['maxBytes', 1024], ['maxRecordBytes', 256]] as const) {
      if (!Number.isInteger(o[name]) || o[name] < min) throw new RangeError(`log records: ${name} must be a whole number of at least ${min}, got ${o[name]}`);
    }
    if (!(recordLevels as readonly string[]).includes(o.level)) throw new RangeError(`log records: level must be one of ${recordLevels.join(', ')}, got ${String(o.level)}`);
    this.options = Object.freeze(o);
    this.levelValue = levelValue(o.level);
  }

  /**
   * Files one serialised log line under the node and workflow it names. Lines that name neither are
   * ignored without being parsed (most of a member's log); `level` is pino's number for the line.
   */
  add(line: string, level: number): void {
    if (level < this.levelValue) return;
    // Cheap test first: the JSON parse is paid only for lines that carry an id field.
    if (!line.includes('"nodeId"') && !line.includes('"workflowId"')) return;
    let record: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError('not an object');
      record = parsed as Record<string, unknown>;
    } catch {
      this.unreadable += 1;
      return;
    }
    const keys: string[] = [];
    for (const [field, kind] of idFields) {
      const id = record[field];
      // Ids are short strings; anything else (an object someone logged under that name) files nothing.
      if (typeof id === 'string' && id !== '' && id.length <= 128) keys.push(keyOf(kind, id));
    }
    if (keys.length === 0) return;
    const text = line.endsWith('\n') ? line.slice(0, -1) : line;
    const kept = text.length <= this.options.maxRecordBytes ? text : this.stub(record, text.length);
    const parsedTime = typeof record['time'] === 'string' ? Date.parse(record['time']) : typeof record['time'] === 'number' ? record['time'] : Number.NaN;
    const entry: Entry = { level, time: Number.isFinite(parsedTime) ? parsedTime : Date.now(), line: kept, bytes: kept.length + ENTRY_OVERHEAD };
    for (const key of keys) this.file(key, entry);
  }

  /** The records of one node or workflow, newest first, filtered and paged. */
  query(kind: RecordKind, id: string, q: RecordQuery): RecordPage {
    const ring = this.rings.get(keyOf(kind, id));
    if (ring === undefined) return { items: [], total: 0 };
    const min = q.level === undefined ? -Infinity : levelValue(q.level);
    const items: Record<string, unknown>[] = [];
    let total = 0;
    for (const e of ring.newestFirst()) {
      if (e.level < min || (q.since !== undefined && e.time < q.since) || (q.until !== undefined && e.time > q.until)) continue;
      if (total >= q.skip && items.length < q.top) items.push(JSON.parse(e.line) as Record<string, unknown>);
      total += 1;
    }
    return { items, total };
  }

  stats(): LogRecordsStats {
    return { keys: this.rings.size, records: this.records, bytes: this.bytes, evictedKeys: this.evictedKeys, truncated: this.truncated, unreadable: this.unreadable };
  }

  private file(key: string, entry: Entry): void {
    let ring = this.rings.get(key);
    if (ring === undefined) {
      ring = new Ring(this.options.keepPerKey);
      this.bytes += ring.bytes;
    } else {
      this.rings.delete(key);
    }
    this.rings.set(key, ring);
    const before = ring.bytes;
    const dropped = ring.push(entry);
    this.bytes += ring.bytes - before;
    if (dropped === undefined) this.records += 1;
    this.enforce(key);
  }

  /** Back within maxKeys and maxBytes: the least recently written keys go whole; the key just written loses its oldest records only. */
  private enforce(current: string): void {
    while (this.rings.size > this.options.maxKeys || this.bytes > this.options.maxBytes) {
      const [oldestKey, oldest] = this.rings.entries().next().value ?? [];
      if (oldestKey === undefined || oldest === undefined) return;
      if (oldestKey === current) {
        // Only the current key is left and it alone is over the budget.
        const before = oldest.bytes;
        if (oldest.shift() === undefined) return;
        this.bytes -= before - oldest.bytes;
        this.records -= 1;
        continue;
      }
      this.rings.delete(oldestKey);
      this.bytes -= oldest.bytes;
      this.records -= oldest.size;
      this.evictedKeys += 1;
    }
  }

  /** What is kept of a line over maxRecordBytes: its level, time and ids, the start of its message, and how long it was. */
  private stub(record: Record<string, unknown>, length: number): string {
    this.truncated += 1;
    const kept: Record<string, unknown> = {};
    for (const field of stubFields) {
      // Short scalars only, so the stub itself stays small whatever was bound under these names.
      const v = record[field];
      if ((typeof v === 'string' && v.length <= 256) || typeof v === 'number' || typeof v === 'boolean') kept[field] = v;
    }
    const msg = record['msg'];
    if (typeof msg === 'string') kept['msg'] = msg.length > STUB_MESSAGE_CHARS ? `${msg.slice(0, STUB_MESSAGE_CHARS)}…` : msg;
    kept['truncated'] = { bytes: length, limit: this.options.maxRecordBytes };
    return JSON.stringify(kept);
  }
}
