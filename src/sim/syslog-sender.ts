/**
 * What a simulated microkernel says over syslog: busybox's logger forwarding RFC 3164 datagrams over UDP
 * (`<PRI>Mmm dd hh:mm:ss tag: message`, no hostname, as busybox syslogd's remote logging sends them),
 * from the machine's own address, which is how Monorail attributes them to its node.
 */
import dgram from 'node:dgram';

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 3164 §4.1.2: `Mmm dd hh:mm:ss`, the day space-padded. */
export function rfc3164Timestamp(d: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${months[d.getMonth()] ?? 'Jan'} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** facility user (1), severity info (6): what `logger` uses by default. */
const USER_INFO = 14;

export class SyslogSender {
  /** Bound once: a datagram sent before the bind completes would leave from 0.0.0.0 and name no node. */
  private socket: Promise<dgram.Socket> | undefined;

  constructor(
    private readonly from: string,
    private readonly to: { readonly address: string; readonly port: number },
  ) {}

  async send(tag: string, message: string): Promise<void> {
    const socket = await this.open();
    const line = Buffer.from(`<${USER_INFO}>${rfc3164Timestamp(new Date())} ${tag}: ${message}`, 'utf8');
    await new Promise<void>((resolve) => socket.send(line, this.to.port, this.to.address, () => resolve()));
  }

  close(): void {
    const socket = this.socket;
    this.socket = undefined;
    void socket?.then((s) => s.close());
  }

  private open(): Promise<dgram.Socket> {
    this.socket ??= new Promise((resolve) => {
      const socket = dgram.createSocket('udp4');
      // Syslog over UDP is fire and forget (RFC 5426 §3.1): a lost datagram is not the machine's problem.
      socket.on('error', () => undefined);
      socket.bind({ address: this.from, port: 0 }, () => resolve(socket));
    });
    return this.socket;
  }
}
