/**
 * Deleting a node as RackHD does (on-http nodes-api-service `removeNode`): refused while a workflow runs on
 * it or on any of its components; the nodes it encloses are deleted with it; its peers lose their relations to
 * it; its catalogs and OBM records go; its MACs are released by the node actor's deletion (the conductor tells
 * their lookups).
 */
import { WorkflowConflictError } from '../../../errors.ts';
import type { NodeDoc } from '../../../persistence/collections.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { componentRelation, relationKinds } from './node-relations.ts';
import { ignoreNotFound } from './not-found.ts';

/** The node and, transitively, every node it encloses. */
async function withComponents(ports: NorthboundPorts, root: NodeDoc): Promise<NodeDoc[]> {
  const nodes = ports.documents.collection('nodes');
  const found = new Map<string, NodeDoc>([[root.id, root]]);
  const queue = [root];
  for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
    for (const r of n.relations) {
      if (r.relationType !== componentRelation) continue;
      for (const target of r.targets) {
        if (found.has(target)) continue;
        const doc = await nodes.get(target);
        if (doc === undefined) continue;
        found.set(doc.id, doc);
        queue.push(doc);
      }
    }
  }
  return [...found.values()];
}

/** Deletes `root` and its components; resolves to the ids deleted. */
export async function deleteNode(ports: NorthboundPorts, root: NodeDoc): Promise<string[]> {
  const doomed = await withComponents(ports, root);
  const busy = doomed.find((n) => n.activeWorkflow !== undefined);
  if (busy?.activeWorkflow !== undefined) throw new WorkflowConflictError(busy.id, busy.activeWorkflow.id);
  const ids = new Set(doomed.map((n) => n.id));
  for (const n of doomed) {
    for (const r of n.relations) {
      const kind = relationKinds[r.relationType];
      if (kind === undefined) continue;
      for (const peer of r.targets.filter((t) => !ids.has(t))) {
        await ignoreNotFound(ports.nodes.ask(peer, { type: 'node.editRelations', op: 'remove', relationType: kind.inverse, targets: [n.id] }));
      }
    }
  }
  // Components first, the node asked for last: a failure part-way leaves the root in place to retry.
  for (const n of [...doomed].reverse()) {
    await ignoreNotFound(ports.nodes.ask(n.id, { type: 'node.delete' }));
    await ports.documents.collection('catalogs').deleteMany({ node: n.id });
    await ports.documents.collection('obms').deleteMany({ node: n.id });
    await ports.documents.collection('ibms').deleteMany({ node: n.id });
  }
  return [...ids];
}
