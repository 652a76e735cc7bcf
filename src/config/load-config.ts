/**
 * Loads a member's configuration: schema defaults ← each layer in order ← the config file ← MONORAIL_*
 * environment variables (later wins; objects merge field by field, arrays and scalars replace). The
 * merged document is validated as a whole and every problem is reported at once, as a dotted path, what
 * was expected, the actual value and which source set it; derived values are then resolved and the
 * result is deep-frozen so no part of the system can change configuration behind the others' backs.
 *
 * Two entry points, because a module file needs a dynamic import:
 *  - `loadConfig` is synchronous and reads JSON files only;
 *  - `loadConfigAsync` also reads .js/.mjs/.cjs/.ts/.mts/.cts files whose default export is the config
 *    object (.ts files only where a TypeScript loader is active, i.e. under tsx or vitest).
 * `env` is never read implicitly: callers pass `process.env` (clusterConfig does), which keeps tests
 * hermetic.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { Value } from '@sinclair/typebox/value';
import { ConfigError } from '../errors.ts';
import { ConfigSchema } from './schema.ts';
import type { ConfigDocument, MonorailConfig } from './schema.ts';

export interface ConfigSources {
  /** Partial configurations applied in order over the defaults (e.g. cluster.config.ts's `deployment`). */
  readonly layers?: readonly unknown[];
  /** A config file applied over the layers. */
  readonly file?: string;
  /** Environment applied last; only MONORAIL_* variables are read and every one must name a field. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface EnvVar {
  /** e.g. MONORAIL_ACTORS_ASK_TIMEOUT_MS */
  readonly name: string;
  /** e.g. actors.askTimeoutMs */
  readonly path: string;
  readonly description: string;
}

type Problem = ConstructorParameters<typeof ConfigError>[0][number];
type Doc = Record<string, unknown>;
/** Which source last set a field, keyed by its path segments joined with '.'; used to say where a bad value came from. */
type Provenance = Map<string, string>;

/** The subset of JSON Schema the TypeBox schema uses, for walking it without casting at every step. */
interface SchemaNode {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
  readonly anyOf?: readonly SchemaNode[];
  readonly const?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly description?: string;
}

const rootSchema: SchemaNode = ConfigSchema;
const ENV_PREFIX = 'MONORAIL_';
const MODULE_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts']);

// ---------------------------------------------------------------------------------------------------
// Public API

/** Loads the configuration; `file`, if given, must be JSON. Throws ConfigError listing every problem. */
export function loadConfig(sources: ConfigSources = {}): Readonly<MonorailConfig> {
  const file = sources.file === undefined ? undefined : readJsonFile(sources.file);
  return assemble(sources, file);
}

/** As loadConfig, and `file` may also be a JS/TS module whose default export is the config object. */
export async function loadConfigAsync(sources: ConfigSources = {}): Promise<Readonly<MonorailConfig>> {
  if (sources.file === undefined) return assemble(sources, undefined);
  const file = isModuleFile(sources.file) ? await importModuleFile(sources.file) : readJsonFile(sources.file);
  return assemble(sources, file);
}

/** Every environment variable Monorail reads, with the field it sets. */
export function envVars(): readonly EnvVar[] {
  return leaves.map(({ name, path: fieldPath, schema }) => ({ name, path: fieldPath, description: schema.description ?? '' }));
}

/** The names of every environment variable Monorail reads (see envVars for their field paths). */
export function envVarNames(): string[] {
  return leaves.map((leaf) => leaf.name);
}

// ---------------------------------------------------------------------------------------------------
// Assembly

interface FileSource {
  readonly label: string;
  readonly value: unknown;
}

