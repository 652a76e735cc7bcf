/**
 * HTTP request durations by method, route template and status: a middleware mounted ahead of every
 * route, which times the request until its response is finished (or the connection closes first: status
 * `aborted`). The route is the template express matched (`/api/2.0/nodes/:identifier`), never the path a
 * client sent, so node ids and MACs cannot multiply the series; requests no route matched are counted under
 * their static tree (`/common/*`) or `unmatched`.
 */
import type { Request, RequestHandler } from 'express';
import { Histogram, type Registry } from 'prom-client';

/** From an API read (milliseconds) to an iPXE-fetched kernel or image (tens of seconds). */
const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Mounts without routes of their own (express.static): named by their mount point. */
const staticTrees = ['/common/'];

const methods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function routeTemplateOf(req: Request): string {
  // express (router 2) sets req.route only when a route's path and method matched; its path is the template.
  const route: unknown = (req as { route?: unknown }).route;
  const path = typeof route === 'object' && route !== null ? (route as { path?: unknown }).path : undefined;
  if (typeof path === 'string') return path;
  const url = req.originalUrl;
  for (const tree of staticTrees) if (url.startsWith(tree)) return `${tree}*`;
  return 'unmatched';
}

export function httpRequestMetrics(registry: Registry): RequestHandler {
  const durations = new Histogram({
    name: 'monorail_http_request_duration_seconds',
    help: 'HTTP requests from arrival to the last byte of the response, by method, route template and status (aborted: the client went away first).',
    labelNames: ['method', 'route', 'status'] as const,
    buckets,
    registers: [registry],
  });
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const status = res.writableFinished ? String(res.statusCode) : 'aborted';
      // Methods are the client's to choose: anything unusual is one label, not one per spelling.
      const method = methods.has(req.method) ? req.method : 'other';
      durations.observe({ method, route: routeTemplateOf(req), status }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
