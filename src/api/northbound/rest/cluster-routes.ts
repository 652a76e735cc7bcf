/**
 * `/api/2.0/cluster`: the answering member's view of the cluster (src/cluster/cluster-status.ts): the shards it
 * owns, the members it hears and the shards each announced. Operators use it to see that shards are balanced
 * after a member joined or left; RackHD had no cluster to show.
 */
import { localClusterStatus } from '../../../cluster/cluster-status.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { AnyObject } from './common-schemas.ts';

export function clusterRoutes(ports: NorthboundPorts): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/cluster',
      summary: 'This member\'s view of the cluster: its shards, the live members and the shards each owns',
      tag: 'cluster',
      access: 'ReadOnly',
      responses: { 200: { description: 'The cluster as this member sees it', schema: AnyObject } },
      handler: () => ({ status: 200, body: ports.cluster?.() ?? localClusterStatus(ports.config.memberId) }),
    }),
  ];
}
