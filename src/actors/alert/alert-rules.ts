/**
 * Alert rule evaluation: pure functions from what was observed (one poller sample, or one domain event)
 * and the alerts already active to the transitions to make (raise, clear). No I/O, no clock: the engine
 * (alert-engine.ts) keeps the active set, persists it and publishes.
 *
 * An alert is a *condition* with a stable key `<scope>/<rule>/<subject>` (scope: the node, else
 * `poller:<id>`; subject: the sensor, the SEL sensor::event, the state…). A condition that holds while its
 * key is active yields nothing (deduplicated: no event per poll); one that ends yields one clear.
 *
 * Thresholds (sensor readings) use hysteresis: a reading at or past the threshold raises; the alert clears
 * only once the reading is back past threshold ∓ hysteresis, so a reading hovering at the threshold does
 * not flap (the same idea as IPMI's positive/negative-going threshold hysteresis, IPMI 2.0 §36.4).
 */
import type { DomainEvent, Severity } from '../events/event-bus.ts';
import { severityOfSensorStatus } from '../poller/poller-alerts.ts';
import { isPattern, type AlertsConfig, type MatchRule } from './alert-config-schema.ts';

export type AlertKind = 'threshold' | 'sensor-status' | 'sel' | 'chassis-power' | 'node-state' | 'node-inaccessible' | 'workflow-failed';

/** A condition that is (or would be) an active alert. */
export interface AlertCondition {
  readonly key: string;
  /** The node the alert is about; absent for pollers of a bare address (SNMP). */
  readonly nodeId?: string;
  readonly rule: string;
  readonly kind: AlertKind;
  readonly subject: string;
  readonly severity: Severity;
  readonly message: string;
  /** Where it was seen: the poller and its command, for alerts from samples. */
  readonly source?: { readonly pollerId: string; readonly command: string };
  readonly data: Readonly<Record<string, unknown>>;
}

export interface ActiveAlert extends AlertCondition {
  readonly id: string;
  readonly raisedAt: string;
}

export type AlertTransition =
  | { readonly type: 'raise'; readonly condition: AlertCondition }
  | { readonly type: 'clear'; readonly key: string; readonly reason: string; readonly data?: Readonly<Record<string, unknown>> };

/** One poll's result, as the engine is handed it. */
export interface SampleObservation {
  readonly pollerId: string;
  readonly nodeId?: string;
  readonly command: string;
  readonly sample: Readonly<Record<string, unknown>>;
  /** SEL rules in RackHD's shape beside the configured ones: the poller's `config.alerts` and the node's SKU `skuConfig.alerts`. */
  readonly extraSelRules?: readonly MatchRule[];
}

