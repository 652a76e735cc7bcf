/**
 * Full DHCP server (RFC 2131 §4.3): addresses from the subnets' lease pools, and for booting clients
 * the PXE information in the same reply, so no proxy is needed. Option 60 goes only to iPXE
 * ("PXEClient", saves it the ProxyDHCP wait) and to UEFI HTTP boot ("HTTPClient", which it requires);
 * in an offer to a PXE ROM it would break EDK2 (real-clients.md F2). The microkernel and ordinary
 * clients get a lease and no boot file (F8).
 */
import { addressOf, recordClient, trackClient } from './client-tracking.ts';
import type { ClientRequest } from './client-request.ts';
import { Opt } from './dhcp-constants.ts';
import type { LeasePool, RequestKind } from './lease-pool.ts';
import { ipListValue, ipValue, textValue, u32Value } from './option-values.ts';
import { addBootInfo, draftReply, encodeReply, type ReplyDraft } from './reply-builder.ts';
import { replyDestination } from './reply-destination.ts';
import { bootName, planBoot, type ResponderContext } from './responder-context.ts';
import { silent, type Outcome } from './responder-outcome.ts';
import { subnetFor, type SubnetPlan } from './subnet-plan.ts';

export interface ServerResponderContext extends ResponderContext {
  readonly leases: LeasePool;
  readonly subnets: readonly SubnetPlan[];
  /** NAK requests for addresses this server does not give the client (RFC 2131 §4.3.2); else stay silent. */
  readonly authoritative: boolean;
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class ServerResponder {
  constructor(private readonly c: ServerResponderContext) {}

  async respond(request: ClientRequest): Promise<Outcome> {
    switch (request.messageType) {
      case 'DISCOVER':
        return this.discover(request);
      case 'REQUEST':
        return this.request(request);
      case 'DECLINE':
        return this.decline(request);
      case 'RELEASE':
        return this.release(request);
      case 'INFORM':
        return this.inform(request);
      case 'OFFER':
      case 'ACK':
      case 'NAK':
        recordClient(this.c.directory, this.c.log, request, undefined);
        return silent(`DHCP${request.messageType} is a server message`);
    }
  }

  private subnetOf(request: ClientRequest): SubnetPlan | undefined {
    return subnetFor(this.c.subnets, request.packet, this.c.boot.serverAddress);
  }

  private async discover(request: ClientRequest): Promise<Outcome> {
    const node = trackClient(this.c.directory, this.c.log, request, undefined);
    const subnet = this.subnetOf(request);
    if (subnet === undefined) return silent(`no subnet serves giaddr ${request.packet.giaddr}`);
    // The node decides while the pool allocates: the two asks go to different actors.
    const boot = planBoot(this.c, request, node, 'dhcp', undefined);
    let offer;
    try {
      offer = await this.c.leases.offer(subnet.id, request.mac, request.requestedIp);
    } catch (e) {
      this.c.stats.add('errors');
      return silent(`lease pool ${subnet.id} did not answer: ${describe(e)}`);
    }
    if (!offer.ok) return silent(offer.reason);
    const draft = draftReply(request, 'OFFER', this.c.boot.serverAddress);
    draft.yiaddr = offer.ip;
    this.addLeaseOptions(draft, subnet, offer.leaseSeconds, offer.hostname);
    const bootFile = this.addBoot(draft, request, await boot);
    return { kind: 'reply', messageType: 'OFFER', packet: encodeReply(draft), to: replyDestination(request.packet, false, this.c.ports), ...bootFile };
  }

  private async request(request: ClientRequest): Promise<Outcome> {
    const { packet } = request;
    let kind: RequestKind;
    let ip: string | undefined;
    if (request.serverId !== undefined) {
      if (request.serverId !== this.c.boot.serverAddress) {
        recordClient(this.c.directory, this.c.log, request, undefined);
        return silent(`client chose server ${request.serverId}`);
      }
      kind = 'selecting';
      ip = request.requestedIp;
    } else if (packet.ciaddr === '0.0.0.0') {
      kind = 'init-reboot';
      ip = request.requestedIp;
    } else {
      // RENEWING is unicast and REBINDING broadcast; Node does not say which, and §4.3.2 treats both alike.
      kind = packet.giaddr === '0.0.0.0' ? 'renewing' : 'rebinding';
      ip = packet.ciaddr;
    }
    if (ip === undefined) {
      recordClient(this.c.directory, this.c.log, request, undefined);
      return silent(`${kind} REQUEST without a requested address (option 50)`);
    }
    const subnet = this.subnetOf(request);
    if (subnet === undefined) {
      recordClient(this.c.directory, this.c.log, request, undefined);
      return silent(`no subnet serves this ${kind} request`);
    }
    let verdict;
    try {
      verdict = await this.c.leases.request(subnet.id, request.mac, ip, kind);
    } catch (e) {
      this.c.stats.add('errors');
      recordClient(this.c.directory, this.c.log, request, undefined);
      return silent(`lease pool ${subnet.id} did not answer: ${describe(e)}`);
    }
    switch (verdict.outcome) {
      case 'ignore':
        recordClient(this.c.directory, this.c.log, request, undefined);
        return silent(verdict.reason);
      case 'nak': {
        recordClient(this.c.directory, this.c.log, request, undefined);
        if (!this.c.authoritative) return silent(`not authoritative: ${verdict.reason}`);
        const draft = draftReply(request, 'NAK', this.c.boot.serverAddress);
        draft.options.set(Opt.MESSAGE, textValue(verdict.reason.slice(0, 255)));
        return { kind: 'reply', messageType: 'NAK', packet: encodeReply(draft), to: replyDestination(packet, true, this.c.ports) };
      }
      case 'ack': {
        const node = trackClient(this.c.directory, this.c.log, request, verdict.ip);
        const draft = draftReply(request, 'ACK', this.c.boot.serverAddress);
        draft.yiaddr = verdict.ip;
        this.addLeaseOptions(draft, subnet, verdict.leaseSeconds, verdict.hostname);
        const bootFile = this.addBoot(draft, request, await planBoot(this.c, request, node, 'dhcp', verdict.ip));
        return { kind: 'reply', messageType: 'ACK', packet: encodeReply(draft), to: replyDestination(packet, false, this.c.ports), ...bootFile };
      }
    }
  }

  private async decline(request: ClientRequest): Promise<Outcome> {
    recordClient(this.c.directory, this.c.log, request, undefined);
    const subnet = this.subnetOf(request);
    const ip = request.requestedIp;
    if (request.serverId !== undefined && request.serverId !== this.c.boot.serverAddress) return silent(`DECLINE for server ${request.serverId}`);
    if (subnet === undefined || ip === undefined) return silent('DECLINE without a subnet or address');
    const taken = await this.c.leases.decline(subnet.id, request.mac, ip);
    this.c.stats.add('declines');
    return silent(taken ? `${ip} declined: kept out of the pool` : `DECLINE of ${ip}, which this client does not hold`);
  }

  private async release(request: ClientRequest): Promise<Outcome> {
    recordClient(this.c.directory, this.c.log, request, undefined);
    const ip = request.packet.ciaddr;
    if (request.serverId !== undefined && request.serverId !== this.c.boot.serverAddress) return silent(`RELEASE for server ${request.serverId}`);
    const subnet = this.subnetOf(request);
    if (subnet === undefined || ip === '0.0.0.0') return silent('RELEASE without a subnet or address');
    const released = await this.c.leases.release(subnet.id, request.mac, ip);
    this.c.stats.add('releases');
    return silent(released ? `${ip} released` : `RELEASE of ${ip}, which this client does not hold`);
  }

  /** RFC 2131 §4.3.5: configuration only; no address, no lease time. */
  private async inform(request: ClientRequest): Promise<Outcome> {
    recordClient(this.c.directory, this.c.log, request, addressOf(request));
    const subnet = this.subnetOf(request);
    if (subnet === undefined || request.packet.ciaddr === '0.0.0.0') return silent('INFORM from a client with no address on a served subnet');
    const draft = draftReply(request, 'ACK', this.c.boot.serverAddress);
    this.addConfigOptions(draft, subnet, undefined);
    this.c.stats.add('informs');
    return { kind: 'reply', messageType: 'ACK', packet: encodeReply(draft), to: replyDestination(request.packet, false, this.c.ports) };
  }

  private addConfigOptions(draft: ReplyDraft, subnet: SubnetPlan, hostname: string | undefined): void {
    const { options } = draft;
    options.set(Opt.SUBNET_MASK, ipValue(subnet.mask));
    if (subnet.router !== undefined) options.set(Opt.ROUTER, ipValue(subnet.router));
    if (subnet.dnsServers.length > 0) options.set(Opt.DNS_SERVERS, ipListValue(subnet.dnsServers));
    if (subnet.domainName !== undefined) options.set(Opt.DOMAIN_NAME, textValue(subnet.domainName));
    if (hostname !== undefined) options.set(Opt.HOSTNAME, textValue(hostname));
    if (draft.request.parameterList.includes(Opt.BROADCAST_ADDRESS)) options.set(Opt.BROADCAST_ADDRESS, ipValue(subnet.broadcast));
  }

  /** RFC 2132 §9.2, §9.11–9.12: lease time, T1 at half and T2 at 7/8 of it (RFC 2131 §4.4.5). */
  private addLeaseOptions(draft: ReplyDraft, subnet: SubnetPlan, leaseSeconds: number, hostname: string | undefined): void {
    this.addConfigOptions(draft, subnet, hostname);
    draft.options.set(Opt.LEASE_TIME, u32Value(leaseSeconds));
    draft.options.set(Opt.RENEWAL_TIME, u32Value(Math.floor(leaseSeconds / 2)));
    draft.options.set(Opt.REBINDING_TIME, u32Value(Math.floor((leaseSeconds * 7) / 8)));
  }

  private addBoot(draft: ReplyDraft, request: ClientRequest, planned: Awaited<ReturnType<typeof planBoot>>): { bootFile?: string } {
    const { plan, reason } = planned;
    if (plan === undefined) {
      this.c.log.debug({ macAddress: request.mac, reason }, 'lease without boot information');
      return {};
    }
    addBootInfo(draft, plan.target, this.c.boot, plan.target.via === 'http');
    return { bootFile: bootName(plan.target) };
  }
}
