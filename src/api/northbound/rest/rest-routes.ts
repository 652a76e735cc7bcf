/**
 * Every RackHD 2.0 resource of this directory as one route list, in the order express must see them:
 * literal paths (`/nodes/tags/{tag}`, `/workflows/graphs`, `/obms/definitions`) before the parameterised
 * paths that would otherwise take `tags`, `graphs` or `definitions` for an id. Mount the list under
 * `/api/2.0`, `/api/current` and `/api/common`, ahead of the southbound `/templates/{name}` route.
 */
import type { SecretBox } from '../../../secrets/secret-box.ts';
import type { ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { alertRoutes } from './alert-routes.ts';
import { batchRoutes } from './batch-routes.ts';
import { clusterRoutes } from './cluster-routes.ts';
import { catalogRoutes } from './catalog-routes.ts';
import { ensureMatchingGraphs } from './catalog-matching.ts';
import { configRoutes } from './config-routes.ts';
import { definitionRoutes } from './definition-routes.ts';
import { documentDefinitionStore, type DefinitionStore } from './definition-store.ts';
import { fileRoutes } from './file-routes.ts';
import { firmwareRoutes } from './firmware-routes.ts';
import { FileStore, filesDir } from './file-store.ts';
import { ibmRoutes } from './ibm-routes.ts';
import { secretBoxIbmSealer, type IbmConfigSealer } from './ibm-sealing.ts';
import { ledRoutes } from './led-routes.ts';
import { libraryRoutes } from './library-routes.ts';
import { logRoutes } from './log-routes.ts';
import { lookupRoutes } from './lookup-routes.ts';
import { nodeRoutes } from './node-routes.ts';
import { notificationRoutes } from './notification-routes.ts';
import { obmRoutes } from './obm-routes.ts';
import { pollerRoutes } from './poller-routes.ts';
import { secretBoxObmSealer, type ObmConfigSealer } from './obm-sealing.ts';
import { relationRoutes } from './relation-routes.ts';
import { schemaRoutes, type OpenApiSource } from './schema-routes.ts';
import { skuPackRoutes } from './sku-pack-routes.ts';
import { skuRoutes } from './sku-routes.ts';
import { staticFileRoutes } from './static-file-routes.ts';
import { tagRoutes } from './tag-routes.ts';
import { taskSchemaRoutes } from './task-schema-routes.ts';
import { workflowRoutes } from './workflow-routes.ts';

export interface RestRouteDeps {
  /** Seals OBM credentials before they are stored (secretBoxObmSealer on the member's SecretBox). */
  readonly obmSealer: ObmConfigSealer;
  /** Seals IBM credentials (SSH passwords and keys, SNMP communities) the same way. */
  readonly ibmSealer: IbmConfigSealer;
  /** Keeps definitions put through the API across restarts. */
  readonly definitions: DefinitionStore;
  readonly files: FileStore;
  /** The registry these routes are added to: /openapi.json and /schemas describe all of it. */
  readonly registry: OpenApiSource;
  readonly limits?: { readonly maxFileBytes?: number; readonly maxSourceBytes?: number; readonly maxPackBytes?: number };
  /** The directory `/files/static/list` lists; the member's `http.staticRoot` when left out. */
  readonly staticRoot?: string;
}

/** The production dependencies: the member's SecretBox, the shared `definitions` collection and `<dataDir>/files`. */
export function restRouteDeps(ports: NorthboundPorts, box: SecretBox, registry: OpenApiSource): RestRouteDeps {
  return {
    obmSealer: secretBoxObmSealer(box),
    ibmSealer: secretBoxIbmSealer(box),
    definitions: documentDefinitionStore(ports.documents.collection('definitions'), ports.now),
    files: new FileStore(filesDir(ports.config.dataDir), () => ports.documents.collection('files'), ports.now),
    registry,
  };
}

export function restRoutes(ports: NorthboundPorts, deps: RestRouteDeps): ApiRoute[] {
  // SKU and tag changes re-match nodes with these graphs (RackHD's Graph.GenerateSku / Graph.GenerateTags).
  ensureMatchingGraphs(ports.workflows.library);
  return [
    ...tagRoutes(ports),
    ...definitionRoutes(ports, deps.definitions),
    ...workflowRoutes(ports),
    ...nodeRoutes(ports, deps.obmSealer),
    ...catalogRoutes(ports),
    // Before obmRoutes: `/obms/led` is not an OBM record's id.
    ...ledRoutes(ports),
    ...obmRoutes(ports, deps.obmSealer),
    ...ibmRoutes(ports, deps.ibmSealer),
    ...firmwareRoutes(ports),
    ...notificationRoutes(ports),
    ...relationRoutes(ports),
    ...lookupRoutes(ports),
    ...pollerRoutes(ports),
    ...batchRoutes(ports),
    ...clusterRoutes(ports),
    ...alertRoutes(ports),
    ...logRoutes(ports),
    ...skuPackRoutes(ports, deps.definitions, deps.limits?.maxPackBytes === undefined ? {} : { maxPackBytes: deps.limits.maxPackBytes }),
    ...skuRoutes(ports),
    ...libraryRoutes(ports, deps.limits?.maxSourceBytes === undefined ? {} : { maxSourceBytes: deps.limits.maxSourceBytes }),
    // Before fileRoutes: `/files/static/list` is no file's metadata.
    ...staticFileRoutes(ports, deps.staticRoot),
    ...fileRoutes(ports, deps.files, deps.limits?.maxFileBytes === undefined ? {} : { maxFileBytes: deps.limits.maxFileBytes }),
    ...configRoutes(ports),
    // Before schemaRoutes: `/schemas/tasks` is not a body schema's id.
    ...taskSchemaRoutes(ports),
    ...schemaRoutes(deps.registry),
  ];
}
