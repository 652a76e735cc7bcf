/**
 * Classifying a node from its catalogs (RackHD's `Job.Catalog.GenerateSku` and `GenerateTag`, rackhd.md §5):
 * the latest catalog of each source is what rules look at; the deepest matching SKU wins and its own
 * discovery graph is named in the context for `Task.Graph.Run.SkuSpecific`; matching tags are added (never
 * removed automatically, as in RackHD).
 */
import type { Job, JobContext } from '../job.ts';
import type { JobServices } from '../job-services.ts';
import { matchSku, matchTags, type CatalogsBySource } from '../../sku/rule-matcher.ts';
import { publishNodeEvent, requireNode } from './job-options.ts';

type Ctx = JobContext<JobServices>;

/** The newest catalog of every source the node has. */
export async function latestCatalogs(ctx: Ctx, nodeId: string): Promise<CatalogsBySource> {
  const all = await ctx.services.catalogs.find({ node: nodeId }, { sort: { createdAt: 1 } });
  const latest: Record<string, unknown> = {};
  // Sorted oldest first, so a later catalog of the same source replaces an earlier one.
  for (const c of all) latest[c.source] = c.data;
  return latest;
}

export const generateSkuJob: Job<JobServices> = {
  name: 'Job.Catalog.GenerateSku',
  onResume: 'rerun',
  async run(ctx) {
    const nodeId = requireNode(ctx);
    const catalogs = await latestCatalogs(ctx, nodeId);
    const skus = await ctx.services.skus.find({});
    const winner = matchSku(skus, catalogs);
    const node = await ctx.services.nodes.ask(nodeId, { type: 'node.get' });
    const skuId = winner?.id ?? null;
    if (node.sku !== skuId) {
      await ctx.services.nodes.ask(nodeId, { type: 'node.update', patch: { sku: skuId } });
      publishNodeEvent(ctx, nodeId, skuId === null ? 'sku.unassigned' : node.sku === null ? 'sku.assigned' : 'sku.updated', {
        sku: skuId,
        previous: node.sku,
        ...(winner === undefined ? {} : { name: winner.name }),
      });
    }
    ctx.progress(winner === undefined ? 'no SKU matches' : `SKU ${winner.name}`);
    const graphName = winner?.['discoveryGraphName'];
    const graphOptions = winner?.['discoveryGraphOptions'];
    return {
      context: {
        sku: skuId,
        skuGraph: {
          name: typeof graphName === 'string' ? graphName : '',
          options: typeof graphOptions === 'object' && graphOptions !== null ? graphOptions : {},
        },
      },
    };
  },
};

export const generateTagJob: Job<JobServices> = {
  name: 'Job.Catalog.GenerateTag',
  onResume: 'rerun',
  async run(ctx) {
    const nodeId = requireNode(ctx);
    const catalogs = await latestCatalogs(ctx, nodeId);
    const tags = await ctx.services.tags.find({});
    const matched = matchTags(tags, catalogs);
    if (matched.length > 0) await ctx.services.nodes.ask(nodeId, { type: 'node.addTags', tags: matched });
    ctx.progress(matched.length === 0 ? 'no tags match' : `tags ${matched.join(', ')}`);
    return { context: { tags: matched } };
  },
};
