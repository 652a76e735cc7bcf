/**
 * The allocation rules of a lease pool as pure functions of its state, its configuration and the time:
 * which address to offer (RFC 2131 §4.3.1) and whether a DHCPREQUEST is acknowledged (§4.3.2). The
 * entity commits what these decide.
 */
import { formatIpv4, inNetwork, parseCidr, parseIpv4, type Ipv4Network } from './ipv4-address.ts';
import { shardOfAddress, type LeaseRecord, type PoolSpec, type RequestKind } from './pool-protocol.ts';

/** The pool's records by address: the journaled leases with the live in-memory offer holds over them. */
export interface LeaseBook {
  get(ip: string): LeaseRecord | undefined;
  entries(): Iterable<readonly [string, LeaseRecord]>;
  /** The addresses this MAC has a record for. */
  ipsOf(mac: string): Iterable<string>;
  /** Where the search for a never-used address starts; moved past what it finds (a hint only). */
  cursor: number;
}

export interface PoolIndex {
  readonly spec: PoolSpec;
  /** The share of the subnet this entity owns (see `PoolSpec.shards`). */
  readonly shard: number;
  readonly net: Ipv4Network;
  readonly start: number;
  readonly end: number;
  readonly reservedByMac: ReadonlyMap<string, { readonly ip: number; readonly hostname?: string }>;
  readonly reservedIps: ReadonlyMap<number, string>;
  readonly excluded: ReadonlySet<number>;
}

/** Validated when the server starts (`planSubnets`), so a bad spec here is a programming error. */
export function indexPool(spec: PoolSpec, shard: number): PoolIndex {
  const net = parseCidr(spec.subnet);
  const start = parseIpv4(spec.rangeStart);
  const end = parseIpv4(spec.rangeEnd);
  if (net === undefined || start === undefined || end === undefined) throw new Error(`invalid pool spec ${spec.subnet}`);
  const reservedByMac = new Map<string, { ip: number; hostname?: string }>();
  const reservedIps = new Map<number, string>();
  for (const r of spec.reservations) {
    const ip = parseIpv4(r.ipAddress);
    if (ip === undefined) continue;
    reservedByMac.set(r.mac, { ip, ...(r.hostname === undefined ? {} : { hostname: r.hostname }) });
    reservedIps.set(ip, r.mac);
  }
  const excluded = new Set<number>(spec.excluded.flatMap((a) => parseIpv4(a) ?? []));
  if (net.prefixLength < 31) {
    excluded.add(net.network);
    excluded.add(net.broadcast);
  }
  return { spec, shard, net, start, end, reservedByMac, reservedIps, excluded };
}

const owns = (idx: PoolIndex, ip: number): boolean => shardOfAddress(ip, idx.spec.shards) === idx.shard;
const inRange = (idx: PoolIndex, ip: number): boolean => ip >= idx.start && ip <= idx.end && owns(idx, ip);
const recordOf = (book: LeaseBook, ip: number): LeaseRecord | undefined => book.get(formatIpv4(ip));

/** May this client be given this address now? */
export function usableBy(state: LeaseBook, idx: PoolIndex, mac: string, ip: number, now: number): boolean {
  if (!inNetwork(idx.net, ip) || idx.excluded.has(ip) || !owns(idx, ip)) return false;
  const owner = idx.reservedIps.get(ip);
  if (owner !== undefined && owner !== mac) return false;
  if (owner === undefined && !inRange(idx, ip)) return false;
  const r = recordOf(state, ip);
  if (r === undefined) return true;
  if (r.state === 'declined') return r.expiresAt <= now;
  return r.mac === mac || r.expiresAt <= now;
}

/**
 * RFC 2131 §4.3.1 order: the client's reservation, its current or previous address, the address it
 * asks for, a never-used address, and last the address that has been free the longest.
 */
