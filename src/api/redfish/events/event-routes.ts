/**
 * `/redfish/v1/EventService` (DSP0266 §12.1): subscriptions are EventDestinations kept in the
 * `subscriptions` read model (they survive a restart, which RackHD's in-memory ones did not). POST creates
 * one (201 + Location), refusing a second subscription to the same Destination (SERV_EVENT_ERROR_ON_BAD_REQUEST)
 * and a body it cannot honour; SubmitTestEvent sends a test event through the same delivery queue.
 * `HttpHeaders` are write-only secrets: stored sealed, never read back.
 */
import { Type } from '@sinclair/typebox';
import { newEntityId } from '../../../actors/ids.ts';
import type { SecretSealer } from '../../../actors/secret-port.ts';
import { route, type ApiRoute } from '../../northbound/api-route.ts';
import type { NorthboundPorts } from '../../northbound/northbound-ports.ts';
import { baseMessage, registryMessage, registryPrefixes, type RedfishMessage } from '../message-registries.ts';
import { collection, okStatus, ref, type Json } from '../odata.ts';
import { eventServicePath, subscriptionsPath } from '../paths.ts';
import { fail, RedfishError } from '../redfish-error.ts';
import { IdParam, isAnnotation, objectBody, redfishBody, type JsonObject } from '../route-kit.ts';
import { odataType, schemaProperties } from '../schema-files.ts';
import { RETRY_POLICIES, type EventDelivery, type RetryPolicy, type StoredSubscription, type SubscriptionSettings } from './event-delivery.ts';
import type { EventType } from './event-mapping.ts';

