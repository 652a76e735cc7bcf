/**
 * `/api/2.0/alerts` and `/api/2.0/nodes/{identifier}/alerts`: the active alerts (src/actors/alert/), from
 * the `alerts` read model the alert engine writes before it publishes. RackHD had no such list (its alerts
 * were only events); the shape follows the `node.alerts` event's data so a client can match the two by
 * `id` (the event's `data.alertId`). Paged with `$skip`/`$top`, newest first.
 */
import { Type } from '@sinclair/typebox';
import type { AlertDoc } from '../../../persistence/collections.ts';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { AnyObject, IdentifierParams, pagedQuery, stringEnum } from './common-schemas.ts';
import { definedFields, pagedList } from './list-page.ts';
import { findNode } from './node-routes.ts';

const severities = ['information', 'warning', 'critical'] as const;

export function alertView(d: AlertDoc, base = '/api/2.0'): Record<string, unknown> {
  return {
    id: d.id,
    key: d.key,
    node: typeof d.node === 'string' ? `${base}/nodes/${d.node}` : null,
    rule: d['rule'],
    kind: d['kind'],
    subject: d['subject'],
    severity: d.severity,
    message: d['message'],
    raisedAt: d.raisedAt,
    ...(typeof d['source'] === 'object' && d['source'] !== null ? { source: d['source'] } : {}),
    data: d['data'] ?? {},
  };
}

export function alertRoutes(ports: NorthboundPorts): ApiRoute[] {
  const tag = 'alerts';
  const alerts = () => ports.documents.collection('alerts');
  return [
    route({
      method: 'get',
      path: '/alerts',
      summary: 'Active alerts, paged, filtered by node or severity',
      tag,
      access: 'ReadOnly',
      query: pagedQuery({
        node: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Node id.' })),
        severity: Type.Optional(stringEnum(severities)),
      }),
      responses: { 200: { description: 'Active alerts', schema: Type.Array(AnyObject) }, 400: { description: 'Bad query', schema: ErrorBody } },
      handler: ({ query, req }) => pagedList(alerts(), definedFields({ node: query.node, severity: query.severity }), query, req, (d) => alertView(d), { raisedAt: -1 }),
    }),
    route({
      method: 'get',
      path: '/nodes/{identifier}/alerts',
      summary: 'Active alerts of a node, paged, filtered by severity',
      tag,
      access: 'ReadOnly',
      params: IdentifierParams,
      query: pagedQuery({ severity: Type.Optional(stringEnum(severities)) }),
      responses: { 200: { description: 'Active alerts', schema: Type.Array(AnyObject) }, 400: { description: 'Bad query', schema: ErrorBody }, 404: { description: 'No such node', schema: ErrorBody } },
      async handler({ params, query, req }) {
        const node = await findNode(ports, params.identifier);
        return pagedList(alerts(), definedFields({ node: node.id, severity: query.severity }), query, req, (d) => alertView(d), { raisedAt: -1 });
      },
    }),
  ];
}
