/**
 * The vendored DMTF JSON schemas (DSP8010) as Monorail publishes them: one JsonSchemaFile per namespace,
 * the newest version of each, and `@odata.type` values built from the same table, so every resource names
 * a schema version the service also serves (and a test validates against). DSP0266 §8.2: the `Link: <…>;
 * rel=describedby` header of a GET names the versioned schema of its `@odata.type`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { DMTF_SCHEMA_BASE, vendoredSchemaDir } from './vendored.ts';
import { ROOT } from './paths.ts';

export interface SchemaNamespace {
  readonly namespace: string;
  /** `ComputerSystem.json` */
  readonly unversioned: string;
  /** `v1_27_0`, when a versioned file is vendored (collections and common types have none). */
  readonly version?: string;
  /** `ComputerSystem.v1_27_0.json` */
  readonly versioned?: string;
}

let table: ReadonlyMap<string, SchemaNamespace> | undefined;

export function schemaNamespaces(): ReadonlyMap<string, SchemaNamespace> {
  if (table !== undefined) return table;
  const files = readdirSync(vendoredSchemaDir).filter((f) => f.endsWith('.json'));
  const out = new Map<string, { namespace: string; unversioned: string; version?: string; versioned?: string }>();
  for (const file of files.sort()) {
    const m = /^([A-Za-z0-9]+)(?:\.(v\d+_\d+_\d+))?\.json$/.exec(file);
    if (m?.[1] === undefined) continue;
    const namespace = m[1];
    const entry = out.get(namespace) ?? { namespace, unversioned: `${namespace}.json` };
    if (m[2] !== undefined && (entry.version === undefined || newer(m[2], entry.version))) {
      entry.version = m[2];
      entry.versioned = file;
    }
    out.set(namespace, entry);
  }
  table = out;
  return out;
}

function newer(a: string, b: string): boolean {
  const pa = a.slice(1).split('_').map(Number);
  const pb = b.slice(1).split('_').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) > (pb[i] ?? 0);
  return false;
}

/** `#ComputerSystem.v1_27_0.ComputerSystem`, or `#ComputerSystemCollection.ComputerSystemCollection` for an unversioned namespace. */
export function odataType(namespace: string, type: string = namespace): string {
  const ns = schemaNamespaces().get(namespace);
  if (ns === undefined) throw new Error(`no vendored schema for ${namespace}`);
  return ns.version === undefined ? `#${namespace}.${type}` : `#${namespace}.${ns.version}.${type}`;
}

/** The schema file an `@odata.type` names: `ComputerSystem.v1_27_0.json` (or the unversioned one). */
export function schemaFileOf(type: string): string | undefined {
  const m = /^#([A-Za-z0-9]+)\.(?:(v\d+_\d+_\d+)\.)?[A-Za-z0-9]+$/.exec(type);
  if (m?.[1] === undefined) return undefined;
  const ns = schemaNamespaces().get(m[1]);
  if (ns === undefined) return undefined;
  return m[2] === undefined ? ns.unversioned : `${m[1]}.${m[2]}.json`;
}

/** Where this service serves a schema file: `/redfish/v1/JsonSchemas/ComputerSystem/ComputerSystem.v1_27_0.json`. */
export const localSchemaUri = (namespace: string, file: string): string => `${ROOT}/JsonSchemas/${namespace}/${file}`;
export const publicationUri = (file: string): string => `${DMTF_SCHEMA_BASE}${file}`;

/** The `Link` header value for a resource of `type` (DSP0266 §8.2.1). */
export function describedBy(type: string): string | undefined {
  const file = schemaFileOf(type);
  if (file === undefined) return undefined;
  return `<${localSchemaUri(file.split('.')[0] ?? '', file)}>; rel=describedby`;
}

/** A vendored schema file's text, or undefined when the name is not one of them (no path tricks: names are checked). */
export function readSchemaFile(namespace: string, file: string): string | undefined {
  const ns = schemaNamespaces().get(namespace);
  if (ns === undefined || (file !== ns.unversioned && file !== ns.versioned)) return undefined;
  return readFileSync(`${vendoredSchemaDir}${file}`, 'utf8');
}

const propertyCache = new Map<string, ReadonlySet<string>>();

/**
 * The properties the schema of `namespace` defines for its resource (the newest vendored version): what a
 * PATCH may name at all. A property in this set that the route does not change is read-only
 * (PropertyNotWritable); one outside it is unknown (PropertyUnknown), DSP0266 §7.9.
 */
export function schemaProperties(namespace: string, type: string = namespace): ReadonlySet<string> {
  const key = `${namespace}.${type}`;
  const cached = propertyCache.get(key);
  if (cached !== undefined) return cached;
  const ns = schemaNamespaces().get(namespace);
  const file = ns?.versioned ?? ns?.unversioned;
  if (file === undefined) throw new Error(`no vendored schema for ${namespace}`);
  const doc = JSON.parse(readFileSync(`${vendoredSchemaDir}${file}`, 'utf8')) as { definitions?: Record<string, { properties?: Record<string, unknown> }> };
  const names = new Set(Object.keys(doc.definitions?.[type]?.properties ?? {}));
  propertyCache.set(key, names);
  return names;
}
