/**
 * A node as RackHD 2.0 shows it (on-http `data/views/node.2.0.json`): related collections as links, the
 * SKU as a link or null, OBMs as `{service, ref}`. Monorail's own fields (lifecycle, activeWorkflow) are
 * added beside RackHD's; clients that ignore unknown fields see RackHD's shape.
 */
import type { NodeDoc } from '../../../persistence/collections.ts';

export function nodeView(node: NodeDoc, base = '/api/2.0'): Record<string, unknown> {
  const at = `${base}/nodes/${node.id}`;
  return {
    id: node.id,
    name: node.name,
    type: node.type,
    identifiers: node.identifiers,
    autoDiscover: node.autoDiscover,
    tags: node.tags,
    relations: node.relations,
    obms: node.obms.map((o) => ({ service: o.service, ref: `${base}/obms/${o.obmId}` })),
    sku: node.sku === null ? null : `${base}/skus/${node.sku}`,
    catalogs: `${at}/catalogs`,
    pollers: `${at}/pollers`,
    workflows: `${at}/workflows`,
    ...(node.bootSettings === undefined ? {} : { bootSettings: node.bootSettings }),
    lifecycle: node.lifecycle,
    ...(node.activeWorkflow === undefined ? {} : { activeWorkflow: `${base}/workflows/${node.activeWorkflow.id}` }),
    createdAt: node.createdAt,
    updatedAt: node.updatedAt,
  };
}
