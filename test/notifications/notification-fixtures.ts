/** Events, a dispatcher on a private bus, and a status poller for the notification tests. */
import { EventBus, type DomainEvent, type Severity } from '../../src/actors/events/event-bus.ts';
import { NotificationDispatcher } from '../../src/notifications/notification-dispatcher.ts';
import type { ChannelStatus } from '../../src/notifications/notification-status.ts';
import { parseNotificationsConfig } from '../../src/notifications/notifications-config.ts';
import type { NotificationsOptions } from '../../src/notifications/notifications-schema.ts';
import { captureLog } from '../support/test-logger.ts';

let n = 0;
export function alert(severity: Severity = 'critical', nodeId: string | undefined = 'aaaaaaaaaaaaaaaaaaaaaaaa', data: Record<string, unknown> = {}): DomainEvent {
  n++;
  return {
    version: '1.0',
    type: 'node',
    action: 'alerts',
    severity,
    typeId: nodeId ?? 'system',
    ...(nodeId === undefined ? {} : { nodeId }),
    createdAt: new Date().toISOString(),
    data: { n, ...data },
  };
}

export interface Running {
  readonly bus: EventBus;
  readonly dispatcher: NotificationDispatcher;
  readonly lines: () => Record<string, unknown>[];
}

/** Fast retries: tests see a failure become a success within a second or two. */
export const fastRetry = { attempts: 30, backoffMs: 20, maxBackoffMs: 200, timeoutMs: 3000, queueSize: 100 } as const;

/** `section` is a `notifications` section as an operator writes it (defaults left out); every channel gets every event unless rules are given. */
export async function startDispatcher(section: { readonly channels: readonly { readonly name: string; readonly [k: string]: unknown }[]; readonly [k: string]: unknown }, cleanups: (() => Promise<void>)[]): Promise<Running> {
  const { log, lines } = captureLog('debug');
  const bus = new EventBus(log);
  const rules = section['rules'] ?? [{ filters: [], channels: section.channels.map((c) => c.name) }];
  const options: NotificationsOptions = parseNotificationsConfig({ ...fastRetry, ...section, rules });
  const dispatcher = new NotificationDispatcher({ log, options });
  await dispatcher.start(bus);
  cleanups.push(() => dispatcher.stop());
  return { bus, dispatcher, lines };
}

/** Polls the channel's status until `test` holds. */
export async function statusUntil(d: NotificationDispatcher, channel: string, test: (s: ChannelStatus) => boolean, what: string, timeoutMs = 15_000): Promise<ChannelStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = d.channel(channel);
    if (s !== undefined && test(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; status ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
