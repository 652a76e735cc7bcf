/**
 * What the DHCP server needs from lease storage, owned by its consumer: offers, requests, declines and
 * releases against a subnet's pool. The implementation (`actor-lease-pool.ts`) sends them to the
 * subnet's lease-pool entity, the single writer of its allocations.
 */
import type { OfferReply, RequestKind, RequestReply } from '../../actors/dhcp/pool-protocol.ts';

export type { OfferReply, RequestKind, RequestReply } from '../../actors/dhcp/pool-protocol.ts';

export interface LeasePool {
  /** RFC 2131 §4.3.1: an address held for this client for a short while. */
  offer(subnet: string, mac: string, requestedIp?: string): Promise<OfferReply>;
  /** RFC 2131 §4.3.2: commit (ack), refuse (nak) or stay silent (ignore). */
  request(subnet: string, mac: string, ip: string, kind: RequestKind): Promise<RequestReply>;
  /** RFC 2131 §4.3.3: the client found the address in use. */
  decline(subnet: string, mac: string, ip: string): Promise<boolean>;
  /** RFC 2131 §4.3.4 */
  release(subnet: string, mac: string, ip: string): Promise<boolean>;
}
