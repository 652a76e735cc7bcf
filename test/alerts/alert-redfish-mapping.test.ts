/** Alerts of the alert engine as Redfish `Alert` events (ResourceEvent registry), valid against the DMTF Event schema; BMC-pushed node.alerts stay unmapped. */
import { describe, expect, it } from 'vitest';
import type { DomainEvent, Severity } from '../../src/actors/events/event-bus.ts';
import { eventPayload, redfishEventOf } from '../../src/api/redfish/events/event-mapping.ts';
import { loadRedfishSchemas } from '../../src/api/redfish/json-schema-validator.ts';

const alert = (severity: Severity, state: 'raised' | 'cleared', kind: string, details: Record<string, unknown> = {}): DomainEvent => ({
  version: '1.0',
  type: 'node',
  action: 'alerts',
  severity,
  typeId: 'n1',
  nodeId: 'n1',
  createdAt: '2026-11-26T00:00:00.000Z',
  data: { alertId: '0123456789abcdef', key: 'n1/x/CPU Temp', state, kind, subject: 'CPU Temp', severity, details },
});

describe('alerts as Redfish events', () => {
  it('thresholds map to the threshold messages, other kinds to health changes, about the node\'s ComputerSystem', () => {
    expect(redfishEventOf(alert('critical', 'raised', 'threshold', { threshold: 90 }), 'e1')).toMatchObject({
      eventType: 'Alert',
      registry: 'ResourceEvent',
      origin: '/redfish/v1/Systems/n1',
      resourceType: 'ComputerSystem',
      message: { MessageId: 'ResourceEvent.1.4.ResourceErrorThresholdExceeded', MessageArgs: ['CPU Temp', '90'], MessageSeverity: 'Critical' },
    });
    expect(redfishEventOf(alert('critical', 'cleared', 'threshold', { threshold: 90 }), 'e1')?.message.MessageId).toBe('ResourceEvent.1.4.ResourceErrorThresholdCleared');
    expect(redfishEventOf(alert('warning', 'raised', 'threshold', { threshold: 80 }), 'e1')?.message.MessageId).toBe('ResourceEvent.1.4.ResourceWarningThresholdExceeded');
    expect(redfishEventOf(alert('warning', 'raised', 'sel'), 'e1')?.message).toMatchObject({ MessageId: 'ResourceEvent.1.4.ResourceStatusChangedWarning', MessageArgs: ['CPU Temp', 'Warning'] });
    expect(redfishEventOf(alert('critical', 'raised', 'node-state'), 'e1')?.message.MessageId).toBe('ResourceEvent.1.4.ResourceStatusChangedCritical');
    expect(redfishEventOf(alert('critical', 'cleared', 'node-state'), 'e1')?.message).toMatchObject({ MessageId: 'ResourceEvent.1.4.ResourceStatusChangedOK', MessageArgs: ['CPU Temp', 'OK'] });
    // A BMC's pushed alert (no alertId) is not one of ours.
    expect(redfishEventOf({ ...alert('critical', 'raised', 'threshold'), data: { nodeId: 'n1', message: 'x' } }, 'e1')).toBeUndefined();
  });

  it('the Event payload validates against the DMTF Event schema', () => {
    const schemas = loadRedfishSchemas();
    const records = [alert('critical', 'raised', 'threshold', { threshold: 90 }), alert('warning', 'cleared', 'sel')].map((e, i) => redfishEventOf(e, `e${i}`)).filter((r) => r !== undefined);
    expect(records).toHaveLength(2);
    const payload = eventPayload(records, 'ctx', 'p1');
    const validate = schemas.validatorFor(String(payload['@odata.type']));
    expect(validate(payload), JSON.stringify(validate.errors)).toBe(true);
    expect(payload).toMatchObject({ Events: [{ EventType: 'Alert', OriginOfCondition: { '@odata.id': '/redfish/v1/Systems/n1' } }, { MessageSeverity: 'OK' }] });
  });
});
