/**
 * Installing an OS (RackHD's `Job.Os.Install`, rackhd.md §3.6): the node is told to boot the installer's
 * profile with the task's options (repo, version, root password, install disk, kernel arguments,
 * `installScriptUri` for the preseed or kickstart), and the task then waits for the installer's
 * notifications: milestones become progress, and the final notification ends the task.
 */
import type { Job } from '../job.ts';
import type { JobServices } from '../job-services.ts';
import { requireNode, stringOption } from './job-options.ts';
import { nextNotification } from './wait-jobs.ts';

export const osInstallJob: Job<JobServices> = {
  name: 'Job.Os.Install',
  // Booting the installer again after a restart is what the operator asked for: the disk is rewritten either way.
  onResume: 'rerun',
  async run(ctx) {
    const nodeId = requireNode(ctx);
    const profile = stringOption(ctx, 'profile');
    const { profile: _p, ...options } = ctx.options;
    await ctx.services.nodes.ask(nodeId, { type: 'node.setWorkflowBoot', workflowId: ctx.claimId, boot: { profile, options } });
    ctx.progress(`installer booting (${profile})`);
    await nextNotification(ctx, nodeId);
    // The installer has finished: from now on the node boots its disk, not the installer again.
    await ctx.services.nodes.ask(nodeId, { type: 'node.setWorkflowBoot', workflowId: ctx.claimId, boot: null });
    return { context: { installed: { profile, at: new Date(ctx.services.now()).toISOString() } } };
  },
};
