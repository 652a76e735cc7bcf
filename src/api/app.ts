/**
 * The HTTP application, built by a factory and listened on elsewhere (Fastify's testing lesson), so
 * tests drive it with supertest and the member serves the same object.
 *
 * Southbound (unauthenticated, as machines booting cannot log in): iPXE profiles and static boot files.
 * The northbound REST and Redfish APIs join it in their own issue.
 */
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from '../logging/logger.ts';
import { traceRequests } from '../tracing/http-trace.ts';
import type { NodeDirectory } from '../protocols/node-directory.ts';
import { errorHandler } from './error-handler.ts';
import type { ApiRegistry } from './northbound/api-registry.ts';
import type { RedfishHttp } from './redfish/redfish-http.ts';
import type { ProfileLibrary } from './southbound/profile-library.ts';
import { baseUrlOf, profilesRoute } from './southbound/profiles-route.ts';
import { mountMicrokernelRoutes, type AgentScriptContext, type MicrokernelGateway } from './southbound/microkernel-routes.ts';
import { templatesRoute } from './southbound/templates-route.ts';

export interface AppDeps {
  readonly directory: NodeDirectory;
  readonly profiles: ProfileLibrary;
  readonly log: Logger;
  readonly staticRoot: string;
  readonly baseUrl: string | null;
  readonly decisionTimeoutMs: number;
  /** The northbound REST and Redfish routes (authenticated), mounted ahead of the southbound ones. */
  readonly northbound?: ApiRegistry;
  /** Redfish's own HTTP rules around its routes (headers checked first, Redfish error bodies, 404/405 with Allow). */
  readonly redfish?: RedfishHttp;
  /** The microkernel protocol and notifications, when a workflow engine runs. */
  readonly microkernel?: { readonly gateway: MicrokernelGateway; readonly agentScript: (ctx: AgentScriptContext) => Promise<string> };
  /** The directory holding the built microkernel (vmlinuz, initrd.gz) once it is ready. */
  readonly microkernelDir?: () => string | undefined;
  /** `host:port` the microkernel sends syslog to (`mk.syslog=`), when syslog is served. */
  readonly syslogTarget?: string | null;
  /** Installer templates, with the function that opens sealed task options for them. */
  readonly templates?: { readonly library: ProfileLibrary; readonly reveal: (options: Readonly<Record<string, unknown>>) => Record<string, unknown> };
  /** Mounted ahead of everything, so it sees every request and its final status (request metrics). */
  readonly instrument?: RequestHandler;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // First, so every later handler, log line and actor message of the request runs in its trace.
  app.use(traceRequests());
  if (deps.instrument !== undefined) app.use(deps.instrument);
  // Before the southbound routes: `/api/2.0/templates/metadata` is a northbound list, not a template named "metadata".
  if (deps.redfish !== undefined) app.use('/redfish', deps.redfish.before);
  deps.northbound?.mount(app);
  if (deps.redfish !== undefined) app.use('/redfish', deps.redfish.notFound);
  const profiles = profilesRoute({
    directory: deps.directory,
    library: deps.profiles,
    log: deps.log,
    baseUrl: deps.baseUrl,
    decisionTimeoutMs: deps.decisionTimeoutMs,
    syslogTarget: deps.syslogTarget ?? null,
  });
  for (const prefix of ['/api/current', '/api/2.0', '/api/common']) app.get(`${prefix}/profiles`, profiles);
  if (deps.templates !== undefined) {
    const templates = templatesRoute({
      directory: deps.directory,
      templates: deps.templates.library,
      reveal: deps.templates.reveal,
      baseUrl: (req) => baseUrlOf(req, deps.baseUrl),
      decisionTimeoutMs: deps.decisionTimeoutMs,
      log: deps.log,
    });
    for (const prefix of ['/api/current', '/api/2.0', '/api/common']) app.get(`${prefix}/templates/:name`, templates);
  }
  if (deps.microkernel !== undefined) {
    mountMicrokernelRoutes(app, {
      ...deps.microkernel,
      directory: deps.directory,
      baseUrl: (req) => baseUrlOf(req, deps.baseUrl),
      log: deps.log,
    });
  }
  // The built microkernel, served ahead of the static root once its build (or cache lookup) is done.
  const microkernelFiles = new Set(['/vmlinuz', '/initrd.gz']);
  let microkernelStatic: { dir: string; handler: RequestHandler } | undefined;
  app.use('/common', (req, res, next) => {
    const dir = deps.microkernelDir?.();
    if (dir === undefined || !microkernelFiles.has(req.path)) {
      next();
      return;
    }
    if (microkernelStatic?.dir !== dir) microkernelStatic = { dir, handler: express.static(dir, { index: false, dotfiles: 'deny', fallthrough: true }) };
    microkernelStatic.handler(req, res, next);
  });
  // Kernels, initrds and images: `send` answers HEAD and Range (RFC 9110 §14) itself; no directory listings.
  app.use('/common', express.static(deps.staticRoot, { index: false, dotfiles: 'deny', fallthrough: true, immutable: false }));
  app.use((req, res) => {
    res.status(404).json({ message: `no route for ${req.method} ${req.path}`, status: 404 });
  });
  if (deps.redfish !== undefined) app.use(deps.redfish.errors);
  app.use(errorHandler(deps.log));
  return app;
}
