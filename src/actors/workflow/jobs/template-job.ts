/**
 * Rendering a stored template from a graph (a cloud-init file, a switch configuration, a script for a later
 * task): the text lands in the graph context as `context.rendered.<label>`, where later tasks reference it
 * (`{{ context.rendered.render-config }}`) — for example as a command for the microkernel to run.
 */
import { TaskError } from '../../../errors.ts';
import type { Job } from '../job.ts';
import type { JobServices } from '../job-services.ts';
import { stringOption } from './job-options.ts';

/** Rendered text kept in the context at most; larger output belongs in a file, not in the journal. */
const maxRendered = 256 * 1024;

export const templateRenderJob: Job<JobServices> = {
  name: 'Job.Template.Render',
  onResume: 'rerun',
  async run(ctx) {
    const name = stringOption(ctx, 'template');
    const { template: _t, ...options } = ctx.options;
    const text = await ctx.services.templates.render(name, ctx.nodeId, options);
    if (text.length > maxRendered) throw new TaskError('TASK_FAILED', `template ${name} rendered ${text.length} characters; at most ${maxRendered} are kept in a graph's context`);
    return { context: { rendered: { [ctx.label]: text } } };
  },
};
