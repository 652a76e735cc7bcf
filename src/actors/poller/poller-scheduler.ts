/**
 * Wakes every poller that should be polling: on member start, so timers (which live in memory) resume
 * after a restart, and later per shard when a member takes shards over (issue 6 calls it with `owns`).
 * Each non-paused poller in the `pollers` read model gets `poller.wake`; the entity schedules its next poll
 * itself, spread over a few seconds so a restart does not poll every BMC at once.
 */
import type { PollerDoc } from '../../persistence/collections.ts';
import type { DocumentCollection } from '../../persistence/document-store.ts';
import type { EntityRouter } from '../runtime/entity-router.ts';
import { wakeEntities } from '../runtime/wake-entities.ts';
import type { PollerCommand } from './poller-protocol.ts';

export function wakePollers(pollers: DocumentCollection<PollerDoc>, router: EntityRouter<PollerCommand>, owns?: (pollerId: string) => boolean): Promise<number> {
  return wakeEntities(pollers, { paused: false }, (id) => router.tell(id, { type: 'poller.wake' }), owns);
}
