/**
 * `GET /api/2.0/catalogs/{id}/firmware`: the firmware of a node's components (firmware-view.ts). RackHD looked
 * the id up as a node id (`firmware.find({nodeId: id})`) under a catalogs path; Monorail takes either a
 * catalog id (the node that catalog belongs to) or a node id/identifier, and answers 404 when it is neither.
 */
import { Type } from '@sinclair/typebox';
import { isMonorailError, NotFoundError } from '../../../errors.ts';
import type { CatalogDoc } from '../../../persistence/collections.ts';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { AnyObject, IdParams } from './common-schemas.ts';
import { firmwareOf, firmwareSources } from './firmware-view.ts';
import { findNode } from './node-routes.ts';

export function firmwareRoutes(ports: NorthboundPorts): ApiRoute[] {
  const catalogs = () => ports.documents.collection('catalogs');

  const nodeOf = async (id: string): Promise<string> => {
    const catalog = await catalogs().get(id);
    if (catalog !== undefined) return catalog.node;
    try {
      return (await findNode(ports, id)).id;
    } catch (e) {
      if (isMonorailError(e, 'NOT_FOUND')) throw new NotFoundError('catalog or node', id);
      throw e;
    }
  };

  return [
    route({
      method: 'get',
      path: '/catalogs/{id}/firmware',
      summary: 'Firmware versions of the node\'s BIOS, BMC, NICs and disks, from its latest catalogs (id: a catalog id or a node)',
      tag: 'catalogs',
      access: 'ReadOnly',
      params: IdParams,
      responses: { 200: { description: 'One entry per component with firmware', schema: Type.Array(AnyObject) }, 404: { description: 'No such catalog or node', schema: ErrorBody } },
      async handler({ params }) {
        const node = await nodeOf(params.id);
        const found = await catalogs().find({ node, source: { $in: [...firmwareSources] } }, { sort: { createdAt: -1 } });
        const latest = new Map<string, CatalogDoc>();
        for (const c of found) if (!latest.has(c.source)) latest.set(c.source, c);
        return { status: 200, body: firmwareOf([...latest.values()]).map((f) => ({ ...f, node: `/api/2.0/nodes/${node}` })) };
      },
    }),
  ];
}
