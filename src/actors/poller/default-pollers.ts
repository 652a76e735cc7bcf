/**
 * RackHD creates a node's pollers when the node gets a BMC (on-tasks create-default-pollers.js and
 * workitems.createIpmiPollers: `sdr`, `sel` and chassis/power every 60 s for an IPMI BMC; the Redfish
 * poller graphs for a Redfish one). Here the trigger is RackHD's own event, `node.obms.assigned` (or
 * `node.obms.updated`), on the event bus: the pollers are created by messages to the poller entities,
 * under ids derived from node and command, so the same event twice creates nothing new.
 */
import type { Logger } from '../../logging/logger.ts';
import type { ObmDoc } from '../../persistence/collections.ts';
import type { DocumentCollection } from '../../persistence/document-store.ts';
import type { DomainEvent } from '../events/event-bus.ts';
import { DEFAULT_POLL_INTERVAL_MS } from './poller-spec.ts';
import type { PollerName, PollerSpec } from './poller-protocol.ts';
import { defaultPollerId, type PollerService } from './poller-service.ts';

const defaults: Readonly<Record<string, { readonly name: PollerName; readonly commands: readonly string[] }>> = {
  'ipmi-obm-service': { name: 'Pollers.IPMI', commands: ['sdr', 'sel', 'chassis'] },
  'redfish-obm-service': { name: 'Pollers.Redfish', commands: ['chassis.thermal', 'chassis.power', 'systems.logservices'] },
};

/** The default pollers of a node whose OBM uses `service`; none for services without a poller. */
export function defaultPollerSpecs(nodeId: string, service: string, pollInterval = DEFAULT_POLL_INTERVAL_MS): { readonly id: string; readonly spec: PollerSpec }[] {
  const d = defaults[service];
  if (d === undefined) return [];
  return d.commands.map((command) => ({ id: defaultPollerId(nodeId, d.name, command), spec: { name: d.name, node: nodeId, config: { command }, pollInterval } }));
}

export interface DefaultPollerDeps {
  readonly service: PollerService;
  readonly obms: DocumentCollection<ObmDoc>;
  readonly log: Logger;
  readonly pollInterval?: number;
}

/** Creates the default pollers of `nodeId` for its OBM records (all of them, or the one of `service`). */
export async function ensureDefaultPollers(d: DefaultPollerDeps, nodeId: string, service?: string): Promise<number> {
  const services = service !== undefined ? [service] : (await d.obms.find({ node: nodeId })).map((o) => o.service);
  let created = 0;
  for (const s of services) {
    for (const { id, spec } of defaultPollerSpecs(nodeId, s, d.pollInterval)) {
      if ((await d.service.create(spec, id)).created) created++;
    }
  }
  if (created > 0) d.log.info({ nodeId, created }, 'default pollers created');
  return created;
}

/** The event-bus subscriber: returns the handler to subscribe with. */
export function defaultPollerSubscriber(d: DefaultPollerDeps): (event: DomainEvent) => void {
  return (event) => {
    if (event.type !== 'node' || (event.action !== 'obms.assigned' && event.action !== 'obms.updated') || event.nodeId === undefined) return;
    const service = typeof event.data['service'] === 'string' ? event.data['service'] : undefined;
    const nodeId = event.nodeId;
    ensureDefaultPollers(d, nodeId, service).catch((e: unknown) => d.log.error({ err: e, nodeId }, 'default pollers not created'));
  };
}
