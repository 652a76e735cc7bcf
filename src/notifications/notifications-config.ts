/**
 * Checks a `notifications` section and gives it back typed, defaults filled in, or throws one ConfigError
 * naming every problem by its path (`notifications.channels[1].port`). Each channel is checked against
 * the schema of its own `kind`, not against the union of all kinds: a union's errors are one per kind
 * and say nothing useful ("must match a schema in anyOf"); a channel with a known kind gets the errors
 * of that kind only. Then what a schema cannot say: channel names unique, rules naming channels that
 * exist, and filters that compile and are safe to run on every event (the hooks API's own check).
 */
import { Value } from '@sinclair/typebox/value';
import { Type, type TSchema } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { ConfigError } from '../errors.ts';
import { filterProblems } from '../events/hook-filter.ts';
import { isSecretField } from '../logging/logger.ts';
import { channelSchemas, NotificationsSchema, type ChannelConfig, type ChannelKind, type NotificationsOptions } from './notifications-schema.ts';

type Problem = ConstructorParameters<typeof ConfigError>[0][number];

const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
const compiled = new Map<TSchema, ValidateFunction>();

function validatorOf(schema: TSchema): ValidateFunction {
  let v = compiled.get(schema);
  if (v === undefined) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const kinds = Object.keys(channelSchemas) as ChannelKind[];

/** The section's settings other than channels, checked with the channels left out. */
const SectionWithoutChannels = Type.Object({ ...NotificationsSchema.properties, channels: Type.Array(Type.Unknown(), { default: [] }) }, { additionalProperties: false });

/**
 * `raw` checked and completed with defaults; throws ConfigError listing every problem. `where` is the
 * path the problems are reported under.
 */
export function parseNotificationsConfig(raw: unknown, where = 'notifications'): NotificationsOptions {
  const problems: Problem[] = [];
  if (!isObject(raw)) throw new ConfigError([{ path: where, expected: 'an object with channels and rules', actual: describe(raw) }]);
  const doc = structuredClone(raw);
  const channelsRaw = doc['channels'] ?? [];
  // Checked before defaults are applied: TypeBox's Value.Default replaces a non-array with the default [].
  if (!Array.isArray(channelsRaw)) problems.push({ path: `${where}.channels`, expected: 'an array of channels', actual: describe(channelsRaw) });
  else doc['channels'] = channelsRaw.map((c, i) => checkChannel(c, `${where}.channels[${i}]`, problems));
  if (doc['rules'] !== undefined && !Array.isArray(doc['rules'])) problems.push({ path: `${where}.rules`, expected: 'an array of rules', actual: describe(doc['rules']) });
  else Value.Default(SectionWithoutChannels, doc);
  if (!validatorOf(SectionWithoutChannels)(doc)) problems.push(...schemaProblems(validatorOf(SectionWithoutChannels).errors ?? [], doc, where));
  if (problems.length > 0) throw new ConfigError(problems);

  const options = doc as unknown as NotificationsOptions;
  problems.push(...crossProblems(options, where));
  if (problems.length > 0) throw new ConfigError(problems);
  return options;
}

function checkChannel(raw: unknown, path: string, problems: Problem[]): unknown {
  if (!isObject(raw)) {
    problems.push({ path, expected: `a channel object with a kind (${kinds.join(', ')})`, actual: describe(raw) });
    return raw;
  }
  const kind = raw['kind'];
  if (typeof kind !== 'string' || !(kinds as string[]).includes(kind)) {
    problems.push({ path: `${path}.kind`, expected: `one of ${kinds.map((k) => JSON.stringify(k)).join(', ')}`, actual: describe(kind) });
    return raw;
  }
  const schema = channelSchemas[kind as ChannelKind];
  const channel = structuredClone(raw);
  Value.Default(schema, channel);
  const validate = validatorOf(schema);
  if (!validate(channel)) problems.push(...schemaProblems(validate.errors ?? [], channel, path));
  return channel;
}

function crossProblems(options: NotificationsOptions, where: string): Problem[] {
  const problems: Problem[] = [];
  const names = new Set<string>();
  options.channels.forEach((c: ChannelConfig, i) => {
    if (names.has(c.name)) problems.push({ path: `${where}.channels[${i}].name`, expected: 'a name no other channel has', actual: c.name });
    names.add(c.name);
    if (c.kind === 'email' && (c.username === null) !== (c.password === null)) {
      problems.push({ path: `${where}.channels[${i}].${c.username === null ? 'username' : 'password'}`, expected: 'set together with ' + (c.username === null ? 'password' : 'username'), actual: '(missing)' });
    }
  });
  options.rules.forEach((rule, i) => {
    rule.channels.forEach((name, j) => {
      if (!names.has(name)) problems.push({ path: `${where}.rules[${i}].channels[${j}]`, expected: `the name of a configured channel (${[...names].join(', ') || 'none configured'})`, actual: name });
    });
    for (const p of filterProblems(rule.filters, `${where}.rules[${i}].filters`)) {
      problems.push({ path: p.path, expected: `a filter the hooks API accepts (${p.message.slice(p.path.length + 1)})`, actual: describe(valueAtPath(rule.filters, p.path.slice(`${where}.rules[${i}].filters`.length))) });
    }
  });
  return problems;
}

function schemaProblems(errors: readonly ErrorObject[], doc: unknown, base: string): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  // A union of literals fails each branch (`const`) and then itself (`anyOf`): the union's error says it best.
  const unions = new Map(errors.filter((e) => e.keyword === 'anyOf').map((e) => [e.instancePath, e]));
  for (const error of errors) {
    const e = unions.get(error.instancePath) ?? error;
    const segments = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    let expected = e.message ?? 'a valid value';
    const params: Record<string, unknown> = e.params;
    if (e.keyword === 'additionalProperties') {
      segments.push(String(params['additionalProperty']));
      expected = 'no such field (misspelt?)';
    } else if (e.keyword === 'required') {
      segments.push(String(params['missingProperty']));
      expected = 'a value: the field is required';
    } else if (e.keyword === 'pattern') {
      expected = `a string matching ${String(params['pattern'])}`;
    } else if (e.keyword === 'minimum' || e.keyword === 'maximum') {
      expected = `a number ${String(params['comparison'])} ${String(params['limit'])}`;
    } else if (e.keyword === 'minLength' || e.keyword === 'maxLength') {
      expected = `a string of at ${e.keyword === 'minLength' ? 'least' : 'most'} ${String(params['limit'])} characters`;
    } else if (e.keyword === 'minItems' || e.keyword === 'maxItems') {
      expected = `a list of at ${e.keyword === 'minItems' ? 'least' : 'most'} ${String(params['limit'])} items`;
    } else if (e.keyword === 'type') {
      expected = `a value of type ${String(params['type'])}`;
    } else if (e.keyword === 'anyOf') {
      const branches = (e.parentSchema as { anyOf?: { const?: unknown; type?: unknown }[] } | undefined)?.anyOf ?? [];
      const allowed = branches.map((b) => (b.const !== undefined ? JSON.stringify(b.const) : b.type === 'null' ? 'null' : `a ${String(b.type)}`));
      expected = `one of ${allowed.join(', ')}`;
    }
    const path = displayPath(base, segments, doc);
    if (seen.has(path)) continue;
    seen.add(path);
    const last = segments[segments.length - 1];
    const actual = last !== undefined && isSecretField(last) ? '[redacted]' : describe(valueAtSegments(doc, segments));
    problems.push({ path, expected, actual });
  }
  return problems;
}

function displayPath(base: string, segments: readonly string[], doc: unknown): string {
  let shown = base;
  let node: unknown = doc;
  for (const s of segments) {
    shown += Array.isArray(node) ? `[${s}]` : `.${s}`;
    node = valueAtSegments(node, [s]);
  }
  return shown;
}

function valueAtSegments(doc: unknown, segments: readonly string[]): unknown {
  let v = doc;
  for (const s of segments) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, s)) return undefined;
    v = (v as Record<string, unknown>)[s];
  }
  return v;
}

/** `.0.key` (filter-problem paths below a rule's filters) → the value there. */
function valueAtPath(filters: unknown, dotted: string): unknown {
  const [index, ...key] = dotted.split('.').slice(1);
  if (index === undefined) return filters;
  const filter = valueAtSegments(filters, [index]);
  return key.length === 0 ? filter : valueAtSegments(filter, [key.join('.')]);
}

function describe(v: unknown): unknown {
  return v === undefined ? '(missing)' : v;
}
