/**
 * The node entity's messages. Commands are what others may ask of a node; events are what it records in
 * its journal. Both are discriminated unions on `type`.
 */
import type { ActiveWorkflow, BootSettings, NodeDoc, NodeObmRef, NodeType, Relation } from '../../persistence/collections.ts';
import type { LifecycleEvent, LifecycleSnapshot } from '../conductor/node-lifecycle.ts';
import type { ReplyTo } from '../runtime/reply.ts';
import type { BootDecision, BootRequest, ProtocolObservation } from './boot-protocol.ts';

/**
 * The node as its actor knows it. The `nodes` read model is this plus the journal version it reflects;
 * the lifecycle here keeps the typed snapshot the transition function works on.
 */
export type NodeRecord = Omit<NodeDoc, 'lifecycle' | 'version'> & { readonly lifecycle: LifecycleSnapshot & { readonly since: string } };

/** What may be given when creating a node; everything else has a default. */
export interface NodeSpec {
  readonly name?: string;
  readonly type?: NodeType;
  readonly identifiers?: readonly string[];
  readonly tags?: readonly string[];
  readonly relations?: readonly Relation[];
  readonly bootSettings?: BootSettings;
  readonly autoDiscover?: boolean;
}

/** Fields a PATCH may change. Lifecycle changes go through `node.lifecycle`, never through a patch. */
export interface NodePatch {
  readonly name?: string;
  readonly type?: NodeType;
  readonly identifiers?: readonly string[];
  readonly obms?: readonly NodeObmRef[];
  readonly tags?: readonly string[];
  readonly relations?: readonly Relation[];
  readonly bootSettings?: BootSettings | null;
  readonly sku?: string | null;
  readonly autoDiscover?: boolean;
}

export interface NodeView {
  readonly node: NodeRecord;
  readonly version: number;
}

export type NodeCommand =
  | { readonly type: 'node.create'; readonly spec: NodeSpec; readonly replyTo: ReplyTo<{ readonly node: NodeRecord; readonly created: boolean }> }
  | { readonly type: 'node.get'; readonly replyTo: ReplyTo<NodeRecord> }
  | { readonly type: 'node.update'; readonly patch: NodePatch; readonly replyTo: ReplyTo<NodeRecord> }
  | { readonly type: 'node.addTags'; readonly tags: readonly string[]; readonly replyTo: ReplyTo<NodeRecord> }
  /** Takes tags off the node (RackHD's DELETE of a node's tag, or of a tag on every node); absent tags are ignored. */
  | { readonly type: 'node.removeTags'; readonly tags: readonly string[]; readonly replyTo: ReplyTo<NodeRecord> }
  /**
   * Adds targets to (or removes them from) one relation of this node, atomically against other edits of it.
   * The inverse side lives on the targets and is edited there by the caller (RackHD's relations API).
   */
  | { readonly type: 'node.editRelations'; readonly op: 'add' | 'remove'; readonly relationType: string; readonly targets: readonly string[]; readonly replyTo: ReplyTo<NodeRecord> }
  | { readonly type: 'node.addIdentifiers'; readonly identifiers: readonly string[]; readonly replyTo: ReplyTo<NodeRecord> }
  | { readonly type: 'node.lifecycle'; readonly event: LifecycleEvent; readonly replyTo: ReplyTo<NodeRecord> }
  /** Refused with RackHD's 400 (WorkflowConflictError) while a workflow holds the node. */
  | { readonly type: 'node.delete'; readonly replyTo: ReplyTo<NodeRecord> }
  /** Takes the node for a workflow; refused with RackHD's 400 when another is active. Idempotent for the same id. */
  | { readonly type: 'node.claimWorkflow'; readonly workflow: Omit<ActiveWorkflow, 'since' | 'boot'>; readonly replyTo: ReplyTo<NodeRecord> }
  /** The workflow ended; ignored unless it is the node's active one. */
  | { readonly type: 'node.releaseWorkflow'; readonly workflowId: string; readonly status: string }
  /** A task of the active workflow asks the node to boot `boot` (or stops asking, with null). */
  | { readonly type: 'node.setWorkflowBoot'; readonly workflowId: string; readonly boot: BootSettings | null; readonly replyTo: ReplyTo<NodeRecord> }
  /** What should this machine boot? Asked by DHCP and the profile endpoint, with a deadline. */
  | { readonly type: 'node.bootDecision'; readonly request: BootRequest; readonly replyTo: ReplyTo<BootDecision> }
  /** Something the machine did on the wire. Not journaled: it changes no state of the node record. */
  | { readonly type: 'node.observe'; readonly observation: ProtocolObservation; readonly at: string };

export type NodeEvent =
  | { readonly type: 'node.created'; readonly node: NodeRecord }
  | { readonly type: 'node.updated'; readonly patch: NodePatch; readonly at: string }
  | { readonly type: 'node.tagsAdded'; readonly tags: readonly string[]; readonly at: string }
  | { readonly type: 'node.tagsRemoved'; readonly tags: readonly string[]; readonly at: string }
  | { readonly type: 'node.relationsEdited'; readonly op: 'add' | 'remove'; readonly relationType: string; readonly targets: readonly string[]; readonly at: string }
  | { readonly type: 'node.identifiersAdded'; readonly identifiers: readonly string[]; readonly at: string }
  | { readonly type: 'node.lifecycleChanged'; readonly cause: LifecycleEvent['type']; readonly to: LifecycleSnapshot; readonly at: string }
  | { readonly type: 'node.deleted'; readonly at: string }
  | { readonly type: 'node.workflowClaimed'; readonly workflow: ActiveWorkflow; readonly at: string }
  | { readonly type: 'node.workflowReleased'; readonly workflowId: string; readonly status: string; readonly at: string }
  | { readonly type: 'node.workflowBootSet'; readonly workflowId: string; readonly boot: BootSettings | null; readonly at: string };

export const nodeEventTypes: readonly NodeEvent['type'][] = [
  'node.created',
  'node.updated',
  'node.tagsAdded',
  'node.tagsRemoved',
  'node.relationsEdited',
  'node.identifiersAdded',
  'node.lifecycleChanged',
  'node.deleted',
  'node.workflowClaimed',
  'node.workflowReleased',
  'node.workflowBootSet',
];

export type NodeState =
  | { readonly status: 'absent' }
  | { readonly status: 'present'; readonly node: NodeRecord }
  | { readonly status: 'deleted'; readonly node: NodeRecord };
