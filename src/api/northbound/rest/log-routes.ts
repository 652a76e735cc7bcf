/**
 * Log access through the API (issue 7 point 6). RackHD 2.0 had no such route (on-syslog published syslog
 * as events and nothing kept it for the API), so the paths are Monorail's, beside the node's other
 * sub-resources:
 *
 * - `GET /nodes/{identifier}/logs`: what the machine said over syslog, as its node keeps it (the `logs`
 *   read model, newest `syslog.keepPerNode` per node). `level` is an RFC 5424 §6.2.1 severity keyword and
 *   keeps that severity and the more severe; `since`/`until` bound the time the member received the line.
 * - `GET /nodes/{identifier}/logs/monorail` and `GET /workflows/{identifier}/logs`: Monorail's own records
 *   that name the node or the workflow (`nodeId` / `workflowId`), from this member's LogRecords
 *   (src/logging/log-records.ts: bounded, in memory, censored as the log is). On a cluster each member
 *   answers with the records it logged itself (each carries `memberId`, and `X-Monorail-Member` says which
 *   member answered). `level` is a pino level name, that level and above; `since`/`until` bound the
 *   record's time. 503 on a member whose logger keeps no records.
 *
 * Separate paths rather than a `source` parameter: the two answer different shapes and filter on different
 * level scales, and each gets its own schema in the OpenAPI document.
 *
 * All newest first, paged with RackHD's `$skip`/`$top` and the `Link`/`X-Total-Count` headers; an unknown
 * node or workflow is 404, a bad parameter 400 naming it. Access is Operator: logs are raw text from the
 * machines (installer output, kernel messages) and from the member (addresses, commands, error detail),
 * which a ReadOnly account, meant for dashboards, should not read even though credentials are redacted.
 */
import { Type } from '@sinclair/typebox';
import { EntityUnavailableError, NotFoundError, ValidationError } from '../../../errors.ts';
import type { LogDoc } from '../../../persistence/collections.ts';
import type { Filter } from '../../../persistence/document-store.ts';
import { recordsOf } from '../../../logging/logger.ts';
import { recordLevels, type RecordKind, type RecordLevel } from '../../../logging/log-records.ts';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiResult, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { pageOf, pagingHeaders } from '../paging.ts';
import type { Request } from 'express';
import { AnyObject, IdentifierParams, pagedQuery, stringEnum } from './common-schemas.ts';
import { pagedList } from './list-page.ts';
import { findNode } from './node-routes.ts';

/** RFC 5424 §6.2.1 severities by their syslog.h keywords; the index is the numeric severity (0 most severe). */
export const syslogSeverities = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

/** RFC 3339 §5.6 date-time (what the log's `time` and the syslog `receivedAt` are); the calendar is checked after. */
const Timestamp = (description: string) =>
  Type.Optional(Type.String({ maxLength: 40, pattern: '^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})$', description }));

const timeFilters = {
  since: Timestamp('Only entries at or after this RFC 3339 date-time.'),
  until: Timestamp('Only entries at or before this RFC 3339 date-time.'),
};

const SyslogQuery = pagedQuery({
  level: Type.Optional(stringEnum(syslogSeverities, { description: 'RFC 5424 severity: this one and the more severe (err keeps emerg, alert, crit and err).' })),
  ...timeFilters,
});

const RecordQuery = pagedQuery({
  level: Type.Optional(stringEnum(recordLevels, { description: 'Log level: this one and above (warn keeps warn, error and fatal).' })),
  ...timeFilters,
});

const WorkflowParams = Type.Object({ identifier: Type.String({ minLength: 1, maxLength: 64, description: 'The workflow instance id.' }) });

const responses = (what: string) => ({
  200: { description: `${what}, newest first`, schema: Type.Array(AnyObject) },
  400: { description: 'A bad query parameter (named in the answer)', schema: ErrorBody },
  404: { description: 'No such node or workflow', schema: ErrorBody },
});

