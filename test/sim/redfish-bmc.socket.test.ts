/**
 * The simulated Redfish BMC over real HTTP: authentication as DSP0266 §13 requires, power and boot as
 * its owner sees them, sensor setters, and every kind of bad request answered with a §8.6 error body
 * (never a crash, never a 500).
 */
import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedfishBmc, type PowerEvent } from '../../src/sim/redfish-bmc.ts';
import { seededRandom } from '../support/seeded-random.ts';

const basic = (user = 'admin', password = 'password') => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | undefined;
}

async function call(bmc: RedfishBmc, method: string, path: string, options: { headers?: Record<string, string>; body?: string | object } = {}): Promise<Answer> {
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const res = await fetch(`${bmc.url}${path}`, {
    method,
    headers: { ...basic(), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...options.headers },
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
}

function extended(answer: Answer): { MessageId: string; Message: string; RelatedProperties?: string[] }[] {
  const error = answer.body?.['error'] as { '@Message.ExtendedInfo': { MessageId: string; Message: string }[] } | undefined;
  return error?.['@Message.ExtendedInfo'] ?? [];
}

describe('simulated Redfish BMC', () => {
  let bmc: RedfishBmc;
  beforeEach(async () => {
    bmc = await RedfishBmc.start();
  });
  afterEach(async () => bmc.close());

  describe('authentication', () => {
    it('serves the service root and /redfish without credentials, nothing else', async () => {
      expect((await fetch(`${bmc.url}/redfish`)).status).toBe(200);
      const root = await fetch(`${bmc.url}/redfish/v1/`);
      expect(root.status).toBe(200);
      expect(root.headers.get('odata-version')).toBe('4.0');
      expect(root.headers.get('content-type')).toBe('application/json;charset=utf-8');
      for (const path of ['/redfish/v1/Systems/1', '/redfish/v1/Nowhere', '/redfish/v1/SessionService/Sessions']) {
        const res = await fetch(`${bmc.url}${path}`);
        expect(res.status, path).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
      }
      const wrong = await call(bmc, 'GET', '/redfish/v1/Systems/1', { headers: basic('admin', 'nope') });
      expect(wrong.status).toBe(401);
      expect(extended(wrong)[0]?.MessageId).toBe('Base.1.22.NoValidSession');
    });

    it('logs in with a session: 201, X-Auth-Token and Location; the token works until logout', async () => {
      const login = await fetch(`${bmc.url}/redfish/v1/SessionService/Sessions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ UserName: 'admin', Password: 'password' }),
      });
      expect(login.status).toBe(201);
      const token = login.headers.get('x-auth-token') ?? '';
      const location = login.headers.get('location') ?? '';
      expect(token.length).toBeGreaterThanOrEqual(24);
      expect(location).toMatch(/^\/redfish\/v1\/SessionService\/Sessions\/[0-9a-f]+$/);
      const session = (await login.json()) as Record<string, unknown>;
      expect(session['Password']).toBeNull();
      expect(JSON.stringify(session)).not.toContain(token);

      expect((await fetch(`${bmc.url}/redfish/v1/Systems/1`, { headers: { 'X-Auth-Token': token } })).status).toBe(200);
      expect(bmc.openSessions).toBe(1);
      expect((await fetch(`${bmc.url}${location}`, { method: 'DELETE', headers: { 'X-Auth-Token': token } })).status).toBe(204);
      expect((await fetch(`${bmc.url}/redfish/v1/Systems/1`, { headers: { 'X-Auth-Token': token } })).status).toBe(401);
      expect(bmc.requests().map((r) => r.auth)).toEqual(['none', 'session', 'session', 'none']);
    });

    it('refuses a login with wrong or missing credentials without saying which part was wrong', async () => {
      const noSession = { headers: { Authorization: '' } };
      const wrongUser = await call(bmc, 'POST', '/redfish/v1/SessionService/Sessions', { ...noSession, body: { UserName: 'root', Password: 'password' } });
      const wrongPassword = await call(bmc, 'POST', '/redfish/v1/SessionService/Sessions', { ...noSession, body: { UserName: 'admin', Password: 'x' } });
      expect(wrongUser.status).toBe(401);
      expect(wrongPassword.body).toEqual(wrongUser.body);
      const missing = await call(bmc, 'POST', '/redfish/v1/SessionService/Sessions', { ...noSession, body: { UserName: 'admin' } });
      expect(missing.status).toBe(400);
      expect(extended(missing)[0]).toMatchObject({ MessageId: 'Base.1.22.CreateFailedMissingReqProperties', RelatedProperties: ['/Password'] });
    });
  });

  describe('power and boot, as the owner sees them', () => {
    it('resets with allowed ResetTypes, telling listeners where the machine boots', async () => {
      const events: PowerEvent[] = [];
      const stop = bmc.onPower((e) => events.push(e));
      expect(bmc.powerState).toBe('Off');
      const patched = await call(bmc, 'PATCH', '/redfish/v1/Systems/1', { body: { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } } });
      expect(patched.status).toBe(200);
      expect(patched.body?.['Boot']).toMatchObject({ BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' });

      expect((await call(bmc, 'POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { body: { ResetType: 'On' } })).status).toBe(200);
      expect(bmc.powerState).toBe('On');
      // Once is used up by that boot: the restart goes to the default device.
      expect(bmc.boot.enabled).toBe('Disabled');
      await call(bmc, 'POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { body: { ResetType: 'ForceRestart' } });
      await call(bmc, 'POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { body: { ResetType: 'ForceOff' } });
      stop();
      await call(bmc, 'POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { body: { ResetType: 'On' } });
      expect(events).toEqual([
        { kind: 'on', resetType: 'On', bootTarget: 'Pxe', powerState: 'On' },
        { kind: 'restart', resetType: 'ForceRestart', bootTarget: 'None', powerState: 'On' },
        { kind: 'off', resetType: 'ForceOff', powerState: 'Off' },
      ]);
      const system = await call(bmc, 'GET', '/redfish/v1/Systems/1');
      expect(system.body?.['PowerState']).toBe('On');
    });

    it('a continuous override survives boots; the machine can power itself off', async () => {
      await call(bmc, 'PATCH', '/redfish/v1/Systems/1', { body: { Boot: { BootSourceOverrideTarget: 'Hdd', BootSourceOverrideEnabled: 'Continuous' } } });
      const targets: (string | undefined)[] = [];
      bmc.onPower((e) => targets.push(e.bootTarget));
      await call(bmc, 'POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { body: { ResetType: 'PowerCycle' } });
      await call(bmc, 'POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { body: { ResetType: 'GracefulRestart' } });
      bmc.setPowerState('Off');
      expect(targets).toEqual(['Hdd', 'Hdd', undefined]);
      expect((await call(bmc, 'GET', '/redfish/v1/Systems/1')).body?.['PowerState']).toBe('Off');
    });

    it('lights the identify LED through LocationIndicatorActive', async () => {
      await call(bmc, 'PATCH', '/redfish/v1/Systems/1', { body: { LocationIndicatorActive: true } });
      expect(bmc.identifyLit).toBe(true);
    });

    it('reports sensor readings its owner sets, with health from the thresholds', async () => {
      bmc.setTemperature('CPU1 Temp', 93);
      bmc.setFanRpm('FAN1', 1200);
      bmc.setVoltage('P12V', 11.4);
      bmc.setPowerConsumedWatts(412);
      const thermal = await call(bmc, 'GET', '/redfish/v1/Chassis/1U/Thermal');
      expect(thermal.body?.['Temperatures']).toContainEqual(expect.objectContaining({ Name: 'CPU1 Temp', ReadingCelsius: 93, Status: { State: 'Enabled', Health: 'Critical' } }));
      expect(thermal.body?.['Fans']).toContainEqual(expect.objectContaining({ Name: 'FAN1', Reading: 1200, ReadingUnits: 'RPM' }));
      const power = await call(bmc, 'GET', '/redfish/v1/Chassis/1U/Power');
      expect(power.body?.['Voltages']).toContainEqual(expect.objectContaining({ Name: 'P12V', ReadingVolts: 11.4 }));
      expect((power.body?.['PowerControl'] as { PowerConsumedWatts: number }[])[0]?.PowerConsumedWatts).toBe(412);
      expect(() => bmc.setTemperature('GPU Temp', 1)).toThrow(/no sensor named "GPU Temp"/);
    });

    it('honours If-Match on the System (412 on a stale ETag)', async () => {
      const first = await call(bmc, 'GET', '/redfish/v1/Systems/1');
      const etag = first.headers.get('etag') ?? '';
      expect(etag).toMatch(/^W\/"/);
      expect((await call(bmc, 'PATCH', '/redfish/v1/Systems/1', { headers: { 'If-Match': etag }, body: { LocationIndicatorActive: true } })).status).toBe(200);
      const stale = await call(bmc, 'PATCH', '/redfish/v1/Systems/1', { headers: { 'If-Match': etag }, body: { LocationIndicatorActive: false } });
      expect(stale.status).toBe(412);
      expect(extended(stale)[0]?.MessageId).toBe('Base.1.22.PreconditionFailed');
      expect(bmc.identifyLit).toBe(true);
    });
  });

  describe('bad requests', () => {
    const reset = '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset';

    it('a ResetType outside the allowable values is a 400 naming value, parameter and action', async () => {
      const answer = await call(bmc, 'POST', reset, { body: { ResetType: 'Explode' } });
      expect(answer.status).toBe(400);
      const error = answer.body?.['error'] as { code: string; message: string };
      expect(error.code).toBe('Base.1.22.ActionParameterValueNotInList');
      expect(error.message).toBe("The value 'Explode' for the parameter ResetType in the action ComputerSystem.Reset is not in the list of acceptable values.");
      expect(extended(answer)[0]?.RelatedProperties).toEqual(['/ResetType']);
      expect(bmc.powerState).toBe('Off');
    });

    it('a ResetType the service supports in general but this BMC does not allow is refused too', async () => {
      const narrow = await RedfishBmc.start({ resetTypes: ['On', 'ForceOff'] });
      try {
        const answer = await call(narrow, 'POST', reset, { body: { ResetType: 'PowerCycle' } });
        expect(answer.status).toBe(400);
        expect(extended(answer)[0]?.MessageId).toBe('Base.1.22.ActionParameterValueNotInList');
      } finally {
        await narrow.close();
      }
    });

    it.each([
      ['missing ResetType', {}, 'ActionParameterMissing'],
      ['empty body', '', 'ActionParameterMissing'],
      ['ResetType not a string', { ResetType: 7 }, 'ActionParameterValueTypeError'],
      ['unknown parameter', { ResetType: 'On', Force: true }, 'ActionParameterUnknown'],
      ['garbage', '{"ResetType": "On"', 'MalformedJSON'],
      ['not JSON at all', 'ResetType=On', 'MalformedJSON'],
      ['an array', '["On"]', 'GeneralError'],
      ['null', 'null', 'GeneralError'],
    ] as const)('%s is a 400 %s', async (_name, body, messageKey) => {
      const answer = await call(bmc, 'POST', reset, { body: body });
      expect(answer.status).toBe(400);
      expect(extended(answer)[0]?.MessageId).toBe(`Base.1.22.${messageKey}`);
      expect(bmc.powerState).toBe('Off');
    });

    it('PATCH refuses unknown, read-only and out-of-list properties, changing nothing', async () => {
      const answer = await call(bmc, 'PATCH', '/redfish/v1/Systems/1', {
        body: { PowerState: 'On', Colour: 'blue', Boot: { BootSourceOverrideTarget: 'Floppy', Speed: 3 }, LocationIndicatorActive: 'yes' },
      });
      expect(answer.status).toBe(400);
      expect(extended(answer).map((m) => m.MessageId.replace('Base.1.22.', ''))).toEqual([
        'PropertyNotWritable',
        'PropertyUnknown',
        'PropertyValueNotInList',
        'PropertyUnknown',
        'PropertyValueTypeError',
      ]);
      expect(bmc.boot.target).toBe('None');
      expect(bmc.identifyLit).toBe(false);
      expect((await call(bmc, 'PATCH', '/redfish/v1/Systems/1', { body: {} })).status).toBe(400);
    });

    it('a wrong method is a 405 with Allow; an unknown path a 404 naming it', async () => {
      const wrong = await call(bmc, 'DELETE', '/redfish/v1/Systems/1');
      expect(wrong.status).toBe(405);
      expect(wrong.headers.get('allow')).toBe('GET, HEAD, PATCH');
      expect(extended(wrong)[0]?.MessageId).toBe('Base.1.22.OperationNotAllowed');
      expect((await call(bmc, 'GET', reset)).status).toBe(405);
      const missing = await call(bmc, 'GET', '/redfish/v1/Systems/2');
      expect(missing.status).toBe(404);
      expect(extended(missing)[0]?.Message).toBe("The resource at the URI '/redfish/v1/Systems/2' was not found.");
    });

    it('an oversized body is refused with 413', async () => {
      const answer = await call(bmc, 'POST', reset, { body: JSON.stringify({ ResetType: 'On', pad: 'x'.repeat(100_000) }) });
      expect(answer.status).toBe(413);
      expect(bmc.powerState).toBe('Off');
    });

    it('seeded random bodies and paths get 4xx answers, never a 500 or a dropped connection', async () => {
      const rnd = seededRandom(20261125);
      const paths = ['/redfish/v1/Systems/1', reset, '/redfish/v1/SessionService/Sessions', '/redfish/v1/Managers/bmc/Actions/Manager.Reset', '/redfish/v1/%ZZ', '/redfish/v1/Systems/1/../../..'];
      const methods = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];
      const alphabet = '{}[]":,0123456789abcdeftrunlResetTypeBootOn \\\u00e9\u0000';
      for (let i = 0; i < 150; i++) {
        let body = '';
        const length = Math.floor(rnd() * 80);
        for (let j = 0; j < length; j++) body += alphabet[Math.floor(rnd() * alphabet.length)];
        const method = methods[Math.floor(rnd() * methods.length)] ?? 'GET';
        const path = paths[Math.floor(rnd() * paths.length)] ?? '/';
        const status = await rawRequest(bmc, method, path, method === 'GET' ? '' : body);
        expect(status, `${method} ${path} ${JSON.stringify(body)}`).toBeLessThan(500);
        expect(status).toBeGreaterThanOrEqual(200);
      }
    });
  });

  it('close() frees the port and ends open connections', async () => {
    const other = await RedfishBmc.start();
    const url = other.url;
    await fetch(`${url}/redfish/v1/`); // leaves a keep-alive connection open
    await other.close();
    await expect(fetch(`${url}/redfish/v1/`)).rejects.toThrow();
  });
});

/** A request through node:http, so bodies and paths fetch would normalise go out as they are. */
function rawRequest(bmc: RedfishBmc, method: string, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${bmc.url}${path}`, { method, headers: { ...basic(), 'Content-Type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}
