/**
 * Redfish polls of a BMC (DSP0266), read-only GETs with HTTP Basic authentication (§13.2.2; a poll every
 * minute does not need a session, and Basic leaves nothing open on the BMC between polls): the Chassis'
 * Thermal and Power resources (DSP0268 Thermal/Power schemas: Temperatures, Fans, PowerControl, Voltages)
 * and the entries of the System's or Manager's LogServices (LogEntry: the SEL of a Redfish BMC). Links are
 * followed through `@odata.id` only on the BMC's own origin (src/obm/redfish-http.ts).
 */
import type { RedfishObmConfig } from '../actors/obm/obm-port.ts';
import { validateRedfishConfig } from '../obm/redfish-obm-service.ts';
import { HttpFailure, httpTarget, requestJson, type HttpTarget } from '../obm/redfish-http.ts';

type Json = Record<string, unknown>;

export interface RedfishPollOptions {
  readonly signal: AbortSignal;
  /** The newest entries kept per log service; 50 by default. */
  readonly maxLogEntries?: number;
}

const asObject = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const linkOf = (v: unknown): string | undefined => {
  const id = asObject(v)?.['@odata.id'];
  return typeof id === 'string' ? id : undefined;
};
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function redfishHostKey(config: RedfishObmConfig): string {
  return `redfish:${new URL(config.uri).origin}`;
}

class RedfishReader {
  constructor(
    private readonly http: HttpTarget,
    private readonly auth: string,
    readonly root: string,
    private readonly signal: AbortSignal,
  ) {}

  async get(path: string): Promise<Json> {
    let res;
    try {
      res = await requestJson(this.http, 'GET', path, { headers: { Authorization: this.auth }, signal: this.signal });
    } catch (e) {
      if (e instanceof HttpFailure) throw new Error(`redfish GET ${path} on ${this.http.origin}: ${e.message}`);
      throw e;
    }
    if (res.status < 200 || res.status >= 300) throw new Error(`redfish GET ${path} on ${this.http.origin} answered ${res.status}`);
    const body = asObject(res.json);
    if (body === undefined) throw new Error(`redfish GET ${path} on ${this.http.origin} did not answer a JSON object`);
    return body;
  }

  async members(path: string): Promise<Json[]> {
    const collection = await this.get(path);
    const members = Array.isArray(collection['Members']) ? (collection['Members'] as unknown[]) : [];
    const out: Json[] = [];
    for (const m of members) {
      const obj = asObject(m);
      if (obj === undefined) continue;
      // Members may be expanded (LogEntry collections usually are) or references.
      const link = linkOf(obj);
      out.push(Object.keys(obj).length > 1 || link === undefined ? obj : await this.get(link));
    }
    return out;
  }

  /** The first member of a top-level collection of the service root (`Chassis`, `Systems`, `Managers`). */
  async first(collection: 'Chassis' | 'Systems' | 'Managers'): Promise<Json> {
    const root = await this.get(this.root);
    const link = linkOf(root[collection]);
    if (link === undefined) throw new Error(`the service root has no ${collection}`);
    const list = await this.get(link);
    const first = linkOf(Array.isArray(list['Members']) ? (list['Members'] as unknown[])[0] : undefined);
    if (first === undefined) throw new Error(`${link} has no members`);
    return this.get(first);
  }
}

function thermalOf(t: Json): Json {
  const temps = Array.isArray(t['Temperatures']) ? (t['Temperatures'] as unknown[]).map(asObject).filter((x): x is Json => x !== undefined) : [];
  const fans = Array.isArray(t['Fans']) ? (t['Fans'] as unknown[]).map(asObject).filter((x): x is Json => x !== undefined) : [];
  return {
    temperatures: temps.map((x) => ({
      name: text(x['Name']) ?? text(x['MemberId']) ?? 'Temperature',
      celsius: num(x['ReadingCelsius']),
      ...(num(x['UpperThresholdNonCritical']) === null ? {} : { upperNonCritical: num(x['UpperThresholdNonCritical']) }),
      ...(num(x['UpperThresholdCritical']) === null ? {} : { upperCritical: num(x['UpperThresholdCritical']) }),
      ...(text(asObject(x['Status'])?.['Health']) === undefined ? {} : { health: text(asObject(x['Status'])?.['Health']) }),
    })),
    fans: fans.map((x) => ({ name: text(x['Name']) ?? text(x['FanName']) ?? 'Fan', rpm: num(x['Reading']), units: text(x['ReadingUnits']) ?? 'RPM' })),
  };
}

