/**
 * The pollers of one member, wired: the `poller` entity kind on the member's actor system, its in-memory
 * runtime (timers on the system clock, histories), the ipmitool/Redfish/SNMP source behind the per-BMC
 * gate, the service the API uses, and the subscriber that creates a node's default pollers when its OBM
 * is set. `wake()` resumes every non-paused poller after a start; `close()` stops timers and polls before
 * the actor system stops.
 */
import type { EventBus } from '../actors/events/event-bus.ts';
import { defaultPollerSubscriber } from '../actors/poller/default-pollers.ts';
import { createPollerBehavior } from '../actors/poller/poller-entity.ts';
import type { PollerSource } from '../actors/poller/poller-port.ts';
import type { PollerCommand } from '../actors/poller/poller-protocol.ts';
import { PollerRuntime } from '../actors/poller/poller-runtime.ts';
import { wakePollers } from '../actors/poller/poller-scheduler.ts';
import { createPollerService, type PollerService } from '../actors/poller/poller-service.ts';
import type { ActorSystem } from '../actors/runtime/actor-system.ts';
import type { EntityRouter } from '../actors/runtime/entity-router.ts';
import type { SecretSealer } from '../actors/secret-port.ts';
import type { Logger } from '../logging/logger.ts';
import type { DocumentStore } from '../persistence/document-store.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { createPollerSource } from './poller-sources.ts';

export interface PollerMemberOptions {
  readonly system: ActorSystem;
  readonly documents: DocumentStore;
  readonly events: EventBus;
  readonly sealer: SecretSealer;
  readonly box: SecretBox;
  readonly log: Logger;
  /** Instead of ipmitool/Redfish/SNMP (tests of the entity alone). */
  readonly source?: PollerSource;
  readonly historySize?: number;
  readonly inaccessibleAfter?: number;
  readonly maxBackoffMs?: number;
  /** Interval of the default pollers made when a node's OBM is set; RackHD's 60 s when left out. */
  readonly defaultPollInterval?: number;
}

export interface PollerMember {
  readonly router: EntityRouter<PollerCommand>;
  readonly runtime: PollerRuntime;
  readonly service: PollerService;
  /** Tells every non-paused poller (that `owns` accepts) to schedule itself; resolves to how many. */
  wake(owns?: (pollerId: string) => boolean): Promise<number>;
  /** Stops the timers and polls of the pollers `select` picks (their shard moves to another member). */
  release(select: (pollerId: string) => boolean): void;
  close(): void;
}

export function startPollers(o: PollerMemberOptions): PollerMember {
  const log = o.log.child({ component: 'pollers' });
  const runtime = new PollerRuntime(o.system.clock, o.historySize);
  const pollers = o.documents.collection('pollers');
  const source = o.source ?? createPollerSource({ obms: o.documents.collection('obms'), box: o.box, sealer: o.sealer, log });
  let closed = false;
  const late: { router?: EntityRouter<PollerCommand> } = {};
  const router: EntityRouter<PollerCommand> = o.system.hosted(
    createPollerBehavior({
      pollers,
      source,
      runtime,
      // After close, results of aborted polls have nowhere to go: dropped here rather than logged as lost messages.
      tellSelf: (id, command) => {
        if (!closed) late.router?.tell(id, command);
      },
      events: o.events,
      ...(o.inaccessibleAfter === undefined ? {} : { inaccessibleAfter: o.inaccessibleAfter }),
      ...(o.maxBackoffMs === undefined ? {} : { maxBackoffMs: o.maxBackoffMs }),
    }),
  );
  late.router = router;
  const service = createPollerService({ router, pollers, sealer: o.sealer, now: () => o.system.clock.now() });
  const unsubscribe = o.events.subscribe(defaultPollerSubscriber({ service, obms: o.documents.collection('obms'), log, ...(o.defaultPollInterval === undefined ? {} : { pollInterval: o.defaultPollInterval }) }));
  return {
    router,
    runtime,
    service,
    wake: (owns) => wakePollers(pollers, router, owns),
    release: (select) => runtime.stopWhere(select),
    close() {
      closed = true;
      unsubscribe();
      runtime.close();
    },
  };
}
