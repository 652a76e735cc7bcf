/**
 * The SNMP poller source against a real agent: Debian's snmpd, started by the test on a free loopback
 * port with its own configuration and persistent directory in a temp dir (no root-owned paths), polled
 * with net-snmp over SNMPv2c and v1. The system group, the interfaces table (with ifXTable's names and
 * 64-bit counters) and a walk of configured OIDs are compared with what the configuration and the host
 * say; a wrong community gets no answer, and the error does not repeat it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PollRequest } from '../../src/actors/poller/poller-port.ts';
import { sealSecrets } from '../../src/actors/secret-port.ts';
import type { Store } from '../../src/persistence/store.ts';
import { createPollerSource } from '../../src/pollers/poller-sources.ts';
import { openSecretBox } from '../../src/secrets/secret-key.ts';
import { secretSealer } from '../../src/secrets/secret-sealer.ts';
import { freeUdpPort } from '../support/ipmi-sim.ts';
import { tempStore, type TempStore } from '../support/temp-store.ts';
import { captureLog } from '../support/test-logger.ts';

const COMMUNITY = 'mr-community-42';
let dir: string;
let port: number;
let snmpd: ChildProcess;
let output = '';
let temp: TempStore;
let store: Store;
const captured = captureLog('debug');
const box = () => openSecretBox(null, temp.dir, captured.log);
const source = () => createPollerSource({ obms: store.documents.collection('obms'), box: box(), sealer: secretSealer(box()), log: captured.log });
const request = (command: string, extra: Record<string, unknown> = {}): PollRequest => ({
  pollerId: `snmp-${command}`,
  name: 'Pollers.SNMP',
  config: sealSecrets({ command, host: '127.0.0.1', port, community: COMMUNITY, timeoutMs: 2_000, ...extra }, secretSealer(box())),
});
const signal = () => new AbortController().signal;

beforeAll(async () => {
  temp = tempStore();
  store = await temp.open();
  dir = mkdtempSync(path.join(tmpdir(), 'monorail-snmpd-'));
  port = await freeUdpPort();
  const conf = path.join(dir, 'snmpd.conf');
  writeFileSync(
    conf,
    [
      `agentAddress udp:127.0.0.1:${port}`,
      `rocommunity ${COMMUNITY} 127.0.0.1`,
      'sysDescr Monorail test agent',
      'sysName monorail-snmp-test',
      'sysLocation rack-7 u12',
      'sysContact ops@example.com',
      '',
    ].join('\n'),
  );
  // -f foreground, -C only this config, -Lo log to stdout; persistent state in the temp dir.
  snmpd = spawn('snmpd', ['-f', '-C', '-c', conf, '-Lo', '-p', path.join(dir, 'snmpd.pid')], {
    env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin', SNMP_PERSISTENT_DIR: path.join(dir, 'persist'), MIBS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  snmpd.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  snmpd.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (snmpd.exitCode !== null) throw new Error(`snmpd exited: ${output}`);
    const ok = await source()
      .poll(request('sysinfo', { timeoutMs: 300 }), { signal: signal() })
      .then(() => true, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`snmpd not answering on ${port}: ${output}`);
  }
}, 30_000);
afterAll(async () => {
  if (snmpd !== undefined && snmpd.exitCode === null) {
    const exited = new Promise((r) => snmpd.once('exit', r));
    snmpd.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
  await store?.close();
  temp?.cleanup();
  expect(JSON.stringify(captured.lines())).not.toContain(COMMUNITY);
});

describe('SNMP poller source against snmpd', () => {
  it('reads the MIB-II system group (v2c and v1)', async () => {
    const sample = await source().poll(request('sysinfo'), { signal: signal() });
    expect(sample['host']).toBe('127.0.0.1');
    expect(sample['sysinfo']).toMatchObject({ sysDescr: 'Monorail test agent', sysName: 'monorail-snmp-test', sysLocation: 'rack-7 u12', sysContact: 'ops@example.com', sysObjectID: expect.stringMatching(/^1\.3\.6\.1\.4\.1\.8072/) as unknown });
    expect(typeof (sample['sysinfo'] as { sysUpTime: unknown }).sysUpTime).toBe('number');
    const v1 = await source().poll(request('sysinfo', { version: '1' }), { signal: signal() });
    expect(v1['sysinfo']).toMatchObject({ sysName: 'monorail-snmp-test' });
  });

  it('reads the interfaces table with status, addresses and counters', async () => {
    const sample = await source().poll(request('interfaces'), { signal: signal() });
    const ifs = sample['interfaces'] as Record<string, unknown>[];
    const lo = ifs.find((i) => i['ifDescr'] === 'lo');
    expect(lo).toMatchObject({ ifIndex: expect.any(Number) as unknown, ifType: 24, ifAdminStatus: 'up', ifOperStatus: 'up', ifName: 'lo' });
    expect(typeof lo?.['ifInOctets']).toBe('number');
    expect(typeof lo?.['ifHCInOctets']).toBe('number');
    expect(ifs.map((i) => i['ifIndex'])).toEqual([...ifs.map((i) => i['ifIndex'])].sort((a, b) => Number(a) - Number(b)));
  });

  it('walks configured OIDs', async () => {
    const sample = await source().poll(request('walk', { oids: ['1.3.6.1.2.1.1.5', '.1.3.6.1.2.1.1.6'] }), { signal: signal() });
    expect(sample['walk']).toEqual([
      { oid: '1.3.6.1.2.1.1.5.0', type: 'OctetString', value: 'monorail-snmp-test' },
      { oid: '1.3.6.1.2.1.1.6.0', type: 'OctetString', value: 'rack-7 u12' },
    ]);
  });

  it('gets no answer for a wrong community, and the error does not repeat it', async () => {
    const wrong: PollRequest = { pollerId: 'w', name: 'Pollers.SNMP', config: { command: 'sysinfo', host: '127.0.0.1', port, community: 'not-our-community', timeoutMs: 500 } };
    const e = (await source().poll(wrong, { signal: signal() }).catch((x: unknown) => x)) as Error;
    expect(e.message).toMatch(/snmp: .*timed out/i);
    expect(e.message).not.toContain('not-our-community');
  });

  it('an abort closes the session at once', async () => {
    const abort = new AbortController();
    const wrong: PollRequest = { pollerId: 'a', name: 'Pollers.SNMP', config: { command: 'sysinfo', host: '127.0.0.1', port, community: 'nobody', timeoutMs: 5_000 } };
    const pending = source().poll(wrong, { signal: abort.signal }).catch((x: unknown) => x);
    setTimeout(() => abort.abort(new Error('poller deleted')), 100);
    const t = Date.now();
    expect(((await pending) as Error).message).toBe('poller deleted');
    expect(Date.now() - t).toBeLessThan(1_000);
  });
});
