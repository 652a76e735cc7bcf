/**
 * Wakes the entities whose timers live in memory (pollers, batches): on member start, and per shard when a
 * member takes shards over. Reads the entity kind's read model page by page for the ones that should be
 * running (`filter`) and calls `wake` for each that `owns` accepts; the entity recovers from its journal and
 * schedules itself. Paged by id rather than by offset, so entities leaving the set meanwhile do not shift the
 * pages under the scan.
 */
import type { DocumentCollection, Filter } from '../../persistence/document-store.ts';

const PAGE = 500;

export async function wakeEntities<D extends { readonly id: string }>(
  docs: DocumentCollection<D>,
  filter: Filter,
  wake: (id: string) => void,
  owns: (id: string) => boolean = () => true,
): Promise<number> {
  let woken = 0;
  let after: string | undefined;
  for (;;) {
    const page = await docs.find(after === undefined ? filter : { ...filter, id: { $gt: after } }, { sort: { id: 1 }, limit: PAGE });
    for (const doc of page) {
      if (!owns(doc.id)) continue;
      wake(doc.id);
      woken++;
    }
    if (page.length < PAGE) return woken;
    after = page[page.length - 1]?.id;
  }
}