function assemble(sources: ConfigSources, file: FileSource | undefined): Readonly<MonorailConfig> {
  const problems: Problem[] = [];
  const provenance: Provenance = new Map();
  // Value.Create may hand back the schema's own default objects (e.g. the members array); cloning keeps
  // deepFreeze below from freezing the schema.
  const doc = cloneData(Value.Create(ConfigSchema)) as Doc;

  (sources.layers ?? []).forEach((layer, i) => {
    if (layer === undefined) return;
    const label = `layers[${i}]`;
    if (isPlainObject(layer)) mergeInto(doc, layer, [], label, provenance);
    else problems.push({ path: label, expected: 'an object of configuration fields', actual: describeActual(layer) });
  });

  if (file !== undefined) {
    if (isPlainObject(file.value)) mergeInto(doc, file.value, [], file.label, provenance);
    else problems.push({ path: file.label, expected: 'an object of configuration fields at the top level', actual: describeActual(file.value) });
  }

  if (sources.env !== undefined) problems.push(...applyEnv(doc, sources.env, provenance));

  // Objects inside arrays (dhcp.subnets[], their reservations[]) come whole from a layer, file or env;
  // their optional fields get the schema's defaults here, as top-level fields got them from Value.Create.
  Value.Default(ConfigSchema, doc);

  if (!validator()(doc)) {
    problems.push(...schemaProblems(validator().errors ?? [], doc, provenance));
    throw new ConfigError(problems);
  }
  problems.push(...crossFieldProblems(doc, provenance));
  if (problems.length > 0) throw new ConfigError(problems);

  return deepFreeze(resolve(doc));
}

/** Derived values: the ones whose default depends on another field. */
function resolve(doc: ConfigDocument): MonorailConfig {
  return { ...doc, store: { ...doc.store, path: doc.store.path ?? path.join(doc.dataDir, 'store') } };
}

/** Rules that span fields, which the schema cannot say. Only run on a schema-valid document. */
function crossFieldProblems(doc: ConfigDocument, provenance: Provenance): Problem[] {
  const problems: Problem[] = [];
  if (doc.store.kind === 'mongodb' && doc.store.mongodbUrl === null) {
    problems.push(problemAt(['store', 'mongodbUrl'], 'a MongoDB URL because store.kind is "mongodb"', null, doc, provenance));
  }
  const ids = doc.cluster.members.map((m) => m.id);
  ids.forEach((id, i) => {
    if (ids.indexOf(id) !== i) {
      problems.push(problemAt(['cluster', 'members', String(i), 'id'], 'an id no other member uses', id, doc, provenance));
    }
  });
  // Members open each other's sealed BMC credentials (a task runs wherever its workflow's shard lives) and
  // accept each other's login tokens: a key generated per data directory would differ on every member, and
  // the failure would surface later as a credential that "failed authentication". So a cluster says its keys.
  if (doc.cluster.transport === 'amqp') {
    if (doc.secrets.key === null) problems.push(problemAt(['secrets', 'key'], 'the same key on every member because cluster.transport is "amqp" (MONORAIL_SECRETS_KEY)', null, doc, provenance));
    if (doc.auth.enabled && doc.auth.tokenSecret === null) {
      problems.push(problemAt(['auth', 'tokenSecret'], 'the same secret on every member because cluster.transport is "amqp" (MONORAIL_AUTH_TOKEN_SECRET)', null, doc, provenance));
    }
  }
  // A member that is not in the list would own no shards and be unreachable by the others.
  if (ids.length > 0 && !ids.includes(doc.memberId)) {
    problems.push(
      problemAt(['memberId'], `one of the cluster.members ids ${[...new Set(ids)].map((id) => JSON.stringify(id)).join(', ')} (set MONORAIL_MEMBER_ID on each host)`, doc.memberId, doc, provenance),
    );
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// Merging

function mergeInto(target: Doc, source: Doc, prefix: readonly string[], label: string, provenance: Provenance): void {
  for (const [key, value] of Object.entries(source)) {
    // An undefined field in a layer means "not set here", which is what a typed partial object says.
    if (value === undefined) continue;
    const segments = [...prefix, key];
    const current = Object.hasOwn(target, key) ? target[key] : undefined;
    if (isPlainObject(value) && isPlainObject(current)) {
      mergeInto(current, value, segments, label, provenance);
      continue;
    }
    define(target, key, cloneData(value));
    recordSource(provenance, segments, label);
  }
}

function recordSource(provenance: Provenance, segments: readonly string[], label: string): void {
  const key = segments.join('.');
  // A replaced subtree no longer holds what earlier sources put under it.
  for (const existing of [...provenance.keys()]) if (existing.startsWith(`${key}.`)) provenance.delete(existing);
  provenance.set(key, label);
}

/** Copies plain objects and arrays so layers are never frozen or aliased by the result; other values are kept. */
function cloneData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneData);
  if (isPlainObject(value)) {
    const copy: Doc = {};
    for (const [k, v] of Object.entries(value)) define(copy, k, cloneData(v));
    return copy;
  }
  return value;
}

