/** RackHD's events as Redfish events: which ones have a meaning, which message each gets, and a payload that validates. */
import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../../src/actors/events/event-bus.ts';
import { eventPayload, redfishEventOf } from '../../../../src/api/redfish/events/event-mapping.ts';
import { loadRedfishSchemas } from '../../../../src/api/redfish/json-schema-validator.ts';

const at = '2026-11-25T10:00:00.000Z';
const ev = (type: string, action: string, data: Record<string, unknown> = {}, nodeId?: string): DomainEvent => ({ version: '1.0', type, action, severity: 'information', typeId: nodeId ?? 'w1', ...(nodeId === undefined ? {} : { nodeId }), createdAt: at, data });

describe('redfishEventOf', () => {
  it('maps node added/removed of systems to ResourceEvent, graphs to TaskEvent, and ignores the rest', () => {
    expect(redfishEventOf(ev('node', 'added', { nodeType: 'compute' }, 'n1'), 'e1')).toMatchObject({ eventType: 'ResourceAdded', registry: 'ResourceEvent', origin: '/redfish/v1/Systems/n1', message: { MessageId: 'ResourceEvent.1.4.ResourceCreated' } });
    expect(redfishEventOf(ev('node', 'removed', { nodeType: 'redfish' }, 'n1'), 'e1')).toMatchObject({ eventType: 'ResourceRemoved', message: { MessageId: 'ResourceEvent.1.4.ResourceRemoved' } });
    expect(redfishEventOf(ev('node', 'added', { nodeType: 'switch' }, 'n1'), 'e1')).toBeUndefined();
    expect(redfishEventOf(ev('graph', 'started'), 'e1')).toMatchObject({ origin: '/redfish/v1/TaskService/Tasks/w1', message: { MessageId: 'TaskEvent.1.0.TaskStarted', MessageArgs: ['w1'] } });
    for (const [status, key] of [['succeeded', 'TaskCompletedOK'], ['failed', 'TaskAborted'], ['timeout', 'TaskAborted'], ['cancelled', 'TaskCancelled']]) {
      expect(redfishEventOf(ev('graph', 'finished', { status }), 'e1')?.message.MessageId).toBe(`TaskEvent.1.0.${key}`);
    }
    for (const e of [ev('graph', 'progress.updated'), ev('node', 'stateChanged', {}, 'n1'), ev('node', 'alerts', {}, 'n1'), ev('poller', 'alert'), ev('', '')]) expect(redfishEventOf(e, 'e1')).toBeUndefined();
  });

  it('the Event payload validates against the DMTF Event schema and carries the Context', () => {
    const schemas = loadRedfishSchemas();
    const records = [redfishEventOf(ev('node', 'added', { nodeType: 'compute' }, 'n1'), 'e1'), redfishEventOf(ev('graph', 'finished', { status: 'failed' }), 'e2')].filter((r) => r !== undefined);
    const payload = eventPayload(records, 'ctx', 'p1');
    const validate = schemas.validatorFor(String(payload['@odata.type']));
    expect(validate(payload), JSON.stringify(validate.errors)).toBe(true);
    expect(payload).toMatchObject({ Context: 'ctx', 'Events@odata.count': 2, Events: [{ MemberId: '0', Context: 'ctx' }, { MemberId: '1', MessageSeverity: 'Critical' }] });
  });
});
