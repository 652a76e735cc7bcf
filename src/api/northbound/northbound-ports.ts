/**
 * What northbound routes may use. Commands go to actors as typed messages (nodes, lookups, the workflow
 * engine); queries read the read models through the document port (CQRS: the journal is written by actors
 * only, lists and filters are served from projections).
 */
import type { BatchService } from '../../actors/batch/batch-service.ts';
import type { EventBus } from '../../actors/events/event-bus.ts';
import type { LookupCommand } from '../../actors/lookup/lookup-protocol.ts';
import type { NodeCommand } from '../../actors/node/node-protocol.ts';
import type { PollerService } from '../../actors/poller/poller-service.ts';
import type { EntityRouter } from '../../actors/runtime/entity-router.ts';
import type { SecretSealer } from '../../actors/secret-port.ts';
import type { WorkflowEngine } from '../../actors/workflow/workflow-engine.ts';
import type { ClusterStatus } from '../../cluster/cluster-status.ts';
import type { MonorailConfig } from '../../config/schema.ts';
import type { Logger } from '../../logging/logger.ts';
import type { DocumentStore } from '../../persistence/document-store.ts';

export interface NorthboundPorts {
  readonly nodes: EntityRouter<NodeCommand>;
  readonly lookups: EntityRouter<LookupCommand>;
  readonly workflows: WorkflowEngine;
  /** The pollers (issue 7); absent on a member that runs none, where the pollers API answers 503. */
  readonly pollers?: PollerService;
  /** Batch operations over sets of nodes (issue 6); absent on a member that runs none, where the batches API answers 503. */
  readonly batches?: BatchService;
  readonly documents: DocumentStore;
  /** This member's view of the cluster; absent on a single member, which owns everything. */
  readonly cluster?: () => ClusterStatus;
  readonly events: EventBus;
  readonly sealer: SecretSealer;
  readonly config: MonorailConfig;
  readonly log: Logger;
  readonly now: () => number;
}
