/**
 * Wakes every unfinished batch: on member start, because tick timers live in memory, and per shard when a
 * member takes shards over (after a failover the new owner carries on from the batch's journal). It reads
 * the `batches` read model (`active`: something still pending or running) page by page and tells each
 * batch `batch.wake`; the entity recovers from its journal and schedules its own next tick.
 */
import type { BatchDoc } from '../../persistence/collections.ts';
import type { DocumentCollection } from '../../persistence/document-store.ts';
import type { EntityRouter } from '../runtime/entity-router.ts';
import type { BatchCommand } from './batch-protocol.ts';

const PAGE = 500;

export async function wakeBatches(batches: DocumentCollection<BatchDoc>, router: EntityRouter<BatchCommand>, owns: (batchId: string) => boolean = () => true): Promise<number> {
  let woken = 0;
  let after: string | undefined;
  // Paged by id rather than by offset: batches finishing meanwhile leave the active set without shifting the pages.
  for (;;) {
    const page = await batches.find(after === undefined ? { active: true } : { active: true, id: { $gt: after } }, { sort: { id: 1 }, limit: PAGE });
    for (const doc of page) {
      if (!owns(doc.id)) continue;
      router.tell(doc.id, { type: 'batch.wake' });
      woken++;
    }
    if (page.length < PAGE) return woken;
    after = page[page.length - 1]?.id;
  }
}
