/**
 * The AMQP event publisher's metrics: its counters and levels (`stats()`: published, buffered,
 * unconfirmed, dropped, reconnects, republished, connected) and, through its observer hook, how long the
 * broker took to confirm each message (RabbitMQ publisher confirms), by ack or nack.
 */
import { Histogram, type Registry } from 'prom-client';
import type { AmqpEventStats, AmqpPublishObserver } from '../events/amqp-event-publisher.ts';
import { registerStatsFamilies } from './stats-families.ts';

/** What this reads of the publisher: its stats, and the hook its confirms are reported through. */
export interface AmqpPublisherProbe {
  stats(): AmqpEventStats;
  observe(observer: AmqpPublishObserver | undefined): void;
}

/** A confirm on a healthy local broker takes a millisecond or two; a broker under a resource alarm holds it for seconds. */
const buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function registerAmqpMetrics(registry: Registry, publisher: AmqpPublisherProbe): void {
  registerStatsFamilies(registry, {
    prefix: 'monorail_amqp_events',
    subject: 'AMQP event publisher',
    read: () => ({ ...publisher.stats() }),
    gauges: new Set(['connected', 'buffered', 'unconfirmed']),
  });
  const confirms = new Histogram({
    name: 'monorail_amqp_events_confirm_duration_seconds',
    help: 'From publishing an event on the on.events exchange to the broker confirming it (ack) or refusing it (nack).',
    labelNames: ['outcome'] as const,
    buckets,
    registers: [registry],
  });
  publisher.observe({ confirmed: (seconds, outcome) => confirms.observe({ outcome }, seconds) });
}
