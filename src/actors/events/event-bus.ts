/**
 * Domain events leaving the actors, in RackHD's external event shape (on-core lib/protocol/events.js:
 * `{version, type, action, severity, typeId, nodeId, createdAt, data}`), so that webhooks, the AMQP
 * `on.events` exchange and Redfish EventService can all be fed from one stream. In-process for now;
 * publishers never wait on subscribers, and a throwing subscriber cannot hurt the publisher or the others.
 */
import type { Logger } from '../../logging/logger.ts';
import { currentTrace, runInNewTrace } from '../../tracing/trace-scope.ts';

export type Severity = 'information' | 'warning' | 'critical';

export interface DomainEvent {
  readonly version: '1.0';
  readonly type: string;
  readonly action: string;
  readonly severity: Severity;
  readonly typeId: string;
  readonly nodeId?: string;
  readonly createdAt: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export type Subscriber = (event: DomainEvent) => void;

export interface EventPublisher {
  publish(event: DomainEvent): void;
}

export class EventBus implements EventPublisher {
  private readonly subscribers = new Set<Subscriber>();

  constructor(private readonly log: Logger) {}

  publish(event: DomainEvent): void {
    // Every subscriber (webhooks, the AMQP exchange, SSE, notifications, Redfish) sees the event in one trace:
    // the publisher's, or a new one shared by all of them when it was published outside any (a timer's work).
    if (currentTrace() === undefined) runInNewTrace(() => this.deliver(event));
    else this.deliver(event);
  }

  private deliver(event: DomainEvent): void {
    this.log.debug({ event: `${event.type}.${event.action}`, nodeId: event.nodeId }, 'event');
    for (const s of this.subscribers) {
      try {
        s(event);
      } catch (e) {
        this.log.error({ err: e, event: `${event.type}.${event.action}` }, 'event subscriber failed');
      }
    }
  }

  subscribe(s: Subscriber): () => void {
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }
}

/** RackHD's routing key: `<type>.<action>.<severity>.<typeId>[.<nodeId>]`. */
export const routingKeyOf = (e: DomainEvent): string =>
  [e.type, e.action, e.severity, e.typeId, ...(e.nodeId === undefined ? [] : [e.nodeId])].join('.');