function powerOf(p: Json): Json {
  const control = Array.isArray(p['PowerControl']) ? (p['PowerControl'] as unknown[]).map(asObject).filter((x): x is Json => x !== undefined) : [];
  const volts = Array.isArray(p['Voltages']) ? (p['Voltages'] as unknown[]).map(asObject).filter((x): x is Json => x !== undefined) : [];
  const consumed = control.map((c) => num(c['PowerConsumedWatts'])).find((w) => w !== null);
  return {
    ...(consumed === undefined ? {} : { consumedWatts: consumed }),
    voltages: volts.map((v) => ({ name: text(v['Name']) ?? 'Voltage', volts: num(v['ReadingVolts']) })),
  };
}

function logEntryOf(service: string, e: Json): Json {
  return {
    id: `${service}/${text(e['Id']) ?? linkOf(e) ?? ''}`,
    logService: service,
    ...(text(e['Created']) === undefined ? {} : { created: text(e['Created']) }),
    ...(text(e['Severity']) === undefined ? {} : { severity: text(e['Severity']) }),
    ...(text(e['Message']) === undefined ? {} : { message: text(e['Message']) }),
    ...(text(e['MessageId']) === undefined ? {} : { messageId: text(e['MessageId']) }),
    ...(text(e['EntryType']) === undefined ? {} : { entryType: text(e['EntryType']) }),
    ...(text(e['SensorType']) === undefined ? {} : { sensorType: text(e['SensorType']) }),
  };
}

async function logEntries(reader: RedfishReader, owner: Json, max: number): Promise<Json[]> {
  const services = linkOf(owner['LogServices']);
  if (services === undefined) return [];
  const out: Json[] = [];
  for (const service of await reader.members(services)) {
    const entries = linkOf(service['Entries']);
    if (entries === undefined) continue;
    const name = text(service['Id']) ?? 'Log';
    const all = (await reader.members(entries)).map((e) => logEntryOf(name, e));
    out.push(...all.slice(-max));
  }
  return out;
}

export async function pollRedfish(config: RedfishObmConfig, command: string, o: RedfishPollOptions): Promise<Record<string, unknown>> {
  const valid = validateRedfishConfig(config);
  const uri = new URL(valid.uri);
  const root = uri.pathname.includes('/redfish/v1') ? `${uri.pathname.slice(0, uri.pathname.indexOf('/redfish/v1'))}/redfish/v1/` : '/redfish/v1/';
  const http = httpTarget(uri.origin, { verify: valid.verifySSL ?? true, ...(valid.ca === undefined ? {} : { ca: valid.ca }) }, valid.timeoutMs ?? 30_000);
  const reader = new RedfishReader(http, `Basic ${Buffer.from(`${valid.username}:${valid.password}`).toString('base64')}`, root, o.signal);
  try {
    switch (command) {
      case 'chassis.thermal': {
        const chassis = await reader.first('Chassis');
        const link = linkOf(chassis['Thermal']);
        if (link === undefined) throw new Error(`${linkOf(chassis) ?? 'the chassis'} has no Thermal resource`);
        return { thermal: thermalOf(await reader.get(link)) };
      }
      case 'chassis.power': {
        const chassis = await reader.first('Chassis');
        const link = linkOf(chassis['Power']);
        if (link === undefined) throw new Error(`${linkOf(chassis) ?? 'the chassis'} has no Power resource`);
        return { power: powerOf(await reader.get(link)) };
      }
      case 'systems.logservices':
        return { logEntries: await logEntries(reader, await reader.first('Systems'), o.maxLogEntries ?? 50) };
      case 'managers.logservices':
        return { logEntries: await logEntries(reader, await reader.first('Managers'), o.maxLogEntries ?? 50) };
      default:
        throw new Error(`unknown Redfish poller command ${JSON.stringify(command)}`);
    }
  } finally {
    http.agent.destroy();
  }
}
