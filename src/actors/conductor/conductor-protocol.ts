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
  | { readonly type: 'node.removed'; readonly node: NodeRecord };
