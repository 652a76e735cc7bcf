/**
 * Email channel: each event one message over SMTP (RFC 5321) through nodemailer, one SMTP session per
 * message (alerts are few; a pooled connection would sit idle and die between them).
 *
 * Transport security is explicit (notifications-schema.ts): STARTTLS required (RFC 3207), implicit TLS
 * (RFC 8314 §3.3), or none for a relay on a trusted network. A 4yz reply is a transient failure and 5yz a
 * permanent one (RFC 5321 §4.2.1), so only the first is retried; so is a connection that fails. The
 * password never leaves the transport: errors are reduced to nodemailer's code and the server's reply
 * with the password blanked out, and the logger redacts the `password` field wherever it is.
 */
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { delivered, describeError, failed, type DeliveryOutcome, type Notification, type NotificationPlugin } from './notification-plugin.ts';
import type { EmailChannelConfig } from './notifications-schema.ts';

export class EmailPlugin implements NotificationPlugin {
  readonly kind = 'email';
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(private readonly config: EmailChannelConfig) {
    const options: SMTPTransport.Options = {
      host: config.host,
      port: config.port,
      secure: config.security === 'tls',
      requireTLS: config.security === 'starttls',
      ignoreTLS: config.security === 'none',
      tls: { rejectUnauthorized: config.rejectUnauthorized },
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      ...(config.username !== null && config.password !== null ? { auth: { user: config.username, pass: config.password } } : {}),
    };
    this.transport = nodemailer.createTransport(options);
  }

  async deliver(n: Notification, signal: AbortSignal): Promise<DeliveryOutcome> {
    const e = n.event;
    const about = e.nodeId === undefined ? e.typeId : `node ${e.nodeId}`;
    let data: string;
    try {
      data = JSON.stringify(e, null, 2);
    } catch {
      data = '(the event data cannot be shown as JSON)';
    }
    const text = [
      `${e.type}.${e.action} (${e.severity}) for ${about}`,
      `at ${e.createdAt}`,
      '',
      data,
      '',
      `Delivery ${n.id}; routing key ${n.routingKey}.`,
    ].join('\n');
    try {
      if (signal.aborted) return failed('stopping');
      const info = await this.transport.sendMail({
        from: this.config.from,
        to: [...this.config.to],
        subject: `${this.config.subjectPrefix} ${e.severity}: ${e.type}.${e.action} ${about}`.trim(),
        text,
        headers: { 'X-Monorail-Delivery': n.id, 'X-Monorail-Event': n.routingKey },
      });
      if (info.rejected.length > 0) return failed(`the server refused ${info.rejected.length} of ${this.config.to.length} recipients`, false);
      return delivered;
    } catch (err) {
      const responseCode = typeof err === 'object' && err !== null ? (err as { responseCode?: unknown }).responseCode : undefined;
      // RFC 5321 §4.2.1: 5yz is permanent (a refused sender, recipient or login will not change by retrying).
      const permanent = typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600;
      return failed(`smtp ${this.config.host}:${this.config.port}: ${describeError(err, this.config.password === null ? [] : [this.config.password])}`, !permanent);
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