/** Assignment that treats "__proto__" from a JSON file as a field (which validation then rejects), not a prototype. */
function define(target: Doc, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isPlainObject(value: unknown): value is Doc {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------
// Environment variables

interface Leaf {
  readonly name: string;
  readonly segments: readonly string[];
  readonly path: string;
  readonly schema: SchemaNode;
}

/** `askTimeoutMs` → `ASK_TIMEOUT_MS`; the path's segments joined by `_` after the prefix. */
function envNameOf(segments: readonly string[]): string {
  return ENV_PREFIX + segments.map((s) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
}

/** Every field that is not itself an object with properties is a leaf, arrays included (set as JSON). */
function collectLeaves(schema: SchemaNode, segments: readonly string[]): Leaf[] {
  if (schema.type === 'object' && schema.properties !== undefined) {
    return Object.entries(schema.properties).flatMap(([key, child]) => collectLeaves(child, [...segments, key]));
  }
  return [{ name: envNameOf(segments), segments, path: segments.join('.'), schema }];
}

const leaves: readonly Leaf[] = collectLeaves(rootSchema, []);
const leafByName = new Map(leaves.map((leaf) => [leaf.name, leaf]));
if (leafByName.size !== leaves.length) {
  // Two fields such as `fooBar` and `foo.bar` would share MONORAIL_FOO_BAR; the schema must avoid that.
  throw new Error('config schema: two fields map to the same MONORAIL_* environment variable');
}

function applyEnv(doc: Doc, env: NodeJS.ProcessEnv, provenance: Provenance): Problem[] {
  const problems: Problem[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined) continue;
    const leaf = leafByName.get(name);
    if (leaf === undefined) {
      const guess = suggest(name, [...leafByName.keys()]);
      problems.push({
        path: name,
        expected: `a known ${ENV_PREFIX}* variable (${guess === undefined ? 'see envVarNames()' : `did you mean ${guess}?`})`,
        actual: looksSecret([name]) ? '[redacted]' : raw,
      });
      continue;
    }
    setAt(doc, leaf.segments, coerce(raw, leaf.schema));
    recordSource(provenance, leaf.segments, `env ${name}`);
  }
  return problems;
}

function setAt(doc: Doc, segments: readonly string[], value: unknown): void {
  let node = doc;
  for (const key of segments.slice(0, -1)) {
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    if (isPlainObject(next)) node = next;
    else {
      const created: Doc = {};
      define(node, key, created);
      node = created;
    }
  }
  const last = segments.at(-1);
  if (last !== undefined) define(node, last, value);
}

/**
 * Env values are strings; turn them into what the field's type needs. A string that does not fit is
 * left as the string, so validation reports it with the expected type and the value as given.
 */
function coerce(raw: string, schema: SchemaNode): unknown {
  const types = acceptedTypes(schema);
  if (raw === 'null' && types.has('null')) return null;
  if (types.has('integer') || types.has('number')) {
    return /^\s*[+-]?\d+(\.\d+)?([eE][+-]?\d+)?\s*$/.test(raw) ? Number(raw) : raw;
  }
  if (types.has('boolean')) {
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    return raw;
  }
  if (types.has('array') || types.has('object')) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return raw;
    }
  }
  return raw;
}

