/** The `HttpCaller` port on Node's fetch (undici), for `Job.Rest`: a deadline, abort, and bounded bodies. */
import type { HttpCaller } from '../actors/workflow/job-services.ts';
import { TaskError } from '../errors.ts';

/** Responses larger than this are cut: a graph step is not a download tool. */
const maxBody = 1024 * 1024;

export const fetchHttpCaller: HttpCaller = {
  async request(url, init) {
    const signal = AbortSignal.any([init.signal, AbortSignal.timeout(init.timeoutMs ?? 30_000)]);
    let res: Response;
    try {
      res = await fetch(url, { method: init.method, ...(init.headers === undefined ? {} : { headers: init.headers }), ...(init.body === undefined ? {} : { body: init.body }), signal, redirect: 'manual' });
    } catch (e) {
      if (init.signal.aborted) throw init.signal.reason;
      throw new TaskError('TASK_FAILED', `${init.method} ${new URL(url).origin} failed: ${(e as Error).message}`);
    }
    const text = await res.text();
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      headers[k] = v;
    });
    return { status: res.status, headers, body: text.length > maxBody ? text.slice(0, maxBody) : text };
  },
};
