/**
 * The Redfish adapter against the simulated BMC (src/sim/redfish-bmc.ts) over HTTP and HTTPS: which
 * ResetType it picks from what the System allows, boot overrides, identify, sessions and Basic auth,
 * TLS with a self-signed certificate, cancellation, and that neither the password nor the session
 * token reaches an error or a log line.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PowerAction, RedfishObmConfig } from '../../src/actors/obm/obm-port.ts';
import { ObmError } from '../../src/actors/obm/obm-error.ts';
import { ValidationError } from '../../src/errors.ts';
import { RedfishObmService } from '../../src/obm/redfish-obm-service.ts';
import { RedfishBmc, type PowerEvent, type RedfishBmcOptions } from '../../src/sim/redfish-bmc.ts';
import { captureLog } from '../support/test-logger.ts';

const PASSWORD = 'Bmc-Pa55word!';
const signal = () => new AbortController().signal;

describe('RedfishObmService against the simulated BMC', () => {
  const bmcs: RedfishBmc[] = [];
  const services: RedfishObmService[] = [];
  let captured = captureLog('debug');

  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.close()));
    await Promise.all(bmcs.splice(0).map((b) => b.close()));
  });

  async function setup(bmcOptions: RedfishBmcOptions = {}, config: Partial<RedfishObmConfig> = {}) {
    captured = captureLog('debug');
    const bmc = await RedfishBmc.start({ password: PASSWORD, ...bmcOptions });
    bmcs.push(bmc);
    const events: PowerEvent[] = [];
    bmc.onPower((e) => events.push(e));
    const service = await RedfishObmService.open({ uri: `${bmc.url}/redfish/v1`, username: 'admin', password: PASSWORD, ...config }, { log: captured.log, signal: signal() });
    services.push(service);
    return { bmc, service, events };
  }

  it('powers the machine with the preferred ResetType for each action, over one session', async () => {
    const { bmc, service, events } = await setup();
    expect(await service.powerState({ signal: signal() })).toBe('off');
    const actions: PowerAction[] = ['on', 'reset', 'cycle', 'softOff', 'on', 'off'];
    for (const action of actions) await service.power(action, { signal: signal() });
    expect(events.map((e) => e.resetType)).toEqual(['On', 'ForceRestart', 'PowerCycle', 'GracefulShutdown', 'On', 'ForceOff']);
    expect(await service.powerState({ signal: signal() })).toBe('off');
    const seen = bmc.requests();
    expect(seen.filter((r) => r.auth === 'basic')).toEqual([]);
    expect(seen.filter((r) => r.path.startsWith('/redfish/v1/Systems')).every((r) => r.auth === 'session')).toBe(true);
    expect(bmc.openSessions).toBe(1);
    await service.close();
    expect(bmc.openSessions).toBe(0);
  });

  it('leaves a machine alone that is already in the asked power state', async () => {
    const { bmc, service, events } = await setup({ powerState: 'On' });
    await service.power('on', { signal: signal() });
    await service.power('off', { signal: signal() });
    await service.power('softOff', { signal: signal() });
    await service.power('off', { signal: signal() });
    expect(events.map((e) => e.resetType)).toEqual(['ForceOff']);
    expect(bmc.requests().filter((r) => r.method === 'POST' && r.path.endsWith('ComputerSystem.Reset'))).toHaveLength(1);
  });

  it('takes only what the System allows, from the annotation or from its ActionInfo', async () => {
    for (const via of ['annotation', 'actionInfo'] as const) {
      const { service, events } = await setup({ resetTypes: ['On', 'ForceOff', 'ForceRestart'], resetAllowableVia: via });
      await service.power('on', { signal: signal() });
      await service.power('cycle', { signal: signal() });
      expect(events.map((e) => e.resetType), via).toEqual(['On', 'ForceRestart']);
      const refused = await service.power('softOff', { signal: signal() }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ObmError);
      expect((refused as ObmError).message).toMatch(/allows none of GracefulShutdown \(it allows On, ForceOff, ForceRestart\)/);
    }
  });

  it('with no allowable values published, asks for any standard ResetType', async () => {
    const { service, events } = await setup({ resetAllowableVia: 'none', resetTypes: ['On', 'ForceOn', 'ForceOff'] });
    await service.power('on', { signal: signal() });
    expect(events.map((e) => e.resetType)).toEqual(['On']);
    // The BMC refuses a type it does not support: its own words reach the error.
    const refused = (await service.power('softOff', { signal: signal() }).catch((e: unknown) => e)) as ObmError;
    expect(refused.obm).toMatchObject({ httpStatus: 400, messageIds: ['Base.1.22.ActionParameterValueNotInList'] });
    expect(refused.message).toMatch(/The value 'GracefulShutdown' for the parameter ResetType in the action ComputerSystem.Reset is not in the list/);
  });

  it('sets the boot override once or continuously, and the machine boots from it', async () => {
    const { bmc, service, events } = await setup();
    await service.setNextBoot('pxe', { signal: signal() });
    expect(bmc.boot).toMatchObject({ target: 'Pxe', enabled: 'Once' });
    await service.power('on', { signal: signal() });
    await service.setNextBoot('disk', { signal: signal(), persistent: true });
    expect(bmc.boot).toMatchObject({ target: 'Hdd', enabled: 'Continuous' });
    await service.power('reset', { signal: signal() });
    await service.power('cycle', { signal: signal() });
    expect(events.map((e) => e.bootTarget)).toEqual(['Pxe', 'Hdd', 'Hdd']);
    // The PATCHes carried the ETag the GET before them returned.
    expect(bmc.requests().filter((r) => r.method === 'PATCH').map((r) => r.status)).toEqual([200, 200]);
  });

  it('lights the identify LED with LocationIndicatorActive, or IndicatorLED on older services', async () => {
    for (const identify of ['LocationIndicatorActive', 'IndicatorLED'] as const) {
      const { bmc, service } = await setup({ identify });
      await service.identify(true, { signal: signal() });
      expect(bmc.identifyLit, identify).toBe(true);
      await service.identify(false, { signal: signal() });
      expect(bmc.identifyLit, identify).toBe(false);
    }
  });

  it('restarts the BMC through Manager.Reset and logs in again when the BMC has forgotten the session', async () => {
    const { bmc, service } = await setup({ powerState: 'On' });
    await service.mcResetCold?.({ signal: signal() });
    expect(bmc.managerResetCount).toBe(1);
    expect(bmc.openSessions).toBe(0);
    expect(await service.powerState({ signal: signal() })).toBe('on');
    expect(bmc.openSessions).toBe(1);
  });

  it('with auth basic, sends credentials on each request and opens no session', async () => {
    const { bmc, service } = await setup({}, { auth: 'basic' });
    await service.power('on', { signal: signal() });
    expect(bmc.openSessions).toBe(0);
    expect(bmc.requests().filter((r) => r.path !== '/redfish/v1/').every((r) => r.auth === 'basic')).toBe(true);
  });

  it('a refused login is an ObmError; neither errors nor logs hold the password or a token', async () => {
    const bmc = await RedfishBmc.start({ password: PASSWORD });
    bmcs.push(bmc);
    const log = captureLog('debug');
    const error = (await RedfishObmService.open({ uri: bmc.url, username: 'admin', password: 'Not-the-Pa55word' }, { log: log.log, signal: signal() }).catch((e: unknown) => e)) as ObmError;
    expect(error).toBeInstanceOf(ObmError);
    expect(error.obm).toMatchObject({ operation: 'login', httpStatus: 401, messageIds: ['Base.1.22.NoValidSession'] });
    expect(JSON.stringify([error.message, error.toJSON(), log.lines()])).not.toContain('Not-the-Pa55word');

    // And through a whole working session, with a failure in it: the token the BMC issued appears nowhere either.
    const working = await setup({ resetTypes: ['On', 'ForceOff'] });
    await working.service.power('on', { signal: signal() });
    const failed = (await working.service.power('softOff', { signal: signal() }).catch((e: unknown) => e)) as ObmError;
    expect(failed).toBeInstanceOf(ObmError);
    const [token] = working.bmc.issuedTokens();
    expect(token?.length).toBeGreaterThan(20);
    const everything = JSON.stringify([failed.message, failed.toJSON(), captured.lines()]);
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(token);
    expect(captured.lines().some((l) => l['msg'] === 'redfish request')).toBe(true);
  });

  it('cancelling aborts the request in flight; a slow BMC runs into the timeout', async () => {
    const { bmc, service } = await setup();
    bmc.setResponseDelay(10_000);
    const controller = new AbortController();
    const pending = service.powerState({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error('workflow cancelled')), 50);
    await expect(pending).rejects.toThrow('workflow cancelled');
    bmc.setResponseDelay(0);

    const slow = await setup({}, { timeoutMs: 200 });
    slow.bmc.setResponseDelay(5_000);
    const error = (await slow.service.powerState({ signal: signal() }).catch((e: unknown) => e)) as ObmError;
    expect(error).toBeInstanceOf(ObmError);
    expect(error.obm.timedOut).toBe(true);
    slow.bmc.setResponseDelay(0);
  });

  it('refuses configs that cannot work, naming the field and never the password', async () => {
    const open = (config: Partial<RedfishObmConfig>) =>
      RedfishObmService.open({ uri: 'https://bmc', username: 'admin', password: 'secret-xyz', ...config }, { log: captureLog().log, signal: signal() });
    await expect(open({ uri: 'ftp://bmc' })).rejects.toThrow(/config\.uri/);
    await expect(open({ uri: 'https://admin:pw@bmc' })).rejects.toThrow(/must not carry credentials/);
    await expect(open({ username: '' })).rejects.toThrow(ValidationError);
    await expect(open({ root: 'Systems/1', auth: 'digest' as 'basic' })).rejects.toThrow(/config\.root.*config\.auth/);
    const error = (await open({ ca: 'not a cert' }).catch((e: unknown) => e)) as ValidationError;
    expect(JSON.stringify(error.toJSON())).not.toContain('secret-xyz');
  });
});

describe('RedfishObmService with HTTPS and a self-signed certificate', () => {
  let dir: string;
  let cert: string;
  let bmc: RedfishBmc;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'monorail-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    ], { stdio: 'ignore' });
    cert = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    bmc = await RedfishBmc.start({ password: PASSWORD, tls: { key: readFileSync(path.join(dir, 'key.pem')), cert } });
  });
  afterAll(async () => {
    await bmc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = (config: Partial<RedfishObmConfig>) =>
    RedfishObmService.open({ uri: bmc.url, username: 'admin', password: PASSWORD, ...config }, { log: captureLog().log, signal: signal() });

  it('refuses the unknown certificate by default', async () => {
    expect(bmc.url).toMatch(/^https:/);
    const error = (await open({}).catch((e: unknown) => e)) as ObmError;
    expect(error).toBeInstanceOf(ObmError);
    expect(error.message).toMatch(/self.signed certificate/i);
  });

  it('accepts it when verification is turned off, or when the certificate is given as the CA', async () => {
    for (const config of [{ verifySSL: false }, { ca: cert }]) {
      const service = await open(config);
      await service.power('on', { signal: signal() });
      expect(await service.powerState({ signal: signal() })).toBe('on');
      await service.power('off', { signal: signal() });
      await service.close();
    }
  });
});

describe('RedfishObmService against a service that is not what it should be', () => {
  let server: Server;
  let base: string;
  let root: Record<string, unknown>;
  let systems: Record<string, unknown>;
  let system: Record<string, unknown> = {};
  let etag = 0;
  const patches: { ifMatch: string | undefined; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (req.method === 'PATCH') {
          patches.push({ ifMatch: req.headers['if-match'], body });
          // The first PATCH loses a race with another change (the ETag moved on): 412.
          const status = patches.length === 1 ? 412 : 200;
          etag += 1;
          res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(status === 412 ? { error: { code: 'Base.1.22.PreconditionFailed', message: 'stale' } } : system));
          return;
        }
        const answer = req.url === '/redfish/v1/Systems/1' ? system : req.url?.startsWith('/redfish/v1/Systems') ? systems : root;
        res.writeHead(200, { 'Content-Type': 'application/json', ETag: `W/"${etag}"` }).end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const open = () => RedfishObmService.open({ uri: base, username: 'admin', password: PASSWORD, auth: 'basic' }, { log: captureLog().log, signal: signal() });

  it('says so when the root is not a Redfish service root', async () => {
    root = { hello: 'world' };
    await expect(open()).rejects.toThrow(/not a Redfish service root/);
  });

  it('asks for config.root when there are several systems', async () => {
    root = { RedfishVersion: '1.0.0', Systems: { '@odata.id': '/redfish/v1/Systems' } };
    systems = { Members: [{ '@odata.id': '/redfish/v1/Systems/a' }, { '@odata.id': '/redfish/v1/Systems/b' }] };
    await expect(open()).rejects.toThrow(/has 2 systems: set config\.root/);
  });

  it('never follows a link to another origin with the credentials', async () => {
    root = { RedfishVersion: '1.0.0', Systems: { '@odata.id': '/redfish/v1/Systems' } };
    systems = { Members: [{ '@odata.id': 'http://198.51.100.7/redfish/v1/Systems/1' }] };
    await expect(open()).rejects.toThrow(/not the BMC's own origin/);
  });

  it('reads the System again once when a PATCH loses an ETag race (412)', async () => {
    root = { RedfishVersion: '1.0.0', Systems: { '@odata.id': '/redfish/v1/Systems' } };
    systems = { Members: [{ '@odata.id': '/redfish/v1/Systems/1' }] };
    system = { '@odata.id': '/redfish/v1/Systems/1', PowerState: 'Off', Boot: { BootSourceOverrideTarget: 'None' } };
    const service = await open();
    await service.setNextBoot('pxe', { signal: signal() });
    expect(patches.map((p) => p.ifMatch)).toEqual(['W/"0"', 'W/"1"']);
    expect(JSON.parse(patches[1]?.body ?? '{}')).toEqual({ Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } });
    await service.close();
  });
});