function acceptedTypes(schema: SchemaNode): Set<string> {
  const types = new Set<string>();
  if (schema.type !== undefined) types.add(schema.type);
  for (const branch of schema.anyOf ?? []) for (const t of acceptedTypes(branch)) types.add(t);
  return types;
}

// ---------------------------------------------------------------------------------------------------
// Validation and problem reporting

let compiled: ValidateFunction<ConfigDocument> | undefined;

/** Compiled on first use so importing this module (e.g. for envVarNames) stays cheap. */
function validator(): ValidateFunction<ConfigDocument> {
  compiled ??= new Ajv({ allErrors: true, strict: true }).compile<ConfigDocument>(ConfigSchema);
  return compiled;
}

function schemaProblems(errors: readonly ErrorObject[], doc: Doc, provenance: Provenance): Problem[] {
  const problems: Problem[] = [];
  const reported = new Set<string>();
  for (const error of errors) {
    const segments = pointerToSegments(error.instancePath);
    const params: Record<string, unknown> = error.params;
    let expected: string;
    if (error.keyword === 'additionalProperties') {
      const field = String(params['additionalProperty']);
      expected = unknownFieldExpected(schemaAt(segments), field);
      segments.push(field);
    } else {
      if (error.keyword === 'required') segments.push(String(params['missingProperty']));
      const node = schemaAt(segments);
      expected = node === undefined ? (error.message ?? 'a valid value') : describeSchema(node);
    }
    // One problem per field: a bad enum value fails every anyOf branch, but it is one mistake.
    const key = segments.join('\0');
    if (reported.has(key)) continue;
    reported.add(key);
    problems.push(problemAt(segments, expected, valueAt(doc, segments), doc, provenance));
  }
  return problems;
}

function problemAt(segments: readonly string[], expected: string, actual: unknown, doc: unknown, provenance: Provenance): Problem {
  const source = sourceOf(segments, provenance);
  return {
    path: displayPath(segments, doc),
    expected: source === undefined ? expected : `${expected} (set by ${source})`,
    actual: looksSecret(segments) ? '[redacted]' : describeActual(actual),
  };
}

function sourceOf(segments: readonly string[], provenance: Provenance): string | undefined {
  for (let n = segments.length; n > 0; n--) {
    const source = provenance.get(segments.slice(0, n).join('.'));
    if (source !== undefined) return source;
  }
  return undefined;
}

/** A configuration error must not print the secret it is complaining about (errors end up in logs). */
function looksSecret(segments: readonly string[]): boolean {
  return segments.some((s) => /secret|passw|token|credential|key$/i.test(s));
}

/** JSON.stringify (used by ConfigError's message) would print functions and undefined as nothing. */
function describeActual(value: unknown): unknown {
  if (value === undefined) return '(missing)';
  if (typeof value === 'function') return '(a function)';
  if (typeof value === 'bigint') return `${value}n`;
  return value;
}

function unknownFieldExpected(parent: SchemaNode | undefined, field: string): string {
  const known = Object.keys(parent?.properties ?? {});
  const guess = suggest(field, known);
  return `one of the known fields ${known.join(', ')}${guess === undefined ? '' : ` (did you mean ${guess}?)`}`;
}

