/**
 * The one HTTP call webhooks make: POST a body, learn the status, let the connection go back to a
 * keep-alive pool. node:http rather than fetch: fetch costs about twice the CPU per request (measured:
 * ~1,000 vs ~2,500 sequential requests/s on loopback), and a deliverer only needs the status line. Redirects are
 * not followed (a signed event must go where the hook says), and at most `maxResponseBytes` of an answer
 * are read, within a few seconds, so a receiver cannot make us buffer or hold a socket with an endless body.
 */
import http from 'node:http';
import https from 'node:https';

export interface PostResult {
  readonly status: number;
  /** The Retry-After header, when the receiver sent one. */
  readonly retryAfter?: string;
}

export type HttpPost = (url: string, init: { readonly headers: Readonly<Record<string, string>>; readonly body: string; readonly signal: AbortSignal }) => Promise<PostResult>;

const maxResponseBytes = 64 * 1024;
const drainMs = 5000;

export function createHttpPost(): HttpPost & { close(): void } {
  const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };
  const post: HttpPost = (url, init) =>
    new Promise<PostResult>((resolve, reject) => {
      const target = new URL(url);
      const protocol = target.protocol === 'https:' ? 'https:' : target.protocol === 'http:' ? 'http:' : undefined;
      if (protocol === undefined) {
        reject(new Error(`unsupported protocol ${target.protocol}`));
        return;
      }
      const body = Buffer.from(init.body);
      const request = (protocol === 'https:' ? https : http).request(
        target,
        { method: 'POST', agent: agents[protocol], headers: { ...init.headers, 'content-length': String(body.length) }, signal: init.signal },
        (res) => {
          let read = 0;
          res.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > maxResponseBytes) res.destroy();
          });
          res.on('error', () => undefined);
          // Nor can it hold the socket by trickling: what is not read by then is abandoned.
          const drain = setTimeout(() => res.destroy(), drainMs);
          res.on('close', () => clearTimeout(drain));
          res.resume();
          const retryAfter = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, ...(typeof retryAfter === 'string' ? { retryAfter } : {}) });
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  return Object.assign(post, {
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  });
}
