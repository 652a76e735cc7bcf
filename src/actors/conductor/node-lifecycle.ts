/**
 * The node lifecycle as a pure transition function: (snapshot, event) → next snapshot + actions, executing
 * nothing (the XState `transition` discipline). The node actor persists the result and only then hands the
 * actions to the conductor, which carries them out.
 *
 *   discovered ──discovery.started──▶ inventorying ──inventory.completed──▶ available
 *        ▲                                 │ inventory.failed                 │ provisioning.started
 *        │ failure.cleared                  ▼                                  ▼
 *      failed ◀──────────── *.failed ──── (any active state)              provisioning ──completed──▶ provisioned
 *        available | provisioned | failed ──decommission.started──▶ decommissioning ──completed──▶ discovered
 *   any state ──maintenance.entered──▶ maintenance ──maintenance.exited──▶ the state it left (or discovered)
 *
 * Rediscovery (RackHD's "Refresh" graphs) is `discovery.started` from available, provisioned or failed.
 */
import type { LifecycleState } from '../../persistence/collections.ts';

export type { LifecycleState };

export type LifecycleEvent =
  | { readonly type: 'discovery.started'; readonly workflowId?: string }
  | { readonly type: 'inventory.completed' }
  | { readonly type: 'inventory.failed'; readonly reason: string }
  | { readonly type: 'provisioning.started'; readonly workflowId?: string }
  | { readonly type: 'provisioning.completed' }
  | { readonly type: 'provisioning.failed'; readonly reason: string }
  | { readonly type: 'decommission.started'; readonly workflowId?: string }
  | { readonly type: 'decommission.completed' }
  | { readonly type: 'decommission.failed'; readonly reason: string }
  | { readonly type: 'maintenance.entered'; readonly reason?: string }
  | { readonly type: 'maintenance.exited' }
  | { readonly type: 'failure.cleared' };

export type LifecycleEventType = LifecycleEvent['type'];

export interface LifecycleSnapshot {
  readonly state: LifecycleState;
  /** The state maintenance was entered from, so leaving maintenance can return to it. */
  readonly previous?: LifecycleState;
  readonly reason?: string;
}

/** Side effects for the conductor; RackHD's external event names where one exists. */
export type LifecycleAction =
  | { readonly type: 'publish'; readonly event: 'node.discovered' | 'node.provisioned' | 'node.decommissioned' | 'node.failed' | 'node.maintenance' }
  | { readonly type: 'alert'; readonly severity: 'warning' | 'critical'; readonly message: string };

export type TransitionResult =
  | { readonly ok: true; readonly next: LifecycleSnapshot; readonly actions: readonly LifecycleAction[] }
  | { readonly ok: false; readonly state: LifecycleState; readonly event: LifecycleEventType };

export const initialLifecycle: LifecycleSnapshot = { state: 'discovered' };

/** States a node may be left in while no workflow drives it; leaving maintenance returns only to these. */
const restingStates: ReadonlySet<LifecycleState> = new Set(['discovered', 'available', 'provisioned', 'failed']);

const to = (state: LifecycleState, actions: readonly LifecycleAction[] = [], reason?: string): TransitionResult => ({
  ok: true,
  next: reason === undefined ? { state } : { state, reason },
  actions,
});

/** A failure remembers what failed (`previous`), so a failed inventory can be retried on the next boot. */
const failedWith = (reason: string, from: LifecycleState): TransitionResult => ({
  ok: true,
  next: { state: 'failed', previous: from, reason },
  actions: [{ type: 'publish', event: 'node.failed' }, { type: 'alert', severity: 'warning', message: reason }],
});

export function transition(current: LifecycleSnapshot, event: LifecycleEvent): TransitionResult {
  const refuse: TransitionResult = { ok: false, state: current.state, event: event.type };
  const s = current.state;
  switch (event.type) {
    case 'discovery.started':
      return s === 'discovered' || s === 'available' || s === 'provisioned' || s === 'failed' ? to('inventorying') : refuse;
    case 'inventory.completed':
      return s === 'inventorying' ? to('available', [{ type: 'publish', event: 'node.discovered' }]) : refuse;
    case 'inventory.failed':
      return s === 'inventorying' ? failedWith(event.reason, s) : refuse;
    case 'provisioning.started':
      return s === 'available' || s === 'provisioned' ? to('provisioning') : refuse;
    case 'provisioning.completed':
      return s === 'provisioning' ? to('provisioned', [{ type: 'publish', event: 'node.provisioned' }]) : refuse;
    case 'provisioning.failed':
      return s === 'provisioning' ? failedWith(event.reason, s) : refuse;
    case 'decommission.started':
      return s === 'available' || s === 'provisioned' || s === 'failed' ? to('decommissioning') : refuse;
    case 'decommission.completed':
      return s === 'decommissioning' ? to('discovered', [{ type: 'publish', event: 'node.decommissioned' }]) : refuse;
    case 'decommission.failed':
      return s === 'decommissioning' ? failedWith(event.reason, s) : refuse;
    case 'maintenance.entered':
      return s === 'maintenance'
        ? refuse
        : {
            ok: true,
            next: { state: 'maintenance', previous: s, ...(event.reason === undefined ? {} : { reason: event.reason }) },
            actions: [{ type: 'publish', event: 'node.maintenance' }],
          };
    case 'maintenance.exited': {
      if (s !== 'maintenance') return refuse;
      // A workflow that was running when maintenance began no longer drives the node: go back only to a
      // resting state, otherwise to `discovered` so the node is looked at again.
      const back = current.previous !== undefined && restingStates.has(current.previous) ? current.previous : 'discovered';
      return to(back);
    }
    case 'failure.cleared':
      return s === 'failed' ? to('discovered') : refuse;
  }
}

/** Every event type, for schemas and exhaustive tests. */
export const lifecycleEventTypes: readonly LifecycleEventType[] = [
  'discovery.started', 'inventory.completed', 'inventory.failed', 'provisioning.started', 'provisioning.completed',
  'provisioning.failed', 'decommission.started', 'decommission.completed', 'decommission.failed',
  'maintenance.entered', 'maintenance.exited', 'failure.cleared',
];

export const lifecycleStates: readonly LifecycleState[] = [
  'discovered', 'inventorying', 'available', 'provisioning', 'provisioned', 'decommissioning', 'failed', 'maintenance',
];
