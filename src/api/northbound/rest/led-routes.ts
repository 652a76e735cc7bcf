/**
 * `POST /api/2.0/obms/led` (RackHD's obm_led `{nodeId, value}`): light or darken the node's identify LED
 * through its BMC. RackHD called ipmitool from on-http itself (its code says "make this a taskGraph");
 * here it runs `Graph.Obm.Identify`, so the call goes through the node's OBM record — IPMI
 * (`chassis identify`) or Redfish (LocationIndicatorActive/IndicatorLED) — with its sealed credentials, is
 * recorded as a workflow, and obeys the one-graph-per-node rule (a busy node is RackHD's 400).
 */
import { Type } from '@sinclair/typebox';
import { NotFoundError, ValidationError } from '../../../errors.ts';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { AnyObject } from './common-schemas.ts';
import { runGraph } from './graph-runs.ts';
import { findNode } from './node-routes.ts';

export const identifyGraph = 'Graph.Obm.Identify';

const LedBody = Type.Object(
  {
    nodeId: Type.String({ minLength: 1, maxLength: 200, description: 'The node (id or identifier).' }),
    value: Type.Optional(Type.Boolean({ description: 'true lights the identify LED, false turns it off (RackHD\'s spec field).' })),
    enable: Type.Optional(Type.Boolean({ description: 'The same as value (the name RackHD\'s documentation used).' })),
  },
  { additionalProperties: false, title: 'obms.2.0.led' },
);

export function ledRoutes(ports: NorthboundPorts): ApiRoute[] {
  return [
    route({
      method: 'post',
      path: '/obms/led',
      summary: 'Turn the node\'s identify LED on or off through its OBM (runs Graph.Obm.Identify)',
      tag: 'obms',
      access: 'Operator',
      body: LedBody,
      responses: {
        201: { description: 'The workflow that sets the LED', schema: AnyObject },
        400: { description: 'Bad body, or a workflow already runs on the node', schema: ErrorBody },
        404: { description: 'No such node, or it has no OBM settings', schema: ErrorBody },
      },
      async handler({ body }) {
        if (body.value !== undefined && body.enable !== undefined && body.value !== body.enable) {
          throw new ValidationError('value and enable disagree', [{ path: 'body.enable', message: 'must equal body.value when both are given' }]);
        }
        // RackHD read a missing value as "off".
        const on = body.value ?? body.enable ?? false;
        const node = await findNode(ports, body.nodeId);
        if (node.obms.length === 0) throw new NotFoundError('OBM settings of node', node.id);
        const wf = await runGraph(ports, identifyGraph, node.id, { identify: { action: on ? 'identifyOn' : 'identifyOff' } });
        return { status: 201, body: { node: node.id, value: on, workflow: wf.id, graph: identifyGraph }, headers: { Location: `/api/2.0/workflows/${wf.id}` } };
      },
    }),
  ];
}
