/**
 * Starting graphs from the API: RackHD's request (`?name=` or `{name, options}`), one graph per node (the node
 * entity refuses a second with RackHD's 400), and runs over many nodes that report, per node, whether the
 * graph started or why not — a busy node is skipped, never waited for.
 */
import { Type } from '@sinclair/typebox';
import type { Options } from '../../../actors/workflow/definition-types.ts';
import type { WorkflowRecord } from '../../../actors/workflow/workflow-protocol.ts';
import { isMonorailError, ValidationError } from '../../../errors.ts';
import { mapLimited } from '../../../map-limited.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';

export const GraphOptions = Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()), {
  description: '`{ "defaults": {...}, "<task label>": {...} }`, merged over the graph\'s own options.',
});

/** RackHD's `post_node_workflow` body; `name` may come from the query instead. */
export const RunGraphBody = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })), options: Type.Optional(GraphOptions) },
  { additionalProperties: false, title: 'workflow.2.0.run' },
);

/** The graph a request names (query first, as RackHD's `_.defaults(query, body)`), checked against the library. */
export function graphNameOf(ports: NorthboundPorts, query: { readonly name?: string }, body: { readonly name?: string }): string {
  const name = query.name ?? body.name;
  if (name === undefined) throw new ValidationError('name the graph to run (?name= or body.name)', [{ path: 'body.name', message: 'is required' }]);
  if (ports.workflows.library.graph(name) === undefined) {
    throw new ValidationError(`no graph named ${name}`, [{ path: query.name === undefined ? 'body.name' : 'query.name', message: `unknown graph ${name}` }]);
  }
  return name;
}

export async function runGraph(ports: NorthboundPorts, graphName: string, nodeId: string | undefined, options: Readonly<Record<string, Options>> | undefined): Promise<WorkflowRecord> {
  return ports.workflows.run({ graphName, ...(nodeId === undefined ? {} : { nodeId }), ...(options === undefined ? {} : { options }) });
}

export interface NodeRunReport {
  readonly accepted: { readonly node: string; readonly workflow: string }[];
  readonly refused: { readonly node: string; readonly status: number; readonly message: string }[];
}

/** Runs `graphName` on each node, `concurrency` at a time; a node that refuses (busy, gone) is reported, not fatal. */
export async function runOnNodes(
  ports: NorthboundPorts,
  nodeIds: readonly string[],
  graphName: string,
  options: Readonly<Record<string, Options>> | undefined,
  concurrency = 16,
): Promise<NodeRunReport> {
  const report: NodeRunReport = { accepted: [], refused: [] };
  // Pushed as each run answers, so the report lists them in the order they were decided.
  await mapLimited(nodeIds, concurrency, async (node) => {
    try {
      const wf = await runGraph(ports, graphName, node, options);
      report.accepted.push({ node, workflow: wf.id });
    } catch (e) {
      if (!isMonorailError(e)) throw e;
      report.refused.push({ node, status: e.httpStatus, message: e.message });
    }
  });
  return report;
}
