/**
 * The `alerts` configuration section (issue 7 point 2) as a TypeBox schema, written to drop into
 * src/config/schema.ts as `alerts: AlertsSchema`; until it is there the alert member validates what it is
 * given with `parseAlertsConfig` (same schema, same error form as every other config problem: the field's
 * path, what was expected, what was given).
 *
 * Built-in defaults (no rule configured): a sensor crossing its own SDR thresholds (ipmitool `sdr -v`, or
 * a Redfish Thermal resource's `UpperThreshold*`) raises a warning at non-critical and a critical alert at
 * critical/non-recoverable; a discrete sensor whose status is not ok raises one of the severity ipmitool's
 * status column implies; a node entering `failed` is critical; a node inaccessible to its poller is a
 * warning; a workflow that finished failed or timed out is a warning. SEL rules come from the section, from
 * a poller's `config.alerts` and from the node's SKU (`skuConfig.alerts`), in RackHD's shape (an object of
 * SEL field → exact value or `/regex/`, every field must match: on-tasks lib/jobs/ipmi-sel-alert-job.js).
 */
import { Type } from '@sinclair/typebox';
import type { Static, TLiteral, TSchema, TUnion } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import { ConfigError } from '../../errors.ts';

const closed = { additionalProperties: false } as const;

function oneOf<const T extends [string, ...string[]]>(values: T, options: { default?: T[number]; description: string }) {
  // The cast only restores the tuple type that Array.prototype.map widens away (as in src/config/schema.ts).
  const literals = values.map((v) => Type.Literal(v)) as { [K in keyof T]: TLiteral<T[K]> };
  return Type.Union(literals, options) as TUnion<{ [K in keyof T]: TLiteral<T[K]> }>;
}

function nullable<T extends TSchema>(schema: T, defaultValue: Static<T> | null, description: string) {
  return Type.Union([schema, Type.Null()], { default: defaultValue, description });
}

const severity = (d: 'information' | 'warning' | 'critical', description: string) => oneOf(['information', 'warning', 'critical'], { default: d, description });

const ruleName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'Rule name: part of every alert key it raises (letters, digits, ".", "_", "-"; at most 64).' });

/** A value of a RackHD match object: the exact value, or `/regex/`. */
const MatchObject = Type.Record(Type.String({ minLength: 1, maxLength: 64 }), Type.String({ maxLength: 500 }), {
  minProperties: 1,
  maxProperties: 16,
  description: 'RackHD SEL alert rule: SEL field (sensor, sensorType, sensorNumber, event, direction (RackHD "value"), detail; message/messageId/severity for Redfish log entries) → exact value or "/regex/"; every field must match.',
});

export const ThresholdRuleSchema = Type.Object(
  {
    name: ruleName,
    sensor: Type.String({ minLength: 1, maxLength: 200, description: 'Sensor name as the poller reports it ("CPU Temp"), or "/regex/".' }),
    node: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Only this node id; every node when left out.' })),
    direction: oneOf(['above', 'below'], { default: 'above', description: 'above: raise at reading >= threshold; below: at reading <= threshold.' }),
    threshold: Type.Number({ description: 'In the sensor\'s unit.' }),
    hysteresis: Type.Number({ minimum: 0, default: 0, description: 'The alert clears only once the reading is past threshold − hysteresis (above) or threshold + hysteresis (below).' }),
    severity: severity('warning', 'Severity of the alert.'),
  },
  { ...closed, description: 'A threshold on a sensor reading (IPMI SDR, Redfish Thermal/Power), with hysteresis.' },
);

export const SelRuleSchema = Type.Object(
  {
    name: ruleName,
    match: MatchObject,
    severity: severity('warning', 'Severity of the alert.'),
  },
  { ...closed, description: 'A SEL (or Redfish log) entry rule: asserted entries raise, the matching deasserted entry clears.' },
);

export const NodeStateRuleSchema = Type.Object(
  {
    state: Type.String({ minLength: 1, maxLength: 64, description: 'Lifecycle state (failed, maintenance, …): raised on entering it, cleared on leaving it.' }),
    severity: severity('critical', 'Severity of the alert.'),
  },
  closed,
);

export const AlertsSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Evaluate alert rules on this member.' }),
    sdrThresholds: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: 'Alert on a sensor crossing its own thresholds (SDR, Redfish Thermal).' }),
        hysteresisPercent: Type.Number({ minimum: 0, maximum: 50, default: 2, description: 'Hysteresis as a percentage of the threshold\'s magnitude: 2 clears a 90 °C alert below 88.2 °C.' }),
        nonCritical: nullable(severity('warning', ''), 'warning', 'Severity at a non-critical threshold; null: none.'),
        critical: nullable(severity('critical', ''), 'critical', 'Severity at a critical threshold; null: none.'),
        nonRecoverable: nullable(severity('critical', ''), 'critical', 'Severity at a non-recoverable threshold; null: none.'),
      },
      { ...closed, default: {} },
    ),
    sensorStatus: Type.Boolean({ default: true, description: 'Alert on discrete sensors whose ipmitool status is not ok (nc → warning, cr/nr → critical).' }),
    thresholds: Type.Array(ThresholdRuleSchema, { default: [], maxItems: 500, description: 'Threshold rules of the site.' }),
    sel: Type.Array(SelRuleSchema, { default: [], maxItems: 500, description: 'SEL rules for every node (beside the SKU\'s and the poller\'s).' }),
    skuSelSeverity: severity('warning', 'Severity of alerts raised by SEL rules from SKU packs and poller configs (RackHD published them as warnings).'),
    chassisPowerOff: nullable(severity('warning', ''), null, 'Severity of an alert while the chassis is powered off; null: none (powering off is usually intended).'),
    nodeStates: Type.Array(NodeStateRuleSchema, { default: [{ state: 'failed', severity: 'critical' }], maxItems: 32, description: 'Lifecycle states that are alerts while a node is in them.' }),
    inaccessible: nullable(severity('warning', ''), 'warning', 'Severity while a node\'s poller cannot reach it (node.inaccessible → node.accessible); null: none.'),
    workflowFailed: Type.Object(
      {
        severity: nullable(severity('warning', ''), 'warning', 'Severity of a failed workflow; null: none.'),
        statuses: Type.Array(oneOf(['failed', 'timeout', 'cancelled'], { description: '' }), { default: ['failed', 'timeout'], uniqueItems: true, description: 'graph.finished statuses that raise; the next succeeded run of the same graph on the node clears.' }),
      },
      { ...closed, default: {} },
    ),
  },
  { ...closed, default: {}, description: 'Alert rules over poller data, node states and workflows.' },
);

