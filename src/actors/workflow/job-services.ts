/**
 * The ports jobs reach the world through. Everything here is an interface or a persistence port, so jobs
 * stay pure actors code: the composition root (src/monorail.ts) supplies the adapters (ipmitool, Redfish,
 * fetch) and tests supply their own.
 */
import type { CatalogDoc, NodeObmRef, ObmDoc, SkuDoc, TagDoc } from '../../persistence/collections.ts';
import type { DocumentCollection } from '../../persistence/document-store.ts';
import type { EventPublisher } from '../events/event-bus.ts';
import type { NodeCommand } from '../node/node-protocol.ts';
import type { EntityRouter } from '../runtime/entity-router.ts';
import type { WorkflowRecord, WorkflowSpec } from './workflow-protocol.ts';

/** RackHD's OBM actions (on-tasks `Job.Obm.Node` `action`), as the port understands them. */
export const obmActions = ['powerOn', 'powerOff', 'softOff', 'reboot', 'reset', 'softReset', 'powerStatus', 'setBootPxe', 'setBootDisk', 'identifyOn', 'identifyOff', 'clearSEL', 'mcResetCold'] as const;
export type ObmAction = (typeof obmActions)[number];

/** Out-of-band control of a node through the OBM settings stored for it. */
export interface ObmControl {
  /** Runs `action` on the node's BMC; `powerStatus` answers 'on' or 'off'. Aborts with `signal`. */
  run(nodeId: string, action: ObmAction, options: { readonly service?: string; readonly signal: AbortSignal }): Promise<{ readonly power?: 'on' | 'off' }>;
  /** Stores (encrypted) OBM settings for a node and returns the reference the node keeps. */
  save(nodeId: string, service: string, config: Readonly<Record<string, unknown>>): Promise<NodeObmRef>;
}

/** An outgoing HTTP call (RackHD's `Job.Rest`). */
export interface HttpCaller {
  request(
    url: string,
    init: { readonly method: string; readonly headers?: Readonly<Record<string, string>>; readonly body?: string; readonly signal: AbortSignal; readonly timeoutMs?: number },
  ): Promise<{ readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly body: string }>;
}

/** Starting sub-graphs (RackHD's `Task.Graph.Run`): idempotent on the id. */
export interface WorkflowStarter {
  create(id: string, spec: WorkflowSpec): Promise<WorkflowRecord>;
  get(id: string): Promise<WorkflowRecord>;
}

/** Renders a stored template (preseed, kickstart, script) for a node with the given options. */
export interface TemplateRenderer {
  render(name: string, nodeId: string | undefined, options: Readonly<Record<string, unknown>>): Promise<string>;
}

/** Parses what a catalog command printed (src/actors/catalog/command-parsers.ts in production). */
export type CatalogParser = (command: string, stdout: string) => { readonly source: string; readonly data: unknown };

export interface JobServices {
  readonly nodes: EntityRouter<NodeCommand>;
  readonly workflows: WorkflowStarter;
  readonly catalogs: DocumentCollection<CatalogDoc>;
  readonly obmDocs: DocumentCollection<ObmDoc>;
  readonly skus: DocumentCollection<SkuDoc>;
  readonly tags: DocumentCollection<TagDoc>;
  readonly obm: ObmControl;
  readonly http: HttpCaller;
  readonly templates: TemplateRenderer;
  readonly events: EventPublisher;
  readonly parseCatalog: CatalogParser;
  readonly newId: () => string;
  readonly now: () => number;
}
