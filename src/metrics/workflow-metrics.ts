/**
 * Workflow instances by status, counted in the `workflows` read model at scrape time (indexed by status,
 * so one count per status): the engine keeps no tally of its own, and the store's count is the same on
 * every member of a cluster.
 */
import { Gauge, type Registry } from 'prom-client';
import type { WorkflowStatus } from '../actors/workflow/workflow-protocol.ts';
import type { Filter } from '../persistence/document-store.ts';

/** Every status a workflow instance can have: a Record, so a status added to the union must be added here. */
const everyStatus: Readonly<Record<WorkflowStatus, true>> = { pending: true, running: true, succeeded: true, failed: true, cancelled: true, timeout: true };
const statuses = Object.keys(everyStatus) as WorkflowStatus[];

/** The read this needs: the workflows collection's count (a DocumentCollection satisfies it). */
export interface WorkflowCounts {
  count(filter: Filter): Promise<number>;
}

export function registerWorkflowMetrics(registry: Registry, workflows: WorkflowCounts): void {
  new Gauge({
    name: 'monorail_workflows',
    help: 'Workflow instances in the store, by status (pending and running are the live ones).',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      let counts: (readonly [WorkflowStatus, number])[];
      try {
        counts = await Promise.all(statuses.map(async (status) => [status, await workflows.count({ status })] as const));
      } catch {
        // A store that cannot answer now leaves the family empty for this scrape rather than failing the
        // whole scrape; the journal's error outcomes and the store's own logs say why.
        return;
      }
      for (const [status, n] of counts) this.set({ status }, n);
    },
  });
}
