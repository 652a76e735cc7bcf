/**
 * The allocation rules of a lease pool as pure functions of its state, its configuration and the time:
 * which address to offer (RFC 2131 §4.3.1) and whether a DHCPREQUEST is acknowledged (§4.3.2). The
 * entity commits what these decide.
 */
import { formatIpv4, inNetwork, parseCidr, parseIpv4, type Ipv4Network } from './ipv4-address.ts';
import type { LeaseRecord, PoolSpec, PoolState, RequestKind } from './pool-protocol.ts';

export interface PoolIndex {
  readonly spec: PoolSpec;
  readonly net: Ipv4Network;
  readonly start: number;
  readonly end: number;
  readonly reservedByMac: ReadonlyMap<string, { readonly ip: number; readonly hostname?: string }>;
  readonly reservedIps: ReadonlyMap<number, string>;
  readonly excluded: ReadonlySet<number>;
}

/** Validated when the server starts (`planSubnets`), so a bad spec here is a programming error. */
export function indexPool(spec: PoolSpec): PoolIndex {
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
  return { spec, net, start, end, reservedByMac, reservedIps, excluded };
}

const inRange = (idx: PoolIndex, ip: number): boolean => ip >= idx.start && ip <= idx.end;
const recordOf = (state: PoolState, ip: number): LeaseRecord | undefined => state.leases[formatIpv4(ip)];

/** May this client be given this address now? */
export function usableBy(state: PoolState, idx: PoolIndex, mac: string, ip: number, now: number): boolean {
  if (!inNetwork(idx.net, ip) || idx.excluded.has(ip)) return false;
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
export function chooseAddress(state: PoolState, idx: PoolIndex, mac: string, requestedIp: string | undefined, now: number): number | undefined {
  const reserved = idx.reservedByMac.get(mac);
  if (reserved !== undefined) return reserved.ip;

  let previous: { ip: number; r: LeaseRecord } | undefined;
  for (const [text, r] of Object.entries(state.leases)) {
    if (r.mac !== mac || r.state === 'declined') continue;
    const ip = parseIpv4(text);
    if (ip === undefined || !usableBy(state, idx, mac, ip, now)) continue;
    const live = r.expiresAt > now && (r.state === 'bound' || r.state === 'offered');
    const prevLive = previous !== undefined && previous.r.expiresAt > now && previous.r.state !== 'released';
    if (previous === undefined || (live && !prevLive) || (live === prevLive && r.updatedAt > previous.r.updatedAt)) previous = { ip, r };
  }
  if (previous !== undefined) return previous.ip;

  const requested = requestedIp === undefined ? undefined : parseIpv4(requestedIp);
  if (requested !== undefined && inRange(idx, requested) && usableBy(state, idx, mac, requested, now)) return requested;

  for (let ip = idx.start; ip <= idx.end; ip++) {
    if (recordOf(state, ip) === undefined && usableBy(state, idx, mac, ip, now)) return ip;
  }

  let oldest: { ip: number; at: number } | undefined;
  for (const [text, r] of Object.entries(state.leases)) {
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
 * the subnet or the pool is NAKed. With no record at all, SELECTING is NAKed (this server offered
 * nothing) and INIT-REBOOT, RENEWING and REBINDING stay silent, as §4.3.2 asks of a server with no
 * record of the client.
 */
export function checkRequest(state: PoolState, idx: PoolIndex, mac: string, ipText: string, kind: RequestKind, now: number): RequestVerdict {
  const ip = parseIpv4(ipText);
  if (ip === undefined || !inNetwork(idx.net, ip)) return { outcome: 'nak', reason: `${ipText} is not on ${idx.spec.subnet}` };
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
    if (r.mac !== mac && r.expiresAt > now) return { outcome: 'nak', reason: `${ipText} is leased to another client` };
  }
  if (owner === mac) return { outcome: 'ack' };
  if (kind === 'selecting') return { outcome: 'nak', reason: `${ipText} was not offered to this client` };
  return { outcome: 'ignore', reason: `no record of this client at ${ipText}` };
}
