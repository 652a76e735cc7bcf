/**
 * The webhook HTTP client against receivers that misbehave on real sockets: one that answers garbage
 * instead of HTTP, one that never stops sending its body, one that redirects, one that is not there.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpPost } from '../../src/events/http-post.ts';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

function client() {
  const post = createHttpPost();
  closers.push(() => post.close());
  return post;
}

const init = (signal = new AbortController().signal) => ({ headers: { 'content-type': 'application/json' }, body: '{"a":1}', signal });

describe('webhook HTTP client', () => {
  it('rejects with a parse error code when the receiver answers something that is not HTTP', async () => {
    const sockets = new Set<Socket>();
    const port = await listen(createTcpServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      s.once('data', () => s.end('SSH-2.0-OpenSSH_9.2\r\n\r\n\u0000\u0001garbage'));
    }));
    closers.push(() => { for (const s of sockets) s.destroy(); });
    await expect(client()(`http://127.0.0.1:${port}/`, init())).rejects.toMatchObject({ code: expect.stringMatching(/^HPE_/) as string });
  });

  it('answers with the status of a receiver whose body never ends, and lets go of it', async () => {
    let closed = false;
    const server = createHttpServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(16 * 1024, 120);
      const pump = setInterval(() => res.write(chunk), 1);
      res.on('close', () => {
        closed = true;
        clearInterval(pump);
      });
    });
    closers.push(() => server.closeAllConnections());
    const port = await listen(server);
    expect(await client()(`http://127.0.0.1:${port}/`, init())).toEqual({ status: 200 });
    // Past 64 KiB the response is abandoned: the receiver sees its connection closed.
    await expect.poll(() => closed, { timeout: 10_000 }).toBe(true);
  });

  it('does not follow redirects and passes Retry-After on', async () => {
    let hits = 0;
    const server = createHttpServer((req, res) => {
      hits++;
      req.resume();
      if (req.url === '/redirect') res.writeHead(302, { location: '/elsewhere' }).end();
      else res.writeHead(503, { 'retry-after': '7' }).end();
    });
    closers.push(() => server.closeAllConnections());
    const port = await listen(server);
    const post = client();
    expect(await post(`http://127.0.0.1:${port}/redirect`, init())).toEqual({ status: 302 });
    expect(hits).toBe(1);
    expect(await post(`http://127.0.0.1:${port}/busy`, init())).toEqual({ status: 503, retryAfter: '7' });
  });

  it('fails with the error code when nobody listens, and stops when aborted', async () => {
    const gone = createTcpServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const port = (gone.address() as AddressInfo).port;
    await new Promise<void>((resolve) => gone.close(() => resolve()));
    await expect(client()(`http://127.0.0.1:${port}/`, init())).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const hang = createHttpServer(() => undefined);
    closers.push(() => hang.closeAllConnections());
    const hangPort = await listen(hang);
    const abort = new AbortController();
    const pending = client()(`http://127.0.0.1:${hangPort}/`, init(abort.signal));
    abort.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await expect(client()('ftp://127.0.0.1/', init())).rejects.toThrow('unsupported protocol ftp:');
  });
});
