/**
 * An HTTP call from a graph (RackHD's `Job.Rest`): to tell a CMDB a node is ready, trigger a switch
 * configuration, and so on. The response lands in the graph context for later tasks (`{{ context.rest.<label> }}`).
 */
import { TaskError, ValidationError } from '../../../errors.ts';
import type { Job } from '../job.ts';
import type { JobServices } from '../job-services.ts';
import { numberOption, oneOf, recordOption, stringOption } from './job-options.ts';

/** Kept in the context; a bigger body is cut so one chatty endpoint cannot bloat the workflow's journal. */
const maxBodyInContext = 64 * 1024;

export const restJob: Job<JobServices> = {
  name: 'Job.Rest',
  // A POST may create something; only a GET is safe to repeat.
  onResume: (options) => (options['method'] === undefined || options['method'] === 'GET' ? 'rerun' : 'fail'),
  async run(ctx) {
    const url = stringOption(ctx, 'url');
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ValidationError(`task ${ctx.label}: option url is not a URL`, [{ path: 'options.url', message: 'not a URL' }]);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new ValidationError(`task ${ctx.label}: option url must be http or https`, [{ path: 'options.url', message: 'must be http or https' }]);
    }
    const method = oneOf(ctx, 'method', ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const, 'GET');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(recordOption(ctx, 'headers'))) headers[k] = String(v);
    const data = ctx.options['data'];
    let body: string | undefined;
    if (data !== undefined && data !== null) {
      body = typeof data === 'string' ? data : JSON.stringify(data);
      if (typeof data !== 'string') headers['content-type'] ??= 'application/json';
    }
    const timeoutMs = numberOption(ctx, 'timeoutMs', 30_000, { min: 1, max: 3_600_000 });
    const res = await ctx.services.http.request(url, { method, headers, ...(body === undefined ? {} : { body }), signal: ctx.signal, timeoutMs });
    const expected = ctx.options['expectedStatus'];
    const ok = Array.isArray(expected) ? expected.includes(res.status) : typeof expected === 'number' ? res.status === expected : res.status >= 200 && res.status < 300;
    if (!ok) throw new TaskError('TASK_FAILED', `${method} ${parsed.origin}${parsed.pathname} answered ${res.status}`, { status: res.status });
    return { context: { rest: { [ctx.label]: { status: res.status, body: res.body.slice(0, maxBodyInContext) } } } };
  },
};
