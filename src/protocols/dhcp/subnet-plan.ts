/**
 * Server mode's subnets, checked once at start-up: each becomes the spec of its lease-pool entity plus
 * the options every lease on it carries. A request is placed on a subnet by its relay's address
 * (giaddr, RFC 2131 §4.3.1), else by the client's own address, else on the subnet of the server's
 * address: the socket is bound to 0.0.0.0 and Node does not say which interface a broadcast came in on.
 */
import { ValidationError } from '../../errors.ts';
import { normalizeMac } from '../../actors/lookup/mac-address.ts';
import { formatCidr, formatIpv4, inNetwork, isIpv4, parseCidr, parseIpv4, type Ipv4Network } from '../../actors/dhcp/ipv4-address.ts';
import type { PoolSpec } from '../../actors/dhcp/pool-protocol.ts';
import type { DhcpPacket } from './packet-codec.ts';

export interface SubnetConfig {
  readonly subnet: string;
  readonly rangeStart: string;
  readonly rangeEnd: string;
  readonly router: string | null;
  readonly dnsServers: readonly string[];
  readonly domainName: string | null;
  readonly leaseSeconds: number;
  readonly reservations: readonly { readonly mac: string; readonly ipAddress: string; readonly hostname: string | null }[];
}

export interface SubnetPlan {
  /** Canonical CIDR; the lease-pool entity id. */
  readonly id: string;
  readonly net: Ipv4Network;
  readonly mask: string;
  readonly broadcast: string;
  readonly router?: string;
  readonly dnsServers: readonly string[];
  readonly domainName?: string;
  readonly leaseSeconds: number;
  readonly pool: PoolSpec;
}

export interface PlanOptions {
  readonly serverAddress: string;
  /** Lease-pool entities per subnet (`PoolSpec.shards`). */
  readonly poolShards: number;
  readonly offerHoldMs: number;
  readonly declineHoldMs: number;
}

export function planSubnets(configs: readonly SubnetConfig[], o: PlanOptions): SubnetPlan[] {
  const problems: { path: string; message: string }[] = [];
  const plans: SubnetPlan[] = [];
  configs.forEach((c, i) => {
    const at = `dhcp.subnets[${i}]`;
    const net = parseCidr(c.subnet);
    if (net === undefined) {
      problems.push({ path: `${at}.subnet`, message: `"${c.subnet}" is not an IPv4 CIDR` });
      return;
    }
    const inside = (field: string, text: string): number | undefined => {
      const n = parseIpv4(text);
      if (n === undefined || !inNetwork(net, n)) {
        problems.push({ path: `${at}.${field}`, message: `"${text}" is not an address on ${c.subnet}` });
        return undefined;
      }
      return n;
    };
    const start = inside('rangeStart', c.rangeStart);
    const end = inside('rangeEnd', c.rangeEnd);
    if (start !== undefined && end !== undefined && start > end) problems.push({ path: at, message: 'rangeStart is after rangeEnd' });
    if (c.router !== null) inside('router', c.router);
    c.dnsServers.forEach((d, j) => {
      if (!isIpv4(d)) problems.push({ path: `${at}.dnsServers[${j}]`, message: `"${d}" is not an IPv4 address` });
    });
    const reservations = c.reservations.flatMap((r, j) => {
      let mac: string;
      try {
        mac = normalizeMac(r.mac);
      } catch {
        problems.push({ path: `${at}.reservations[${j}].mac`, message: `"${r.mac}" is not a MAC address` });
        return [];
      }
      if (inside(`reservations[${j}].ipAddress`, r.ipAddress) === undefined) return [];
      return [{ mac, ipAddress: r.ipAddress, ...(r.hostname === null ? {} : { hostname: r.hostname }) }];
    });
    const id = formatCidr(net);
    if (plans.some((p) => p.id === id)) problems.push({ path: `${at}.subnet`, message: `${id} is configured twice` });
    plans.push({
      id,
      net,
      mask: formatIpv4(net.mask),
      broadcast: formatIpv4(net.broadcast),
      ...(c.router === null ? {} : { router: c.router }),
      dnsServers: c.dnsServers,
      ...(c.domainName === null ? {} : { domainName: c.domainName }),
      leaseSeconds: c.leaseSeconds,
      pool: {
        subnet: id,
        shards: o.poolShards,
        rangeStart: c.rangeStart,
        rangeEnd: c.rangeEnd,
        leaseSeconds: c.leaseSeconds,
        reservations,
        excluded: [o.serverAddress, ...(c.router === null ? [] : [c.router])],
        offerHoldMs: o.offerHoldMs,
        declineHoldMs: o.declineHoldMs,
      },
    });
  });
  if (problems.length > 0) throw new ValidationError(`invalid DHCP subnets: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, problems);
  return plans;
}

const containing = (plans: readonly SubnetPlan[], text: string): SubnetPlan | undefined => {
  const n = parseIpv4(text);
  return n === undefined ? undefined : plans.find((p) => inNetwork(p.net, n));
};

export function subnetFor(plans: readonly SubnetPlan[], packet: DhcpPacket, serverAddress: string): SubnetPlan | undefined {
  if (packet.giaddr !== '0.0.0.0') return containing(plans, packet.giaddr);
  if (packet.ciaddr !== '0.0.0.0') return containing(plans, packet.ciaddr);
  return containing(plans, serverAddress) ?? (plans.length === 1 ? plans[0] : undefined);
}
