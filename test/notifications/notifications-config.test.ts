/**
 * The `notifications` section: defaults filled in per channel kind, and every malformed plugin
 * configuration refused with a ConfigError that names the field, says what was expected, and never echoes
 * a secret.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { parseNotificationsConfig } from '../../src/notifications/notifications-config.ts';

function problemsOf(raw: unknown): { path: string; expected: string; actual: unknown }[] {
  try {
    parseNotificationsConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).problems];
  }
  throw new Error('accepted a malformed configuration');
}

const smtp = { name: 'ops-mail', kind: 'email', host: 'smtp.example', from: 'monorail@example.org', to: ['ops@example.org'] };

describe('notifications configuration', () => {
  it('fills in the defaults of each channel kind and of the section', () => {
    const options = parseNotificationsConfig({
      channels: [
        { name: 'log', kind: 'syslog', host: '10.0.0.5' },
        smtp,
        { name: 'bus', kind: 'amqp', amqpUrl: 'amqp://u:p@broker' },
        { name: 'cmdb', kind: 'webhook', url: 'https://cmdb.example/hook', secret: 'a'.repeat(32) },
      ],
      rules: [{ filters: [{ severity: '^critical$' }], channels: ['log', 'ops-mail'] }],
    });
    expect(options).toMatchObject({ attempts: 8, backoffMs: 1000, queueSize: 1000 });
    expect(options.channels[0]).toMatchObject({ port: 514, transport: 'udp', facility: 16, appName: 'monorail', hostname: null, structuredDataId: 'monorail@32473', maxMessageBytes: 2048 });
    expect(options.channels[1]).toMatchObject({ port: 587, security: 'starttls', username: null, password: null, subjectPrefix: '[Monorail]' });
    expect(options.channels[2]).toMatchObject({ exchange: 'monorail.notifications' });
    expect(parseNotificationsConfig({})).toMatchObject({ channels: [], rules: [] });
  });

  it('refuses an unknown kind, naming the kinds there are', () => {
    expect(problemsOf({ channels: [{ name: 'x', kind: 'pager' }] })).toEqual([
      { path: 'notifications.channels[0].kind', expected: 'one of "webhook", "amqp", "syslog", "email"', actual: 'pager' },
    ]);
    expect(problemsOf({ channels: ['syslog'] })[0]).toMatchObject({ path: 'notifications.channels[0]', actual: 'syslog' });
  });

  it('reports each bad field of a channel against that kind\'s schema only', () => {
    const problems = problemsOf({ channels: [{ name: 'log', kind: 'syslog', host: 'h', port: 70000, transport: 'sctp', facility: 24, prot: 1 }] });
    expect(problems.map((p) => p.path).sort()).toEqual([
      'notifications.channels[0].facility',
      'notifications.channels[0].port',
      'notifications.channels[0].prot',
      'notifications.channels[0].transport',
    ]);
    expect(problems.find((p) => p.path.endsWith('.transport'))).toMatchObject({ expected: 'one of "udp", "tcp"', actual: 'sctp' });
    expect(problems.find((p) => p.path.endsWith('.port'))?.expected).toMatch(/<= 65535/);
    expect(problems.find((p) => p.path.endsWith('.prot'))?.expected).toMatch(/no such field/);
  });

  it('names missing required fields', () => {
    expect(problemsOf({ channels: [{ name: 'mail', kind: 'email', host: 'smtp.example' }] }).map((p) => p.path).sort()).toEqual([
      'notifications.channels[0].from',
      'notifications.channels[0].to',
    ]);
    expect(problemsOf({ channels: [{ name: 'w', kind: 'webhook', url: 'ftp://x/y', secret: 's'.repeat(20) }] })[0]).toMatchObject({ path: 'notifications.channels[0].url' });
  });

  it('never echoes a secret in a problem', () => {
    const problems = problemsOf({
      channels: [
        { ...smtp, username: 'u', password: ['hunter2-very-secret'] },
        { name: 'bus', kind: 'amqp', amqpUrl: 'http://guest:topsecret@broker' },
        { name: 'w', kind: 'webhook', url: 'https://x/y', secret: 'short' },
      ],
    });
    expect(problems.map((p) => p.path).sort()).toEqual(['notifications.channels[0].password', 'notifications.channels[1].amqpUrl', 'notifications.channels[2].secret']);
    expect(JSON.stringify(problems)).not.toMatch(/hunter2|topsecret|short/);
    expect(problems.every((p) => p.actual === '[redacted]')).toBe(true);
  });

  it('refuses rules naming channels that do not exist, duplicate names, and half a login', () => {
    const problems = problemsOf({
      channels: [{ name: 'log', kind: 'syslog', host: 'h' }, { name: 'log', kind: 'syslog', host: 'h2' }, { ...smtp, username: 'alice' }],
      rules: [{ channels: ['log', 'pager'] }],
    });
    expect(problems).toEqual([
      { path: 'notifications.channels[1].name', expected: 'a name no other channel has', actual: 'log' },
      { path: 'notifications.channels[2].password', expected: 'set together with username', actual: '(missing)' },
      { path: 'notifications.rules[0].channels[1]', expected: 'the name of a configured channel (log, ops-mail)', actual: 'pager' },
    ]);
    expect(problemsOf({ channels: [], rules: [{ channels: [] }] })[0]).toMatchObject({ path: 'notifications.rules[0].channels' });
  });

  it('checks filters as the hooks API does: invalid and exponential regular expressions refused', () => {
    const problems = problemsOf({
      channels: [{ name: 'log', kind: 'syslog', host: 'h' }],
      rules: [{ filters: [{ severity: '(' }, { 'data.name': '(a+)+$' }], channels: ['log'] }],
    });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatchObject({ path: 'notifications.rules[0].filters.0.severity', actual: '(' });
    expect(problems[0]?.expected).toMatch(/not a valid regular expression/);
    expect(problems[1]).toMatchObject({ path: 'notifications.rules[0].filters.1.data.name', actual: '(a+)+$' });
    expect(problems[1]?.expected).toMatch(/exponential/);
  });

  it('refuses a section that is not an object, and says so in the message', () => {
    expect(() => parseNotificationsConfig('yes')).toThrow(/notifications: expected an object with channels and rules, got "yes"/);
    expect(problemsOf({ channels: {} })[0]).toMatchObject({ path: 'notifications.channels', expected: 'an array of channels' });
    expect(problemsOf({ attempts: 0, channels: [] })[0]).toMatchObject({ path: 'notifications.attempts', actual: 0 });
  });
});
