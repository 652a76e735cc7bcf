/**
 * The simulated BMC's resources against the DMTF schemas (Redfish-Publications 2025.4, vendored in
 * vendor/dmtf-redfish), and its messages against the Base registry. The schemas are JSON Schema
 * draft-07 with DMTF keywords (readonly, longDescription, enumDescriptions…) that ajv must ignore, and
 * they reference each other by absolute `$id` URLs; collections reference schema versions this copy
 * does not carry, which become permissive stubs (their members validate through the idRef branch).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseMessages } from '../../src/sim/redfish-bmc-messages.ts';
import { RedfishBmc } from '../../src/sim/redfish-bmc.ts';

const redfishDir = fileURLToPath(new URL('../../vendor/dmtf-redfish/', import.meta.url));
const SCHEMA_BASE = 'http://redfish.dmtf.org/schemas/v1/';

function loadAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  ajv.addFormat('date-time', (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)));
  ajv.addFormat('uri-reference', (s: string) => !/\s/.test(s));
  const files = readdirSync(`${redfishDir}json-schema`).filter((f) => f.endsWith('.json'));
  const known = new Set<string>();
  /** Referenced schema URL → the definitions referenced in it. */
  const referenced = new Map<string, Set<string>>();
  for (const file of files) {
    const text = readFileSync(`${redfishDir}json-schema/${file}`, 'utf8');
    const schema = JSON.parse(text) as Record<string, unknown>;
    // Register by file name: odata-v4.json says `$id` odata.v4_0_5.json, but every reference uses the file name.
    delete schema['$schema'];
    schema['$id'] = `${SCHEMA_BASE}${file}`;
    ajv.addSchema(schema);
    known.add(`${SCHEMA_BASE}${file}`);
    for (const m of text.matchAll(/"\$ref": "(http[^"#]+)(?:#\/definitions\/([A-Za-z0-9_]+))?"/g)) {
      if (m[1] === undefined) continue;
      const definitions = referenced.get(m[1]) ?? new Set<string>();
      if (m[2] !== undefined) definitions.add(m[2]);
      referenced.set(m[1], definitions);
    }
  }
  for (const [url, definitions] of referenced) {
    if (!known.has(url)) ajv.addSchema({ $id: url, definitions: Object.fromEntries([...definitions].map((d) => [d, {}])) });
  }
  return ajv;
}

/** `#ComputerSystem.v1_27_0.ComputerSystem` → the versioned schema's ComputerSystem definition. */
function validatorFor(ajv: Ajv, odataType: string): ValidateFunction {
  const m = /^#([A-Za-z]+)\.(?:(v\d+_\d+_\d+)\.)?([A-Za-z]+)$/.exec(odataType);
  if (m === null) throw new Error(`unexpected @odata.type ${odataType}`);
  const [, namespace, version, type] = m;
  const file = version === undefined ? `${namespace}.json` : `${namespace}.${version}.json`;
  const validate = ajv.getSchema(`${SCHEMA_BASE}${file}#/definitions/${type}`);
  if (validate === undefined) throw new Error(`no schema for ${odataType} (${file})`);
  return validate;
}

describe('simulated BMC resources against the DMTF schemas', () => {
  let bmc: RedfishBmc;
  let ajv: Ajv;
  const auth = { Authorization: `Basic ${Buffer.from('admin:password').toString('base64')}` };

  beforeAll(async () => {
    ajv = loadAjv();
    bmc = await RedfishBmc.start({ powerState: 'On' });
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
    '/redfish/v1/SessionService',
    '/redfish/v1/SessionService/Sessions',
  ];

  it.each(resources)('%s validates against the schema its @odata.type names', async (path) => {
    const res = await fetch(`${bmc.url}${path}`, { headers: auth });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    const validate = validatorFor(ajv, String(body['@odata.type']));
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
    expect(validatorFor(ajv, String(session['@odata.type']))(session)).toBe(true);

    const withInfo = await RedfishBmc.start({ resetAllowableVia: 'actionInfo', resetTypes: ['On', 'ForceOff'] });
    try {
      const info = (await (await fetch(`${withInfo.url}/redfish/v1/Systems/1/ResetActionInfo`, { headers: auth })).json()) as Record<string, unknown>;
      expect(validatorFor(ajv, String(info['@odata.type']))(info)).toBe(true);
    } finally {
      await withInfo.close();
    }
  });

  it('the validator is not a rubber stamp: a resource with a wrong property fails', async () => {
    const body = (await (await fetch(`${bmc.url}/redfish/v1/Systems/1`, { headers: auth })).json()) as Record<string, unknown>;
    const validate = validatorFor(ajv, String(body['@odata.type']));
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
    const validateMessage = ajv.getSchema(`${SCHEMA_BASE}Message.v1_3_0.json#/definitions/Message`);
    for (const message of body.error['@Message.ExtendedInfo']) expect(validateMessage?.(message)).toBe(true);

    const registry = JSON.parse(readFileSync(`${redfishDir}registries/Base.1.22.1.json`, 'utf8')) as { Messages: Record<string, { Message: string; MessageSeverity: string; Resolution: string }> };
    for (const [key, entry] of Object.entries(baseMessages)) {
      expect(registry.Messages[key], key).toMatchObject({ Message: entry.message, MessageSeverity: entry.severity, Resolution: entry.resolution });
    }
  });
});
