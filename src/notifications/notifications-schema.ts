/**
 * The `notifications` configuration section as a TypeBox schema: channels (one plugin each, with its own
 * settings), rules that send the events matching a filter to channels, and the retry policy. Written to
 * drop into src/config/schema.ts as `notifications: NotificationsSchema`; until it is there, the
 * dispatcher validates what it is given with the same schema (notifications-config.ts).
 *
 * Secrets are plain strings here, as `events.amqp.amqpUrl` is: their field names (`password`, `secret`,
 * `amqpUrl`) are ones the logger redacts at any depth (src/logging/logger.ts), and the plugins never put
 * them into messages or statuses.
 */
import { Type } from '@sinclair/typebox';
import type { Static, TLiteral, TSchema, TUnion } from '@sinclair/typebox';

const closed = { additionalProperties: false } as const;

function oneOf<const T extends [string, ...string[]]>(values: T, options: { default: T[number]; description: string }) {
  // The cast only restores the tuple type that Array.prototype.map widens away (as in src/config/schema.ts).
  const literals = values.map((v) => Type.Literal(v)) as { [K in keyof T]: TLiteral<T[K]> };
  return Type.Union(literals, options) as TUnion<{ [K in keyof T]: TLiteral<T[K]> }>;
}

function nullable<T extends TSchema>(schema: T, description: string) {
  return Type.Union([schema, Type.Null()], { default: null, description });
}

const channelName = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
  description: 'Name rules refer to and the status is reported under: letters, digits, ".", "_", "-"; at most 64.',
});

const hostName = Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\s/]+$', description: 'Host name or IP address of the receiver.' });

export const WebhookChannelSchema = Type.Object(
  {
    name: channelName,
    kind: Type.Literal('webhook'),
    url: Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2048, description: 'http: or https: URL the event envelope is POSTed to (never logged: it may hold credentials).' }),
    secret: Type.String({ minLength: 16, maxLength: 512, description: 'HMAC-SHA256 signing secret, as for hooks (X-Monorail-Signature, src/events/webhook-signature.ts). Redacted in logs.' }),
  },
  { ...closed, description: 'Signed JSON POST of the event, the wire form of the hooks API.' },
);

export const AmqpChannelSchema = Type.Object(
  {
    name: channelName,
    kind: Type.Literal('amqp'),
    amqpUrl: Type.String({ pattern: '^amqps?://', maxLength: 2048, description: 'Broker URL (amqp: or amqps:). May carry credentials: redacted in logs, never in a status.' }),
    exchange: Type.String({ minLength: 1, maxLength: 255, default: 'monorail.notifications', description: 'Durable topic exchange the events are published on, persistent and with publisher confirms.' }),
    bufferSize: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000, description: 'Messages held while the broker is unreachable.' }),
  },
  { ...closed, description: 'AMQP 0-9-1 publish (RabbitMQ), routing key `<type>.<action>.<severity>.<typeId>[.<nodeId>]`.' },
);

export const SyslogChannelSchema = Type.Object(
  {
    name: channelName,
    kind: Type.Literal('syslog'),
    host: hostName,
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 514, description: 'Receiver port (RFC 5426 UDP and RFC 6587 TCP both default to 514 in practice).' }),
    transport: oneOf(['udp', 'tcp'], { default: 'udp', description: 'udp: one message per datagram (RFC 5426); tcp: octet-counted frames (RFC 6587 §3.4.1).' }),
    facility: Type.Integer({ minimum: 0, maximum: 23, default: 16, description: 'RFC 5424 §6.2.1 facility; 16 is local0.' }),
    appName: Type.String({ minLength: 1, maxLength: 48, pattern: '^[!-~]+$', default: 'monorail', description: 'RFC 5424 §6.2.5 APP-NAME.' }),
    hostname: nullable(Type.String({ minLength: 1, maxLength: 255, pattern: '^[!-~]+$' }), 'RFC 5424 §6.2.4 HOSTNAME; null means this host\'s name.'),
    structuredDataId: Type.String({
      minLength: 3,
      maxLength: 32,
      pattern: '^[!#-<>-\\\\^-~]+@[0-9]+(\\.[0-9]+)*$',
      default: 'monorail@32473',
      description:
        'RFC 5424 §6.3.2 SD-ID of the element carrying the event\'s fields: name@<IANA private enterprise number>. 32473 is the number RFC 5612 reserves for documentation; set your own. Its number also names the element carrying the delivery\'s W3C traceparent, trace@<number>.',
    }),
    maxMessageBytes: Type.Integer({ minimum: 480, maximum: 65_000, default: 2048, description: 'Longest message sent; longer MSG parts are cut at a character boundary (RFC 5426 §3.2: receivers SHOULD take 2048, MUST take 480).' }),
    connectTimeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 5000, description: 'TCP: a connection not made by then is a failed attempt.' }),
  },
  { ...closed, description: 'RFC 5424 syslog forwarding over UDP or TCP.' },
);

