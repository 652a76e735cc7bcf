/**
 * The parts of RackHD's notification API that the southbound routes (src/api/southbound/microkernel-routes.ts:
 * `POST /notification[?nodeId=]`, `POST /notification/progress`) leave out:
 *
 * - `POST /notification/alerts`: Redfish alerts a BMC pushes (a Redfish `Event` with `Events[]`, or the flat
 *   alert record older iDRACs send, as RackHD took it). Each record becomes a `node.alerts` event in RackHD's
 *   shape on the event bus (so webhooks, AMQP and the SSE stream see it), its node found by the sender's
 *   address (alert-source.ts). Open to callers without credentials, as BMCs cannot log in to Monorail.
 *   Vendors send the JSON labelled `application/x-www-form-urlencoded` too; RackHD parsed that as JSON, and so
 *   does this route, so the body is read here rather than by the registry's JSON parser.
 * - `GET /notification/progress?taskId=&value=&maximum=[&description=]`: RackHD's progress milestone for
 *   clients that can only GET (iPXE's `imgfetch`), by task id or node id, delivered to the node's waiting task
 *   as the southbound POST delivers it.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import type { DomainEvent, Severity } from '../../../actors/events/event-bus.ts';
import { ValidationError } from '../../../errors.ts';
import { ErrorBody } from '../api-registry.ts';
import { roleRank, route, type ApiRoute, type Principal } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { nodeOfOrigin, nodeOfSender, senderAddress, type AlertSource } from './alert-source.ts';
import { AnyObject, query } from './common-schemas.ts';
import { findNode } from './node-routes.ts';
import { readRawBody } from './raw-body.ts';

/** An alert is a few hundred bytes; a Redfish Event of many records stays well inside this. */
export const maxAlertBytes = 64 * 1024;
const alertMediaTypes = ['application/json', 'application/*+json', 'application/x-www-form-urlencoded'] as const;

const AlertRecord = Type.Object(
  {
    EventType: Type.Optional(Type.String({ maxLength: 64 })),
    EventId: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Number()])),
    Severity: Type.Optional(Type.String({ maxLength: 32 })),
    Message: Type.Optional(Type.String({ maxLength: 4096 })),
    MessageId: Type.Optional(Type.String({ maxLength: 256 })),
    MessageArgs: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 64 })),
    OriginOfCondition: Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), Type.Object({ '@odata.id': Type.String({ maxLength: 1024 }) })])),
    EventTimestamp: Type.Optional(Type.String({ maxLength: 64 })),
  },
  // A body with `Events` is a Redfish Event, never a flat record (an empty `Events` must not pass as one).
  { minProperties: 1, maxProperties: 100, additionalProperties: true, not: { required: ['Events'] } },
);
/** A Redfish `Event` (Event.v1_x: `Events[]` of EventRecords) or RackHD's flat alert record. */
export const AlertBody = Type.Union(
  [Type.Object({ Events: Type.Array(AlertRecord, { minItems: 1, maxItems: 100 }), Context: Type.Optional(Type.String({ maxLength: 1024 })) }, { additionalProperties: true }), AlertRecord],
  { title: 'notification.2.0.alerts', description: 'A Redfish Event, or one flat alert record.' },
);
type Alert = Static<typeof AlertRecord>;

const validAlert = new Ajv({ allErrors: false, strict: false }).compile(AlertBody);

const ProgressQuery = query({
  taskId: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'The task reporting (RackHD).' })),
  nodeId: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Or the node whose waiting task it is.' })),
  value: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
  maximum: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
  description: Type.Optional(Type.String({ maxLength: 1024 })),
});

/** Redfish `Severity` (OK, Warning, Critical) as RackHD's event severity. */
function severityOf(s: unknown): Severity {
  const v = typeof s === 'string' ? s.toLowerCase() : '';
  return v === 'critical' ? 'critical' : v === 'warning' ? 'warning' : 'information';
}

function parseAlert(raw: Buffer): Static<typeof AlertBody> {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new ValidationError('the alert is not JSON', [{ path: 'body', message: 'body is not JSON' }]);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !validAlert(body)) {
    throw new ValidationError('not a Redfish alert: expected an Event with Events[] or one alert record', [{ path: 'body', message: 'body is not a Redfish Event or alert record' }]);
  }
  return body;
}

const mayNameNode = (p: Principal | undefined): boolean => p !== undefined && roleRank[p.role] >= roleRank.Operator;

