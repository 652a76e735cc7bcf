/**
 * Parsers for ipmitool's text output (ipmitool 1.8.19, LC_ALL=C), the BMC catalogs RackHD kept:
 * `lan print` (source `bmc`), `mc info` (`ipmi-mc-info`), `fru` (`ipmi-fru`), `sel info` + `sel list`
 * (`ipmi-sel-information`, `ipmi-sel`) and `sdr` (the pollers' sensor readings). The key/value
 * catalogs keep ipmitool's own labels as keys, as RackHD stored them, so SKU rules such as
 * `bmc.MAC Address` still match; lists (SEL, SDR) become typed records.
 *
 * Pure functions: text in, data out. Anything that is not the output they parse (garbage, a truncated
 * line, binary) is a ValidationError naming the line, never a half-filled result.
 */
import { ValidationError } from '../../../errors.ts';
import { checkedText, excerpt, ownField, setField } from './tool-output.ts';

type Problem = { path: string; message: string };

function invalid(what: string, problems: Problem[]): never {
  const shown = problems.slice(0, 5).map((p) => `${p.path}: ${p.message}`).join('; ');
  throw new ValidationError(`not ipmitool ${what} output: ${shown}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`, problems.slice(0, 50));
}

function linesOf(stdout: unknown, what: string): string[] {
  const text = checkedText(`ipmitool ${what}`, stdout);
  // eslint-disable-next-line no-control-regex -- ipmitool prints text: control characters other than tab and newlines mean garbage
  if (/[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) invalid(what, [{ path: '', message: 'output contains control characters' }]);
  return text.replace(/\r\n?/g, '\n').split('\n');
}

const lineRef = (index: number) => `line ${index + 1}`;
const shorten = (line: string) => excerpt(line);

// ---------------------------------------------------------------------------------------------------
// lan print

/** `ipmitool lan print [channel]`: every "Label : value" line, with the two multi-line fields as RackHD kept them. */
export interface IpmiLanPrint {
  readonly [label: string]: string | Readonly<Record<string, string>> | readonly string[] | undefined;
  readonly 'IP Address Source'?: string;
  readonly 'IP Address'?: string;
  readonly 'Subnet Mask'?: string;
  readonly 'MAC Address'?: string;
  readonly 'Default Gateway IP'?: string;
  /** Privilege level → enabled auth types, e.g. `{ Admin: 'MD5 PASSWORD' }`. */
  readonly 'Auth Type Enable'?: Readonly<Record<string, string>>;
  /** The priv-max string and its legend lines, as ipmitool prints them. */
  readonly 'Cipher Suite Priv Max'?: readonly string[];
}

export function parseIpmiLanPrint(stdout: string): IpmiLanPrint {
  const lines = linesOf(stdout, 'lan print');
  const out: Record<string, string | Record<string, string> | string[]> = {};
  const problems: Problem[] = [];
  let continuing: 'Auth Type Enable' | 'Cipher Suite Priv Max' | undefined;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const colon = line.indexOf(':');
    if (colon < 0) {
      problems.push({ path: lineRef(i), message: `no "label : value" in ${JSON.stringify(shorten(line))}` });
      return;
    }
    const label = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (label === '') {
      // A continuation line: "                        : User     : NONE MD5".
      if (continuing === 'Auth Type Enable') addAuthType(out, value);
      else if (continuing === 'Cipher Suite Priv Max') (ownField(out, 'Cipher Suite Priv Max') as string[]).push(value);
      else problems.push({ path: lineRef(i), message: 'continuation line without a field before it' });
      return;
    }
    if (label === 'Auth Type Enable') {
      continuing = label;
      setField(out, label, {});
      addAuthType(out, value);
    } else if (label === 'Cipher Suite Priv Max') {
      continuing = label;
      setField(out, label, [value]);
    } else {
      continuing = undefined;
      setField(out, label, value);
    }
  });
  if (problems.length > 0) invalid('lan print', problems);
  if (!Object.hasOwn(out, 'IP Address') && !Object.hasOwn(out, 'MAC Address')) invalid('lan print', [{ path: '', message: 'neither "IP Address" nor "MAC Address" is present' }]);
  return out;
}

function addAuthType(out: Record<string, unknown>, value: string): void {
  const table = ownField(out, 'Auth Type Enable') as Record<string, string>;
  const colon = value.indexOf(':');
  if (colon < 0) return;
  const level = value.slice(0, colon).trim();
  if (level !== '') setField(table, level, value.slice(colon + 1).trim());
}

