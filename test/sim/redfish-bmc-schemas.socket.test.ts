/**
 * The simulated BMC's resources against the DMTF schemas (Redfish-Publications 2025.4, vendored in
 * vendor/dmtf-redfish), and its messages against the Base registry. The schemas are JSON Schema
 * draft-07 with DMTF keywords (readonly, longDescription, enumDescriptions…) that ajv must ignore, and
 * they reference each other by absolute `$id` URLs; collections reference schema versions this copy
 * does not carry, which become permissive stubs (their members validate through the idRef branch).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRedfishSchemas, type RedfishSchemaValidator } from '../../src/api/redfish/json-schema-validator.ts';
import { vendoredRegistryDir } from '../../src/api/redfish/vendored.ts';
import { baseMessages } from '../../src/sim/redfish-bmc-messages.ts';
import { RedfishBmc } from '../../src/sim/redfish-bmc.ts';

describe('simulated BMC resources against the DMTF schemas', () => {
  let bmc: RedfishBmc;
  let schemas: RedfishSchemaValidator;
  const auth = { Authorization: `Basic ${Buffer.from('admin:password').toString('base64')}` };

  beforeAll(async () => {
    schemas = loadRedfishSchemas();
    bmc = await RedfishBmc.start({ powerState: 'On' });
    bmc.addLogEntry('manager', { severity: 'OK', message: 'BMC firmware started', messageId: 'Base.1.22.Success' });
  });
  afterAll(async () => bmc?.close());

  const resources = [
    '/redfish/v1/',
    '/redfish/v1/Systems',
    '/redfish/v1/Systems/1',
    '/redfish/v1/Managers',
    '/redfish/v1/Managers/bmc',
    '/redfish/v1/Chassis',
    '/redfish/v1/Chassis/1U',
    '/redfish/v1/Chassis/1U/Thermal',
    '/redfish/v1/Chassis/1U/Power',
    '/redfish/v1/Systems/1/LogServices',
    '/redfish/v1/Systems/1/LogServices/SEL',
    '/redfish/v1/Systems/1/LogServices/SEL/Entries',
    '/redfish/v1/Systems/1/LogServices/SEL/Entries/1',
    '/redfish/v1/Managers/bmc/LogServices',
    '/redfish/v1/Managers/bmc/LogServices/Log',
    '/redfish/v1/Managers/bmc/LogServices/Log/Entries',
    '/redfish/v1/Managers/bmc/LogServices/Log/Entries/1',
    '/redfish/v1/SessionService',
    '/redfish/v1/SessionService/Sessions',
  ];

  it.each(resources)('%s validates against the schema its @odata.type names', async (path) => {
    const res = await fetch(`${bmc.url}${path}`, { headers: auth });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    const validate = schemas.validatorFor(String(body['@odata.type']));
    const ok = validate(body);
    expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('a Session created by login and the ResetActionInfo validate too', async () => {
    const login = await fetch(`${bmc.url}/redfish/v1/SessionService/Sessions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ UserName: 'admin', Password: 'password' }),
    });
    const session = (await login.json()) as Record<string, unknown>;
    expect(schemas.validatorFor(String(session['@odata.type']))(session)).toBe(true);

    const withInfo = await RedfishBmc.start({ resetAllowableVia: 'actionInfo', resetTypes: ['On', 'ForceOff'] });
    try {
      const info = (await (await fetch(`${withInfo.url}/redfish/v1/Systems/1/ResetActionInfo`, { headers: auth })).json()) as Record<string, unknown>;
      expect(schemas.validatorFor(String(info['@odata.type']))(info)).toBe(true);
    } finally {
      await withInfo.close();
    }
  });

  it('the validator is not a rubber stamp: a resource with a wrong property fails', async () => {
    const body = (await (await fetch(`${bmc.url}/redfish/v1/Systems/1`, { headers: auth })).json()) as Record<string, unknown>;
    const validate = schemas.validatorFor(String(body['@odata.type']));
    expect(validate({ ...body, PowerState: 'Sideways' })).toBe(false);
    expect(validate({ ...body, NotAProperty: 1 })).toBe(false);
  });

  it('error bodies carry Messages that validate, with the Base registry\'s own texts', async () => {
    const res = await fetch(`${bmc.url}/redfish/v1/Systems/1/Actions/ComputerSystem.Reset`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ ResetType: 'Explode' }),
    });
    const body = (await res.json()) as { error: { '@Message.ExtendedInfo': unknown[] } };
    const validateMessage = schemas.definition('Message.v1_3_0.json', 'Message');
    for (const message of body.error['@Message.ExtendedInfo']) expect(validateMessage(message)).toBe(true);

    const registry = JSON.parse(readFileSync(`${vendoredRegistryDir}Base.1.22.1.json`, 'utf8')) as { Messages: Record<string, { Message: string; MessageSeverity: string; Resolution: string }> };
    for (const [key, entry] of Object.entries(baseMessages)) {
      expect(registry.Messages[key], key).toMatchObject({ Message: entry.message, MessageSeverity: entry.severity, Resolution: entry.resolution });
    }
  });
});
