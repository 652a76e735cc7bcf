/**
 * A hook as the API shows it: RackHD's `{id, name, url, filters}` plus its delivery status — the last
 * delivery and the counters from the document, the events waiting and in flight from the deliverer. The
 * signing secret is never part of it (it is shown once, in the answer to the POST that created it).
 */
import type { HookDoc } from '../../persistence/collections.ts';
import { hookRecord } from '../../events/hook-record.ts';
import type { HookDeliveries } from '../../events/webhook-delivery.ts';

export function hookView(doc: HookDoc, deliveries: HookDeliveries): Record<string, unknown> {
  const h = hookRecord(doc);
  const live = deliveries.live(h.id);
  return {
    id: h.id,
    ...(h.name === undefined ? {} : { name: h.name }),
    url: h.url,
    filters: h.filters,
    createdAt: h.createdAt,
    updatedAt: h.updatedAt,
    lastDelivery: h.delivery.lastDelivery ?? null,
    delivered: h.delivery.delivered,
    failed: h.delivery.failed,
    dropped: h.delivery.dropped,
    queued: live?.queued ?? 0,
    inFlight: live?.inFlight ?? 0,
  };
}
