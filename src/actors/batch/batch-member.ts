/**
 * The batches of one member, wired: the `batch` entity kind on the member's actor system (`hosted`: on a
 * cluster each batch lives on its shard's owner, so exactly one member drives it), its in-memory runtime
 * (tick timers on the system clock), the port over the workflow engine and the read models, and the
 * service the API uses. `wake()` resumes every unfinished batch after a start, `wake(owns)` those of the
 * shards just acquired; `release(select)` stops the timers of shards handed over; `close()` stops all
 * timers before the actor system stops.
 */
import type { Logger } from '../../logging/logger.ts';
import type { DocumentStore } from '../../persistence/document-store.ts';
import type { EventPublisher } from '../events/event-bus.ts';
import { newEntityId } from '../ids.ts';
import type { ActorSystem } from '../runtime/actor-system.ts';
import type { HostedEntityRouter } from '../runtime/entity-router.ts';
import type { SecretSealer } from '../secret-port.ts';
import type { WorkflowEngine } from '../workflow/workflow-engine.ts';
import { createBatchBehavior } from './batch-entity.ts';
import type { BatchPort } from './batch-port.ts';
import type { BatchCommand } from './batch-protocol.ts';
import { BatchRuntime } from './batch-runtime.ts';
import { wakeBatches } from './batch-scheduler.ts';
import { createBatchService, type BatchService } from './batch-service.ts';
import { workflowBatchPort } from './workflow-batch-port.ts';

interface BatchMemberBase {
  readonly system: ActorSystem;
  readonly documents: DocumentStore;
  readonly events: EventPublisher;
  readonly sealer: SecretSealer;
  readonly log: Logger;
  /** Time between ticks of an unfinished batch; 1 s by default. */
  readonly tickMs?: number;
  readonly maxStartAttempts?: number;
  /** How long creating a batch may take (resolving the selector); 30 s by default. */
  readonly createTimeoutMs?: number;
}

/** The member's workflow engine, or (tests of the entity alone) a port standing for the engine and the read models. */
export type BatchMemberOptions = BatchMemberBase &
  ({ readonly workflows: Pick<WorkflowEngine, 'run' | 'get' | 'cancel' | 'library'>; readonly port?: undefined } | { readonly port: BatchPort; readonly workflows?: undefined });

export interface BatchMember {
  readonly router: HostedEntityRouter<BatchCommand>;
  readonly runtime: BatchRuntime;
  readonly service: BatchService;
  /** Tells every unfinished batch (that `owns` accepts) to schedule its next tick; resolves to how many. */
  wake(owns?: (batchId: string) => boolean): Promise<number>;
  /** Stops the ticks of the batches `select` picks (their shard moves to another member, which wakes them). */
  release(select: (batchId: string) => boolean): void;
  close(): void;
}

export function startBatches(o: BatchMemberOptions): BatchMember {
  const runtime = new BatchRuntime(o.system.clock);
  const batches = o.documents.collection('batches');
  const port =
    o.port === undefined
      ? workflowBatchPort({ engine: o.workflows, nodes: o.documents.collection('nodes'), skus: o.documents.collection('skus'), workflows: o.documents.collection('workflows'), events: o.events })
      : o.port;
  let closed = false;
  const late: { router?: HostedEntityRouter<BatchCommand> } = {};
  const router = o.system.hosted(
    createBatchBehavior({
      batches,
      port,
      runtime,
      // After close a timer that already fired has nowhere to go: dropped here rather than logged as a lost message.
      tellSelf: (id, command) => {
        if (!closed) late.router?.tell(id, command);
      },
      newWorkflowId: () => newEntityId(o.system.clock.now()),
      ...(o.tickMs === undefined ? {} : { tickMs: o.tickMs }),
      ...(o.maxStartAttempts === undefined ? {} : { maxStartAttempts: o.maxStartAttempts }),
    }),
  );
  late.router = router;
  const service = createBatchService({ router, batches, sealer: o.sealer, now: () => o.system.clock.now(), createTimeoutMs: o.createTimeoutMs ?? 30_000 });
  const log = o.log.child({ component: 'batches' });
  return {
    router,
    runtime,
    service,
    async wake(owns) {
      const woken = await wakeBatches(batches, router, owns);
      if (woken > 0) log.info({ batches: woken }, 'unfinished batches woken');
      return woken;
    },
    release: (select) => runtime.stopWhere(select),
    close() {
      closed = true;
      runtime.close();
    },
  };
}
