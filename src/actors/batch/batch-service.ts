/**
 * What the API uses to reach batches: commands go to the batch entities as messages (create, get,
 * cancel), lists are read from the `batches` read model. Secrets in a batch's graph options (a root
 * password for an OS install) are sealed here, before any message carries them, so neither the batch's
 * journal nor its projection ever holds them in clear; the engine opens them for the task that needs them.
 */
import type { BatchDoc } from '../../persistence/collections.ts';
import type { DocumentCollection } from '../../persistence/document-store.ts';
import { newEntityId } from '../ids.ts';
import type { EntityRouter } from '../runtime/entity-router.ts';
import { sealSecrets, type SecretSealer } from '../secret-port.ts';
import type { BatchCommand, BatchSpec, BatchView } from './batch-protocol.ts';

export interface BatchService {
  /** Creates a batch under `id` (a fresh id when left out); an existing one is answered unchanged. */
  create(spec: BatchSpec, id?: string): Promise<{ readonly batch: BatchView; readonly created: boolean }>;
  get(id: string): Promise<BatchView>;
  /** Pending items are cancelled; running workflows too with `cancelRunning`. A finished batch is a ConflictError. */
  cancel(id: string, cancelRunning: boolean): Promise<BatchView>;
  /** The read model: lists and filters (`{status}`, `{active}`), never commands. */
  readonly documents: DocumentCollection<BatchDoc>;
}

export interface BatchServiceDeps {
  readonly router: EntityRouter<BatchCommand>;
  readonly batches: DocumentCollection<BatchDoc>;
  readonly sealer: SecretSealer;
  readonly now: () => number;
  /** Creating resolves a selector over every node and journals the set: longer than an ordinary ask may take. */
  readonly createTimeoutMs?: number;
}

export function createBatchService(d: BatchServiceDeps): BatchService {
  return {
    documents: d.batches,
    create: (spec, id) =>
      d.router.ask(id ?? newEntityId(d.now()), { type: 'batch.create', spec: spec.graphOptions === undefined ? spec : { ...spec, graphOptions: sealSecrets(spec.graphOptions, d.sealer) } }, d.createTimeoutMs),
    get: (id) => d.router.ask(id, { type: 'batch.get' }),
    cancel: (id, cancelRunning) => d.router.ask(id, { type: 'batch.cancel', cancelRunning }),
  };
}