/** since/until as ms, checked: a date the pattern allows but the calendar does not (02-30), or since after until, is a 400. */
function timeRange(query: { readonly since?: string; readonly until?: string }): { since?: number; until?: number } {
  const at = (name: 'since' | 'until'): number | undefined => {
    const given = query[name];
    if (given === undefined) return undefined;
    // RFC 3339 §5.6 allows a lower-case t/z and (NOTE) a space for the T; Date.parse wants ISO 8601's form.
    const text = given.toUpperCase().replace(' ', 'T');
    const ms = Date.parse(text);
    // Date.parse rolls 2026-02-30 over to March; a date that does not round-trip its day is not a date.
    if (!Number.isFinite(ms) || new Date(ms + offsetMs(text)).getUTCDate() !== Number(text.slice(8, 10))) {
      throw new ValidationError(`query.${name} is not a date-time`, [{ path: `query.${name}`, message: `query.${name} is not a valid RFC 3339 date-time` }]);
    }
    return ms;
  };
  const since = at('since');
  const until = at('until');
  if (since !== undefined && until !== undefined && since > until) {
    throw new ValidationError('query.until is before query.since', [{ path: 'query.until', message: 'query.until must not be before query.since' }]);
  }
  return { ...(since === undefined ? {} : { since }), ...(until === undefined ? {} : { until }) };
}

/** The UTC offset written in an RFC 3339 date-time, in ms (0 for Z). */
function offsetMs(text: string): number {
  const m = /([+-])(\d{2}):(\d{2})$/.exec(text);
  if (m === null) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000;
}

/** Monorail's records for one node or workflow, from the member's LogRecords. */
function recordPage(
  ports: NorthboundPorts,
  kind: RecordKind,
  id: string,
  query: { readonly level?: RecordLevel; readonly since?: string; readonly until?: string; readonly $skip?: number; readonly $top?: number },
  range: { since?: number; until?: number },
  req: Request,
): ApiResult {
  const records = recordsOf(ports.log);
  if (records === undefined) throw new EntityUnavailableError('log records', 'this member keeps no log records');
  const page = pageOf(query);
  const found = records.query(kind, id, { ...range, ...(query.level === undefined ? {} : { level: query.level }), skip: page.skip, top: page.top });
  return { status: 200, body: found.items, headers: { ...pagingHeaders(req, page, found.total), 'X-Monorail-Member': ports.config.memberId } };
}

export function logRoutes(ports: NorthboundPorts): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/nodes/{identifier}/logs',
      summary: 'The node\'s syslog lines, newest first, paged; filtered by severity (level) and time received (since, until)',
      tag: 'nodes',
      access: 'Operator',
      params: IdentifierParams,
      query: SyslogQuery,
      responses: responses('The syslog lines'),
      async handler({ params, query, req }) {
        const range = timeRange(query);
        const node = await findNode(ports, params.identifier);
        const received: Record<string, string> = {};
        // receivedAt is written by Date#toISOString, so the same form compares as text in both stores.
        if (range.since !== undefined) received['$gte'] = new Date(range.since).toISOString();
        if (range.until !== undefined) received['$lte'] = new Date(range.until).toISOString();
        const filter: Filter = {
          node: node.id,
          ...(query.level === undefined ? {} : { severity: { $lte: syslogSeverities.indexOf(query.level) } }),
          ...(Object.keys(received).length === 0 ? {} : { receivedAt: received }),
        };
        // Ids sort by arrival (node, time received, serial): descending is newest first.
        return pagedList<LogDoc>(ports.documents.collection('logs'), filter, query, req, (d) => d, { id: -1 });
      },
    }),
    route({
      method: 'get',
      path: '/nodes/{identifier}/logs/monorail',
      summary: 'Monorail\'s own log records about the node on this member, newest first, paged; filtered by level and time',
      tag: 'nodes',
      access: 'Operator',
      params: IdentifierParams,
      query: RecordQuery,
      responses: { ...responses('The log records'), 503: { description: 'This member keeps no log records', schema: ErrorBody } },
      async handler({ params, query, req }) {
        const range = timeRange(query);
        const node = await findNode(ports, params.identifier);
        return recordPage(ports, 'node', node.id, query, range, req);
      },
    }),
    route({
      method: 'get',
      path: '/workflows/{identifier}/logs',
      summary: 'Monorail\'s own log records about the workflow instance on this member, newest first, paged; filtered by level and time',
      tag: 'workflows',
      access: 'Operator',
      params: WorkflowParams,
      query: RecordQuery,
      responses: { ...responses('The log records'), 503: { description: 'This member keeps no log records', schema: ErrorBody } },
      async handler({ params, query, req }) {
        const range = timeRange(query);
        const workflow = await ports.documents.collection('workflows').get(params.identifier);
        if (workflow === undefined) throw new NotFoundError('workflow', params.identifier);
        return recordPage(ports, 'workflow', workflow.id, query, range, req);
      },
    }),
  ];
}
