/**
 * What the API and the Redfish chassis seam use to reach pollers: commands go to the poller entities as
 * messages (create, update, pause/resume, delete, data), lists are read from the `pollers` read model.
 * Secrets in a poller's config (a BMC password, an SNMP community) are sealed here, before any message
 * carries them, so no journal record or projection ever holds them in clear.
 */
import { createHash } from 'node:crypto';
import type { PollerDoc } from '../../persistence/collections.ts';
import type { DocumentCollection } from '../../persistence/document-store.ts';
import { newEntityId } from '../ids.ts';
import type { EntityRouter } from '../runtime/entity-router.ts';
import { sealSecrets, type SecretSealer } from '../secret-port.ts';
import type { PollerCommand, PollerPatch, PollerRecord, PollerSample, PollerSpec, PollerView } from './poller-protocol.ts';

export interface PollerService {
  /** Creates a poller under `id` (a fresh id when left out); an existing one is answered unchanged. */
  create(spec: PollerSpec, id?: string): Promise<{ readonly poller: PollerRecord; readonly created: boolean }>;
  get(id: string): Promise<PollerView>;
  update(id: string, patch: PollerPatch): Promise<PollerView>;
  delete(id: string): Promise<PollerRecord>;
  /** The bounded history, newest first (only the newest with `latestOnly`); empty before the first poll. */
  data(id: string, latestOnly: boolean): Promise<readonly PollerSample[]>;
  /** The read model: lists and filters (`{node}`, `{name}`), never commands. */
  readonly documents: DocumentCollection<PollerDoc>;
}

export interface PollerServiceDeps {
  readonly router: EntityRouter<PollerCommand>;
  readonly pollers: DocumentCollection<PollerDoc>;
  readonly sealer: SecretSealer;
  readonly now: () => number;
}

export function createPollerService(d: PollerServiceDeps): PollerService {
  return {
    documents: d.pollers,
    create: (spec, id) => d.router.ask(id ?? newEntityId(d.now()), { type: 'poller.create', spec: { ...spec, config: sealSecrets(spec.config, d.sealer) } }),
    get: (id) => d.router.ask(id, { type: 'poller.get' }),
    update: (id, patch) => d.router.ask(id, { type: 'poller.update', patch: patch.config === undefined ? patch : { ...patch, config: sealSecrets(patch.config, d.sealer) } }),
    delete: (id) => d.router.ask(id, { type: 'poller.delete' }),
    data: (id, latestOnly) => d.router.ask(id, { type: 'poller.data', latestOnly }),
  };
}

/**
 * The id of a node's default poller for a command: derived, so that setting the node's OBM twice (or two
 * members reacting to the same event) creates each default poller once.
 */
export function defaultPollerId(nodeId: string, name: string, command: string): string {
  return createHash('sha1').update(`default-poller\u0000${nodeId}\u0000${name}\u0000${command}`).digest('hex').slice(0, 24);
}
