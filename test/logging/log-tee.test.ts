/**
 * The logger with a records store (createLogger({records}) and the tee in src/logging/log-tee.ts): each
 * side gets the levels it asked for, the store holds the very line the log wrote — secrets censored the
 * same way, so an OBM password logged through any logger never reaches it — and child loggers find the
 * store of their root.
 */
import { describe, expect, it } from 'vitest';
import type { DestinationStream } from 'pino';
import { createLogger, forNode, forTask, forWorkflow, recordsOf } from '../../src/logging/logger.ts';
import { LogRecords } from '../../src/logging/log-records.ts';

function setup(level: string, records: LogRecords): { log: ReturnType<typeof createLogger>; raw: () => string; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const destination: DestinationStream = { write: (chunk: string) => void chunks.push(chunk) };
  return {
    log: createLogger({ level, memberId: 'mgmt-a', destination, records }),
    raw: () => chunks.join(''),
    lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const all = { skip: 0, top: 1000 };

describe('createLogger with records', () => {
  it('keeps records down to the store\'s level while the destination keeps its own', () => {
    const records = new LogRecords({ level: 'debug' });
    const { log, lines } = setup('warn', records);
    const node = forNode(log, 'n1');
    node.trace('trace: neither');
    node.debug('debug: store only');
    node.info('info: store only');
    node.warn('warn: both');
    expect(lines().map((l) => l['msg'])).toEqual(['warn: both']);
    expect(records.query('node', 'n1', all).items.map((r) => r['msg'])).toEqual(['warn: both', 'info: store only', 'debug: store only']);
  });

  it('offers the store nothing below its level when the destination logs more', () => {
    const records = new LogRecords({ level: 'error' });
    const { log, lines } = setup('info', records);
    forNode(log, 'n1').info('info');
    forNode(log, 'n1').error('error');
    expect(lines()).toHaveLength(2);
    expect(records.query('node', 'n1', all).items.map((r) => r['msg'])).toEqual(['error']);
    expect(log.level).toBe('info');
  });

  it('keeps records when the destination is silent', () => {
    const records = new LogRecords({ level: 'info' });
    const { log, raw } = setup('silent', records);
    forWorkflow(log, 'w1').info('kept');
    expect(raw()).toBe('');
    expect(records.query('workflow', 'w1', all).total).toBe(1);
  });

  it('stores the line exactly as the log wrote it', () => {
    const records = new LogRecords();
    const { log, lines } = setup('info', records);
    forTask(log, 't1', 'w1', 'n1').info({ command: 'ipmitool sdr', attempt: 2 }, 'task ran');
    const [written] = lines();
    expect(records.query('node', 'n1', all).items).toEqual([written]);
    expect(records.query('workflow', 'w1', all).items).toEqual([written]);
  });

  it('never keeps a secret the log censors: an OBM password logged in fields, bindings and nested config', () => {
    const records = new LogRecords({ level: 'trace' });
    const { log, raw } = setup('trace', records);
    const secret = 'obm-Pa55word-7f3a';
    const obm = { service: 'ipmi-obm-service', config: { host: '10.0.0.9', user: 'admin', password: secret } };
    forNode(log, 'n1').info({ obm }, 'obm set');
    forWorkflow(log, 'w1', 'n1').child({ bmcPassword: secret, credentials: { user: 'admin', password: secret } }).warn({ options: { obms: [obm] } }, 'bound');
    log.child({ nodeId: 'n1' }).setBindings({ sessionToken: secret });
    forNode(log, 'n1').error({ err: { message: 'failed', config: { password: secret } } }, 'obm failed');
    expect(raw()).not.toContain(secret);
    const kept = JSON.stringify([...records.query('node', 'n1', all).items, ...records.query('workflow', 'w1', all).items]);
    expect(records.query('node', 'n1', all).total).toBe(3);
    expect(kept).not.toContain(secret);
    expect(kept).toContain('[redacted]');
  });

  it('lets every child logger find its root\'s store', () => {
    const records = new LogRecords();
    const { log } = setup('info', records);
    expect(recordsOf(log)).toBe(records);
    expect(recordsOf(forTask(log.child({ component: 'api' }), 't1', 'w1'))).toBe(records);
    expect(recordsOf(createLogger({ level: 'info', memberId: 'x', destination: { write: () => undefined } }))).toBeUndefined();
  });

  it('keeps logging when the store throws', () => {
    const records = new LogRecords();
    records.add = () => {
      throw new Error('broken store');
    };
    const { log, lines } = setup('info', records);
    forNode(log, 'n1').info('still written');
    expect(lines().map((l) => l['msg'])).toEqual(['still written']);
  });
});