// ---------------------------------------------------------------------------------------------------
// mc info

/** `ipmitool mc info` (Get Device ID, IPMI 2.0 §20.1) with ipmitool's labels; the two lists as arrays. */
export interface IpmiMcInfo {
  readonly [label: string]: string | readonly string[] | undefined;
  readonly 'Device ID': string;
  readonly 'Firmware Revision': string;
  readonly 'IPMI Version': string;
  readonly 'Manufacturer ID': string;
  readonly 'Manufacturer Name'?: string;
  readonly 'Product ID'?: string;
  readonly 'Additional Device Support'?: readonly string[];
  readonly 'Aux Firmware Rev Info'?: readonly string[];
}

export function parseIpmiMcInfo(stdout: string): IpmiMcInfo {
  const lines = linesOf(stdout, 'mc info');
  const out: Record<string, string | string[]> = {};
  const problems: Problem[] = [];
  let list: string[] | undefined;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const colon = line.indexOf(':');
    if (colon < 0) {
      // List items are indented under their label.
      if (list !== undefined && /^\s/.test(line)) list.push(line.trim());
      else problems.push({ path: lineRef(i), message: `no "label : value" in ${JSON.stringify(shorten(line))}` });
      return;
    }
    const label = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (label === '') {
      problems.push({ path: lineRef(i), message: 'empty label' });
      return;
    }
    if ((label === 'Additional Device Support' || label === 'Aux Firmware Rev Info') && value === '') {
      list = [];
      setField(out, label, list);
    } else {
      list = undefined;
      setField(out, label, value);
    }
  });
  for (const required of ['Device ID', 'Firmware Revision', 'IPMI Version', 'Manufacturer ID']) {
    if (typeof ownField(out, required) !== 'string') problems.push({ path: required, message: 'missing' });
  }
  if (problems.length > 0) invalid('mc info', problems);
  return out as IpmiMcInfo;
}

// ---------------------------------------------------------------------------------------------------
// fru

/** `ipmitool fru [print]`: FRU device description → its fields (Chassis/Board/Product areas, FRU spec §10-§12). */
export type IpmiFru = Readonly<Record<string, Readonly<Record<string, string>>>>;

export function parseIpmiFru(stdout: string): IpmiFru {
  const lines = linesOf(stdout, 'fru');
  const out: Record<string, Record<string, string>> = {};
  const problems: Problem[] = [];
  let device: Record<string, string> | undefined;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const colon = line.indexOf(':');
    const label = (colon < 0 ? line : line.slice(0, colon)).trim();
    const value = colon < 0 ? '' : line.slice(colon + 1).trim();
    if (label === 'FRU Device Description') {
      if (value === '') problems.push({ path: lineRef(i), message: 'FRU device without a description' });
      device = {};
      setField(out, value, device);
      return;
    }
    if (device === undefined) {
      problems.push({ path: lineRef(i), message: `field before any "FRU Device Description": ${JSON.stringify(shorten(line))}` });
      return;
    }
    if (!/^\s/.test(line)) {
      problems.push({ path: lineRef(i), message: `unindented line inside a FRU device: ${JSON.stringify(shorten(line))}` });
      return;
    }
    // Lines without a colon are ipmitool's notes ("Device not present (…)"), kept as RackHD kept them.
    setField(device, label, value);
  });
  if (problems.length === 0 && Object.keys(out).length === 0) problems.push({ path: '', message: 'no "FRU Device Description" line' });
  if (problems.length > 0) invalid('fru', problems);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// sel info + sel list

export interface IpmiSelEntry {
  /** The SEL record id ipmitool prints (hex in `sel list`, e.g. 1 or 1a). */
  readonly id: string;
  /** As printed: MM/DD/YY(YY), or "Pre-Init" for entries stamped before the BMC knew the time. */
  readonly date: string;
  readonly time: string;
  /** ISO 8601 (UTC) when date and time are a real timestamp. */
  readonly timestamp?: string;
  /** "Temperature #0x01" or, from `sel elist`, "Temperature CPU Temp". */
  readonly sensor: string;
  readonly sensorType: string;
  /** "0x01" when ipmitool printed the number. */
  readonly sensorNumber?: string;
  readonly event: string;
  /** "Asserted" or "Deasserted". */
  readonly direction: string;
  /** What `sel elist` adds, e.g. "Reading 92 > Threshold 90 degrees C". */
  readonly detail?: string;
}