type Json = Readonly<Record<string, unknown>>;
const asObject = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const asArray = (v: unknown): readonly Json[] => (Array.isArray(v) ? v.map(asObject).filter((x): x is Json => x !== undefined) : []);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/** A stable, URL-safe id for a key: FNV-1a 64-bit, hex (the key itself holds spaces and slashes). */
export function alertIdOf(key: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(key)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

export const scopeOf = (nodeId: string | undefined, pollerId: string): string => nodeId ?? `poller:${pollerId}`;
export const keyOf = (scope: string, rule: string, subject: string): string => `${scope}/${rule}/${subject}`;

/** "CPU Temp" matches "CPU Temp"; "/^CPU/" matches as a regular expression (RackHD's convention). */
export function matchesValue(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (isPattern(pattern)) {
    try {
      return new RegExp(pattern.slice(1, -1)).test(value);
    } catch {
      return false;
    }
  }
  return pattern === value;
}

// ---------------------------------------------------------------------------------------------------
// thresholds

/** What a threshold asks of the alert given a reading: raise it, clear it, or leave it as it is. */
export function thresholdVerdict(reading: number, threshold: number, direction: 'above' | 'below', hysteresis: number, active: boolean): 'raise' | 'clear' | 'hold' {
  const crossed = direction === 'above' ? reading >= threshold : reading <= threshold;
  if (crossed) return active ? 'hold' : 'raise';
  if (!active) return 'hold';
  const back = direction === 'above' ? reading < threshold - hysteresis : reading > threshold + hysteresis;
  return back ? 'clear' : 'hold';
}

interface Reading {
  readonly name: string;
  readonly value: number;
  readonly unit?: string;
  readonly thresholds: Readonly<Record<string, number | undefined>>;
}

/** The numeric readings of a sample: IPMI SDR, Redfish Thermal (temperatures, fans) and Power (voltages). */
export function readingsOf(command: string, sample: Json): Reading[] {
  const out: Reading[] = [];
  if (command === 'sdr') {
    for (const s of asArray(sample['sdr'])) {
      const name = str(s['name']);
      const value = num(s['reading']);
      if (name === undefined || value === undefined) continue;
      const unit = str(s['unit']);
      out.push({ name, value, ...(unit === undefined ? {} : { unit }), thresholds: (asObject(s['thresholds']) ?? {}) as Record<string, number> });
    }
  } else if (command === 'chassis.thermal') {
    const thermal = asObject(sample['thermal']) ?? {};
    for (const t of asArray(thermal['temperatures'])) {
      const name = str(t['name']);
      const value = num(t['celsius']);
      if (name !== undefined && value !== undefined) out.push({ name, value, unit: 'degrees C', thresholds: { upperNonCritical: num(t['upperNonCritical']), upperCritical: num(t['upperCritical']) } });
    }
    for (const f of asArray(thermal['fans'])) {
      const name = str(f['name']);
      const value = num(f['rpm']);
      if (name !== undefined && value !== undefined) out.push({ name, value, unit: str(f['units']) ?? 'RPM', thresholds: {} });
    }
  } else if (command === 'chassis.power') {
    for (const v of asArray(asObject(sample['power'])?.['voltages'])) {
      const name = str(v['name']);
      const value = num(v['volts']);
      if (name !== undefined && value !== undefined) out.push({ name, value, unit: 'Volts', thresholds: {} });
    }
  }
  return out;
}

/** The sensor's own thresholds, in the order that names them in alert keys. */
const sdrLevels = [
  ['upperNonRecoverable', 'above', 'nonRecoverable', 'upper non-recoverable'],
  ['upperCritical', 'above', 'critical', 'upper critical'],
  ['upperNonCritical', 'above', 'nonCritical', 'upper non-critical'],
  ['lowerNonCritical', 'below', 'nonCritical', 'lower non-critical'],
  ['lowerCritical', 'below', 'critical', 'lower critical'],
  ['lowerNonRecoverable', 'below', 'nonRecoverable', 'lower non-recoverable'],
] as const;

const fmt = (n: number): string => String(Math.round(n * 1000) / 1000);

function thresholdTransitions(
  out: AlertTransition[],
  base: { scope: string; nodeId: string | undefined; source: { pollerId: string; command: string } },
  active: ReadonlyMap<string, ActiveAlert>,
  r: Reading,
  rule: string,
  label: string,
  threshold: number,
  direction: 'above' | 'below',
  hysteresis: number,
  severity: Severity,
): void {
  const key = keyOf(base.scope, rule, r.name);
  const verdict = thresholdVerdict(r.value, threshold, direction, hysteresis, active.has(key));
  const unit = r.unit === undefined ? '' : ` ${r.unit}`;
  const data = { sensor: r.name, reading: r.value, ...(r.unit === undefined ? {} : { unit: r.unit }), threshold, direction, hysteresis };
  if (verdict === 'raise') {
    out.push({
      type: 'raise',
      condition: {
        key,
        ...(base.nodeId === undefined ? {} : { nodeId: base.nodeId }),
        rule,
        kind: 'threshold',
        subject: r.name,
        severity,
        message: `${r.name} reads ${fmt(r.value)}${unit}, ${direction === 'above' ? 'at or above' : 'at or below'} its ${label} threshold ${fmt(threshold)}${unit}`,
        source: base.source,
        data,
      },
    });
  } else if (verdict === 'clear') {
    const bound = direction === 'above' ? threshold - hysteresis : threshold + hysteresis;
    out.push({ type: 'clear', key, reason: `${r.name} reads ${fmt(r.value)}${unit}, back ${direction === 'above' ? 'below' : 'above'} ${fmt(bound)}${unit} (${label} threshold ${fmt(threshold)} ∓ hysteresis ${fmt(hysteresis)})`, data });
  }
}

// ---------------------------------------------------------------------------------------------------
// SEL

/** RackHD's SEL field names beside ours: `value` was the direction, `logId` the record id. */
const selAliases: Readonly<Record<string, string>> = { value: 'direction', logId: 'id' };

export function selEntryMatches(rule: MatchRule, entry: Json): boolean {
  return Object.entries(rule).every(([field, pattern]) => matchesValue(pattern, str(entry[field] ?? entry[selAliases[field] ?? field])));
}

/** A rule name for a RackHD-shaped rule that has none: stable for the same match object. */
export const rackhdRuleName = (rule: MatchRule): string => `sel.rackhd-${alertIdOf(JSON.stringify(Object.entries(rule).sort())).slice(0, 8)}`;

interface NamedSelRule {
  readonly name: string;
  readonly match: MatchRule;
  readonly severity: Severity;
}

function selTransitions(out: AlertTransition[], config: AlertsConfig, obs: SampleObservation, base: { scope: string; nodeId: string | undefined; source: { pollerId: string; command: string } }, active: ReadonlyMap<string, ActiveAlert>): void {
  const rules: NamedSelRule[] = [
    ...config.sel.map((r) => ({ name: `sel.${r.name}`, match: r.match, severity: r.severity })),
    ...(obs.extraSelRules ?? []).map((match) => ({ name: rackhdRuleName(match), match, severity: config.skuSelSeverity })),
  ];
  if (rules.length === 0) return;
  const raise = (rule: NamedSelRule, subject: string, entry: Json, message: string) => {
    const key = keyOf(base.scope, rule.name, subject);
    if (active.has(key)) return;
    out.push({ type: 'raise', condition: { key, ...(base.nodeId === undefined ? {} : { nodeId: base.nodeId }), rule: rule.name, kind: 'sel', subject, severity: rule.severity, message, source: base.source, data: { entry, match: rule.match } } });
  };
  if (obs.command === 'sel') {
    // RackHD: only the latest entry per sensor::event counts, so an assertion followed by its
    // deassertion (a power unit regaining redundancy) is no alert (ipmi-sel-alert-job.js).
    const latest = new Map<string, Json>();
    for (const e of asArray(obs.sample['sel'])) latest.set(`${str(e['sensor']) ?? ''}::${str(e['event']) ?? ''}`, e);
    for (const [subject, entry] of latest) {
      for (const rule of rules) {
        // The rule is checked without the direction, so that the deasserting entry clears what the asserting one raised.
        const { direction: _d, value: _v, ...withoutDirection } = rule.match;
        if (!selEntryMatches(withoutDirection, entry)) continue;
        const key = keyOf(base.scope, rule.name, subject);
        if (str(entry['direction']) === 'Deasserted') {
          if (active.has(key)) out.push({ type: 'clear', key, reason: `SEL ${subject} deasserted (entry ${str(entry['id']) ?? '?'})`, data: { entry } });
        } else if (selEntryMatches(rule.match, entry)) {
          raise(rule, subject, entry, `SEL: ${str(entry['sensor']) ?? '?'} ${str(entry['event']) ?? ''} asserted${entry['detail'] === undefined ? '' : ` (${str(entry['detail']) ?? ''})`}`);
        }
      }
    }
    return;
  }
  // Redfish log entries have no deassertion: an alert lasts while its entry is in the log.
  const entries = asArray(obs.sample['logEntries']);
  const present = new Set<string>();
  for (const entry of entries) {
    const subject = str(entry['id']) ?? JSON.stringify(entry);
    for (const rule of rules) {
      if (!selEntryMatches(rule.match, entry)) continue;
      present.add(keyOf(base.scope, rule.name, subject));
      raise(rule, subject, entry, `log entry ${subject}: ${str(entry['message']) ?? str(entry['messageId']) ?? ''}`);
    }
  }
  for (const a of active.values()) {
    if (a.kind === 'sel' && a.source?.pollerId === obs.pollerId && !present.has(a.key)) out.push({ type: 'clear', key: a.key, reason: `log entry ${a.subject} is no longer in the log` });
  }
}

// ---------------------------------------------------------------------------------------------------
// samples and events

/** The transitions one poller sample makes; `active` holds the alerts of the sample's scope. */
export function evaluateSample(config: AlertsConfig, obs: SampleObservation, active: ReadonlyMap<string, ActiveAlert>): AlertTransition[] {
  if (!config.enabled) return [];
  const out: AlertTransition[] = [];
  const base = { scope: scopeOf(obs.nodeId, obs.pollerId), nodeId: obs.nodeId, source: { pollerId: obs.pollerId, command: obs.command } };
  for (const r of readingsOf(obs.command, obs.sample)) {
    if (config.sdrThresholds.enabled) {
      for (const [field, direction, level, label] of sdrLevels) {
        const threshold = r.thresholds[field];
        const severity = config.sdrThresholds[level];
        if (threshold === undefined || severity === null) continue;
        const hysteresis = (Math.abs(threshold) * config.sdrThresholds.hysteresisPercent) / 100;
        thresholdTransitions(out, base, active, r, `sensor.${field}`, label, threshold, direction, hysteresis, severity);
      }
    }
    for (const rule of config.thresholds) {
      if (rule.node !== undefined && rule.node !== obs.nodeId) continue;
      if (!matchesValue(rule.sensor, r.name)) continue;
      thresholdTransitions(out, base, active, r, `threshold.${rule.name}`, `"${rule.name}"`, rule.threshold, rule.direction, rule.hysteresis, rule.severity);
    }
  }
  if (obs.command === 'sdr' && config.sensorStatus) {
    for (const s of asArray(obs.sample['sdr'])) {
      const name = str(s['name']);
      const status = str(s['status']);
      // Threshold sensors with a reading are judged by their thresholds above (with hysteresis).
      if (name === undefined || status === undefined || (num(s['reading']) !== undefined && asObject(s['thresholds']) !== undefined)) continue;
      if (['ns', 'na', 'nd'].includes(status.toLowerCase())) continue;
      const key = keyOf(base.scope, 'sensor.status', name);
      const severity = severityOfSensorStatus(status);
      if (severity === 'information') {
        if (active.has(key)) out.push({ type: 'clear', key, reason: `${name} status is ${status} again` });
      } else if (!active.has(key)) {
        out.push({ type: 'raise', condition: { key, ...(obs.nodeId === undefined ? {} : { nodeId: obs.nodeId }), rule: 'sensor.status', kind: 'sensor-status', subject: name, severity, message: `${name} status ${status}${s['text'] === undefined ? '' : ` (${str(s['text']) ?? ''})`}`, source: base.source, data: { sensor: s } } });
      }
    }
  }
  if ((obs.command === 'chassis' || obs.command === 'power') && config.chassisPowerOff !== null) {
    const power = obs.command === 'chassis' ? asObject(obs.sample['chassis'])?.['power'] : obs.sample['power'];
    if (typeof power === 'boolean') {
      const key = keyOf(base.scope, 'chassis.power', 'off');
      if (!power && !active.has(key)) {
        out.push({ type: 'raise', condition: { key, ...(obs.nodeId === undefined ? {} : { nodeId: obs.nodeId }), rule: 'chassis.power', kind: 'chassis-power', subject: 'off', severity: config.chassisPowerOff, message: 'chassis power is off', source: base.source, data: { power: 'OFF' } } });
      } else if (power && active.has(key)) {
        out.push({ type: 'clear', key, reason: 'chassis power is on', data: { power: 'ON' } });
      }
    }
  }
  if (obs.command === 'sel' || obs.command === 'systems.logservices' || obs.command === 'managers.logservices') selTransitions(out, config, obs, base, active);
  return out;
}

/**
 * The transitions one domain event makes; `active` holds the alerts of the event's node. Events this
 * engine publishes (`node.alerts` carrying an `alertId`) are no input.
 */
export function evaluateEvent(config: AlertsConfig, e: DomainEvent, active: ReadonlyMap<string, ActiveAlert>): AlertTransition[] {
  if (!config.enabled) return [];
  const nodeId = e.nodeId ?? str(e.data['nodeId']);
  if (nodeId === undefined) return [];
  const out: AlertTransition[] = [];
  const raise = (rule: string, kind: AlertKind, subject: string, severity: Severity, message: string, data: Json) => {
    const key = keyOf(nodeId, rule, subject);
    if (!active.has(key)) out.push({ type: 'raise', condition: { key, nodeId, rule, kind, subject, severity, message, data } });
  };
  const clear = (rule: string, subject: string, reason: string) => {
    const key = keyOf(nodeId, rule, subject);
    if (active.has(key)) out.push({ type: 'clear', key, reason });
  };
  if (e.type === 'node' && e.action === 'stateChanged') {
    const from = str(e.data['from']);
    const to = str(e.data['to']);
    for (const rule of config.nodeStates) {
      if (to === rule.state) raise('node.state', 'node-state', rule.state, rule.severity, `node entered ${rule.state}${e.data['cause'] === undefined ? '' : ` (${JSON.stringify(e.data['cause'])})`}`, { from, to, cause: e.data['cause'] ?? null });
      else if (from === rule.state) clear('node.state', rule.state, `node left ${rule.state} for ${to ?? '?'}`);
    }
  } else if (e.type === 'node' && (e.action === 'inaccessible' || e.action === 'accessible') && config.inaccessible !== null) {
    const pollerId = str(e.data['pollerId']) ?? 'node';
    if (e.action === 'inaccessible') raise('node.inaccessible', 'node-inaccessible', pollerId, config.inaccessible, `node not reachable by poller ${pollerId}${e.data['error'] === undefined ? '' : `: ${str(e.data['error']) ?? ''}`}`, { pollerId, command: e.data['command'] ?? null });
    else clear('node.inaccessible', pollerId, `poller ${pollerId} reaches the node again`);
  } else if (e.type === 'node' && e.action === 'removed') {
    for (const a of active.values()) if (a.nodeId === nodeId) out.push({ type: 'clear', key: a.key, reason: 'node removed' });
  } else if (e.type === 'graph' && e.action === 'finished' && config.workflowFailed.severity !== null) {
    const graphName = str(e.data['graphName']) ?? 'graph';
    const status = str(e.data['status']) ?? '';
    if ((config.workflowFailed.statuses as readonly string[]).includes(status)) {
      raise('workflow.failed', 'workflow-failed', graphName, config.workflowFailed.severity, `workflow ${graphName} ${status}${e.data['reason'] === undefined ? '' : `: ${str(e.data['reason']) ?? ''}`}`, { graphId: e.data['graphId'] ?? e.typeId, graphName, status, reason: e.data['reason'] ?? null });
    } else if (status === 'succeeded') {
      clear('workflow.failed', graphName, `workflow ${graphName} succeeded (${str(e.data['graphId']) ?? e.typeId})`);
    }
  }
  return out;
}
