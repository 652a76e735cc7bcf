/**
 * RackHD's poller alert events (rackhd.md §6: `polleralert.sdr.updated|sel.updated|chassispower.updated|
 * snmp.updated`, routing key `polleralert.<action>.<severity>.<pollerId>.<nodeId>`), decided from two
 * consecutive samples of one poller. A pure function: what changed, not what is (RackHD's alert jobs
 * compared each sample to the cached previous one). Issue 7's alert rules build on these.
 *
 * - sdr: a sensor whose status changed (ok → nc/cr/nr or back); on the first sample, the sensors not ok.
 * - sel (IPMI `sel`, Redfish log services): entries not in the previous sample; none on the first sample,
 *   which only establishes what was already there.
 * - chassis/power: the power state changed, as `{states: {last, current}}` (RackHD's chassispower shape).
 * - snmp: an interface's operStatus changed, or sysUpTime went backwards (the agent restarted).
 */
import type { Severity } from '../events/event-bus.ts';
import type { PollerRecord, PollerSample } from './poller-protocol.ts';

export interface PollerAlert {
  readonly action: 'sdr.updated' | 'sel.updated' | 'chassispower.updated' | 'snmp.updated';
  readonly severity: Severity;
  readonly data: Readonly<Record<string, unknown>>;
}

type Json = Readonly<Record<string, unknown>>;

const asArray = (v: unknown): readonly Json[] => (Array.isArray(v) ? (v.filter((x) => typeof x === 'object' && x !== null) as Json[]) : []);
/** A value as text when it is a string or number; `fallback` otherwise (never "[object Object]"). */
const text = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback);
const asObject = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);

/** ipmitool's status column (ipmitool(1) `sdr`): nc non-critical, cr critical, nr non-recoverable, and the per-threshold forms. */
export function severityOfSensorStatus(status: string): Severity {
  const s = status.toLowerCase();
  if (s === 'ok' || s === 'ns' || s === 'na' || s === 'nd') return 'information';
  if (s === 'nc' || s === 'lnc' || s === 'unc') return 'warning';
  return 'critical';
}

function sdrAlerts(prev: PollerSample | undefined, curr: PollerSample, host: string | undefined): PollerAlert[] {
  const before = new Map(asArray(prev?.['sdr']).map((s) => [text(s['name'], ''), text(s['status'], 'ok')]));
  const out: PollerAlert[] = [];
  for (const sensor of asArray(curr['sdr'])) {
    const name = text(sensor['name'], '');
    const status = text(sensor['status'], 'ok');
    const was = before.get(name);
    const changed = prev === undefined ? severityOfSensorStatus(status) !== 'information' : was !== undefined && was !== status;
    if (!changed) continue;
    out.push({ action: 'sdr.updated', severity: severityOfSensorStatus(status), data: { ...(host === undefined ? {} : { host }), sensor, previousStatus: was ?? null } });
  }
  return out;
}

function entryKey(e: Json): string {
  return text(e['id'] ?? e['Id'] ?? e['@odata.id'], JSON.stringify(e));
}

function newEntries(prev: PollerSample | undefined, curr: PollerSample, key: string): Json[] {
  if (prev === undefined) return [];
  const seen = new Set(asArray(prev[key]).map(entryKey));
  return asArray(curr[key]).filter((e) => !seen.has(entryKey(e)));
}

function powerOf(sample: PollerSample | undefined): string | undefined {
  if (sample === undefined) return undefined;
  const chassis = asObject(sample['chassis']);
  const power = chassis?.['power'] ?? sample['power'];
  return typeof power === 'boolean' ? (power ? 'ON' : 'OFF') : undefined;
}

function snmpAlerts(prev: PollerSample | undefined, curr: PollerSample, host: string | undefined): PollerAlert[] {
  if (prev === undefined) return [];
  const out: PollerAlert[] = [];
  const at = host === undefined ? {} : { host };
  const status = (s: PollerSample) => new Map(asArray(s['interfaces']).map((i) => [String(i['ifIndex']), String(i['ifOperStatus'])]));
  const before = status(prev);
  for (const [index, oper] of status(curr)) {
    const was = before.get(index);
    if (was !== undefined && was !== oper) {
      out.push({ action: 'snmp.updated', severity: oper === 'up' ? 'information' : 'warning', data: { ...at, ifIndex: Number(index), ifOperStatus: { last: was, current: oper } } });
    }
  }
  const uptime = (s: PollerSample) => asObject(s['sysinfo'])?.['sysUpTime'];
  const [u0, u1] = [uptime(prev), uptime(curr)];
  if (typeof u0 === 'number' && typeof u1 === 'number' && u1 < u0) {
    out.push({ action: 'snmp.updated', severity: 'warning', data: { ...at, restarted: true, sysUpTime: { last: u0, current: u1 } } });
  }
  return out;
}

export function pollerAlerts(poller: PollerRecord, prev: PollerSample | undefined, curr: PollerSample): PollerAlert[] {
  const host = typeof curr.host === 'string' ? curr.host : undefined;
  const at = host === undefined ? {} : { host };
  switch (poller.config.command) {
    case 'sdr':
      return sdrAlerts(prev, curr, host);
    case 'sel': {
      const added = newEntries(prev, curr, 'sel');
      return added.length === 0 ? [] : [{ action: 'sel.updated', severity: 'warning', data: { ...at, entries: added } }];
    }
    case 'systems.logservices':
    case 'managers.logservices': {
      const added = newEntries(prev, curr, 'logEntries');
      return added.length === 0 ? [] : [{ action: 'sel.updated', severity: 'warning', data: { ...at, entries: added } }];
    }
    case 'chassis':
    case 'power': {
      const [last, current] = [powerOf(prev), powerOf(curr)];
      return last !== undefined && current !== undefined && last !== current ? [{ action: 'chassispower.updated', severity: 'information', data: { ...at, states: { last, current } } }] : [];
    }
    case 'interfaces':
    case 'sysinfo':
      return snmpAlerts(prev, curr, host);
    default:
      return [];
  }
}