export interface IpmiSel {
  /** `sel info` ("SEL Information" block), when the output had one. */
  readonly info?: Readonly<Record<string, string>>;
  readonly entries: readonly IpmiSelEntry[];
}

/**
 * The output of `sel info`, of `sel list`/`sel elist` (pipe-separated or `-c` CSV), or of both one
 * after the other (RackHD ran them as two commands; a microkernel task can run them as one).
 */
export function parseIpmiSel(stdout: string): IpmiSel {
  const lines = linesOf(stdout, 'sel');
  const problems: Problem[] = [];
  const entries: IpmiSelEntry[] = [];
  let info: Record<string, string> | undefined;
  let inInfo = false;
  let sawList = false;
  lines.forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '') return;
    if (trimmed === 'SEL Information') {
      info = {};
      inInfo = true;
      return;
    }
    if (trimmed === 'SEL has no entries') {
      sawList = true;
      inInfo = false;
      return;
    }
    const entry = selEntry(trimmed);
    if (entry !== undefined) {
      sawList = true;
      inInfo = false;
      entries.push(entry);
      return;
    }
    if (inInfo && info !== undefined) {
      const colon = line.indexOf(' : ');
      const label = colon < 0 ? '' : line.slice(0, colon).trim();
      if (label === '') problems.push({ path: lineRef(i), message: `not a "label : value" line in SEL Information: ${JSON.stringify(shorten(line))}` });
      else setField(info, label, line.slice(colon + 3).trim());
      return;
    }
    problems.push({ path: lineRef(i), message: `not a SEL entry: ${JSON.stringify(shorten(line))}` });
  });
  if (problems.length === 0 && info === undefined && !sawList) problems.push({ path: '', message: 'neither "SEL Information" nor SEL entries' });
  if (problems.length > 0) invalid('sel', problems);
  return info === undefined ? { entries } : { info, entries };
}

const SEL_ID = /^[0-9a-fA-F]{1,4}$/;
const DIRECTIONS = new Set(['Asserted', 'Deasserted']);

function selEntry(line: string): IpmiSelEntry | undefined {
  // `sel list`: "   1 | 11/25/26 | 21:09:30 UTC | Temperature #0x01 | Upper Critical going high | Asserted"
  // Pre-Init entries merge date and time: "   1 |  Pre-Init  |0000000742| Temperature #0x01 | … | Asserted"
  const fields = (line.includes('|') ? line.split('|') : line.split(',')).map((f) => f.trim());
  if (fields.length < 6) return undefined;
  const [id, date, time, sensor, event, direction, ...rest] = fields as [string, string, string, string, string, string, ...string[]];
  if (!SEL_ID.test(id) || sensor === '' || event === '' || !DIRECTIONS.has(direction)) return undefined;
  const { type, number } = splitSensor(sensor);
  const timestamp = isoTimestamp(date, time);
  const detail = rest.join(line.includes('|') ? ' | ' : ',').trim();
  return {
    id,
    date,
    time,
    ...(timestamp === undefined ? {} : { timestamp }),
    sensor,
    sensorType: type,
    ...(number === undefined ? {} : { sensorNumber: number }),
    event,
    direction,
    ...(detail === '' ? {} : { detail }),
  };
}

function splitSensor(sensor: string): { type: string; number?: string } {
  const match = /^(.*?)\s+#(0x[0-9a-fA-F]+)$/.exec(sensor);
  if (match?.[1] !== undefined && match[2] !== undefined) return { type: match[1], number: match[2].toLowerCase() };
  return { type: sensor };
}

/** MM/DD/YY or MM/DD/YYYY with HH:MM:SS (ipmitool ≥ 1.8.19 appends the zone, UTC by default). */
function isoTimestamp(date: string, time: string): string | undefined {
  const d = /^(\d{2})\/(\d{2})\/(\d{2}|\d{4})$/.exec(date);
  const t = /^(\d{2}):(\d{2}):(\d{2})(?:\s+UTC)?$/.exec(time);
  if (d === null || t === null) return undefined;
  const [, month, day, yy] = d;
  const [, hh, mm, ss] = t;
  if (yy === undefined) return undefined;
  const year = yy.length === 2 ? 2000 + Number(yy) : Number(yy);
  const iso = `${String(year).padStart(4, '0')}-${month}-${day}T${hh}:${mm}:${ss}Z`;
  const parsed = Date.parse(iso);
  // Date.parse rolls 02/31 over into March: only keep what reads back the same.
  return Number.isNaN(parsed) || new Date(parsed).toISOString() !== iso.replace('Z', '.000Z') ? undefined : iso;
}

