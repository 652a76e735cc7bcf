/**
 * `GET /api/2.0/notifications/channels[/{name}]`: the delivery status of each notification channel (webhook,
 * AMQP, syslog, email) configured in `notifications`: queued, delivered, failed, dropped, attempts, failures
 * in a row, and the last success and error. Counters are this member's (each member delivers the events it
 * publishes). Monorail's own resource: RackHD had no notification plugins.
 */
import { Type } from '@sinclair/typebox';
import { NotFoundError } from '../../../errors.ts';
import type { NotificationStatusPort } from '../../../notifications/notification-status.ts';
import { route, type ApiRoute } from '../api-route.ts';

export function notificationChannelRoutes(status: NotificationStatusPort): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/notifications/channels',
      summary: 'Delivery status of every notification channel on this member',
      tag: 'notifications',
      access: 'ReadOnly',
      responses: { 200: { description: 'One status per channel', schema: Type.Array(Type.Object({ name: Type.String(), kind: Type.String() }, { additionalProperties: true })) } },
      handler: () => ({ status: 200, body: status.channels() }),
    }),
    route({
      method: 'get',
      path: '/notifications/channels/{name}',
      summary: 'Delivery status of one notification channel',
      tag: 'notifications',
      access: 'ReadOnly',
      params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }),
      responses: { 200: { description: 'The channel status', schema: Type.Object({ name: Type.String(), kind: Type.String() }, { additionalProperties: true }) } },
      handler: ({ params }) => {
        const found = status.channel(params.name);
        if (found === undefined) throw new NotFoundError('notification channel', params.name);
        return { status: 200, body: found };
      },
    }),
  ];
}
