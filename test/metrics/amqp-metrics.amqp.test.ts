/**
 * AMQP publish/ack latency in /metrics, with a member publishing its events to a real RabbitMQ (publisher
 * confirms): every event the broker confirmed is one observation of the confirm histogram, and the
 * publisher's counters and connection state are there, scraped over the member's HTTP socket.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../src/actors/events/event-bus.ts';
import { amqpUrl, rabbitmqAvailable } from '../events/rabbitmq.ts';
import { startFixture, type MonorailFixture } from '../support/monorail-fixture.ts';
import { parseExposition, valueOf, type Exposition } from './prometheus-text.ts';

// rabbitmqAvailable() fails the run loudly when no broker answers, unless MONORAIL_TEST_SKIP_PRIVILEGED=1 asks to skip.
const available = rabbitmqAvailable();
let member: MonorailFixture | undefined;

beforeAll(async () => {
  if (!available) return;
  member = await startFixture({ layer: { events: { heartbeatSeconds: 0, amqp: { enabled: true, amqpUrl } } } });
});
afterAll(async () => {
  await member?.stop();
});

function scrape(port: number): Promise<Exposition> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(parseExposition(Buffer.concat(chunks).toString('utf8')));
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(!available)('AMQP event publisher metrics (RabbitMQ)', () => {
  it('observes each broker confirm and mirrors the publisher counters', async () => {
    const m = member!;
    const port = m.monorail.servers.find((s) => s.name === 'http')?.addresses()[0]?.port ?? 0;
    const typeId = `metrics${randomBytes(4).toString('hex')}`;
    let connected = await scrape(port);
    const deadline = Date.now() + 15_000;
    while (valueOf(connected, 'monorail_amqp_events_connected') !== 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      connected = await scrape(port);
    }
    expect(valueOf(connected, 'monorail_amqp_events_connected')).toBe(1);
    const published0 = valueOf(connected, 'monorail_amqp_events_published_total');
    const confirms0 = valueOf(connected, 'monorail_amqp_events_confirm_duration_seconds_count', { outcome: 'ack' });

    for (let i = 0; i < 5; i++) {
      const e: DomainEvent = { version: '1.0', type: 'node', action: 'discovered', severity: 'information', typeId, createdAt: new Date().toISOString(), data: { i } };
      m.monorail.events.publish(e);
    }
    let after = await scrape(port);
    while (valueOf(after, 'monorail_amqp_events_published_total') - published0 < 5 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      after = await scrape(port);
    }
    expect(valueOf(after, 'monorail_amqp_events_published_total') - published0).toBe(5);
    expect(valueOf(after, 'monorail_amqp_events_confirm_duration_seconds_count', { outcome: 'ack' }) - confirms0).toBe(5);
    expect(valueOf(after, 'monorail_amqp_events_confirm_duration_seconds_sum', { outcome: 'ack' })).toBeGreaterThan(0);
    expect(valueOf(after, 'monorail_amqp_events_dropped_total')).toBe(0);
    expect(after.get('monorail_amqp_events_buffered')?.type).toBe('gauge');
  }, 30_000);
});
