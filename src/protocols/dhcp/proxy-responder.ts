/**
 * proxyDHCP (PXE spec 2.1 §2.2.5–2.2.6, RFC 4578): next to the site's DHCP server, which owns the
 * addresses, answer PXE clients with boot information only. On port 67 a DISCOVER gets an OFFER
 * without an address (yiaddr 0) carrying option 60 "PXEClient" (which makes the client treat it as a
 * proxy offer), siaddr, the boot file, option 54 and the client's UUID; on port 4011 the client's
 * REQUEST gets an ACK with siaddr and a filename, without which iPXE ignores it (real-clients.md F3).
 *
 * A REQUEST on port 67 naming another server (option 54) is the client accepting the site server's
 * offer and is never answered: answering it would fight the site server. One naming this server is a
 * client that took the proxy offer as its DHCP offer; it gets the same boot information in an ACK,
 * still without an address, so simple clients (udhcpc, dhclient) can read what PXE ROMs read.
 */
import { addressOf, trackClient } from './client-tracking.ts';
import type { ClientRequest } from './client-request.ts';
import type { MessageTypeName } from './dhcp-constants.ts';
import { addBootInfo, draftReply, encodeReply } from './reply-builder.ts';
import { bootServerDestination, replyDestination, type Destination } from './reply-destination.ts';
import { bootName, planBoot, type ResponderContext } from './responder-context.ts';
import { silent, type Outcome } from './responder-outcome.ts';

export class ProxyResponder {
  constructor(private readonly c: ResponderContext) {}

  /** Port 67: broadcasts meant for the site's DHCP server, and relayed copies of them. */
  async onDhcpPort(request: ClientRequest): Promise<Outcome> {
    const ip = addressOf(request);
    const node = trackClient(this.c.directory, this.c.log, request, ip);
    switch (request.messageType) {
      case 'DISCOVER':
        return this.answer(request, node, 'OFFER', replyDestination(request.packet, false, this.c.ports), undefined);
      case 'REQUEST':
        if (request.serverId === undefined) return silent('REQUEST without a server identifier belongs to the site DHCP server');
        if (request.serverId !== this.c.boot.serverAddress) return silent(`REQUEST names server ${request.serverId}`);
        return this.answer(request, node, 'ACK', replyDestination(request.packet, false, this.c.ports), undefined);
      case 'DECLINE':
      case 'RELEASE':
      case 'INFORM':
      case 'OFFER':
      case 'ACK':
      case 'NAK':
        return silent(`DHCP${request.messageType} is the site DHCP server's`);
    }
  }

  /** Port 4011: the PXE boot server request a client sends after receiving a proxy offer. */
  async onBootServerPort(request: ClientRequest, source: Destination): Promise<Outcome> {
    const ip = source.address !== '0.0.0.0' ? source.address : addressOf(request);
    const node = trackClient(this.c.directory, this.c.log, request, ip);
    if (request.messageType !== 'REQUEST' && request.messageType !== 'INFORM') {
      return silent(`DHCP${request.messageType} is not a boot server request`);
    }
    return this.answer(request, node, 'ACK', bootServerDestination(request.packet, source, this.c.ports), ip);
  }

  private async answer(
    request: ClientRequest,
    node: Promise<{ readonly nodeId: string }>,
    messageType: MessageTypeName,
    to: Destination,
    ipAddress: string | undefined,
  ): Promise<Outcome> {
    const { plan, reason } = await planBoot(this.c, request, node, 'proxydhcp', ipAddress);
    if (plan === undefined) return silent(reason);
    const draft = draftReply(request, messageType, this.c.boot.serverAddress);
    addBootInfo(draft, plan.target, this.c.boot, true);
    return { kind: 'reply', messageType, packet: encodeReply(draft), to, bootFile: bootName(plan.target) };
  }
}
