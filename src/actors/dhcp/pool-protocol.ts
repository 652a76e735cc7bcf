/**
 * The DHCP lease-pool entity: the single writer of the allocations of a share of a subnet's addresses.
 * A subnet's addresses are split by `address mod shards` over `shards` entities (ids `<cidr>#<k>`, see
 * `poolEntityId`), so every address has exactly one writer: two racing clients can never be offered the
 * same address (real-clients.md F1). The split exists because one entity commits one record at a time:
 * with node creation sharing the journal's fsyncs, a single pool entity per subnet saturated at about
 * 100 new clients a second here, while separate entities' commits share group commits. The leases
 * are journaled, so they survive a restart and a move to another cluster member.
 *
 * Offers are held in the entity's memory, not journaled (RFC 2131 §4.3.1 does not ask a server to
 * remember them): that halves the commits of an exchange, which bound a pool's rate, since one writer
 * commits one record at a time. A hold lost with a restart costs nothing: the client's REQUEST for a
 * free address is still acknowledged.
 *
 * Clients are identified by MAC, as RackHD's dhcpd does (`ignore-client-uids true`): a machine's PXE
 * ROM, iPXE and installed OS send different client identifiers but must keep one address.
 */
import type { ReplyTo } from '../runtime/reply.ts';

export interface PoolReservation {
  readonly mac: string;
  readonly ipAddress: string;
  readonly hostname?: string;
}

/** How a subnet's pool is configured; the entity reads it from configuration, never from its journal. */
export interface PoolSpec {
  /** Canonical CIDR. */
  readonly subnet: string;
  /**
   * How many entities share the subnet's addresses: entity `k` owns the addresses `a` with
   * `a mod shards = k` (`a` as a 32-bit number). Must not change while leases exist.
   */
  readonly shards: number;
  readonly rangeStart: string;
  readonly rangeEnd: string;
  readonly leaseSeconds: number;
  readonly reservations: readonly PoolReservation[];
  /** Addresses never handed out (the server's own, the router's). */
  readonly excluded: readonly string[];
  /** How long an offered address is held for the client it was offered to. */
  readonly offerHoldMs: number;
  /** How long a declined address (RFC 2131 §4.3.3: in use by someone else) is kept out of the pool. */
  readonly declineHoldMs: number;
}

/** RFC 2131 §4.3.2: the client state a DHCPREQUEST is sent from. */
export type RequestKind = 'selecting' | 'init-reboot' | 'renewing' | 'rebinding';

export type OfferReply =
  | { readonly ok: true; readonly ip: string; readonly leaseSeconds: number; readonly hostname?: string }
  | { readonly ok: false; readonly reason: string };

export type RequestReply =
  | { readonly outcome: 'ack'; readonly ip: string; readonly leaseSeconds: number; readonly expiresAt: number; readonly hostname?: string }
  | { readonly outcome: 'nak'; readonly reason: string }
  | { readonly outcome: 'ignore'; readonly reason: string };

/** `offered` exists only in memory (an offer hold); the journal holds the other three. */
export type LeaseState = 'offered' | 'bound' | 'released' | 'declined';

export interface LeaseRecord {
  readonly mac: string;
  readonly state: LeaseState;
  /** Epoch ms: end of the offer hold, the lease, or the decline quarantine; the release time when released. */
  readonly expiresAt: number;
  readonly updatedAt: number;
}

export interface PoolState {
  /**
   * Journaled leases by address, one record per address ever bound (so the pool's size bounds the
   * state), bucketed by /24: `"10.99.0"` → `"17"` → record (lease-table.ts says why).
   */
  readonly leases: Readonly<Record<string, Readonly<Record<string, LeaseRecord>>>>;
}

export interface LeaseView extends LeaseRecord {
  readonly ip: string;
}

export type PoolCommand =
  | { readonly type: 'pool.offer'; readonly mac: string; readonly requestedIp?: string; readonly replyTo: ReplyTo<OfferReply> }
  | { readonly type: 'pool.request'; readonly mac: string; readonly ip: string; readonly kind: RequestKind; readonly replyTo: ReplyTo<RequestReply> }
  /** RFC 2131 §4.3.3. Replies whether the address was taken out of the pool. */
  | { readonly type: 'pool.decline'; readonly mac: string; readonly ip: string; readonly replyTo: ReplyTo<boolean> }
  /** RFC 2131 §4.3.4. Replies whether a lease of this client was released. */
  | { readonly type: 'pool.release'; readonly mac: string; readonly ip: string; readonly replyTo: ReplyTo<boolean> }
  | { readonly type: 'pool.leases'; readonly replyTo: ReplyTo<readonly LeaseView[]> };

export type PoolEvent =
  | { readonly type: 'lease.bound'; readonly ip: string; readonly mac: string; readonly expiresAt: number; readonly at: number }
  | { readonly type: 'lease.released'; readonly ip: string; readonly mac: string; readonly at: number }
  | { readonly type: 'lease.declined'; readonly ip: string; readonly mac: string; readonly until: number; readonly at: number };

export const poolEventTypes: readonly PoolEvent['type'][] = ['lease.bound', 'lease.released', 'lease.declined'];

export const POOL_ENTITY_KIND = 'dhcp-pool';

export const poolEntityId = (subnet: string, shard: number): string => `${subnet}#${shard}`;

/** The share of the pool an address belongs to. */
export const shardOfAddress = (ip: number, shards: number): number => (ip >>> 0) % shards;
