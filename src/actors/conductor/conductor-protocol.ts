import type { LifecycleAction, LifecycleEventType, LifecycleSnapshot, LifecycleState } from './node-lifecycle.ts';
import type { NodeRecord } from '../node/node-protocol.ts';

/** What node actors tell the conductor after their events are durable. */
export type ConductorMessage =
  | { readonly type: 'node.added'; readonly node: NodeRecord }
  | {
      readonly type: 'node.transitioned';
      readonly nodeId: string;
      readonly from: LifecycleState;
      readonly to: LifecycleSnapshot;
      readonly cause: LifecycleEventType;
      readonly actions: readonly LifecycleAction[];
    }
  | { readonly type: 'node.removed'; readonly node: NodeRecord }
  /** The node router restarted an incarnation, or could not recover a node from its journal. */
  | { readonly type: 'node.fault'; readonly nodeId: string; readonly fault: 'restarted' | 'broken' | 'unavailable'; readonly code: string; readonly message: string };
