/**
 * The microkernel protocol, RackHD's southbound contract (rackhd.md §3.4), unauthenticated because the
 * machine being inventoried cannot log in:
 *
 * - `GET /api/current/tasks/bootstrap.js?macAddress=<mac>`: the agent, rendered for the node owning that MAC
 *   (404 for a MAC no node owns). Ours is a busybox `sh` script; the name stays for compatibility.
 * - `GET /api/current/tasks/<identifier>`: the commands a running task has for the node, or 404 when none
 *   has. Answered in-process from the running task (no RPC with a 1 s timeout), so a node with work
 *   pending never gets a false 404 under load.
 * - `POST /api/current/tasks/<identifier>`: the results; 201 when a running task of the node took them,
 *   404 when none is running, 400 for a body that is not a report, 413 for one over the size limit.
 * - `POST /api/current/notification?nodeId=` (and `/notification/progress`): installers and scripts
 *   telling a waiting task they are done or how far they got.
 */
import express, { type Express, type RequestHandler } from 'express';
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { isMac, normalizeMac } from '../../actors/lookup/mac-address.ts';
import { entityIdPattern } from '../../actors/ids.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import type { Logger } from '../../logging/logger.ts';
import type { NodeDirectory } from '../../protocols/node-directory.ts';

/** What the routes need from the workflow engine. */
export interface MicrokernelGateway {
  /** Asynchronous: on a cluster the node's tasks may run on another member. */
  requestCommands(nodeId: string): Promise<unknown>;
  respondCommands(nodeId: string, report: AgentReportBody): Promise<boolean>;
  notify(nodeId: string, data: Readonly<Record<string, unknown>>): Promise<number>;
  /** A microkernel agent (re)started for the node: tasks waiting on an earlier agent's report may offer again. */
  agentStarted(nodeId: string): void;
}

export interface AgentScriptContext {
  readonly identifier: string;
  readonly server: string;
  readonly macaddress: string;
}

export interface MicrokernelRoutesDeps {
  readonly gateway: MicrokernelGateway;
  readonly directory: Pick<NodeDirectory, 'nodeOfMac'>;
  /** Renders the agent for a node; `server` is the southbound base URL. */
  readonly agentScript: (ctx: AgentScriptContext) => Promise<string>;
  readonly baseUrl: (req: express.Request) => string;
  readonly log: Logger;
  /**
   * Largest result body accepted. The agent keeps at most 4 MiB per stream, which JSON escaping can grow up
   * to six-fold for control characters; larger bodies are refused with 413.
   */
  readonly maxReportBytes?: number;
}

/** Per command: RackHD's fields plus what the agent adds; extra fields are kept (RackHD agents send more). */
const ResultSchema = Type.Object(
  {
    cmd: Type.String({ maxLength: 65_536 }),
    stdout: Type.Optional(Type.String()),
    stderr: Type.Optional(Type.String()),
    // Exit codes are numbers; failures before a command ran carry Node-style string codes (EDOWNLOAD, EINVAL).
    error: Type.Optional(Type.Union([Type.Null(), Type.Object({ code: Type.Optional(Type.Union([Type.Number(), Type.String()])), message: Type.Optional(Type.String()) })])),
  },
  { additionalProperties: true },
);
const ReportSchema = Type.Object({ identifier: Type.Optional(Type.String({ maxLength: 64 })), tasks: Type.Array(ResultSchema, { maxItems: 1024 }) }, { additionalProperties: true });
export type AgentReportBody = Static<typeof ReportSchema> & { readonly identifier: string };

const ajv = new Ajv({ allErrors: true });
const validReport = ajv.compile<Static<typeof ReportSchema>>(ReportSchema);

function nodeIdParam(value: unknown): string {
  if (typeof value !== 'string' || !entityIdPattern.test(value)) {
    throw new ValidationError('identifier must be a node id (24 hex digits)', [{ path: 'identifier', message: 'not a node id' }]);
  }
  return value;
}

export function mountMicrokernelRoutes(app: Express, deps: MicrokernelRoutesDeps): void {
  const json = express.json({ limit: deps.maxReportBytes ?? 64 * 1024 * 1024, type: () => true });

  const bootstrap: RequestHandler = async (req, res) => {
    const mac = req.query['macAddress'];
    if (typeof mac !== 'string' || !isMac(mac)) throw new ValidationError('macAddress must be one MAC address', [{ path: 'macAddress', message: 'expected a MAC address' }]);
    const nodeId = await deps.directory.nodeOfMac(mac);
    if (nodeId === undefined) throw new NotFoundError('node with MAC', normalizeMac(mac));
    const script = await deps.agentScript({ identifier: nodeId, server: deps.baseUrl(req), macaddress: normalizeMac(mac) });
    deps.gateway.agentStarted(nodeId);
    res.type('text/plain').send(script);
  };

  const commands: RequestHandler = async (req, res) => {
    const nodeId = nodeIdParam(req.params['identifier']);
    const reply = await deps.gateway.requestCommands(nodeId);
    if (reply === undefined) {
      res.status(404).json({ message: `no commands for node ${nodeId}`, status: 404 });
      return;
    }
    res.json(reply);
  };

  const results: RequestHandler = async (req, res) => {
    const nodeId = nodeIdParam(req.params['identifier']);
    const body: unknown = req.body;
    if (!validReport(body)) {
      const errors = (validReport.errors ?? []).slice(0, 10).map((e) => ({ path: e.instancePath || '(root)', message: e.message ?? 'invalid' }));
      deps.log.warn({ nodeId, errors }, 'malformed microkernel report refused');
      throw new ValidationError(`not a microkernel report: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
    }
    if (body.identifier !== undefined && body.identifier !== nodeId) {
      throw new ValidationError('identifier in the body does not match the URL', [{ path: 'identifier', message: 'does not match the URL' }]);
    }
    if (!(await deps.gateway.respondCommands(nodeId, { ...body, identifier: nodeId }))) {
      res.status(404).json({ message: `no task of node ${nodeId} is waiting for results`, status: 404 });
      return;
    }
    res.status(201).json({ message: 'accepted', status: 201 });
  };

  const notification = (progress: boolean): RequestHandler => async (req, res) => {
    const body: unknown = req.body ?? {};
    const nodeId = nodeIdParam(typeof req.query['nodeId'] === 'string' ? req.query['nodeId'] : typeof (body as { nodeId?: unknown }).nodeId === 'string' ? (body as { nodeId: string }).nodeId : undefined);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ValidationError('notification body must be a JSON object', [{ path: '(root)', message: 'expected an object' }]);
    const data = progress ? { progress: body as Record<string, unknown> } : (body as Record<string, unknown>);
    const delivered = await deps.gateway.notify(nodeId, data);
    // RackHD answers 201 whether or not a task was waiting; the count says whether one was.
    res.status(201).json({ message: 'accepted', status: 201, delivered });
  };

  for (const prefix of ['/api/current', '/api/2.0', '/api/common']) {
    app.get(`${prefix}/tasks/bootstrap.js`, bootstrap);
    app.get(`${prefix}/tasks/:identifier`, commands);
    app.post(`${prefix}/tasks/:identifier`, json, results);
    app.post(`${prefix}/notification`, json, notification(false));
    app.post(`${prefix}/notification/progress`, json, notification(true));
  }
}
