/**
 * The dispatcher's own rules, with an in-process plugin that records and answers as the test says (the
 * plugins against their real receivers are in the *.socket / *.amqp tests): filters in the hooks API's
 * language choose channels, an event reaches a channel once, retries back off and stop at the limit or at
 * a permanent refusal, a full queue drops the oldest and counts it, the status tells all of it, and each
 * attempt runs as a span of the trace its event was published in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/actors/events/event-bus.ts';
import { ConfigError } from '../../src/errors.ts';
import { NotificationDispatcher } from '../../src/notifications/notification-dispatcher.ts';
import type { DeliveryOutcome, Notification, NotificationPlugin } from '../../src/notifications/notification-plugin.ts';
import { parseNotificationsConfig } from '../../src/notifications/notifications-config.ts';
import type { NotificationsOptions } from '../../src/notifications/notifications-schema.ts';
import { newTrace, type TraceContext } from '../../src/tracing/trace-context.ts';
import { currentTrace, runInTrace } from '../../src/tracing/trace-scope.ts';
import { captureLog } from '../support/test-logger.ts';
import { alert, fastRetry, statusUntil } from './notification-fixtures.ts';

class Recorder implements NotificationPlugin {
  readonly kind = 'syslog';
  readonly got: Notification[] = [];
  closed = false;
  constructor(public answer: (n: Notification, i: number) => DeliveryOutcome | Promise<DeliveryOutcome>) {}
  async deliver(n: Notification): Promise<DeliveryOutcome> {
    const i = this.got.length;
    this.got.push(n);
    return this.answer(n, i);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(section: Record<string, unknown>, plugins: Record<string, Recorder>) {
  const { log, lines } = captureLog('debug');
  const bus = new EventBus(log);
  const options: NotificationsOptions = parseNotificationsConfig({ ...fastRetry, ...section });
  const dispatcher = new NotificationDispatcher({
    log,
    options,
    createPlugin: async (channel) => {
      const p = plugins[channel.name];
      if (p === undefined) throw new Error(`no plugin for ${channel.name}`);
      return p;
    },
  });
  await dispatcher.start(bus);
  cleanups.push(() => dispatcher.stop());
  return { bus, dispatcher, lines };
}

const ok: DeliveryOutcome = { ok: true };
const syslogChannel = (name: string) => ({ name, kind: 'syslog', host: '127.0.0.1' });

describe('notification dispatcher', () => {
  it('sends each event to the channels of the rules whose filters match, once per channel', async () => {
    const critical = new Recorder(() => ok);
    const everything = new Recorder(() => ok);
    const { bus, dispatcher } = await start(
      {
        channels: [syslogChannel('critical'), syslogChannel('everything')],
        rules: [
          { filters: [{ severity: '^critical$' }, { type: '^graph$', 'data.status': '^failed$' }], channels: ['critical', 'everything'] },
          { filters: [], channels: ['everything'] },
        ],
      },
      { critical, everything },
    );
    const a = alert('critical');
    const w = alert('warning');
    const graphFailed = { ...alert('information'), type: 'graph', action: 'finished', data: { status: 'failed' } };
    const graphOk = { ...graphFailed, data: { status: 'succeeded' } };
    for (const e of [a, w, graphFailed, graphOk]) bus.publish(e);
    await dispatcher.whenIdle();
    expect(critical.got.map((n) => n.event)).toEqual([a, graphFailed]);
    expect(everything.got.map((n) => n.event)).toEqual([a, w, graphFailed, graphOk]);
    expect(critical.got[0]?.routingKey).toBe(`node.alerts.critical.${a.typeId}.${a.nodeId}`);
    expect(dispatcher.channel('critical')).toMatchObject({ delivered: 2, failed: 0, attempts: 2, consecutiveFailures: 0, queued: 0, inFlight: false });
    expect(dispatcher.channel('critical')?.lastSuccess?.event).toBe(`graph.finished.information.${graphFailed.typeId}.${graphFailed.nodeId}`);
    expect(dispatcher.channels().map((c) => c.name)).toEqual(['critical', 'everything']);
    expect(dispatcher.channel('nope')).toBeUndefined();
  });

  it('retries a failing delivery with the same id until it succeeds; the status shows the failure, then the success', async () => {
    const flaky = new Recorder((_n, i) => (i < 3 ? { ok: false, retryable: true, error: `down ${i}` } : ok));
    const { bus, dispatcher, lines } = await start({ channels: [syslogChannel('flaky')] , rules: [{ channels: ['flaky'] }] }, { flaky });
    bus.publish(alert());
    const failing = await statusUntil(dispatcher, 'flaky', (s) => s.consecutiveFailures >= 1, 'a failed attempt');
    expect(failing.lastError?.error).toMatch(/^down/);
    expect(failing.lastSuccess).toBeUndefined();
    await dispatcher.whenIdle();
    const s = dispatcher.channel('flaky');
    expect(s).toMatchObject({ delivered: 1, failed: 0, attempts: 4, consecutiveFailures: 0 });
    expect(s?.lastError).toMatchObject({ error: 'down 2', attempt: 3 });
    expect(s?.lastSuccess).toMatchObject({ attempt: 4 });
    expect(new Set(flaky.got.map((n) => n.id)).size).toBe(1);
    const msgs = lines().map((l) => l['msg']);
    expect(msgs.filter((m) => m === 'notifications: delivery attempt failed; retrying')).toHaveLength(1);
    expect(msgs).toContain('notifications: channel delivers again');
  });

  it('gives up at the attempt limit, and at once on a permanent refusal; the next event is still delivered', async () => {
    const down = new Recorder((n) => (n.event.data['n'] === 'last' ? ok : { ok: false, retryable: true, error: 'refused' }));
    const refusing = new Recorder((n) => (n.event.data['n'] === 'last' ? ok : { ok: false, retryable: false, error: 'no such mailbox' }));
    const { bus, dispatcher } = await start({ attempts: 3, channels: [syslogChannel('down'), syslogChannel('refusing')] }, { down, refusing });
    // No rules: nothing is sent anywhere.
    bus.publish(alert());
    await dispatcher.whenIdle();
    expect(down.got).toHaveLength(0);
    await dispatcher.stop();

    const again = await start({ attempts: 3, channels: [syslogChannel('down'), syslogChannel('refusing')], rules: [{ channels: ['down', 'refusing'] }] }, { down, refusing });
    again.bus.publish(alert());
    again.bus.publish(alert('critical', undefined, { n: 'last' }));
    await again.dispatcher.whenIdle();
    expect(down.got).toHaveLength(4);
    expect(refusing.got).toHaveLength(2);
    expect(again.dispatcher.channel('down')).toMatchObject({ delivered: 1, failed: 1, attempts: 4, lastError: { error: 'refused', attempt: 3 } });
    expect(again.dispatcher.channel('refusing')).toMatchObject({ delivered: 1, failed: 1, attempts: 2, lastError: { error: 'no such mailbox', attempt: 1 } });
    expect(again.lines().some((l) => l['msg'] === 'notifications: event not delivered; giving up on it' && l['attempts'] === 3)).toBe(true);
  });

  it('drops the oldest waiting events when a channel falls behind, and counts them', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const slow = new Recorder(async () => {
      await gate;
      return ok;
    });
    const { bus, dispatcher } = await start({ queueSize: 3, channels: [syslogChannel('slow')], rules: [{ channels: ['slow'] }] }, { slow });
    const events = Array.from({ length: 8 }, () => alert());
    for (const e of events) bus.publish(e);
    await statusUntil(dispatcher, 'slow', (s) => s.dropped === 4, 'drops');
    expect(dispatcher.channel('slow')).toMatchObject({ queued: 3, inFlight: true });
    release();
    await dispatcher.whenIdle();
    // The first was already being delivered; of the seven behind it, the newest three were kept.
    expect(slow.got.map((n) => n.event)).toEqual([events[0], ...events.slice(5)]);
    expect(dispatcher.channel('slow')).toMatchObject({ delivered: 4, dropped: 4 });
  });

  it('counts a plugin that throws, or never answers, as a failed attempt, and closes plugins on stop', async () => {
    const thrower = new Recorder((_n, i) => {
      if (i === 0) throw Object.assign(new Error('socket gone'), { code: 'EPIPE' });
      return ok;
    });
    const hangs = new Recorder((_n, i) => (i === 0 ? new Promise<never>(() => undefined) : ok));
    const { bus, dispatcher } = await start({ timeoutMs: 200, channels: [syslogChannel('thrower'), syslogChannel('hangs')], rules: [{ channels: ['thrower', 'hangs'] }] }, { thrower, hangs });
    bus.publish(alert());
    await dispatcher.whenIdle();
    expect(dispatcher.channel('thrower')).toMatchObject({ delivered: 1, attempts: 2, lastError: { error: 'EPIPE: socket gone' } });
    expect(dispatcher.channel('hangs')).toMatchObject({ delivered: 1, attempts: 2, lastError: { error: 'no answer within 200 ms' } });
    await dispatcher.stop();
    expect(thrower.closed && hangs.closed).toBe(true);
  });

  it('runs each attempt as a new span of the trace its event was published in, events of one batch apart', async () => {
    const seen: { typeId: string; published: TraceContext; span: TraceContext | undefined }[] = [];
    const flaky = new Recorder((n, i) => {
      seen.push({ typeId: n.event.typeId, published: n.trace, span: currentTrace() });
      return i === 0 ? { ok: false, retryable: true, error: 'down' } : ok;
    });
    const { bus, dispatcher } = await start({ channels: [syslogChannel('flaky')], rules: [{ channels: ['flaky'] }] }, { flaky });
    const ta = newTrace();
    const tb = newTrace();
    const a = alert('critical', 'aaaaaaaaaaaaaaaaaaaaaaa1');
    const b = alert('critical', 'aaaaaaaaaaaaaaaaaaaaaaa2');
    runInTrace(ta, () => bus.publish(a));
    runInTrace(tb, () => bus.publish(b));
    await dispatcher.whenIdle();
    expect(seen.map((x) => x.typeId)).toEqual([a.typeId, a.typeId, b.typeId]);
    expect(seen.map((x) => x.published)).toEqual([ta, ta, tb]);
    expect(seen.map((x) => x.span?.traceId)).toEqual([ta.traceId, ta.traceId, tb.traceId]);
    expect(new Set([ta.spanId, tb.spanId, ...seen.map((x) => x.span?.spanId)]).size).toBe(5);
  });

  it('refuses malformed options when constructed (a typed object can still be wrong)', () => {
    const { log } = captureLog();
    const options = { ...parseNotificationsConfig({ channels: [syslogChannel('log')] }), rules: [{ filters: [{ severity: '(' }], channels: ['pager'] }] };
    expect(() => new NotificationDispatcher({ log, options })).toThrow(ConfigError);
    expect(() => new NotificationDispatcher({ log, options })).toThrow(/notifications\.rules\[0\]\.channels\[0\]: expected the name of a configured channel \(log\), got "pager"/);
  });
});
