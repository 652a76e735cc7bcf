/**
 * Syslog channel: each event forwarded as an RFC 5424 message (syslog-message.ts) over UDP, one message
 * per datagram (RFC 5426 §3.1), or over TCP with octet-counting framing (RFC 6587 §3.4.1,
 * syslog-tcp-sender.ts). UDP gives no word of delivery: an attempt succeeds when the datagram is sent.
 * Each message carries the attempt's span in a `trace@<number>` structured-data element (syslog-message.ts).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';
import { currentTrace } from '../tracing/trace-scope.ts';
import { delivered, describeError, failed, type DeliveryOutcome, type Notification, type NotificationPlugin } from './notification-plugin.ts';
import type { SyslogChannelConfig } from './notifications-schema.ts';
import { formatSyslogMessage, type SyslogFormatOptions } from './syslog-message.ts';
import { SyslogTcpSender } from './syslog-tcp-sender.ts';

export class SyslogPlugin implements NotificationPlugin {
  readonly kind = 'syslog';
  private readonly format: SyslogFormatOptions;
  private readonly tcp: SyslogTcpSender | undefined;
  private udp: dgram.Socket | undefined;

  constructor(private readonly config: SyslogChannelConfig) {
    this.format = {
      facility: config.facility,
      hostname: config.hostname ?? os.hostname(),
      appName: config.appName,
      procId: String(process.pid),
      structuredDataId: config.structuredDataId,
      maxMessageBytes: config.maxMessageBytes,
      software: 'Monorail',
    };
    this.tcp = config.transport === 'tcp' ? new SyslogTcpSender(config.host, config.port, config.connectTimeoutMs) : undefined;
  }

  async deliver(n: Notification, signal: AbortSignal): Promise<DeliveryOutcome> {
    const span = currentTrace();
    const message = formatSyslogMessage(n.event, n.id, this.format, span === undefined ? {} : { trace: span });
    try {
      if (this.tcp !== undefined) await this.tcp.send(message, signal);
      else await this.sendUdp(message);
      return delivered;
    } catch (e) {
      return failed(`syslog ${this.config.transport} to ${this.config.host}:${this.config.port}: ${describeError(e)}`);
    }
  }

  async close(): Promise<void> {
    this.tcp?.close();
    const udp = this.udp;
    this.udp = undefined;
    if (udp !== undefined) await new Promise<void>((resolve) => udp.close(() => resolve()));
  }

  private sendUdp(message: Buffer): Promise<void> {
    if (this.udp === undefined) {
      const socket = dgram.createSocket(net.isIPv6(this.config.host) ? 'udp6' : 'udp4');
      // An ICMP error for an earlier datagram surfaces here; the next send reports its own.
      socket.on('error', () => undefined);
      socket.unref();
      this.udp = socket;
    }
    const socket = this.udp;
    return new Promise((resolve, reject) => socket.send(message, this.config.port, this.config.host, (err) => (err ? reject(err) : resolve())));
  }
}