const tag = 'Redfish Events';
const SubscriptionParam = IdParam('subscriptionId', 'The subscription id.');
export const RESOURCE_TYPES = ['ComputerSystem', 'Task'] as const;
const MAX_SUBSCRIPTIONS = 100;
const DEFAULT_POLICY: RetryPolicy = 'SuspendRetries';
// traceparent and tracestate belong to the delivery too: each POST names its own span (event-delivery.ts).
const reservedHeaders = new Set(['host', 'connection', 'content-length', 'content-type', 'transfer-encoding', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-connection', 'traceparent', 'tracestate']);

export function subscriptionResource(s: StoredSubscription): Json {
  const d = s.delivery;
  const health = s.state === 'Suspended' ? 'Critical' : d.lastFailureAt !== undefined && (d.lastSuccessAt === undefined || d.lastFailureAt > d.lastSuccessAt) ? 'Warning' : 'OK';
  const path = `${subscriptionsPath}/${s.id}`;
  return {
    '@odata.id': path,
    '@odata.type': odataType('EventDestination'),
    Id: s.id,
    Name: 'Event Subscription',
    Destination: s.destination,
    Context: s.context,
    Protocol: s.protocol,
    SubscriptionType: 'RedfishEvent',
    EventFormatType: 'Event',
    RegistryPrefixes: s.registryPrefixes,
    ResourceTypes: s.resourceTypes,
    MessageIds: s.messageIds,
    OriginResources: s.originResources.map(ref),
    // Write-only: DSP0266 §12.1.4 (HttpHeaders shall be null or an empty array in responses).
    HttpHeaders: [],
    DeliveryRetryPolicy: s.policy,
    Status: { State: s.state === 'Suspended' ? 'Disabled' : 'Enabled', Health: health },
    Actions: { '#EventDestination.ResumeSubscription': { target: `${path}/Actions/EventDestination.ResumeSubscription` } },
    Oem: { Monorail: { Delivery: { ...d } } },
  };
}

const stringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** The body of a subscription POST, checked property by property; throws every problem found at once. */
function parseSubscription(b: JsonObject, sealer: SecretSealer): SubscriptionSettings {
  const problems: RedfishMessage[] = [];
  const bad = (key: string, value: unknown, message: 'PropertyValueNotInList' | 'PropertyValueTypeError' | 'PropertyValueFormatError'): void => {
    problems.push(baseMessage(message, [JSON.stringify(value), key], [`/${key}`]));
  };
  const destination = b['Destination'];
  if (destination === undefined) problems.push(baseMessage('CreateFailedMissingReqProperties', ['Destination'], ['/Destination']));
  else if (typeof destination !== 'string') bad('Destination', destination, 'PropertyValueTypeError');
  else if (!/^https?:\/\/[^\s/?#]+/i.test(destination) || destination.length > 2048 || !URL.canParse(destination)) bad('Destination', destination, 'PropertyValueFormatError');
  const protocol = b['Protocol'] ?? 'Redfish';
  if (protocol !== 'Redfish') bad('Protocol', protocol, 'PropertyValueNotInList');
  const context = b['Context'] ?? '';
  if (typeof context !== 'string' || context.length > 256) bad('Context', context, 'PropertyValueTypeError');
  const policy = b['DeliveryRetryPolicy'] ?? DEFAULT_POLICY;
  if (typeof policy !== 'string' || !(RETRY_POLICIES as readonly string[]).includes(policy)) bad('DeliveryRetryPolicy', policy, 'PropertyValueNotInList');
  const lists: Record<string, readonly string[] | undefined> = { RegistryPrefixes: registryPrefixes, ResourceTypes: RESOURCE_TYPES, MessageIds: undefined, OriginResources: undefined };
  const values: Record<string, string[]> = {};
  for (const [key, allowed] of Object.entries(lists)) {
    const raw = b[key] ?? [];
    const list = key === 'OriginResources' && Array.isArray(raw) ? raw.map((r: unknown) => (typeof r === 'object' && r !== null ? (r as Record<string, unknown>)['@odata.id'] : r)) : raw;
    if (!stringList(list) || list.length > 64) {
      bad(key, raw, 'PropertyValueTypeError');
      continue;
    }
    const unknown = allowed === undefined ? undefined : list.find((x) => !allowed.includes(x));
    if (unknown !== undefined) problems.push(baseMessage('PropertyValueNotInList', [unknown, key], [`/${key}`]));
    values[key] = list;
  }
  const format = b['EventFormatType'] ?? 'Event';
  if (format !== 'Event') bad('EventFormatType', format, 'PropertyValueNotInList');
  const type = b['SubscriptionType'] ?? 'RedfishEvent';
  if (type !== 'RedfishEvent') bad('SubscriptionType', type, 'PropertyValueNotInList');
  const headers = b['HttpHeaders'];
  let sealed: SubscriptionSettings['httpHeaders'];
  if (headers !== undefined) {
    // HttpHeaderProperty: an array of objects of header name → value (DSP0266 §12.1.4).
    const flat: Record<string, string> = {};
    const ok = Array.isArray(headers) && (headers as unknown[]).every((h) => typeof h === 'object' && h !== null && !Array.isArray(h) && Object.values(h as Record<string, unknown>).every((v) => typeof v === 'string'));
    if (!ok) problems.push(baseMessage('PropertyValueTypeError', ['<hidden>', 'HttpHeaders'], ['/HttpHeaders']));
    else {
      for (const h of headers as Record<string, string>[]) {
        for (const [k, v] of Object.entries(h)) {
          // Only token names (RFC 9110 §5.1) and none the delivery itself owns (hop-by-hop, framing, Content-Type).
          if (/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k) && !reservedHeaders.has(k.toLowerCase()) && !/[\r\n]/.test(v)) flat[k] = v;
        }
      }
      sealed = sealer.seal(JSON.stringify(flat));
    }
  }
  const known = new Set(['Destination', 'Protocol', 'Context', 'DeliveryRetryPolicy', 'EventFormatType', 'SubscriptionType', 'HttpHeaders', ...Object.keys(lists)]);
  for (const key of Object.keys(b)) if (!known.has(key) && !isAnnotation(key)) problems.push(baseMessage('PropertyUnknown', [key], [`/${key}`]));
  if (problems.length > 0) throw new RedfishError(400, problems);
  return {
    destination: String(destination),
    context: typeof context === 'string' ? context : '',
    protocol: 'Redfish',
    policy: policy as RetryPolicy,
    registryPrefixes: values['RegistryPrefixes'] ?? [],
    resourceTypes: values['ResourceTypes'] ?? [],
    messageIds: values['MessageIds'] ?? [],
    originResources: values['OriginResources'] ?? [],
    ...(sealed === undefined ? {} : { httpHeaders: sealed }),
  };
}

export function eventRoutes(ports: NorthboundPorts, delivery: EventDelivery): ApiRoute[] {
  const subscriptions = ports.documents.collection('subscriptions');
  const find = async (id: string): Promise<StoredSubscription> => {
    const s = /^[0-9a-f]{24}$/.test(id) ? ((await subscriptions.get(id)) as StoredSubscription | undefined) : undefined;
    if (s === undefined) throw fail(404, 'ResourceMissingAtURI', [`${subscriptionsPath}/${id}`]);
    return s;
  };

  const create = route({
    method: 'post',
    path: '/EventService/Subscriptions',
    summary: 'Subscribe a destination to events (201 + Location); a Destination already subscribed is refused',
    tag,
    access: 'Operator',
    maxBodyBytes: 64 * 1024,
    body: redfishBody('EventDestination: Destination (required), Context, Protocol (Redfish), RegistryPrefixes, ResourceTypes, MessageIds, OriginResources, HttpHeaders, DeliveryRetryPolicy', {
      Destination: Type.String({ description: 'An http(s) URI' }),
      Context: Type.String(),
      Protocol: Type.Literal('Redfish'),
      RegistryPrefixes: Type.Array(Type.String()),
      ResourceTypes: Type.Array(Type.String()),
      DeliveryRetryPolicy: Type.String({ enum: [...RETRY_POLICIES] }),
    }),
    responses: { 201: { description: 'The EventDestination; Location header' }, 400: { description: 'An invalid property' }, 409: { description: 'The destination is already subscribed' }, 503: { description: 'Too many subscriptions' } },
    async handler({ body }) {
      const parsed = parseSubscription(objectBody(body), ports.sealer);
      if ((await subscriptions.findOne({ destination: parsed.destination })) !== undefined) {
        throw fail(409, 'ResourceAlreadyExists', ['EventDestination', 'Destination', parsed.destination], ['/Destination']);
      }
      if ((await subscriptions.count({})) >= MAX_SUBSCRIPTIONS) throw fail(503, 'EventSubscriptionLimitExceeded');
      const doc: StoredSubscription = {
        id: newEntityId(ports.now()),
        ...parsed,
        state: 'Enabled',
        createdAt: new Date(ports.now()).toISOString(),
        delivery: { delivered: 0, failedAttempts: 0, dropped: 0 },
      };
      await subscriptions.insert(doc);
      const res = subscriptionResource(doc);
      ports.log.info({ subscriptionId: doc.id, destination: doc.destination }, 'redfish event subscription created');
      return { status: 201, body: res, headers: { Location: String(res['@odata.id']) } };
    },
  });

  return [
    route({
      method: 'get',
      path: '/EventService',
      summary: 'The event service',
      tag,
      access: 'ReadOnly',
      responses: { 200: { description: 'EventService' } },
      handler: () => ({
        status: 200,
        body: {
          '@odata.id': eventServicePath,
          '@odata.type': odataType('EventService'),
          Id: 'EventService',
          Name: 'Event Service',
          ServiceEnabled: true,
          DeliveryRetryAttempts: delivery.retryAttempts,
          DeliveryRetryIntervalSeconds: Math.max(1, Math.round(delivery.retryIntervalMs / 1000)),
          EventFormatTypes: ['Event'],
          RegistryPrefixes: registryPrefixes,
          ResourceTypes: RESOURCE_TYPES,
          Status: okStatus(),
          Subscriptions: ref(subscriptionsPath),
          Actions: { '#EventService.SubmitTestEvent': { target: `${eventServicePath}/Actions/EventService.SubmitTestEvent` } },
        },
      }),
    }),
    route({
      method: 'post',
      path: '/EventService/Actions/EventService.SubmitTestEvent',
      summary: 'Send a test event to every subscription (or to the one named by Oem.Monorail.Subscription)',
      tag,
      access: 'Operator',
      maxBodyBytes: 16 * 1024,
      body: redfishBody('SubmitTestEvent parameters; all optional', { MessageId: Type.String(), MessageArgs: Type.Array(Type.String()), OriginOfCondition: Type.String(), EventId: Type.String(), EventTimestamp: Type.String({ description: 'RFC 3339 date-time' }), Severity: Type.String() }),
      responses: { 204: { description: 'Queued for delivery' }, 400: { description: 'An invalid parameter' } },
      async handler({ body }) {
        const action = 'EventService.SubmitTestEvent';
        const b = objectBody(body);
        const known = new Set(['MessageId', 'MessageArgs', 'OriginOfCondition', 'EventId', 'EventTimestamp', 'Severity', 'MessageSeverity', 'Message', 'EventGroupId', 'EventType']);
        for (const key of Object.keys(b)) if (!known.has(key) && !isAnnotation(key)) throw fail(400, 'ActionParameterUnknown', [action, key], [`/${key}`]);
        for (const key of ['MessageId', 'OriginOfCondition', 'EventId', 'EventTimestamp', 'Severity', 'MessageSeverity', 'Message', 'EventType']) {
          if (b[key] !== undefined && typeof b[key] !== 'string') throw fail(400, 'ActionParameterValueTypeError', [JSON.stringify(b[key]), key, action], [`/${key}`]);
        }
        if (b['MessageArgs'] !== undefined && !stringList(b['MessageArgs'])) throw fail(400, 'ActionParameterValueTypeError', [JSON.stringify(b['MessageArgs']), 'MessageArgs', action], ['/MessageArgs']);
        const timestamp = typeof b['EventTimestamp'] === 'string' ? b['EventTimestamp'] : new Date(ports.now()).toISOString();
        if (Number.isNaN(Date.parse(timestamp))) throw fail(400, 'ActionParameterValueFormatError', [timestamp, 'EventTimestamp', action], ['/EventTimestamp']);
        const test = registryMessage('ResourceEvent', 'TestMessage');
        const messageId = typeof b['MessageId'] === 'string' ? b['MessageId'] : test.MessageId;
        const severity = (b['MessageSeverity'] ?? b['Severity'] ?? 'OK') as string;
        if (!['OK', 'Warning', 'Critical'].includes(severity)) throw fail(400, 'ActionParameterValueNotInList', [severity, 'MessageSeverity', action], ['/MessageSeverity']);
        const eventType = (b['EventType'] ?? 'Other') as string;
        const eventTypes: readonly EventType[] = ['StatusChange', 'ResourceUpdated', 'ResourceAdded', 'ResourceRemoved', 'Alert', 'Other'];
        if (!(eventTypes as readonly string[]).includes(eventType)) throw fail(400, 'ActionParameterValueNotInList', [eventType, 'EventType', action], ['/EventType']);
        const registry = registryPrefixes.find((p) => messageId.startsWith(`${p}.`)) ?? 'ResourceEvent';
        await delivery.publish({
          eventId: typeof b['EventId'] === 'string' ? b['EventId'] : delivery.nextEventId(),
          eventType: eventType as EventType,
          timestamp,
          registry,
          message: {
            MessageId: messageId,
            Message: typeof b['Message'] === 'string' ? b['Message'] : test.Message,
            MessageArgs: stringList(b['MessageArgs']) ? b['MessageArgs'] : [],
            MessageSeverity: severity as RedfishMessage['MessageSeverity'],
            Resolution: test.Resolution,
          },
          ...(typeof b['OriginOfCondition'] === 'string' ? { origin: b['OriginOfCondition'] } : {}),
        });
        return { status: 204 };
      },
    }),
    route({
      method: 'get',
      path: '/EventService/Subscriptions',
      summary: 'The subscriptions',
      tag,
      access: 'ReadOnly',
      responses: { 200: { description: 'EventDestinationCollection' } },
      async handler() {
        const all = await subscriptions.find({}, { sort: { createdAt: 1 } });
        return { status: 200, body: collection(subscriptionsPath, 'EventDestinationCollection', 'Event Subscriptions Collection', all.map((s) => `${subscriptionsPath}/${s.id}`)) };
      },
    }),
    create,
    { ...create, path: '/EventService/Subscriptions/Members', summary: 'Subscribe (the same as POST to Subscriptions)' },
    route({
      method: 'get',
      path: '/EventService/Subscriptions/{subscriptionId}',
      summary: 'A subscription, with its delivery status',
      tag,
      access: 'ReadOnly',
      params: SubscriptionParam,
      responses: { 200: { description: 'EventDestination' }, 404: { description: 'No such subscription' } },
      async handler({ params }) {
        return { status: 200, body: subscriptionResource(await find(params.subscriptionId)) };
      },
    }),
    route({
      method: 'patch',
      path: '/EventService/Subscriptions/{subscriptionId}',
      summary: 'Change a subscription\u2019s Context or DeliveryRetryPolicy',
      tag,
      access: 'Operator',
      params: SubscriptionParam,
      maxBodyBytes: 16 * 1024,
      body: redfishBody('Context, DeliveryRetryPolicy', { Context: Type.String(), DeliveryRetryPolicy: Type.String({ enum: [...RETRY_POLICIES] }) }),
      responses: { 200: { description: 'The subscription' }, 400: { description: 'Nothing could be changed' }, 404: { description: 'No such subscription' } },
      async handler({ params, body }) {
        const s = await find(params.subscriptionId);
        const b = objectBody(body);
        const problems: RedfishMessage[] = [];
        const set: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(b)) {
          if (isAnnotation(key)) continue;
          if (key === 'Context') {
            if (typeof value === 'string' && value.length <= 256) set['context'] = value;
            else problems.push(baseMessage('PropertyValueTypeError', [JSON.stringify(value), key], ['/Context']));
          } else if (key === 'DeliveryRetryPolicy') {
            if (typeof value === 'string' && (RETRY_POLICIES as readonly string[]).includes(value)) set['policy'] = value;
            else problems.push(baseMessage('PropertyValueNotInList', [JSON.stringify(value), key], ['/DeliveryRetryPolicy']));
          } else if (schemaProperties('EventDestination').has(key)) problems.push(baseMessage('PropertyNotWritable', [key], [`/${key}`]));
          else problems.push(baseMessage('PropertyUnknown', [key], [`/${key}`]));
        }
        if (Object.keys(set).length === 0) throw new RedfishError(400, problems.length > 0 ? problems : [baseMessage('NoOperation')]);
        const updated = (await subscriptions.update(s.id, { $set: set })) as StoredSubscription | undefined;
        if (updated === undefined) throw fail(404, 'ResourceMissingAtURI', [`${subscriptionsPath}/${s.id}`]);
        return { status: 200, body: { ...subscriptionResource(updated), ...(problems.length === 0 ? {} : { '@Message.ExtendedInfo': problems }) } };
      },
    }),
    route({
      method: 'delete',
      path: '/EventService/Subscriptions/{subscriptionId}',
      summary: 'Unsubscribe',
      tag,
      access: 'Operator',
      params: SubscriptionParam,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such subscription' } },
      async handler({ params }) {
        const s = await find(params.subscriptionId);
        await subscriptions.delete(s.id);
        return { status: 204 };
      },
    }),
    route({
      method: 'post',
      path: '/EventService/Subscriptions/{subscriptionId}/Actions/EventDestination.ResumeSubscription',
      summary: 'Resume a subscription suspended after failed deliveries',
      tag,
      access: 'Operator',
      params: SubscriptionParam,
      body: redfishBody('No parameters'),
      responses: { 204: { description: 'Resumed' }, 404: { description: 'No such subscription' } },
      async handler({ params, body }) {
        const s = await find(params.subscriptionId);
        for (const key of Object.keys(objectBody(body))) {
          if (!isAnnotation(key)) throw fail(400, 'ActionParameterUnknown', ['EventDestination.ResumeSubscription', key], [`/${key}`]);
        }
        await subscriptions.update(s.id, { $set: { state: 'Enabled' } });
        return { status: 204 };
      },
    }),
  ];
}