export function notificationRoutes(ports: NorthboundPorts): ApiRoute[] {
  const sourceOf = async (record: Alert, ip: string | undefined, principal: Principal | undefined): Promise<AlertSource> => {
    if (mayNameNode(principal)) {
      const named = await nodeOfOrigin(ports, record.OriginOfCondition);
      if (named !== undefined) return { nodeId: named.id, by: 'origin-of-condition' };
    }
    const found = ip === undefined ? undefined : await nodeOfSender(ports, ip);
    if (found === undefined) {
      throw new ValidationError(`unrecognized node: no BMC or node is known at ${ip ?? 'the sender\u2019s address'}`, [{ path: 'body', message: 'the sender is no known BMC' }]);
    }
    return found;
  };

  return [
    route({
      method: 'post',
      path: '/notification/alerts',
      summary: 'A Redfish alert pushed by a BMC; published as node.alerts (body: JSON, also when labelled x-www-form-urlencoded)',
      tag: 'notification',
      access: 'public',
      responses: {
        201: { description: 'The published event (an array of them for a Redfish Event with several records)', schema: AnyObject },
        400: { description: 'Not an alert, or from no known node', schema: ErrorBody },
        413: { description: 'Too large', schema: ErrorBody },
        415: { description: 'Not JSON', schema: ErrorBody },
      },
      async handler({ req, res, principal }) {
        const body = parseAlert(await readRawBody(req, res, alertMediaTypes, maxAlertBytes));
        const ip = senderAddress(req.socket.remoteAddress);
        const records: Alert[] = 'Events' in body && Array.isArray(body.Events) ? body.Events.map((e) => ({ ...(body.Context === undefined ? {} : { Context: body.Context }), ...e })) : [body as Alert];
        const events: DomainEvent[] = [];
        for (const record of records) {
          const source = await sourceOf(record, ip, principal);
          events.push({
            version: '1.0',
            type: 'node',
            action: 'alerts',
            severity: severityOf(record.Severity),
            typeId: source.nodeId,
            nodeId: source.nodeId,
            createdAt: new Date(ports.now()).toISOString(),
            data: {
              ...record,
              nodeId: source.nodeId,
              ...(ip === undefined ? {} : { sourceIpAddress: ip }),
              ...(source.macAddress === undefined ? {} : { sourceMacAddress: source.macAddress }),
              foundBy: source.by,
            },
          });
        }
        // All records are checked before any is published: a bad record does not leave half an Event published.
        for (const e of events) ports.events.publish(e);
        ports.log.info({ nodes: [...new Set(events.map((e) => e.nodeId))], count: events.length, from: ip }, 'redfish alert received');
        return { status: 201, body: 'Events' in body ? events : events[0] };
      },
    }),
    route({
      method: 'get',
      path: '/notification/progress',
      summary: 'A progress milestone (RackHD: ?taskId=&value=&maximum=), for clients that can only GET',
      tag: 'notification',
      access: 'public',
      query: ProgressQuery,
      responses: {
        200: { description: 'Delivered (text, as RackHD answered iPXE)' },
        400: { description: 'Bad query, or no such task', schema: ErrorBody },
        404: { description: 'No such node', schema: ErrorBody },
      },
      async handler({ query: q }) {
        if (q.value > q.maximum) throw new ValidationError('value is above maximum', [{ path: 'query.value', message: 'must not exceed maximum' }]);
        let nodeId: string;
        if (q.taskId !== undefined) {
          const task = await ports.documents.collection('tasks').get(q.taskId);
          // RackHD: "Cannot find the task for taskId" is a 400.
          if (task?.node === undefined) throw new ValidationError(`no task ${q.taskId} of a node`, [{ path: 'query.taskId', message: 'unknown task' }]);
          nodeId = task.node;
        } else if (q.nodeId !== undefined) {
          nodeId = (await findNode(ports, q.nodeId)).id;
        } else {
          throw new ValidationError('name the task (?taskId=) or the node (?nodeId=)', [{ path: 'query.taskId', message: 'is required' }]);
        }
        const progress = { value: q.value, maximum: q.maximum, ...(q.description === undefined ? {} : { description: q.description }), ...(q.taskId === undefined ? {} : { taskId: q.taskId }) };
        const delivered = await ports.workflows.notify(nodeId, { progress });
        return { status: 200, raw: `Notification response, no file will be sent (delivered to ${delivered} task${delivered === 1 ? '' : 's'})\n`, contentType: 'text/plain; charset=utf-8' };
      },
    }),
  ];
}

