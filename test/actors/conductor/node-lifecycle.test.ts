import { describe, expect, it } from 'vitest';
import {
  lifecycleEventTypes,
  lifecycleStates,
  transition,
  type LifecycleEvent,
  type LifecycleEventType,
  type LifecycleState,
} from '../../../src/actors/conductor/node-lifecycle.ts';

const eventOf = (type: LifecycleEventType): LifecycleEvent => {
  switch (type) {
    case 'inventory.failed':
    case 'provisioning.failed':
    case 'decommission.failed':
      return { type, reason: 'boom' };
    default:
      return { type };
  }
};

/** The whole table: every (state, event) pair that is allowed, and where it leads. Everything else is refused. */
const allowed: Record<LifecycleState, Partial<Record<LifecycleEventType, LifecycleState>>> = {
  discovered: { 'discovery.started': 'inventorying', 'maintenance.entered': 'maintenance' },
  inventorying: { 'inventory.completed': 'available', 'inventory.failed': 'failed', 'maintenance.entered': 'maintenance' },
  available: {
    'discovery.started': 'inventorying',
    'provisioning.started': 'provisioning',
    'decommission.started': 'decommissioning',
    'maintenance.entered': 'maintenance',
  },
  provisioning: { 'provisioning.completed': 'provisioned', 'provisioning.failed': 'failed', 'maintenance.entered': 'maintenance' },
  provisioned: {
    'discovery.started': 'inventorying',
    'provisioning.started': 'provisioning',
    'decommission.started': 'decommissioning',
    'maintenance.entered': 'maintenance',
  },
  decommissioning: { 'decommission.completed': 'discovered', 'decommission.failed': 'failed', 'maintenance.entered': 'maintenance' },
  failed: {
    'discovery.started': 'inventorying',
    'decommission.started': 'decommissioning',
    'failure.cleared': 'discovered',
    'maintenance.entered': 'maintenance',
  },
  maintenance: { 'maintenance.exited': 'discovered' },
};

describe('node lifecycle transition', () => {
  for (const state of lifecycleStates) {
    for (const type of lifecycleEventTypes) {
      const expected = allowed[state][type];
      it(`${state} + ${type} → ${expected ?? 'refused'}`, () => {
        const result = transition({ state }, eventOf(type));
        if (expected === undefined) {
          expect(result).toEqual({ ok: false, state, event: type });
        } else {
          expect(result.ok).toBe(true);
          if (result.ok) expect(result.next.state).toBe(expected);
        }
      });
    }
  }

  it('is pure: the input snapshot is untouched and the same input gives the same output', () => {
    const snapshot = Object.freeze({ state: 'inventorying' as const });
    const a = transition(snapshot, { type: 'inventory.completed' });
    const b = transition(snapshot, { type: 'inventory.completed' });
    expect(a).toEqual(b);
    expect(snapshot).toEqual({ state: 'inventorying' });
  });

  it('returns to the resting state maintenance was entered from', () => {
    const entered = transition({ state: 'provisioned' }, { type: 'maintenance.entered', reason: 'DIMM swap' });
    expect(entered.ok && entered.next).toEqual({ state: 'maintenance', previous: 'provisioned', reason: 'DIMM swap' });
    const exited = entered.ok ? transition(entered.next, { type: 'maintenance.exited' }) : entered;
    expect(exited.ok && exited.next.state).toBe('provisioned');
  });

  it('does not return to a workflow-driven state after maintenance', () => {
    const entered = transition({ state: 'provisioning' }, { type: 'maintenance.entered' });
    const exited = entered.ok ? transition(entered.next, { type: 'maintenance.exited' }) : entered;
    expect(exited.ok && exited.next.state).toBe('discovered');
  });

  it('asks for the events RackHD publishes and for an alert on failure', () => {
    const done = transition({ state: 'inventorying' }, { type: 'inventory.completed' });
    expect(done.ok && done.actions).toEqual([{ type: 'publish', event: 'node.discovered' }]);
    const failed = transition({ state: 'provisioning' }, { type: 'provisioning.failed', reason: 'PXE timeout' });
    expect(failed.ok && failed.next).toEqual({ state: 'failed', previous: 'provisioning', reason: 'PXE timeout' });
    expect(failed.ok && failed.actions).toContainEqual({ type: 'alert', severity: 'warning', message: 'PXE timeout' });
  });
});
