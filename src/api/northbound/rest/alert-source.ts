/**
 * Which node a Redfish alert pushed to `POST /notification/alerts` is about, as RackHD's on-http
 * notification service (`redfishAlertProcessing`) decided it: by the address the alert came from, taken as
 * the node's BMC — an IPMI OBM record with that host, then the latest `bmc` catalog reporting that
 * `IP Address` — and here also a Redfish OBM record whose URI names that host and a lookup holding that IP.
 * RackHD also trusted `X-Forwarded-For`, which anyone can set; Monorail does not (only the socket's address).
 *
 * The body's `OriginOfCondition` may name the node through Monorail's own Redfish tree
 * (`/redfish/v1/Systems/<node id>`, `/redfish/v1/Chassis/<node id>`); that is honoured only for an
 * authenticated caller (an event relay), since the route is open to BMCs that cannot log in and anyone could
 * write any node's path into a body.
 */
import { isIP } from 'node:net';
import type { NodeDoc } from '../../../persistence/collections.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { ignoreNotFound } from './not-found.ts';
import { findNode } from './node-routes.ts';

export interface AlertSource {
  readonly nodeId: string;
  /** How the node was found, for the event's data and for operators reading it. */
  readonly by: 'ipmi-obm' | 'redfish-obm' | 'bmc-catalog' | 'lookup' | 'origin-of-condition';
  readonly macAddress?: string;
}

/** The socket's address as a plain IP (`::ffff:10.1.2.3` → `10.1.2.3`). */
export function senderAddress(remote: string | undefined): string | undefined {
  if (remote === undefined) return undefined;
  const plain = remote.startsWith('::ffff:') && isIP(remote.slice(7)) === 4 ? remote.slice(7) : remote;
  return isIP(plain) === 0 ? undefined : plain;
}

/** `OriginOfCondition` as a path: a string, or Redfish's `{"@odata.id": …}` link. */
export function originPath(origin: unknown): string | undefined {
  if (typeof origin === 'string') return origin;
  if (typeof origin === 'object' && origin !== null) {
    const id = (origin as Record<string, unknown>)['@odata.id'];
    if (typeof id === 'string') return id;
  }
  return undefined;
}

const monorailResource = /^\/redfish\/v1\/(?:Systems|Chassis)\/([^/?#]{1,200})\/?$/;

const hostOf = (uri: unknown): string | undefined => {
  if (typeof uri !== 'string') return undefined;
  try {
    return new URL(uri).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
};

const macIn = (data: unknown): string | undefined => {
  const mac = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)['MAC Address'] : undefined;
  return typeof mac === 'string' ? mac : undefined;
};

/** The node `origin` names in Monorail's Redfish tree, when it does. */
export async function nodeOfOrigin(ports: NorthboundPorts, origin: unknown): Promise<NodeDoc | undefined> {
  const m = monorailResource.exec(originPath(origin) ?? '');
  if (m?.[1] === undefined) return undefined;
  return ignoreNotFound(findNode(ports, decodeURIComponent(m[1])));
}

/** The node whose BMC (or whose own address) is `ip`, or undefined. */
export async function nodeOfSender(ports: NorthboundPorts, ip: string): Promise<AlertSource | undefined> {
  const obms = ports.documents.collection('obms');
  const ipmi = await obms.findOne({ service: 'ipmi-obm-service', 'config.host': ip });
  if (ipmi !== undefined) return { nodeId: ipmi.node, by: 'ipmi-obm' };
  for (const r of await obms.find({ service: 'redfish-obm-service' }, { limit: 10_000 })) {
    if (hostOf(r.config['uri']) === ip) return { nodeId: r.node, by: 'redfish-obm' };
  }
  const [bmc] = await ports.documents.collection('catalogs').find({ source: 'bmc', 'data.IP Address': ip }, { sort: { createdAt: -1 }, limit: 1 });
  if (bmc !== undefined) {
    const mac = macIn(bmc.data);
    return { nodeId: bmc.node, by: 'bmc-catalog', ...(mac === undefined ? {} : { macAddress: mac }) };
  }
  const lookup = await ports.documents.collection('lookups').findOne({ ipAddress: ip });
  if (lookup !== undefined) return { nodeId: lookup.node, by: 'lookup', macAddress: lookup.macAddress };
  return undefined;
}
