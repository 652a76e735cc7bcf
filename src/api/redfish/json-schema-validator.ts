/**
 * Validates Redfish JSON against the vendored DMTF schemas (DSP8010), by the schema its `@odata.type`
 * names. The schemas are JSON Schema draft-07 with DMTF keywords (readonly, longDescription,
 * enumDescriptions…) that ajv must ignore, and reference each other by absolute `$id` URLs; a few referenced
 * schema versions are not in the vendored set and become permissive stubs (their members then validate
 * through the idRef branch). Used by the tests of Monorail's service and of the simulated BMC.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { DMTF_SCHEMA_BASE, vendoredSchemaDir } from './vendored.ts';

export interface RedfishSchemaValidator {
  readonly ajv: Ajv;
  /** `#ComputerSystem.v1_27_0.ComputerSystem` → the versioned schema's ComputerSystem definition. */
  validatorFor(odataType: string): ValidateFunction;
  /** A definition by file and name: (`Message.v1_3_0.json`, `Message`). */
  definition(file: string, name: string): ValidateFunction;
}

export function loadRedfishSchemas(): RedfishSchemaValidator {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  ajv.addFormat('date-time', (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)));
  ajv.addFormat('uri-reference', (s: string) => !/\s/.test(s));
  ajv.addFormat('uri', (s: string) => /^[A-Za-z][A-Za-z0-9+.-]*:\S*$/.test(s));
  const files = readdirSync(vendoredSchemaDir).filter((f) => f.endsWith('.json'));
  const known = new Set<string>();
  /** Referenced schema URL → the definitions referenced in it. */
  const referenced = new Map<string, Set<string>>();
  for (const file of files) {
    const text = readFileSync(`${vendoredSchemaDir}${file}`, 'utf8');
    const schema = JSON.parse(text) as Record<string, unknown>;
    // Registered by file name: odata-v4.json says `$id` odata.v4_0_5.json, but every reference uses the file name.
    delete schema['$schema'];
    schema['$id'] = `${DMTF_SCHEMA_BASE}${file}`;
    ajv.addSchema(schema);
    known.add(`${DMTF_SCHEMA_BASE}${file}`);
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
  const definition = (file: string, name: string): ValidateFunction => {
    const validate = ajv.getSchema(`${DMTF_SCHEMA_BASE}${file}#/definitions/${name}`);
    if (validate === undefined) throw new Error(`no schema definition ${name} in ${file}`);
    return validate;
  };
  return {
    ajv,
    definition,
    validatorFor(odataType) {
      const m = /^#([A-Za-z0-9]+)\.(?:(v\d+_\d+_\d+)\.)?([A-Za-z0-9]+)$/.exec(odataType);
      if (m === null) throw new Error(`unexpected @odata.type ${odataType}`);
      const [, namespace, version, type] = m;
      return definition(version === undefined ? `${namespace}.json` : `${namespace}.${version}.json`, type ?? '');
    },
  };
}
