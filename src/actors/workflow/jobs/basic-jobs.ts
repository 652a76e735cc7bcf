/**
 * Jobs that need nothing outside the engine: do nothing, wait, and evaluate a condition
 * (RackHD's `Job.noop`, `Job.Wait`, `Job.Evaluate.Condition`).
 */
import { TaskError } from '../../../errors.ts';
import type { Job } from '../job.ts';
import { numberOption, sleep } from './job-options.ts';

export const noopJob: Job = {
  name: 'Job.noop',
  onResume: 'rerun',
  async run(ctx) {
    // RackHD's noop accepts a `delay` so examples can show time passing.
    const delay = numberOption(ctx, 'delay', 0, { min: 0 });
    if (delay > 0) await sleep(delay, ctx.signal);
  },
};

export const waitJob: Job = {
  name: 'Job.Wait',
  onResume: 'rerun',
  async run(ctx) {
    const ms = numberOption(ctx, 'duration', 0, { min: 0, max: 7 * 24 * 3600 * 1000 });
    ctx.progress(`waiting ${ms} ms`);
    await sleep(ms, ctx.signal);
  },
};

/** Truthy values RackHD's templates produce: booleans, and the strings they render to. */
function truthy(v: unknown): boolean {
  if (typeof v === 'string') return !['', 'false', '0', 'no', 'off', 'null', 'undefined'].includes(v.trim().toLowerCase());
  return Boolean(v);
}

/**
 * Succeeds when `when` is true and fails when it is false, so a graph branches with `waitOn` succeeded/failed
 * and `ignoreFailure: true` on this task, as RackHD's discovery graph does for `skip-reboot-post-discovery`.
 */
export const conditionJob: Job = {
  name: 'Job.Evaluate.Condition',
  onResume: 'rerun',
  async run(ctx) {
    if (!truthy(ctx.options['when'])) throw new TaskError('TASK_FAILED', `condition is false (when = ${JSON.stringify(ctx.options['when'])})`);
  },
};
