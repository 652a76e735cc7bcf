/**
 * Syslog over TCP with octet-counting framing, RFC 6587 §3.4.1: each frame is `MSG-LEN SP SYSLOG-MSG`,
 * MSG-LEN the number of octets of the message in decimal, so messages may contain newlines (the JSON in
 * MSG, a multi-line error) without breaking the stream the way §3.4.2's LF-terminated framing would.
 *
 * One connection, opened when a message is to be sent and kept for the next ones. A connection the
 * receiver closes or breaks is dropped, and the next send connects again, so a receiver that is down and
 * comes back is reached again without anything else noticing. Like any plain-TCP syslog (RFC 6587 has no
 * acknowledgement), a message written just as the receiver goes away can be lost; a send succeeds when
 * the kernel has taken the frame.
 */
import net from 'node:net';

export class SyslogTcpSender {
  private socket: net.Socket | undefined;
  private connecting: Promise<net.Socket> | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly connectTimeoutMs: number,
  ) {}

  /** Sends one framed message; rejects with the socket's error (ECONNREFUSED, EPIPE…) or the signal's abort. */
  async send(message: Buffer, signal: AbortSignal): Promise<void> {
    const socket = await this.connected(signal);
    const frame = Buffer.concat([Buffer.from(`${message.length} `), message]);
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.drop(socket);
        reject(new Error('aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.write(frame, (err) => {
        signal.removeEventListener('abort', onAbort);
        if (err !== undefined && err !== null) {
          this.drop(socket);
          reject(err);
        } else resolve();
      });
    });
  }

  close(): void {
    if (this.socket !== undefined) this.drop(this.socket);
  }

  private connected(signal: AbortSignal): Promise<net.Socket> {
    if (this.socket !== undefined && !this.socket.destroyed && this.socket.writable) return Promise.resolve(this.socket);
    this.connecting ??= this.connect(signal).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private connect(signal: AbortSignal): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port });
      socket.setNoDelay(true);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        reject(err);
      };
      const onAbort = (): void => fail(new Error('aborted'));
      const timer = setTimeout(() => fail(Object.assign(new Error(`no connection within ${this.connectTimeoutMs} ms`), { code: 'ETIMEDOUT' })), this.connectTimeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('error', fail);
      socket.once('connect', () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        socket.removeListener('error', fail);
        // From now on a failure only retires the connection; the send that meets it reports it.
        socket.on('error', () => this.drop(socket));
        socket.on('close', () => this.drop(socket));
        // A receiver that closes its end will not read what we write: stop using the connection at once.
        socket.on('end', () => this.drop(socket));
        // A syslog receiver sends nothing back; whatever it does send is read and discarded.
        socket.resume();
        this.socket = socket;
        resolve(socket);
      });
    });
  }

  private drop(socket: net.Socket): void {
    socket.destroy();
    if (this.socket === socket) this.socket = undefined;
  }
}