export type AlertsConfig = Static<typeof AlertsSchema>;
export type ThresholdRule = Static<typeof ThresholdRuleSchema>;
export type SelRule = Static<typeof SelRuleSchema>;
export type MatchRule = Readonly<Record<string, string>>;

const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
const validate = ajv.compile(AlertsSchema);

type Problem = ConstructorParameters<typeof ConfigError>[0][number];

/** `raw` checked and completed with defaults; throws ConfigError naming every bad field (`alerts.thresholds[0].severity`). */
export function parseAlertsConfig(raw: unknown, where = 'alerts'): AlertsConfig {
  const given: unknown = raw === undefined ? {} : structuredClone(raw);
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new ConfigError([{ path: where, expected: 'an object', actual: raw }]);
  // Lists are checked before defaults: Value.Default would replace a non-array by its default.
  const lists = (['thresholds', 'sel', 'nodeStates'] as const).filter((k) => k in given && !Array.isArray((given as Record<string, unknown>)[k]));
  if (lists.length > 0) throw new ConfigError(lists.map((k) => ({ path: `${where}.${k}`, expected: 'an array of rules', actual: (given as Record<string, unknown>)[k] })));
  const doc: unknown = Value.Default(AlertsSchema, given);
  const problems: Problem[] = validate(doc) ? [] : schemaProblems(validate.errors ?? [], doc, where);
  if (problems.length === 0) problems.push(...crossProblems(doc as AlertsConfig, where));
  if (problems.length > 0) throw new ConfigError(problems);
  return doc as AlertsConfig;
}

/** What a schema cannot say: rule names unique per kind, regular expressions that compile. */
function crossProblems(c: AlertsConfig, where: string): Problem[] {
  const problems: Problem[] = [];
  const unique = (list: readonly { name: string }[], kind: string) => {
    const seen = new Set<string>();
    list.forEach((r, i) => {
      if (seen.has(r.name)) problems.push({ path: `${where}.${kind}[${i}].name`, expected: 'a name no other rule of its kind has', actual: r.name });
      seen.add(r.name);
    });
  };
  unique(c.thresholds, 'thresholds');
  unique(c.sel, 'sel');
  c.thresholds.forEach((r, i) => {
    const p = patternProblem(r.sensor);
    if (p !== undefined) problems.push({ path: `${where}.thresholds[${i}].sensor`, expected: `a name or a valid /regex/ (${p})`, actual: r.sensor });
  });
  c.sel.forEach((r, i) => {
    for (const [k, v] of Object.entries(r.match)) {
      const p = patternProblem(v);
      if (p !== undefined) problems.push({ path: `${where}.sel[${i}].match.${k}`, expected: `a value or a valid /regex/ (${p})`, actual: v });
    }
  });
  return problems;
}

/** Why `/…/` does not compile, if it is one that does not. */
export function patternProblem(value: string): string | undefined {
  if (!isPattern(value)) return undefined;
  try {
    new RegExp(value.slice(1, -1));
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export const isPattern = (value: string): boolean => value.length >= 2 && value.startsWith('/') && value.endsWith('/');

function schemaProblems(errors: readonly ErrorObject[], doc: unknown, base: string): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const unions = new Map(errors.filter((e) => e.keyword === 'anyOf').map((e) => [e.instancePath, e]));
  for (const error of errors) {
    const e = unions.get(error.instancePath) ?? error;
    const segments = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const params: Record<string, unknown> = e.params;
    let expected = e.message ?? 'a valid value';
    if (e.keyword === 'additionalProperties') {
      segments.push(String(params['additionalProperty']));
      expected = 'no such field (misspelt?)';
    } else if (e.keyword === 'required') {
      segments.push(String(params['missingProperty']));
      expected = 'a value: the field is required';
    } else if (e.keyword === 'anyOf') {
      const branches = (e.parentSchema as { anyOf?: { const?: unknown; type?: unknown }[] } | undefined)?.anyOf ?? [];
      expected = `one of ${branches.map((b) => (b.const !== undefined ? JSON.stringify(b.const) : b.type === 'null' ? 'null' : `a ${String(b.type)}`)).join(', ')}`;
    } else if (e.keyword === 'type') {
      expected = `a value of type ${String(params['type'])}`;
    }
    let path = base;
    let node: unknown = doc;
    for (const s of segments) {
      path += Array.isArray(node) ? `[${s}]` : `.${s}`;
      node = typeof node === 'object' && node !== null && Object.hasOwn(node, s) ? (node as Record<string, unknown>)[s] : undefined;
    }
    if (seen.has(path)) continue;
    seen.add(path);
    problems.push({ path, expected, actual: node === undefined ? '(missing)' : node });
  }
  return problems;
}
