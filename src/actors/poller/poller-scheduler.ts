/**
 * Wakes every poller that should be polling: on member start, so timers (which live in memory) resume
 * after a restart, and later per shard when a member takes shards over (issue 6 calls it with `owns`).
 * It reads the `pollers` read model page by page and tells each non-paused poller `poller.wake`; the
 * entity schedules its next poll itself, spread over a few seconds so a restart does not poll every BMC
 * at once.
 */
import type { PollerDoc } from '../../persistence/collections.ts';
import type { DocumentCollection } from '../../persistence/document-store.ts';
import type { EntityRouter } from '../runtime/entity-router.ts';
import type { PollerCommand } from './poller-protocol.ts';

const PAGE = 500;

export async function wakePollers(pollers: DocumentCollection<PollerDoc>, router: EntityRouter<PollerCommand>, owns: (pollerId: string) => boolean = () => true): Promise<number> {
  let woken = 0;
  for (let skip = 0; ; skip += PAGE) {
    const page = await pollers.find({ paused: false }, { sort: { id: 1 }, skip, limit: PAGE });
    for (const doc of page) {
      if (!owns(doc.id)) continue;
      router.tell(doc.id, { type: 'poller.wake' });
      woken++;
    }
    if (page.length < PAGE) return woken;
  }
}