/** What a field accepts, in words: `integer between 0 and 65535`, `one of "embedded", "mongodb"`, `string or null`. */
function describeSchema(schema: SchemaNode): string {
  if (schema.anyOf !== undefined) {
    const consts = schema.anyOf.filter((b) => b.const !== undefined);
    const others = schema.anyOf.filter((b) => b.const === undefined).map(describeSchema);
    const parts = consts.length > 0 ? [`one of ${consts.map((b) => JSON.stringify(b.const)).join(', ')}`, ...others] : others;
    return parts.join(' or ');
  }
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  switch (schema.type) {
    case 'integer':
    case 'number': {
      const { minimum: min, maximum: max } = schema;
      if (min !== undefined && max !== undefined) return `${schema.type} between ${min} and ${max}`;
      if (min !== undefined) return `${schema.type} >= ${min}`;
      if (max !== undefined) return `${schema.type} <= ${max}`;
      return schema.type;
    }
    case 'string':
      return (schema.minLength ?? 0) > 0 ? 'non-empty string' : 'string';
    case 'boolean':
      return 'boolean (true or false)';
    case 'array':
      return schema.items === undefined ? 'array' : `array of ${describeSchema(schema.items)}`;
    case 'object':
      return `object with fields ${Object.keys(schema.properties ?? {}).join(', ')}`;
    case undefined:
      return 'a valid value';
    default:
      return schema.type;
  }
}

function schemaAt(segments: readonly string[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = rootSchema;
  for (const segment of segments) {
    if (node === undefined) return undefined;
    node = childSchema(node, segment);
  }
  return node;
}

function childSchema(node: SchemaNode, segment: string): SchemaNode | undefined {
  if (node.properties !== undefined) return node.properties[segment];
  if (node.items !== undefined) return node.items;
  for (const branch of node.anyOf ?? []) {
    const child = childSchema(branch, segment);
    if (child !== undefined) return child;
  }
  return undefined;
}

function valueAt(doc: unknown, segments: readonly string[]): unknown {
  let node: unknown = doc;
  for (const segment of segments) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Doc)[segment];
  }
  return node;
}

/** JSON pointer (`/cluster/members/0`) to segments, undoing its `~1` and `~0` escapes. */
function pointerToSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** `cluster.members[0].host`: dots between fields, brackets for array indexes. */
function displayPath(segments: readonly string[], doc: unknown): string {
  let shown = '';
  let node: unknown = doc;
  for (const segment of segments) {
    shown += Array.isArray(node) ? `[${segment}]` : shown === '' ? segment : `.${segment}`;
    node = valueAt(node, [segment]);
  }
  return shown;
}

/** The closest candidate within a small edit distance, for "did you mean" hints on typos. */
function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  // Short words tolerate one edit, or every short field would "suggest" every other.
  let bestDistance = (word.length <= 3 ? 1 : Math.max(2, Math.floor(word.length / 3))) + 1;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

// ---------------------------------------------------------------------------------------------------
// Files

function isModuleFile(file: string): boolean {
  return MODULE_EXTENSIONS.has(path.extname(file).toLowerCase());
}

function fileProblem(file: string, expected: string, actual: unknown): ConfigError {
  return new ConfigError([{ path: `config file ${path.resolve(file)}`, expected, actual }]);
}

function readJsonFile(file: string): FileSource {
  if (isModuleFile(file)) {
    throw fileProblem(file, 'a .json file (loadConfigAsync reads .js/.ts modules)', path.extname(file));
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw fileProblem(file, 'a readable file', e instanceof Error ? e.message : String(e));
  }
  try {
    return { label: `file ${path.resolve(file)}`, value: JSON.parse(text) as unknown };
  } catch (e) {
    throw fileProblem(file, 'valid JSON', e instanceof Error ? e.message : String(e));
  }
}

async function importModuleFile(file: string): Promise<FileSource> {
  let loaded: unknown;
  try {
    loaded = await import(pathToFileURL(path.resolve(file)).href);
  } catch (e) {
    throw fileProblem(file, 'an importable module (.ts needs a TypeScript loader such as tsx)', e instanceof Error ? e.message : String(e));
  }
  const value = valueAt(loaded, ['default']);
  if (value === undefined) throw fileProblem(file, 'a module with a default export of configuration fields', '(no default export)');
  return { label: `file ${path.resolve(file)}`, value };
}
