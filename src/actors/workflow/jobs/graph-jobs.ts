/**
 * Running a graph from a graph (RackHD's `Task.Graph.Run`, used for the SKU's own discovery graph). The
 * child instance's id is derived from the task's, so an attempt started again after a restart finds the
 * child it started before instead of starting a second one.
 */
import { TaskError } from '../../../errors.ts';
import type { Job } from '../job.ts';
import type { JobServices } from '../job-services.ts';
import type { TaskInput } from '../task-input.ts';
import { activeWorkflowStatuses } from '../workflow-protocol.ts';
import { recordOption } from './job-options.ts';

export const graphRunJob: Job<JobServices> = {
  name: 'Job.Graph.Run',
  onResume: 'rerun',
  async run(ctx) {
    const name = ctx.options['graphName'];
    // An empty name (a SKU without its own graph, say) is nothing to run when the task says that is fine.
    if (name === undefined || name === null || name === '') {
      if (ctx.options['optional'] === true) return;
      throw new TaskError('TASK_FAILED', `task ${ctx.label}: graphName is empty`);
    }
    if (typeof name !== 'string') throw new TaskError('TASK_FAILED', `task ${ctx.label}: graphName must be a string`);
    const childId = `${ctx.taskId}-graph`;
    const options = recordOption(ctx, 'graphOptions') as Readonly<Record<string, Readonly<Record<string, unknown>>>>;
    const child = await ctx.services.workflows.create(childId, {
      graphName: name,
      ...(ctx.nodeId === undefined ? {} : { nodeId: ctx.nodeId }),
      options,
      context: ctx.context,
      parent: { workflowId: ctx.workflowId, taskId: ctx.taskId },
      root: ctx.claimId,
    });
    ctx.progress(`running ${name} (${childId})`);
    let status = child.status;
    if (activeWorkflowStatuses.has(status)) {
      const ended = await ctx.next((i: TaskInput): i is Extract<TaskInput, { type: 'graph.finished' }> => i.type === 'graph.finished' && i.workflowId === childId);
      status = ended.status;
    }
    if (status !== 'succeeded') throw new TaskError('TASK_FAILED', `sub-graph ${name} ended ${status}`, { workflowId: childId, status });
  },
};
