/**
 * Every request is an event for its sender's node: the MAC is resolved (creating the node on first
 * contact, once, however many packets race) and the packet observed. The wire never waits on the
 * observation; the resolution is shared with the boot decision so a packet resolves its MAC once.
 */
import type { Logger } from '../../logging/logger.ts';
import type { NodeDirectory } from '../node-directory.ts';
import type { ClientRequest } from './client-request.ts';

export function trackClient(directory: NodeDirectory, log: Logger, request: ClientRequest, ipAddress: string | undefined): Promise<{ readonly nodeId: string }> {
  const node = directory.resolveMac(request.mac, ipAddress);
  void node
    .then(({ nodeId }) =>
      directory.observe(nodeId, {
        type: 'dhcp',
        messageType: `DHCP${request.messageType}`,
        ...(ipAddress === undefined ? {} : { ipAddress }),
        ...(request.vendorClass === undefined ? {} : { vendorClass: request.vendorClass }),
        arch: request.arch,
      }),
    )
    .catch((e: unknown) => log.warn({ err: e, macAddress: request.mac }, 'DHCP client not resolved to a node or not observed'));
  return node;
}

/** The address a request shows for its sender, if any: its own (ciaddr) or the one it asks for. */
export function addressOf(request: ClientRequest): string | undefined {
  if (request.packet.ciaddr !== '0.0.0.0') return request.packet.ciaddr;
  // udhcpc asks for 0.0.0.0 when it takes a proxy offer.
  return request.messageType === 'REQUEST' && request.requestedIp !== '0.0.0.0' ? request.requestedIp : undefined;
}

/** `trackClient` for a packet that needs no decision. */
export function recordClient(directory: NodeDirectory, log: Logger, request: ClientRequest, ipAddress: string | undefined): void {
  void trackClient(directory, log, request, ipAddress);
}
