/**
 * The HTTP requests iPXE makes (its script, the kernel and initrd), from the machine's own address so
 * Monorail sees the machine where it is. One connection per request, as iPXE opens them; a body larger
 * than `maxTextBytes` is refused for scripts and only counted for downloads.
 */
import http from 'node:http';

export interface HttpResult {
  readonly status: number;
  readonly text: string;
  readonly bytes: number;
}

export function httpGet(url: string, o: { readonly localAddress?: string; readonly signal: AbortSignal; readonly keepText: boolean; readonly maxTextBytes?: number }): Promise<HttpResult> {
  const max = o.maxTextBytes ?? 1024 * 1024;
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, signal: o.signal, ...(o.localAddress === undefined ? {} : { localAddress: o.localAddress }) }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (!o.keepText) return;
        if (bytes > max) {
          req.destroy(new Error(`${url}: response larger than ${max} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}