// ---------------------------------------------------------------------------------------------------
// sdr

export interface IpmiSdrThresholds {
  readonly lowerNonRecoverable?: number;
  readonly lowerCritical?: number;
  readonly lowerNonCritical?: number;
  readonly upperNonCritical?: number;
  readonly upperCritical?: number;
  readonly upperNonRecoverable?: number;
}

export interface IpmiSdrRecord {
  readonly name: string;
  /** ipmitool's status column: ok, ns (no reading), cr, nc, nr, lnr/ucr…; `sdr -v` prints it spelled out. */
  readonly status: string;
  /** Sensor number as ipmitool prints it (`01h`), when the format has it. */
  readonly sensorNumber?: string;
  /** Entity id.instance (`7.1`), when the format has it. */
  readonly entity?: string;
  /** The numeric reading of a threshold sensor, in `unit`. */
  readonly reading?: number;
  readonly unit?: string;
  /** The reading column as printed when it is not a number: a discrete state, `disabled`, `no reading`, `0x01`. */
  readonly text?: string;
  /** From `sdr -v`: "Temperature", "Fan", "Power Supply"… */
  readonly sensorType?: string;
  /** From `sdr -v`: Threshold or Discrete. */
  readonly sensorClass?: 'Threshold' | 'Discrete';
  readonly thresholds?: IpmiSdrThresholds;
  /** From `sdr -v` on discrete sensors: the asserted states. */
  readonly statesAsserted?: readonly string[];
}

/**
 * The output of `sdr [list]` (name | reading | status), `sdr elist` (name | number | status | entity |
 * reading), `-c sdr` (CSV of either shape) or `sdr -v` (one block per sensor).
 */
export function parseIpmiSdr(stdout: string): IpmiSdrRecord[] {
  const lines = linesOf(stdout, 'sdr');
  if (lines.some((l) => /^Sensor ID\s*:/.test(l))) return parseVerboseSdr(lines);
  const records: IpmiSdrRecord[] = [];
  const problems: Problem[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const record = line.includes('|') ? pipeSdr(line) : csvSdr(line);
    if (record === undefined) problems.push({ path: lineRef(i), message: `not an SDR line: ${JSON.stringify(shorten(line))}` });
    else records.push(record);
  });
  if (problems.length === 0 && records.length === 0) problems.push({ path: '', message: 'no sensor records' });
  if (problems.length > 0) invalid('sdr', problems);
  return records;
}

const SENSOR_NUMBER = /^[0-9a-fA-F]{2}h$/;
const ENTITY = /^\d{1,3}\.\d{1,3}$/;
const STATUS = /^(ok|ns|nc|cr|nr|lnr|lcr|lnc|unc|ucr|unr|nd|na)$/i;

function pipeSdr(line: string): IpmiSdrRecord | undefined {
  const f = line.split('|').map((x) => x.trim());
  if (f.length === 3) {
    const [name, value, status] = f as [string, string, string];
    if (name === '' || !STATUS.test(status)) return undefined;
    return { name, status, ...reading(value) };
  }
  if (f.length === 5) {
    const [name, number, status, entity, value] = f as [string, string, string, string, string];
    if (name === '' || !SENSOR_NUMBER.test(number) || !STATUS.test(status) || !ENTITY.test(entity)) return undefined;
    return { name, sensorNumber: number, status, entity, ...reading(value) };
  }
  return undefined;
}

function csvSdr(line: string): IpmiSdrRecord | undefined {
  const f = line.split(',').map((x) => x.trim());
  // Threshold sensors: name,reading,unit,status (reading and unit empty without a reading).
  if (f.length === 4) {
    const [name, value, unit, status] = f as [string, string, string, string];
    if (name === '' || !STATUS.test(status)) return undefined;
    if (value === '') return { name, status };
    const n = Number(value);
    return Number.isFinite(n) && /^-?\d/.test(value) ? { name, status, reading: n, ...(unit === '' ? {} : { unit }) } : { name, status, text: value };
  }
  // Discrete sensors: name,number,status,entity,state (as elist).
  if (f.length === 5) {
    const [name, number, status, entity, state] = f as [string, string, string, string, string];
    if (name === '' || !SENSOR_NUMBER.test(number) || !STATUS.test(status) || !ENTITY.test(entity)) return undefined;
    return { name, sensorNumber: number, status, entity, ...reading(state) };
  }
  return undefined;
}

