/**
 * JSON over HTTP(S) for the Redfish adapter, on node:http(s) rather than fetch: a BMC's TLS needs a
 * per-connection choice (verify, trust a given CA, or accept a self-signed certificate), which fetch
 * cannot take without an extra dispatcher package. Each request obeys the caller's AbortSignal and a
 * timeout, and a response body is bounded. Requests only ever go to the BMC's own origin: a Location
 * or link pointing elsewhere is refused, so credentials never follow a BMC's answer to another host.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { abortReason } from '../actors/obm/obm-error.ts';

export interface HttpTarget {
  /** `https://host:port`: scheme, host and port only. */
  readonly origin: string;
  readonly agent: HttpAgent | HttpsAgent;
  readonly timeoutMs: number;
}

export interface JsonResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The parsed body; undefined when empty. A body that is not JSON is kept as text in `text`. */
  readonly json: unknown;
  readonly text: string;
}

export class HttpFailure extends Error {
  constructor(
    message: string,
    readonly timedOut = false,
  ) {
    super(message);
  }
}

const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export function httpTarget(origin: string, tls: { readonly verify: boolean; readonly ca?: string }, timeoutMs: number): HttpTarget {
  const agent = origin.startsWith('https:')
    ? new HttpsAgent({ keepAlive: true, maxSockets: 4, rejectUnauthorized: tls.verify, ...(tls.ca === undefined ? {} : { ca: tls.ca }) })
    : new HttpAgent({ keepAlive: true, maxSockets: 4 });
  return { origin, agent, timeoutMs };
}

/** `ref` (absolute or a path) as a URL on the target's origin; throws when it points anywhere else. */
export function sameOrigin(target: HttpTarget, ref: string): URL {
  const url = new URL(ref, target.origin);
  if (url.origin !== target.origin) throw new HttpFailure(`refusing to follow ${url.origin} from ${target.origin}: not the BMC's own origin`);
  return url;
}

export function requestJson(
  target: HttpTarget,
  method: string,
  path: string,
  options: { readonly headers?: Readonly<Record<string, string>>; readonly body?: unknown; readonly signal: AbortSignal },
): Promise<JsonResponse> {
  const url = sameOrigin(target, path);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { Accept: 'application/json', 'OData-Version': '4.0', ...options.headers };
  if (payload !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<JsonResponse>((resolve, reject) => {
    if (options.signal.aborted) {
      reject(abortReason(options.signal));
      return;
    }
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      fn();
    };
    const req = send(url, { method, headers, agent: target.agent });
    const onAbort = () => {
      req.destroy();
      settle(() => reject(abortReason(options.signal)));
    };
    const timer = setTimeout(() => {
      req.destroy();
      settle(() => reject(new HttpFailure(`no answer within ${target.timeoutMs} ms`, true)));
    }, target.timeoutMs);
    options.signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error) => settle(() => reject(new HttpFailure(error.message))));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          req.destroy();
          settle(() => reject(new HttpFailure(`response larger than ${MAX_RESPONSE_BYTES} bytes`)));
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (error) => settle(() => reject(new HttpFailure(error.message))));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        if (text.trim() !== '') {
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
        }
        settle(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, json, text }));
      });
    });
    req.end(payload);
  });
}
