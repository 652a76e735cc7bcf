/**
 * A webhook as stored in the `hooks` collection: RackHD's fields (id, name, url, filters) plus what
 * Monorail adds — the signing secret, sealed (src/secrets), and the delivery status the deliverer writes
 * back (counters incremented with `$inc`, so members sharing a store add up instead of overwriting).
 */
import { isSealed, type Sealed } from '../actors/secret-port.ts';
import type { HookDoc } from '../persistence/collections.ts';
import type { HookFilter } from './hook-filter.ts';

export interface LastDelivery {
  readonly at: string;
  /** The routing key of the event delivered (or not). */
  readonly event: string;
  readonly status: 'delivered' | 'failed';
  /** The receiver's answer to the last attempt; null when there was none (refused, timed out). */
  readonly httpStatus: number | null;
  readonly attempts: number;
  readonly error?: string;
}

export interface DeliveryCounters {
  readonly delivered: number;
  readonly failed: number;
  /** Events dropped because the hook's queue was full (its receiver slower than the events, or down). */
  readonly dropped: number;
  readonly lastDelivery?: LastDelivery;
}

export interface HookRecord {
  readonly id: string;
  readonly url: string;
  readonly name?: string;
  readonly filters: readonly HookFilter[];
  readonly secret?: Sealed;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly delivery: DeliveryCounters;
}

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function lastDeliveryOf(v: unknown): LastDelivery | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o['at'] !== 'string' || (o['status'] !== 'delivered' && o['status'] !== 'failed')) return undefined;
  return {
    at: o['at'],
    event: typeof o['event'] === 'string' ? o['event'] : '',
    status: o['status'],
    httpStatus: typeof o['httpStatus'] === 'number' ? o['httpStatus'] : null,
    attempts: count(o['attempts']),
    ...(typeof o['error'] === 'string' ? { error: o['error'] } : {}),
  };
}

/** The typed record of a stored document; tolerant of documents written by hand or by RackHD. */
export function hookRecord(doc: HookDoc): HookRecord {
  const delivery = (typeof doc['delivery'] === 'object' && doc['delivery'] !== null ? doc['delivery'] : {}) as Record<string, unknown>;
  const last = lastDeliveryOf(delivery['lastDelivery']);
  const createdAt = typeof doc['createdAt'] === 'string' ? doc['createdAt'] : new Date(0).toISOString();
  return {
    id: doc.id,
    url: doc.url,
    ...(typeof doc.name === 'string' ? { name: doc.name } : {}),
    filters: Array.isArray(doc.filters) ? doc.filters : [],
    ...(isSealed(doc['secret']) ? { secret: doc['secret'] } : {}),
    createdAt,
    updatedAt: typeof doc['updatedAt'] === 'string' ? doc['updatedAt'] : createdAt,
    delivery: { delivered: count(delivery['delivered']), failed: count(delivery['failed']), dropped: count(delivery['dropped']), ...(last ? { lastDelivery: last } : {}) },
  };
}
