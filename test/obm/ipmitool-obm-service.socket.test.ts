/**
 * The IPMI adapter when the BMC does not answer: a UDP socket on loopback that swallows every
 * datagram, so ipmitool waits and retries. Cancelling must kill the running ipmitool (checked in
 * /proc), a timeout must too, and the password must be in ipmitool's environment, never its argv.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObmError } from '../../src/actors/obm/obm-error.ts';
import { ValidationError } from '../../src/errors.ts';
import { IpmitoolObmService } from '../../src/obm/ipmitool-obm-service.ts';
import { captureLog } from '../support/test-logger.ts';
import { ipmitoolProcesses } from '../support/ipmitool-processes.ts';

const PASSWORD = 'Pw-in-env-only-7';

async function waitFor<T>(probe: () => T | undefined): Promise<T> {
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('IpmitoolObmService with a silent BMC', () => {
  let blackHole: Socket;
  let port: number;
  let received = 0;

  beforeAll(async () => {
    blackHole = createSocket('udp4');
    blackHole.on('message', () => (received += 1));
    await new Promise<void>((resolve) => blackHole.bind(0, '127.0.0.1', () => resolve()));
    port = blackHole.address().port;
  });
  afterAll(() => new Promise<void>((resolve) => blackHole.close(() => resolve())));

  const service = (log = captureLog().log, timeoutMs = 60_000) =>
    new IpmitoolObmService({ host: '127.0.0.1', port, user: 'admin', password: PASSWORD, cipherSuite: 3, timeoutMs }, { log });

  it('passes the password in the environment, and an abort kills ipmitool before the call rejects with the abort reason', async () => {
    const controller = new AbortController();
    const call = service().power('on', { signal: controller.signal });
    const [running] = await waitFor(() => {
      const list = ipmitoolProcesses(port);
      return list.length > 0 ? list : undefined;
    });
    expect(running?.argv).toContain('-E');
    expect(running?.argv.join(' ')).not.toContain(PASSWORD);
    expect(running?.env).toContain(`IPMI_PASSWORD=${PASSWORD}`);
    await waitFor(() => (received > 0 ? true : undefined));

    const reason = new Error('workflow cancelled');
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(ipmitoolProcesses(port)).toEqual([]);
  });

  it('an already aborted signal starts nothing', async () => {
    const reason = new Error('too late');
    await expect(service().powerState({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(ipmitoolProcesses(port)).toEqual([]);
  });

  it('a run past its time is killed and reported as a timeout, without the password', async () => {
    const captured = captureLog('debug');
    const error = await service(captured.log, 300)
      .powerState({ signal: new AbortController().signal })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ObmError);
    expect((error as ObmError).obm).toMatchObject({ timedOut: true, operation: 'powerState', target: `127.0.0.1:${port}` });
    expect((error as ObmError).message).toMatch(/timed out after 300 ms/);
    expect(ipmitoolProcesses(port)).toEqual([]);
    expect(JSON.stringify([(error as ObmError).toJSON(), captured.lines()])).not.toContain(PASSWORD);
  });

  it('a missing ipmitool binary is an ObmError that says which package to install', async () => {
    const missing = new IpmitoolObmService({ host: '127.0.0.1', port, user: 'admin', password: PASSWORD }, { log: captureLog().log, binary: '/nonexistent/ipmitool' });
    await expect(missing.powerState({ signal: new AbortController().signal })).rejects.toThrow(/Debian package ipmitool/);
  });

  it('refuses configs ipmitool could misread, naming each field and never echoing the password', () => {
    const make = (config: Record<string, unknown>) => () => new IpmitoolObmService({ host: 'bmc', user: 'u', password: 'p', ...config }, { log: captureLog().log });
    expect(make({ host: '-oProxyCommand=x' })).toThrow(ValidationError);
    expect(make({ host: 'bmc;reboot' })).toThrow(/config\.host/);
    expect(make({ port: 70000 })).toThrow(/config\.port/);
    expect(make({ user: 'x'.repeat(17) })).toThrow(/config\.user/);
    expect(make({ password: 'y'.repeat(21) })).toThrow(/config\.password/);
    expect(make({ cipherSuite: 99, privilege: 'ROOT', timeoutMs: 0 })).toThrow(/cipherSuite.*privilege.*timeoutMs/);
    let refusal: unknown;
    try {
      make({ password: 'leaky-but-too-long-password-here' })();
    } catch (e) {
      refusal = e;
    }
    expect(refusal).toBeInstanceOf(ValidationError);
    expect(JSON.stringify([(refusal as ValidationError).message, (refusal as ValidationError).toJSON()])).not.toContain('leaky');
    expect(make({ host: 'fe80::1' })).not.toThrow();
    expect(make({ host: 'bmc-7.rack.example.' })).not.toThrow();
  });
});