function reading(value: string): { reading?: number; unit?: string; text?: string } {
  const match = /^(-?\d+(?:\.\d+)?)\s+(.+)$/.exec(value);
  if (match?.[1] !== undefined && match[2] !== undefined) return { reading: Number(match[1]), unit: match[2] };
  return value === '' ? {} : { text: value };
}

const thresholdLabels: Record<string, keyof IpmiSdrThresholds> = {
  'Lower non-recoverable': 'lowerNonRecoverable',
  'Lower critical': 'lowerCritical',
  'Lower non-critical': 'lowerNonCritical',
  'Upper non-critical': 'upperNonCritical',
  'Upper critical': 'upperCritical',
  'Upper non-recoverable': 'upperNonRecoverable',
};

function parseVerboseSdr(lines: readonly string[]): IpmiSdrRecord[] {
  const records: IpmiSdrRecord[] = [];
  const problems: Problem[] = [];
  type Building = {
    name: string;
    status?: string;
    sensorNumber?: string;
    entity?: string;
    reading?: number;
    unit?: string;
    text?: string;
    sensorType?: string;
    sensorClass?: 'Threshold' | 'Discrete';
    thresholds: Record<string, number>;
    statesAsserted?: string[];
  };
  let current: Building | undefined;
  let listing: string[] | undefined;
  const flush = () => {
    if (current === undefined) return;
    const { thresholds, status, ...rest } = current;
    // `sdr -v` prints no Status for discrete sensors: one with a state to show is being read.
    const read = rest.reading !== undefined || (rest.text !== undefined && !/disabled|no reading|not available/i.test(rest.text));
    records.push({ ...rest, status: status ?? (read ? 'ok' : 'ns'), ...(Object.keys(thresholds).length > 0 ? { thresholds } : {}) });
    current = undefined;
  };
  lines.forEach((line, i) => {
    if (line.trim() === '') {
      listing = undefined;
      return;
    }
    const colon = line.indexOf(':');
    if (colon < 0) {
      // Continuation of a state list: "                         [Presence detected]".
      const state = /^\s+\[(.+)\]$/.exec(line)?.[1];
      if (state !== undefined && listing !== undefined) listing.push(state);
      else if (!/^\s/.test(line)) problems.push({ path: lineRef(i), message: `not an SDR field: ${JSON.stringify(shorten(line))}` });
      return;
    }
    const label = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    listing = undefined;
    if (label === 'Sensor ID') {
      flush();
      const m = /^(.*?)\s*\((0x[0-9a-fA-F]+)\)$/.exec(value);
      const name = m?.[1] ?? value;
      if (name === '') problems.push({ path: lineRef(i), message: 'sensor without a name' });
      current = { name, thresholds: {}, ...(m?.[2] === undefined ? {} : { sensorNumber: `${Number.parseInt(m[2], 16).toString(16).padStart(2, '0')}h` }) };
      return;
    }
    if (current === undefined) {
      problems.push({ path: lineRef(i), message: `field before any "Sensor ID": ${JSON.stringify(shorten(line))}` });
      return;
    }
    const typeMatch = /^Sensor Type \((Threshold|Discrete)\)$/.exec(label);
    if (typeMatch?.[1] === 'Threshold' || typeMatch?.[1] === 'Discrete') {
      current.sensorClass = typeMatch[1];
      current.sensorType = value.replace(/\s*\(0x[0-9a-fA-F]+\)$/, '');
    } else if (label === 'Entity ID') {
      current.entity = value.split(/\s/)[0] ?? value;
    } else if (label === 'Sensor Reading') {
      // "45 (+/- 0) degrees C", "Disabled", "0h", "No Reading".
      const m = /^(-?\d+(?:\.\d+)?)\s*(?:\(\+\/-\s*[\d.]+\))?\s*(.*)$/.exec(value);
      if (m?.[1] !== undefined && current.sensorClass !== 'Discrete') {
        current.reading = Number(m[1]);
        if (m[2] !== undefined && m[2] !== '') current.unit = m[2];
      } else {
        current.text = value;
      }
    } else if (label === 'Status') {
      current.status = value;
    } else if (label === 'States Asserted') {
      listing = [];
      current.statesAsserted = listing;
    } else {
      const key = thresholdLabels[label];
      const n = Number(value);
      if (key !== undefined && value !== '' && Number.isFinite(n)) current.thresholds[key] = n;
    }
  });
  flush();
  if (problems.length === 0 && records.length === 0) problems.push({ path: '', message: 'no sensor records' });
  if (problems.length > 0) invalid('sdr -v', problems);
  return records;
}
