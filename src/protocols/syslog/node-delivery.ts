/**
 * Hands parsed records to the node at their source address (`NodeDirectory.nodeAtAddress` → `observe`).
 *
 * Records from one address are delivered in arrival order, and a burst costs one lookup: while a lookup
 * for an address is in flight, later records from it queue behind it and go to the same node. The number
 * of records waiting is bounded (`maxPending`); the listener drops (UDP) or pauses reading (TCP) beyond it.
 * A lookup that neither answers nor fails within `lookupTimeoutMs` counts as failed, so a stuck directory
 * cannot pin records forever.
 */
import type { Logger } from '../../logging/logger.ts';
import { runInNewTrace } from '../../tracing/trace-scope.ts';
import type { NodeDirectory, ProtocolObservation } from '../node-directory.ts';
import type { SdElement, SyslogRecord } from './syslog-record.ts';
import type { SyslogStats } from './syslog-stats.ts';
import type { UnknownSources } from './unknown-sources.ts';

export interface DeliveryOptions {
  readonly maxPending: number;
  readonly lookupTimeoutMs: number;
}

/** The observation a node receives; `ProtocolObservation` carries this subset of a record today. */
export function toObservation(record: SyslogRecord, ipAddress: string): ProtocolObservation {
  return {
    type: 'syslog',
    ipAddress,
    facility: record.facility,
    severity: record.severity,
    ...(record.hostname === undefined ? {} : { hostname: record.hostname }),
    ...(record.appName === undefined ? {} : { appName: record.appName }),
    ...(record.procId === undefined ? {} : { procId: record.procId }),
    ...(record.msgId === undefined ? {} : { msgId: record.msgId }),
    ...(record.structuredData === undefined || record.structuredData.length === 0 ? {} : { structuredData: structuredDataOf(record.structuredData) }),
    ...(record.timestamp === undefined ? {} : { timestamp: record.timestamp }),
    format: record.format,
    message: record.message,
  };
}

/**
 * SD-ELEMENTs as a JSON object a query can reach (`structuredData.origin@32473.ip`). RFC 5424 §6.3.3 allows a
 * parameter name to repeat, so every name maps to its values in order; a repeated SD-ID (not allowed,
 * §6.3.2) merges into the first.
 */
function structuredDataOf(elements: readonly SdElement[]): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const element of elements) {
    const params = (out[element.id] ??= {});
    for (const p of element.params) (params[p.name] ??= []).push(p.value);
  }
  return out;
}

class LookupTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/** Lookup failures are logged at warn at most this often (the rest at debug): a dead directory must not flood the log. */
const WARN_INTERVAL_MS = 5_000;

/** One node lookup in flight for an address, with the records waiting for its answer. */
interface Lookup {
  readonly address: string;
  readonly records: SyslogRecord[];
  readonly startedAt: number;
}

export class NodeDelivery {
  private readonly lookups = new Map<string, Lookup>();
  private toStart: Lookup[] = [];
  private pendingCount = 0;
  /**
   * One timer expires every overdue lookup. A timer per lookup (and a Promise.race) cost more than the
   * rest of ingestion when each UDP datagram is its own batch (decision 0006).
   */
  private sweeper: NodeJS.Timeout | undefined;
  private drainListeners: (() => void)[] = [];
  private idleListeners: (() => void)[] = [];
  private lastWarnAt = 0;
  private suppressedWarnings = 0;

  constructor(
    private readonly directory: NodeDirectory,
    private readonly stats: SyslogStats,
    private readonly unknown: UnknownSources,
    private readonly log: Logger,
    private readonly options: DeliveryOptions,
  ) {}

  get pending(): number {
    return this.pendingCount;
  }

  get saturated(): boolean {
    return this.pendingCount >= this.options.maxPending;
  }

