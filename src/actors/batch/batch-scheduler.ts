/**
 * Wakes every unfinished batch: on member start, because tick timers live in memory, and per shard when a
 * member takes shards over (after a failover the new owner carries on from the batch's journal). Unfinished
 * is the `batches` read model's `active` (something still pending or running); each gets `batch.wake`.
 */
import type { BatchDoc } from '../../persistence/collections.ts';
import type { DocumentCollection } from '../../persistence/document-store.ts';
import type { EntityRouter } from '../runtime/entity-router.ts';
import { wakeEntities } from '../runtime/wake-entities.ts';
import type { BatchCommand } from './batch-protocol.ts';

export function wakeBatches(batches: DocumentCollection<BatchDoc>, router: EntityRouter<BatchCommand>, owns?: (batchId: string) => boolean): Promise<number> {
  return wakeEntities(batches, { active: true }, (id) => router.tell(id, { type: 'batch.wake' }), owns);
}
