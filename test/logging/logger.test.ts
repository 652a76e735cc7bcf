import { pino } from 'pino';
import type { DestinationStream } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { createLogger, forNode, forTask, forWorkflow, redactSecrets, redactedPaths } from '../../src/logging/logger.ts';
import type { Logger } from '../../src/logging/logger.ts';

/** An in-memory destination: pino writes one JSON line per call, synchronously. */
function memory(): { destination: DestinationStream; lines: () => Record<string, unknown>[]; raw: () => string } {
  const chunks: string[] = [];
  return {
    destination: { write: (chunk: string) => void chunks.push(chunk) },
    lines: () => chunks.join('').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
    raw: () => chunks.join(''),
  };
}

function setup(level = 'info'): { log: Logger; lines: () => Record<string, unknown>[]; raw: () => string } {
  const out = memory();
  return { log: createLogger({ level, memberId: 'mgmt-a', destination: out.destination }), lines: out.lines, raw: out.raw };
}

describe('createLogger', () => {
  it('writes structured JSON lines with level name, time, member id and message', () => {
    const { log, lines } = setup();
    log.info({ mac: '00:11:22:33:44:55' }, 'dhcp discover');
    const [line] = lines();
    expect(line).toMatchObject({ level: 'info', memberId: 'mgmt-a', mac: '00:11:22:33:44:55', msg: 'dhcp discover' });
    expect(typeof line?.['time']).toBe('string');
  });

  it('respects the level', () => {
    const { log, lines } = setup('warn');
    log.info('dropped');
    log.debug('dropped');
    log.warn('kept');
    log.error('kept too');
    expect(lines().map((l) => l['msg'])).toEqual(['kept', 'kept too']);
  });

  it('writes nothing at level silent', () => {
    const { log, raw } = setup('silent');
    log.fatal('nothing');
    expect(raw()).toBe('');
  });

  it('rejects an unknown level as a configuration error naming log.level', () => {
    expect(() => createLogger({ level: 'verbose', memberId: 'm' })).toThrow(ConfigError);
    expect(() => createLogger({ level: 'verbose', memberId: 'm' })).toThrow(/log\.level/);
  });
});

describe('redaction', () => {
  const secrets = ['hunter2', 'tok-1', 'tok-2', 'Bearer abc', 'sess-9', 'enc-key', 'p4ss', 'amqp://admin:pw@mq', 'snmp-comm', 'bmc-pw'];

  it('redacts passwords, tokens and keys at several depths', () => {
    const { log, lines, raw } = setup();
    log.info(
      {
        password: 'hunter2',
        token: 'tok-1',
        request: { headers: { authorization: 'Bearer abc', 'X-Auth-Token': 'sess-9' }, body: { user: 'admin' } },
        config: { secrets: { key: 'enc-key' }, cluster: { amqpUrl: 'amqp://admin:pw@mq' } },
        node: { obms: [{ service: 'ipmi', config: { host: '10.1.1.1', user: 'root', password: 'p4ss' } }] },
        snmp: { community: 'snmp-comm' },
        deep: { a: { b: { c: { d: { e: { bmcPassword: 'bmc-pw', accessToken: 'tok-2' } } } } } },
      },
      'with secrets',
    );
    for (const secret of secrets) expect(raw()).not.toContain(secret);
    const [line] = lines();
    expect(line).toMatchObject({
      password: '[redacted]',
      token: '[redacted]',
      request: { headers: { authorization: '[redacted]', 'X-Auth-Token': '[redacted]' }, body: { user: 'admin' } },
      config: { secrets: '[redacted]', cluster: { amqpUrl: '[redacted]' } },
      node: { obms: [{ service: 'ipmi', config: { host: '10.1.1.1', user: 'root', password: '[redacted]' } }] },
      snmp: { community: '[redacted]' },
      deep: { a: { b: { c: { d: { e: { bmcPassword: '[redacted]', accessToken: '[redacted]' } } } } } },
    });
  });

  it('does not change the logged object', () => {
    const { log } = setup();
    const obm = { user: 'root', password: 'p4ss' };
    log.info({ obm }, 'obm');
    expect(obm.password).toBe('p4ss');
  });

  it('redacts child bindings, including children of children and setBindings', () => {
    const { log, raw, lines } = setup();
    const child = log.child({ password: 'hunter2', session: { token: 'tok-1' } });
    const grandchild = child.child({ auth: { authorization: 'Bearer abc' } });
    grandchild.setBindings({ apiKey: 'enc-key' });
    grandchild.info('bound');
    expect(raw()).not.toMatch(/hunter2|tok-1|Bearer abc|enc-key/);
    expect(lines()[0]).toMatchObject({ password: '[redacted]', session: { token: '[redacted]' }, auth: { authorization: '[redacted]' } });
  });

  it('cuts cycles without printing the secret behind them', () => {
    const { log, raw } = setup();
    const loop: Record<string, unknown> = { token: 'tok-1' };
    loop['self'] = loop;
    log.info({ loop }, 'cycle');
    expect(raw()).not.toContain('tok-1');
  });

  it('redactSecrets returns objects without secrets unchanged', () => {
    const value = { a: { b: [1, { c: 'd' }] } };
    expect(redactSecrets(value)).toBe(value);
  });

  it('exports pino-syntax paths that another pino instance can use', () => {
    expect(redactedPaths).toEqual(expect.arrayContaining(['password', '*.password', '*.*.password', 'token', '*.token', 'authorization', '*.authorization', '*.secrets']));
    const chunks: string[] = [];
    const other = pino({ redact: { paths: [...redactedPaths], censor: '[redacted]' } }, { write: (c: string) => void chunks.push(c) });
    other.info({ a: { password: 'hunter2' }, headers: { 'x-auth-token': 'sess-9' } });
    expect(chunks.join('')).not.toMatch(/hunter2|sess-9/);
  });
});

describe('child loggers', () => {
  it('forNode, forWorkflow and forTask bind their ids', () => {
    const { log, lines } = setup();
    forNode(log, 'node-1').info('n');
    forWorkflow(log, 'wf-1').info('w');
    forWorkflow(log, 'wf-1', 'node-1').info('wn');
    forTask(log, 'task-1').info('t');
    forTask(log, 'task-1', 'wf-1', 'node-1').info('twn');
    const [n, w, wn, t, twn] = lines();
    expect(n).toMatchObject({ memberId: 'mgmt-a', nodeId: 'node-1', msg: 'n' });
    expect(w).toMatchObject({ workflowId: 'wf-1' });
    expect(w).not.toHaveProperty('nodeId');
    expect(wn).toMatchObject({ workflowId: 'wf-1', nodeId: 'node-1' });
    expect(t).toMatchObject({ taskId: 'task-1' });
    expect(t).not.toHaveProperty('workflowId');
    expect(twn).toMatchObject({ taskId: 'task-1', workflowId: 'wf-1', nodeId: 'node-1' });
  });

  it('does not bind an id twice when the parent already carries it', () => {
    const { log, raw } = setup();
    const nodeLog = forNode(log, 'node-1');
    forTask(forWorkflow(nodeLog, 'wf-1', 'node-1'), 'task-1', 'wf-1', 'node-1').info('once');
    const line = raw();
    expect(line.match(/"nodeId"/g)).toHaveLength(1);
    expect(line.match(/"workflowId"/g)).toHaveLength(1);
  });

  it('child loggers keep the parent level', () => {
    const { log, lines } = setup('error');
    forNode(log, 'node-1').info('dropped');
    forNode(log, 'node-1').error('kept');
    expect(lines().map((l) => l['msg'])).toEqual(['kept']);
  });
});