  /**
   * Queues a record for its address's node; false (and nothing queued) when `maxPending` is reached,
   * unless `force`: TCP frames already read are kept, and the connection is paused instead.
   */
  submit(address: string, record: SyslogRecord, force = false): boolean {
    if (this.saturated && !force) return false;
    this.pendingCount++;
    const inFlight = this.lookups.get(address);
    if (inFlight !== undefined) {
      inFlight.records.push(record);
      return true;
    }
    const lookup: Lookup = { address, records: [record], startedAt: Date.now() };
    this.lookups.set(address, lookup);
    this.armSweeper();
    // Started after the current I/O phase, so the datagrams read in it from this address share one lookup
    // (each UDP datagram is its own event; an immediate lookup would answer before the next one is read).
    this.toStart.push(lookup);
    if (this.toStart.length === 1) setImmediate(() => this.startLookups());
    return true;
  }

  private startLookups(): void {
    const batch = this.toStart;
    this.toStart = [];
    // Each address's batch is a trace of its own: the lookup, the records handed to its node and the
    // node's logs carry one trace id (the node id in those logs ties it to the machine's boot).
    for (const lookup of batch) runInNewTrace(() => this.startLookup(lookup));
  }

  private startLookup(lookup: Lookup): void {
    let answer: Promise<string | undefined>;
    try {
      answer = this.directory.nodeAtAddress(lookup.address);
    } catch (e) {
      answer = Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    answer.then(
      (nodeId) => this.finish(lookup, nodeId, undefined),
      (e: unknown) => this.finish(lookup, undefined, e ?? new Error('lookup failed')),
    );
  }

  /** Calls `listener` once, when the backlog next falls to half of `maxPending`. */
  onceDrained(listener: () => void): void {
    this.drainListeners.push(listener);
  }

  /** Resolves when every queued record has been delivered or dropped. */
  idle(): Promise<void> {
    if (this.lookups.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleListeners.push(resolve));
  }

  private finish(lookup: Lookup, nodeId: string | undefined, failure: unknown): void {
    // An answer after the deadline finds its lookup already expired and its records already counted.
    if (this.lookups.get(lookup.address) !== lookup) return;
    this.lookups.delete(lookup.address);
    const batch = lookup.records;
    const address = lookup.address;
    this.pendingCount -= batch.length;
    if (failure !== undefined) {
      this.stats.drop('deliveryFailed', batch.length);
      this.warnDeliveryFailed(address, batch.length, failure);
    } else if (nodeId === undefined) {
      this.stats.drop('unknownSource', batch.length);
      this.unknown.add(address, batch.length);
      this.log.debug({ peer: address, messages: batch.length }, 'syslog from an address no node is bound to');
    } else {
      for (const record of batch) {
        try {
          this.directory.observe(nodeId, toObservation(record, address));
          this.stats.add('answered');
        } catch (e) {
          this.stats.drop('deliveryFailed');
          this.warnDeliveryFailed(address, 1, e);
        }
      }
    }
    this.settled();
  }

  private armSweeper(): void {
    if (this.sweeper !== undefined) return;
    const every = Math.max(10, Math.min(1_000, Math.floor(this.options.lookupTimeoutMs / 2)));
    this.sweeper = setInterval(() => this.expireOverdue(), every);
    this.sweeper.unref();
  }

  private expireOverdue(): void {
    const overdue = Date.now() - this.options.lookupTimeoutMs;
    for (const lookup of [...this.lookups.values()]) {
      if (lookup.startedAt <= overdue) this.finish(lookup, undefined, new LookupTimeout(this.options.lookupTimeoutMs));
    }
  }

  private settled(): void {
    if (this.lookups.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
      const listeners = this.idleListeners;
      this.idleListeners = [];
      for (const listener of listeners) listener();
    }
    if (this.drainListeners.length === 0 || this.pendingCount > this.options.maxPending / 2) return;
    const listeners = this.drainListeners;
    this.drainListeners = [];
    for (const listener of listeners) listener();
  }

  private warnDeliveryFailed(address: string, messages: number, err: unknown): void {
    const now = Date.now();
    if (now - this.lastWarnAt >= WARN_INTERVAL_MS) {
      this.log.warn({ peer: address, messages, err, suppressed: this.suppressedWarnings }, 'syslog messages dropped: delivery to the node failed');
      this.lastWarnAt = now;
      this.suppressedWarnings = 0;
    } else {
      this.suppressedWarnings++;
      this.log.debug({ peer: address, messages, err }, 'syslog messages dropped: delivery to the node failed');
    }
  }
}