export const EmailChannelSchema = Type.Object(
  {
    name: channelName,
    kind: Type.Literal('email'),
    host: hostName,
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 587, description: 'SMTP port: 587 submission with STARTTLS, 465 implicit TLS, 25 relay.' }),
    security: oneOf(['starttls', 'tls', 'none'], {
      default: 'starttls',
      description: 'starttls: STARTTLS required (RFC 3207); tls: TLS from the first byte (RFC 8314); none: plain text, for a relay on a trusted network only.',
    }),
    rejectUnauthorized: Type.Boolean({ default: true, description: 'Refuse a server certificate that does not verify.' }),
    username: nullable(Type.String({ minLength: 1, maxLength: 255 }), 'SMTP AUTH user; null sends without authenticating.'),
    password: nullable(Type.String({ minLength: 1, maxLength: 1024 }), 'SMTP AUTH password. Redacted in logs.'),
    from: Type.String({ minLength: 3, maxLength: 320, pattern: '^[^\\s@]+@[^\\s@]+$', description: 'Envelope and header sender.' }),
    to: Type.Array(Type.String({ minLength: 3, maxLength: 320, pattern: '^[^\\s@]+@[^\\s@]+$' }), { minItems: 1, maxItems: 100, description: 'Recipients.' }),
    subjectPrefix: Type.String({ maxLength: 100, default: '[Monorail]', description: 'Put before each subject.' }),
  },
  { ...closed, description: 'Email over SMTP (nodemailer).' },
);

export const channelSchemas = {
  webhook: WebhookChannelSchema,
  amqp: AmqpChannelSchema,
  syslog: SyslogChannelSchema,
  email: EmailChannelSchema,
} as const;

export type ChannelKind = keyof typeof channelSchemas;

export const ChannelSchema = Type.Union([WebhookChannelSchema, AmqpChannelSchema, SyslogChannelSchema, EmailChannelSchema], {
  description: 'One notification channel: a plugin (`kind`) and its settings.',
});

/** A hook filter (src/events/hook-filter.ts): payload key or dotted path → regular expression. */
const FilterSchema = Type.Record(Type.String({ minLength: 1, maxLength: 200 }), Type.String({ maxLength: 1000 }));

export const RuleSchema = Type.Object(
  {
    filters: Type.Array(FilterSchema, {
      maxItems: 50,
      default: [],
      description: 'The hooks API\'s filter language: OR of objects whose keys (payload paths) AND regular expressions; empty matches every event.',
    }),
    channels: Type.Array(channelName, { minItems: 1, maxItems: 64, description: 'Channels the matching events go to (each event at most once per channel).' }),
  },
  closed,
);

export const NotificationsSchema = Type.Object(
  {
    channels: Type.Array(ChannelSchema, { maxItems: 256, default: [], description: 'Notification channels.' }),
    rules: Type.Array(RuleSchema, { maxItems: 1024, default: [], description: 'Which events go to which channels.' }),
    attempts: Type.Integer({ minimum: 1, maximum: 100, default: 8, description: 'Attempts per event and channel before it is given up on (the first included).' }),
    timeoutMs: Type.Integer({ minimum: 100, maximum: 300_000, default: 15_000, description: 'One attempt\'s time: an answer not in by then is a failed attempt.' }),
    backoffMs: Type.Integer({ minimum: 1, maximum: 600_000, default: 1000, description: 'Wait before the second attempt; doubled for each further one (with jitter), up to maxBackoffMs.' }),
    maxBackoffMs: Type.Integer({ minimum: 1, maximum: 3_600_000, default: 60_000, description: 'Longest wait between attempts.' }),
    queueSize: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1000, description: 'Events waiting per channel; beyond it the oldest are dropped and counted.' }),
  },
  { ...closed, description: 'Notification plugins: alerts and other events to webhooks, AMQP, syslog and email.' },
);

export type WebhookChannelConfig = Static<typeof WebhookChannelSchema>;
export type AmqpChannelConfig = Static<typeof AmqpChannelSchema>;
export type SyslogChannelConfig = Static<typeof SyslogChannelSchema>;
export type EmailChannelConfig = Static<typeof EmailChannelSchema>;
export type ChannelConfig = Static<typeof ChannelSchema>;
export type NotificationRule = Static<typeof RuleSchema>;
export type NotificationsOptions = Static<typeof NotificationsSchema>;
