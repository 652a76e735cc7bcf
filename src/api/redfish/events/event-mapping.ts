/**
 * RackHD's events (the in-process bus, `{type, action, typeId, nodeId, data}`) as Redfish events
 * (DSP0266 §12.1, Event.v1 EventRecord): a compute node added or removed is a ResourceEvent about its
 * ComputerSystem, a graph starting or finishing a TaskEvent about its Task, and an alert of the alert
 * engine (`node.alerts` with `data.alertId` and `data.state`, src/actors/alert/) an `Alert` event about the
 * node's ComputerSystem with the ResourceEvent registry's message for it: a threshold exceeded or cleared
 * (ResourceErrorThresholdExceeded/…Cleared for critical, ResourceWarningThreshold… for warning), any other
 * condition as the resource's health changing (ResourceStatusChangedCritical/Warning/OK). Alerts pushed by
 * BMCs (`node.alerts` without an alertId) and everything else have no Redfish counterpart and are not sent.
 */
import type { DomainEvent } from '../../../actors/events/event-bus.ts';
import { registryMessage, type RedfishMessage, type RegistryPrefix } from '../message-registries.ts';
import { odataType } from '../schema-files.ts';
import { systemPath, taskPath } from '../paths.ts';

export type EventType = 'StatusChange' | 'ResourceUpdated' | 'ResourceAdded' | 'ResourceRemoved' | 'Alert' | 'Other';

/** One Redfish event before it is addressed to a subscription. */
export interface RedfishEventRecord {
  readonly eventId: string;
  readonly eventType: EventType;
  readonly timestamp: string;
  readonly registry: RegistryPrefix;
  readonly message: RedfishMessage;
  /** `@odata.id` of what the event is about. */
  readonly origin?: string;
  /** The schema of the origin, for ResourceTypes filters: `ComputerSystem`, `Task`. */
  readonly resourceType?: string;
}

const systemNodeTypes = new Set(['compute', 'redfish']);

export function redfishEventOf(e: DomainEvent, eventId: string): RedfishEventRecord | undefined {
  if (e.type === 'node' && (e.action === 'added' || e.action === 'removed')) {
    const nodeId = e.nodeId ?? e.typeId;
    const nodeType = e.data['nodeType'];
    if (typeof nodeType === 'string' && !systemNodeTypes.has(nodeType)) return undefined;
    const added = e.action === 'added';
    return {
      eventId,
      eventType: added ? 'ResourceAdded' : 'ResourceRemoved',
      timestamp: e.createdAt,
      registry: 'ResourceEvent',
      message: registryMessage('ResourceEvent', added ? 'ResourceCreated' : 'ResourceRemoved'),
      origin: systemPath(nodeId),
      resourceType: 'ComputerSystem',
    };
  }
  if (e.type === 'graph' && (e.action === 'started' || e.action === 'finished')) {
    const id = e.typeId;
    const status = e.data['status'];
    const key = e.action === 'started' ? 'TaskStarted' : status === 'succeeded' ? 'TaskCompletedOK' : status === 'cancelled' ? 'TaskCancelled' : 'TaskAborted';
    return {
      eventId,
      eventType: 'Other',
      timestamp: e.createdAt,
      registry: 'TaskEvent',
      message: registryMessage('TaskEvent', key, [id]),
      origin: taskPath(id),
      resourceType: 'Task',
    };
  }
  if (e.type === 'node' && e.action === 'alerts' && typeof e.data['alertId'] === 'string' && (e.data['state'] === 'raised' || e.data['state'] === 'cleared')) {
    return alertEventOf(e, eventId, e.data['state']);
  }
  return undefined;
}

const text = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback);

function alertEventOf(e: DomainEvent, eventId: string, state: 'raised' | 'cleared'): RedfishEventRecord {
  const details = (typeof e.data['details'] === 'object' && e.data['details'] !== null ? e.data['details'] : {}) as Readonly<Record<string, unknown>>;
  const subject = text(e.data['subject'], text(e.data['key'], 'alert'));
  const raised = state === 'raised';
  let message: RedfishMessage;
  if (e.data['kind'] === 'threshold' && typeof details['threshold'] === 'number' && e.severity !== 'information') {
    const level = e.severity === 'critical' ? 'Error' : 'Warning';
    message = registryMessage('ResourceEvent', `Resource${level}Threshold${raised ? 'Exceeded' : 'Cleared'}`, [subject, String(details['threshold'])]);
  } else {
    const health = !raised || e.severity === 'information' ? 'OK' : e.severity === 'critical' ? 'Critical' : 'Warning';
    message = registryMessage('ResourceEvent', `ResourceStatusChanged${health}`, [subject, health]);
  }
  return {
    eventId,
    eventType: 'Alert',
    timestamp: e.createdAt,
    registry: 'ResourceEvent',
    message,
    ...(e.nodeId === undefined ? {} : { origin: systemPath(e.nodeId), resourceType: 'ComputerSystem' }),
  };
}

/** The Event resource (Event.v1) a subscriber receives, with its subscription's Context (DSP0266 §12.1.4). */
export function eventPayload(records: readonly RedfishEventRecord[], context: string, id: string): Record<string, unknown> {
  return {
    '@odata.type': odataType('Event'),
    Id: id,
    Name: 'Monorail event',
    Context: context,
    Events: records.map((r, i) => ({
      EventType: r.eventType,
      EventId: r.eventId,
      EventTimestamp: r.timestamp,
      MemberId: String(i),
      MessageId: r.message.MessageId,
      Message: r.message.Message,
      MessageArgs: r.message.MessageArgs,
      MessageSeverity: r.message.MessageSeverity,
      Resolution: r.message.Resolution,
      ...(r.origin === undefined ? {} : { OriginOfCondition: { '@odata.id': r.origin } }),
      Context: context,
    })),
    'Events@odata.count': records.length,
  };
}