export function chooseAddress(state: LeaseBook, idx: PoolIndex, mac: string, requestedIp: string | undefined, now: number): number | undefined {
  const reserved = idx.reservedByMac.get(mac);
  if (reserved !== undefined) return owns(idx, reserved.ip) ? reserved.ip : undefined;

  let previous: { ip: number; r: LeaseRecord } | undefined;
  for (const text of state.ipsOf(mac)) {
    const r = state.get(text);
    if (r === undefined || r.mac !== mac || r.state === 'declined') continue;
    const ip = parseIpv4(text);
    if (ip === undefined || !usableBy(state, idx, mac, ip, now)) continue;
    const live = r.expiresAt > now && (r.state === 'bound' || r.state === 'offered');
    const prevLive = previous !== undefined && previous.r.expiresAt > now && previous.r.state !== 'released';
    if (previous === undefined || (live && !prevLive) || (live === prevLive && r.updatedAt > previous.r.updatedAt)) previous = { ip, r };
  }
  if (previous !== undefined) return previous.ip;

  const requested = requestedIp === undefined ? undefined : parseIpv4(requestedIp);
  if (requested !== undefined && inRange(idx, requested) && usableBy(state, idx, mac, requested, now)) return requested;

  // A never-used address, searched from where the last search stopped, so handing out a fresh pool
  // address by address costs O(1) each rather than a scan from the start.
  // Only this shard's addresses: every `shards`-th one, from the first it owns.
  const step = idx.spec.shards;
  const first = idx.start + ((idx.shard - shardOfAddress(idx.start, step) + step) % step);
  if (first <= idx.end) {
    const count = Math.floor((idx.end - first) / step) + 1;
    const from = state.cursor >= first && state.cursor <= idx.end ? Math.floor((state.cursor - first) / step) : 0;
    for (let k = 0; k < count; k++) {
      const ip = first + ((from + k) % count) * step;
      if (recordOf(state, ip) === undefined && usableBy(state, idx, mac, ip, now)) {
        state.cursor = ip + step;
        return ip;
      }
    }
  }

  let oldest: { ip: number; at: number } | undefined;
  for (const [text, r] of state.entries()) {
    const ip = parseIpv4(text);
    if (ip === undefined || !inRange(idx, ip) || !usableBy(state, idx, mac, ip, now)) continue;
    if (oldest === undefined || r.expiresAt < oldest.at) oldest = { ip, at: r.expiresAt };
  }
  return oldest?.ip;
}

export type RequestVerdict = { readonly outcome: 'ack' } | { readonly outcome: 'nak' | 'ignore'; readonly reason: string };

/**
 * RFC 2131 §4.3.2. A client's own record for the address (offered, bound, or lapsed and not reused) is
 * acknowledged in every state. An address that is another client's, reserved for someone else, outside
 * the subnet or the pool is NAKed. With no record at all, SELECTING is acknowledged when the address is
 * free (the offer's hold was lost with a restart: the client did select this server) and INIT-REBOOT,
 * RENEWING and REBINDING stay silent, as §4.3.2 asks of a server with no record of the client.
 */
export function checkRequest(state: LeaseBook, idx: PoolIndex, mac: string, ipText: string, kind: RequestKind, now: number): RequestVerdict {
  const ip = parseIpv4(ipText);
  if (ip === undefined || !inNetwork(idx.net, ip)) return { outcome: 'nak', reason: `${ipText} is not on ${idx.spec.subnet}` };
  // The adapter sends a request to the shard that owns its address; anything else is a routing error.
  if (!owns(idx, ip)) return { outcome: 'ignore', reason: `${ipText} belongs to another share of ${idx.spec.subnet}` };
  const reserved = idx.reservedByMac.get(mac);
  if (reserved !== undefined && reserved.ip !== ip) return { outcome: 'nak', reason: `client has the reservation ${formatIpv4(reserved.ip)}` };
  const owner = idx.reservedIps.get(ip);
  if (owner !== undefined && owner !== mac) return { outcome: 'nak', reason: `${ipText} is reserved for another client` };
  if (idx.excluded.has(ip)) return { outcome: 'nak', reason: `${ipText} is not assignable` };
  if (owner === undefined && !inRange(idx, ip)) return { outcome: 'nak', reason: `${ipText} is outside the pool` };
  const r = recordOf(state, ip);
  if (r !== undefined) {
    if (r.state === 'declined' && r.expiresAt > now) return { outcome: 'nak', reason: `${ipText} was declined` };
    if (r.mac === mac && r.state !== 'declined') return { outcome: 'ack' };
    if (r.mac !== mac && r.expiresAt > now) return { outcome: 'nak', reason: `${ipText} is ${r.state === 'offered' ? 'offered' : 'leased'} to another client` };
  }
  if (owner === mac) return { outcome: 'ack' };
  if (kind === 'selecting') return usableBy(state, idx, mac, ip, now) ? { outcome: 'ack' } : { outcome: 'nak', reason: `${ipText} was not offered to this client` };
  return { outcome: 'ignore', reason: `no record of this client at ${ipText}` };
}
