/**
 * The DHCP lease-pool entity: one per subnet (its id is the subnet in CIDR form), the single writer of
 * that subnet's allocations. Every DISCOVER and REQUEST for the subnet goes through its mailbox, so two
 * racing clients can never be offered the same address (real-clients.md F1), and the offers and leases
 * it commits are journaled, so they survive a restart and a move to another cluster member.
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
  /** Canonical CIDR, also the entity id. */
  readonly subnet: string;
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

export type LeaseState = 'offered' | 'bound' | 'released' | 'declined';

export interface LeaseRecord {
  readonly mac: string;
  readonly state: LeaseState;
  /** Epoch ms: end of the offer hold, the lease, or the decline quarantine; the release time when released. */
  readonly expiresAt: number;
  readonly updatedAt: number;
}

export interface PoolState {
  /** By address; one record per address ever used, so the pool's size bounds the state. */
  readonly leases: Readonly<Record<string, LeaseRecord>>;
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
  | { readonly type: 'lease.offered'; readonly ip: string; readonly mac: string; readonly expiresAt: number; readonly at: number }
  | { readonly type: 'lease.bound'; readonly ip: string; readonly mac: string; readonly expiresAt: number; readonly at: number }
  | { readonly type: 'lease.released'; readonly ip: string; readonly mac: string; readonly at: number }
  | { readonly type: 'lease.declined'; readonly ip: string; readonly mac: string; readonly until: number; readonly at: number };

export const poolEventTypes: readonly PoolEvent['type'][] = ['lease.offered', 'lease.bound', 'lease.released', 'lease.declined'];

export const POOL_ENTITY_KIND = 'dhcp-pool';
