/**
 * The conductor: the supervisor under which node incarnations run, and the one place that turns what
 * node actors report (after it is durable) into effects that concern more than one node: external events
 * now; discovery graphs and multi-node policies as the workflow engine arrives. It only reacts to facts,
 * so a lost conductor loses no state: node actors and their journals hold it.
 */
import type { DomainEvent, EventPublisher, Severity } from '../events/event-bus.ts';
import type { LifecycleAction } from './node-lifecycle.ts';
import type { ConductorMessage } from './conductor-protocol.ts';
import type { NodeRecord } from '../node/node-protocol.ts';

export interface ConductorState {
  readonly handled: number;
}

export interface ConductorDeps {
  readonly events: EventPublisher;
  readonly now: () => number;
  /** Frees what a deleted node held elsewhere (its MAC lookups), so its NICs can be discovered again. */
  readonly releaseNode: (node: NodeRecord) => void;
}

export function createConductorHandler(deps: ConductorDeps): (state: ConductorState, msg: ConductorMessage) => ConductorState {
  const event = (action: string, nodeId: string, severity: Severity, data: Record<string, unknown>): DomainEvent => ({
    version: '1.0',
    type: 'node',
    action,
    severity,
    typeId: nodeId,
    nodeId,
    createdAt: new Date(deps.now()).toISOString(),
    data,
  });

  const perform = (nodeId: string, action: LifecycleAction): void => {
    switch (action.type) {
      case 'publish':
        deps.events.publish(event(action.event.slice('node.'.length), nodeId, 'information', { nodeId }));
        return;
      case 'alert':
        deps.events.publish(event('alerts', nodeId, action.severity, { nodeId, message: action.message }));
        return;
    }
  };

  return (state, msg) => {
    switch (msg.type) {
      case 'node.added':
        deps.events.publish(event('added', msg.node.id, 'information', { nodeId: msg.node.id, nodeType: msg.node.type }));
        break;
      case 'node.removed':
        deps.releaseNode(msg.node);
        deps.events.publish(event('removed', msg.node.id, 'information', { nodeId: msg.node.id, nodeType: msg.node.type }));
        break;
      case 'node.fault':
        // A node that cannot be recovered needs an operator; a restart is routine and only counted in logs.
        if (msg.fault === 'broken') {
          deps.events.publish(event('alerts', msg.nodeId, 'critical', { nodeId: msg.nodeId, code: msg.code, message: msg.message }));
        }
        break;
      case 'node.transitioned':
        deps.events.publish(event('stateChanged', msg.nodeId, 'information', { nodeId: msg.nodeId, from: msg.from, to: msg.to.state, cause: msg.cause }));
        for (const a of msg.actions) perform(msg.nodeId, a);
        break;
    }
    return { handled: state.handled + 1 };
  };
}
