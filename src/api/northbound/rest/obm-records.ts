/**
 * OBM records as the API writes them: one record per node and service (RackHD's upsert), secret fields
 * sealed through the OBM sealing port before anything is stored, the node keeping only `{service, obmId}`
 * references (its actor is told), and every answer redacted.
 */
import { newEntityId } from '../../../actors/ids.ts';
import type { ObmServiceName } from '../../../actors/obm/obm-port.ts';
import { ValidationError } from '../../../errors.ts';
import type { NodeObmRef, ObmDoc } from '../../../persistence/collections.ts';
import { redactObm } from '../../../secrets/obm-credentials.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { ignoreNotFound } from './not-found.ts';
import { checkObmConfig, obmServiceNames } from './obm-definitions.ts';
import type { ObmConfigSealer } from './obm-sealing.ts';

export function obmView(doc: ObmDoc, base = '/api/2.0'): Record<string, unknown> {
  return redactObm({ id: doc.id, node: `${base}/nodes/${doc.node}`, service: doc.service, config: doc.config });
}

export function asService(service: string, where: string): ObmServiceName {
  if (!(obmServiceNames as readonly string[]).includes(service)) {
    throw new ValidationError(`unknown OBM service ${JSON.stringify(service)}`, [{ path: where, message: `must be one of ${obmServiceNames.join(', ')}` }]);
  }
  return service as ObmServiceName;
}

/** Points the node's references at `ref` for its service (or drops the reference to `removed`). */
async function relink(ports: NorthboundPorts, nodeId: string, change: { readonly add?: NodeObmRef; readonly removed?: string }): Promise<void> {
  const node = await ports.nodes.ask(nodeId, { type: 'node.get' });
  const kept = node.obms.filter((o) => o.obmId !== change.removed && (change.add === undefined || (o.service !== change.add.service && o.obmId !== change.add.obmId)));
  const obms = change.add === undefined ? kept : [...kept, change.add];
  if (JSON.stringify(obms) !== JSON.stringify(node.obms)) await ports.nodes.ask(nodeId, { type: 'node.update', patch: { obms } });
}

/**
 * RackHD's `node.obms.assigned` (a new record) or `node.obms.updated` event, as the OBM workflow job publishes
 * it; it is what gives a node its default pollers. No credentials in it: service and host only.
 */
function publishObmEvent(ports: NorthboundPorts, nodeId: string, created: boolean, doc: ObmDoc): void {
  const host = doc.config['host'];
  ports.events.publish({
    version: '1.0',
    type: 'node',
    action: created ? 'obms.assigned' : 'obms.updated',
    severity: 'information',
    typeId: nodeId,
    nodeId,
    createdAt: new Date(ports.now()).toISOString(),
    data: { nodeId, service: doc.service, ...(typeof host === 'string' ? { host } : {}) },
  });
}

/** Creates or replaces the node's record for `service`; `where` names the config in errors. */
export async function putObm(ports: NorthboundPorts, sealer: ObmConfigSealer, nodeId: string, service: ObmServiceName, config: Readonly<Record<string, unknown>>, where: string): Promise<{ readonly doc: ObmDoc; readonly created: boolean }> {
  checkObmConfig(service, config, where);
  const obms = ports.documents.collection('obms');
  const existing = await obms.findOne({ node: nodeId, service });
  const doc: ObmDoc = { id: existing?.id ?? newEntityId(ports.now()), node: nodeId, service, config: sealer.seal(service, config) };
  await obms.put(doc);
  await relink(ports, nodeId, { add: { service, obmId: doc.id } });
  publishObmEvent(ports, nodeId, existing === undefined, doc);
  return { doc, created: existing === undefined };
}

/**
 * A PATCH: fields given replace the stored ones (new secrets are sealed, stored sealed ones kept), a new
 * service starts from the given config alone (sealed values are bound to their service), and a new node takes
 * the reference over.
 */
export async function patchObm(
  ports: NorthboundPorts,
  sealer: ObmConfigSealer,
  doc: ObmDoc,
  patch: { readonly nodeId?: string; readonly service?: string; readonly config?: Readonly<Record<string, unknown>> },
): Promise<ObmDoc> {
  const service = patch.service === undefined ? asService(doc.service, 'service') : asService(patch.service, 'body.service');
  const config = service === doc.service ? { ...doc.config, ...(patch.config ?? {}) } : { ...(patch.config ?? {}) };
  checkObmConfig(service, config, 'body.config');
  const nodeId = patch.nodeId ?? doc.node;
  const obms = ports.documents.collection('obms');
  const clash = await obms.findOne({ node: nodeId, service, id: { $ne: doc.id } });
  if (clash !== undefined) {
    throw new ValidationError(`node ${nodeId} already has ${service} settings (${clash.id})`, [{ path: 'body.service', message: 'one record per node and service' }]);
  }
  const next: ObmDoc = { id: doc.id, node: nodeId, service, config: sealer.seal(service, config) };
  await obms.put(next);
  if (nodeId !== doc.node) await ignoreNotFound(relink(ports, doc.node, { removed: doc.id }));
  await relink(ports, nodeId, { add: { service, obmId: doc.id } });
  publishObmEvent(ports, nodeId, nodeId !== doc.node, next);
  return next;
}

export async function deleteObm(ports: NorthboundPorts, doc: ObmDoc): Promise<void> {
  await ports.documents.collection('obms').delete(doc.id);
  // The node may be gone already (deleted with its records); its reference went with it.
  await ignoreNotFound(relink(ports, doc.node, { removed: doc.id }));
}
