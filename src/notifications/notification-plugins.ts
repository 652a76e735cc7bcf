/**
 * The plugin for a channel's kind. Each plugin is its own module; this is the only place that knows them
 * all, so adding a kind is a schema (notifications-schema.ts), a module and a line here.
 */
import type { Logger } from '../logging/logger.ts';
import { AmqpPlugin } from './amqp-plugin.ts';
import { EmailPlugin } from './email-plugin.ts';
import type { NotificationPlugin } from './notification-plugin.ts';
import type { ChannelConfig } from './notifications-schema.ts';
import { SyslogPlugin } from './syslog-plugin.ts';
import { WebhookPlugin } from './webhook-plugin.ts';

export interface PluginContext {
  /** Bound to the channel's name and kind. */
  readonly log: Logger;
  readonly userAgent?: string;
}

export async function createNotificationPlugin(channel: ChannelConfig, context: PluginContext): Promise<NotificationPlugin> {
  switch (channel.kind) {
    case 'webhook':
      return new WebhookPlugin(channel, context.userAgent === undefined ? {} : { userAgent: context.userAgent });
    case 'amqp':
      return AmqpPlugin.start(channel, context.log);
    case 'syslog':
      return new SyslogPlugin(channel);
    case 'email':
      return new EmailPlugin(channel);
  }
}
