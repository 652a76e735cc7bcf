/**
 * Listens with the HTTP application, with the same lifecycle as the protocol servers. `start` rejects
 * with the address when the port cannot be bound; `stop` stops accepting and closes idle keep-alive
 * connections so shutdown does not wait on a client.
 */
import type { Server } from 'node:http';
import type { ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { ProtocolServer } from '../protocols/protocol-server.ts';
import { createWebServer } from './auth/tls.ts';

export function createHttpServer(app: Express, options: { host: string; port: number; tls?: ServerOptions }): ProtocolServer {
  let server: Server | undefined;
  let requests = 0;
  return {
    name: 'http',
    async start() {
      const s = createWebServer(app, options.tls);
      s.on('request', () => requests++);
      // Slow clients must not hold sockets for ever (slowloris); these are generous for boot images.
      s.headersTimeout = 20_000;
      s.requestTimeout = 300_000;
      await new Promise<void>((resolve, reject) => {
        s.once('error', (e) => reject(new Error(`HTTP server cannot listen on ${options.host}:${options.port}: ${e.message}`)));
        // A rack powering on opens connections faster than a busy event loop accepts them; Node's default
        // backlog (511) overflowed and reset ~9 % of 1,000 simulated machines' profile requests.
        s.listen({ port: options.port, host: options.host, backlog: 4096 }, () => resolve());
      });
      server = s;
    },
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeIdleConnections();
      });
    },
    stats: () => ({ requests }),
    addresses() {
      const a = server?.address() as AddressInfo | null | undefined;
      return a ? [{ protocol: 'tcp' as const, address: a.address, port: a.port }] : [];
    },
  };
}
