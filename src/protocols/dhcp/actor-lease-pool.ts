/**
 * The `LeasePool` port over the lease-pool entities. A subnet's addresses are shared among
 * `PoolSpec.shards` entities by address; this adapter routes each call to the one that owns it:
 * requests, declines and releases by their address, offers to the client's home shard (by a hash of
 * its MAC, or the owner of its reservation), then to the other shards when the home one is full.
 * Asks carry a deadline well inside a client's retransmission interval (RFC 2131 §4.1: about 4 s).
 */
import { parseIpv4 } from '../../actors/dhcp/ipv4-address.ts';
import { poolEntityId, shardOfAddress, type PoolCommand, type PoolSpec } from '../../actors/dhcp/pool-protocol.ts';
import type { EntityRouter } from '../../actors/runtime/entity-router.ts';
import type { LeasePool, OfferReply, RequestKind, RequestReply } from './lease-pool.ts';

interface Routing {
  readonly shards: number;
  readonly reservedIp: ReadonlyMap<string, number>;
}

/** FNV-1a: a stable spread of MACs over the shards. */
function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class ActorLeasePool implements LeasePool {
  private readonly routing: ReadonlyMap<string, Routing>;

  constructor(
    private readonly pools: EntityRouter<PoolCommand>,
    specs: readonly PoolSpec[],
    private readonly timeoutMs: number,
  ) {
    this.routing = new Map(
      specs.map((s) => [s.subnet, { shards: s.shards, reservedIp: new Map(s.reservations.flatMap((r) => (parseIpv4(r.ipAddress) === undefined ? [] : [[r.mac, parseIpv4(r.ipAddress)!] as const]))) }]),
    );
  }

  private route(subnet: string): Routing {
    return this.routing.get(subnet) ?? { shards: 1, reservedIp: new Map() };
  }

  private home(subnet: string, mac: string): number {
    const r = this.route(subnet);
    const reserved = r.reservedIp.get(mac);
    return reserved === undefined ? hashOf(mac) % r.shards : shardOfAddress(reserved, r.shards);
  }

  private owner(subnet: string, mac: string, ip: string): string {
    const n = parseIpv4(ip);
    return poolEntityId(subnet, n === undefined ? this.home(subnet, mac) : shardOfAddress(n, this.route(subnet).shards));
  }

  async offer(subnet: string, mac: string, requestedIp?: string): Promise<OfferReply> {
    const { shards } = this.route(subnet);
    const home = this.home(subnet, mac);
    let reply: OfferReply = { ok: false, reason: `no free address in ${subnet}` };
    for (let k = 0; k < shards && !reply.ok; k++) {
      const id = poolEntityId(subnet, (home + k) % shards);
      reply = await this.pools.ask(id, { type: 'pool.offer', mac, ...(requestedIp === undefined ? {} : { requestedIp }) }, this.timeoutMs);
    }
    return reply;
  }

  request(subnet: string, mac: string, ip: string, kind: RequestKind): Promise<RequestReply> {
    return this.pools.ask(this.owner(subnet, mac, ip), { type: 'pool.request', mac, ip, kind }, this.timeoutMs);
  }

  decline(subnet: string, mac: string, ip: string): Promise<boolean> {
    return this.pools.ask(this.owner(subnet, mac, ip), { type: 'pool.decline', mac, ip }, this.timeoutMs);
  }

  release(subnet: string, mac: string, ip: string): Promise<boolean> {
    return this.pools.ask(this.owner(subnet, mac, ip), { type: 'pool.release', mac, ip }, this.timeoutMs);
  }
}
