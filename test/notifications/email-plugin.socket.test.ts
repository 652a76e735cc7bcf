/**
 * The email channel against a real SMTP receiver started by the test (the `smtp-server` package on
 * loopback): a message per alert with its subject, headers and the event as JSON; SMTP AUTH with the
 * password kept out of every log line and status; STARTTLS required when configured; a 4yz reply retried
 * until the server takes the message, a 5yz reply given up on at once (RFC 5321 §4.2.1); and a server that
 * is down, then up.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { alert, startDispatcher, statusUntil } from './notification-fixtures.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Mail {
  readonly from: string;
  readonly to: readonly string[];
  readonly raw: string;
  readonly secure: boolean;
  readonly user: unknown;
}

const password = 'smtp-pa55word-not-for-logs';

/** An SMTP server on loopback; `reply(n)` decides the answer to the n-th DATA (0-based): accept, or an SMTP code. */
async function smtpServer(options: { port?: number; starttls?: boolean; reply?: (n: number) => number | 'accept' } = {}): Promise<{ port: number; mails: Mail[]; close(): Promise<void> }> {
  const mails: Mail[] = [];
  let data = 0;
  const config: SMTPServerOptions = {
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: options.starttls === true ? [] : ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === 'alerts' && auth.password === password) cb(null, { user: 'alerts' });
      else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session: SMTPServerSession, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const answer = (options.reply ?? (() => 'accept'))(data++);
        if (answer !== 'accept') {
          cb(Object.assign(new Error(answer >= 500 ? 'Mailbox unavailable' : 'Try again later'), { responseCode: answer }));
          return;
        }
        mails.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: session.user,
        });
        cb();
      });
    },
  };
  const server = new SMTPServer(config);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  cleanups.push(close);
  return { port, mails, close };
}

async function mailsArrive(mails: Mail[], n: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (mails.length < n) {
    if (Date.now() > deadline) throw new Error(`got ${mails.length} mails, expected ${n}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Header value with folding undone (RFC 5322 §2.2.3). */
function header(raw: string, name: string): string | undefined {
  const head = raw.split('\r\n\r\n')[0]?.replace(/\r\n[ \t]+/g, ' ') ?? '';
  return head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.slice(name.length + 1).trim();
}

const mailChannel = (port: number, extra: Record<string, unknown> = {}) => ({
  name: 'ops-mail',
  kind: 'email',
  host: '127.0.0.1',
  port,
  security: 'none',
  from: 'monorail@example.org',
  to: ['ops@example.org', 'oncall@example.org'],
  ...extra,
});

describe('email notification channel', () => {
  it('mails an alert, authenticated, with its subject, headers and the event; the password is never logged', async () => {
    const smtp = await smtpServer();
    const { bus, dispatcher, lines } = await startDispatcher({ channels: [mailChannel(smtp.port, { username: 'alerts', password })] }, cleanups);
    const e = alert('critical', 'eeeeeeeeeeeeeeeeeeeeeeee', { sensor: 'PSU2', state: 'failed' });
    bus.publish(e);
    await dispatcher.whenIdle();
    await mailsArrive(smtp.mails, 1);
    const mail = smtp.mails[0];
    expect(mail).toMatchObject({ from: 'monorail@example.org', to: ['ops@example.org', 'oncall@example.org'], user: 'alerts', secure: false });
    expect(header(mail?.raw ?? '', 'Subject')).toBe(`[Monorail] critical: node.alerts node ${e.nodeId}`);
    expect(header(mail?.raw ?? '', 'X-Monorail-Event')).toBe(`node.alerts.critical.${e.typeId}.${e.nodeId}`);
    expect(header(mail?.raw ?? '', 'X-Monorail-Delivery')).toMatch(/^[0-9a-f-]{36}$/);
    expect(mail?.raw).toContain('"sensor": "PSU2"');
    expect(dispatcher.channel('ops-mail')).toMatchObject({ delivered: 1, failed: 0, attempts: 1 });
    expect(JSON.stringify(lines())).not.toContain(password);
  });

  it('refuses a wrong password for good (535), without the password in the status or the log', async () => {
    const smtp = await smtpServer();
    const wrong = `${password}-wrong`;
    const { bus, dispatcher, lines } = await startDispatcher({ channels: [mailChannel(smtp.port, { username: 'alerts', password: wrong })] }, cleanups);
    bus.publish(alert());
    await dispatcher.whenIdle();
    const s = dispatcher.channel('ops-mail');
    expect(s).toMatchObject({ delivered: 0, failed: 1, attempts: 1 });
    expect(s?.lastError?.error).toMatch(/535/);
    expect(JSON.stringify(lines()) + JSON.stringify(s)).not.toContain(password);
    expect(smtp.mails).toHaveLength(0);
  });

  it('requires STARTTLS when configured, and sends over the encrypted session', async () => {
    const smtp = await smtpServer({ starttls: true });
    const plain = await smtpServer();
    const { bus, dispatcher } = await startDispatcher(
      {
        attempts: 2,
        channels: [
          // The test server's certificate is its own self-signed one.
          mailChannel(smtp.port, { name: 'tls-mail', security: 'starttls', rejectUnauthorized: false }),
          mailChannel(plain.port, { name: 'plain-mail', security: 'starttls', rejectUnauthorized: false }),
        ],
      },
      cleanups,
    );
    bus.publish(alert());
    await dispatcher.whenIdle();
    await mailsArrive(smtp.mails, 1);
    expect(smtp.mails[0]?.secure).toBe(true);
    // A server that does not offer STARTTLS gets nothing rather than the alert in clear text.
    expect(plain.mails).toHaveLength(0);
    expect(dispatcher.channel('plain-mail')).toMatchObject({ delivered: 0, failed: 1 });
  });

  it('retries a 451 until the server takes the message, and gives up on a 550 at once', async () => {
    const busy = await smtpServer({ reply: (n) => (n < 2 ? 451 : 'accept') });
    const refusing = await smtpServer({ reply: () => 550 });
    const { bus, dispatcher } = await startDispatcher({ channels: [mailChannel(busy.port, { name: 'busy' }), mailChannel(refusing.port, { name: 'refusing' })] }, cleanups);
    bus.publish(alert('warning'));
    const failing = await statusUntil(dispatcher, 'busy', (s) => s.consecutiveFailures >= 1, 'a 451');
    expect(failing.lastError?.error).toMatch(/451/);
    await dispatcher.whenIdle();
    await mailsArrive(busy.mails, 1);
    expect(dispatcher.channel('busy')).toMatchObject({ delivered: 1, failed: 0, attempts: 3, consecutiveFailures: 0, lastError: { attempt: 2 }, lastSuccess: { attempt: 3 } });
    expect(dispatcher.channel('refusing')).toMatchObject({ delivered: 0, failed: 1, attempts: 1 });
    expect(dispatcher.channel('refusing')?.lastError?.error).toMatch(/550/);
  });

  it('retries while the SMTP server is down and delivers when it comes up', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const { bus, dispatcher } = await startDispatcher({ channels: [mailChannel(port)] }, cleanups);
    bus.publish(alert());
    const down = await statusUntil(dispatcher, 'ops-mail', (s) => s.consecutiveFailures >= 2, 'failed attempts');
    expect(down.lastError?.error).toMatch(/ECONNREFUSED|ECONNECTION/);
    const smtp = await smtpServer({ port });
    await mailsArrive(smtp.mails, 1);
    expect(await statusUntil(dispatcher, 'ops-mail', (s) => s.delivered === 1, 'the delivery')).toMatchObject({ consecutiveFailures: 0, failed: 0 });
  });
});
