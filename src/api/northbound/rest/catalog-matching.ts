/**
 * Re-classifying nodes when SKUs or tags change (RackHD runs `Graph.GenerateSku` for every node when a SKU is
 * created or patched, and `Graph.GenerateTags` when a tag is created). Each node gets a one-task graph, so the
 * node entity's rule holds: a node busy with another workflow is skipped and named in the report, never
 * interrupted. Nodes without catalogs have nothing to match and are left alone.
 */
import type { DefinitionLibrary } from '../../../actors/workflow/definition-library.ts';
import type { GraphDefinition } from '../../../actors/workflow/definition-types.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { runOnNodes } from './graph-runs.ts';

export const generateSkuGraph: GraphDefinition = {
  friendlyName: 'Generate SKU',
  injectableName: 'Graph.GenerateSku',
  tasks: [{ label: 'generate-sku', taskName: 'Task.Catalog.GenerateSku' }],
};

export const generateTagsGraph: GraphDefinition = {
  friendlyName: 'Generate tags',
  injectableName: 'Graph.GenerateTags',
  tasks: [{ label: 'generate-tags', taskName: 'Task.Catalog.GenerateTag' }],
};

/** Registers the matching graphs unless a definition of the same name exists (an operator's own wins). */
export function ensureMatchingGraphs(library: DefinitionLibrary): void {
  for (const g of [generateSkuGraph, generateTagsGraph]) if (library.graph(g.injectableName) === undefined) library.register('graph', g);
}

/** Most skipped nodes named in one answer; the count is always complete. */
const MAX_NAMED = 100;

export interface MatchingReport {
  readonly graph: string;
  readonly started: number;
  readonly skipped: number;
  readonly skippedNodes: readonly { readonly node: string; readonly reason: string }[];
}

/** Runs `graphName` on every node that has catalogs. */
export async function rematchAll(ports: NorthboundPorts, graphName: string): Promise<MatchingReport> {
  const nodes = ports.documents.collection('nodes');
  const catalogs = ports.documents.collection('catalogs');
  const candidates: string[] = [];
  const pageSize = 500;
  for (let skip = 0; ; skip += pageSize) {
    const page = await nodes.find({}, { skip, limit: pageSize });
    for (const n of page) if ((await catalogs.count({ node: n.id })) > 0) candidates.push(n.id);
    if (page.length < pageSize) break;
  }
  const report = await runOnNodes(ports, candidates, graphName, undefined);
  if (report.refused.length > 0) ports.log.info({ graph: graphName, skipped: report.refused.length }, 'catalog matching skipped busy nodes');
  return {
    graph: graphName,
    started: report.accepted.length,
    skipped: report.refused.length,
    skippedNodes: report.refused.slice(0, MAX_NAMED).map((r) => ({ node: r.node, reason: r.message })),
  };
}
