/**
 * smartctl's JSON output (`smartctl -j -a <dev>`, smartmontools 7.0+) and the `smart` catalog built from
 * one run per disk.
 *
 * RackHD's `smart` catalog was an array with one entry per drive, parsed from smartctl's text:
 * `{ 'OS Device Name', 'smartctl Version', SMART: { Identity, 'Self-Assessment', Attributes: { Revision,
 * 'Attributes Table' } }, Controller }`. Each entry here has those keys, filled from the JSON with
 * smartctl's text labels and formatting (`Device Model`, `User Capacity: 480,103,981,056 bytes [480 GB]`,
 * attribute rows keyed `ID#`, `ATTRIBUTE_NAME`, `VALUE`, `RAW_VALUE`, …), so RackHD rules on `smart` keep
 * working; `json` holds smartctl's whole report for anything else. `Controller` stays empty: RackHD filled
 * it from a helper script that reported the HBA, which has no counterpart here.
 */
import { ValidationError } from '../../../errors.ts';
import { splitMarkedSections } from './marked-sections.ts';
import { excerpt, isRecord, parseJsonText, toolError } from './tool-output.ts';

export interface SmartctlReport {
  readonly json_format_version: readonly number[];
  readonly smartctl: Readonly<Record<string, unknown>>;
  readonly [field: string]: unknown;
}

export interface SmartAttributeRow {
  readonly 'ID#': string;
  readonly ATTRIBUTE_NAME: string;
  readonly FLAG: string;
  readonly VALUE: string;
  readonly WORST: string;
  readonly THRESH: string;
  readonly TYPE: string;
  readonly UPDATED: string;
  readonly WHEN_FAILED: string;
  readonly RAW_VALUE: string;
}

export interface SmartDrive {
  readonly 'OS Device Name': string;
  readonly 'smartctl Version': string;
  readonly SMART: {
    readonly Identity: Readonly<Record<string, string>>;
    readonly 'Self-Assessment': Readonly<Record<string, string>>;
    readonly Attributes?: { readonly Revision: string; readonly 'Attributes Table': readonly SmartAttributeRow[] };
  };
  readonly Controller: Readonly<Record<string, string>>;
  readonly json: SmartctlReport;
}

const TOOL = 'smartctl';

export function parseSmartctlJson(stdout: string): SmartctlReport {
  const doc = parseJsonText(TOOL, stdout);
  if (!isRecord(doc)) throw toolError(TOOL, 'output must be a JSON object');
  if (!Array.isArray(doc.json_format_version)) throw toolError(TOOL, 'output has no "json_format_version": not smartctl -j output', 'smartctl.json_format_version');
  if (!isRecord(doc.smartctl)) throw toolError(TOOL, 'output has no "smartctl" object', 'smartctl.smartctl');
  return doc as SmartctlReport;
}

/** RackHD's per-drive entry for one smartctl report; `deviceName` is used when smartctl could not open it. */
export function toSmartDrive(report: SmartctlReport, deviceName: string): SmartDrive {
  const device = isRecord(report.device) ? report.device : {};
  const version = Array.isArray(report.smartctl.version) ? report.smartctl.version.join('.') : '';
  const attributes = attributeTable(report.ata_smart_attributes);
  return {
    'OS Device Name': typeof device.name === 'string' ? device.name : deviceName,
    'smartctl Version': version,
    SMART: {
      Identity: identity(report, device),
      'Self-Assessment': selfAssessment(report.smart_status),
      ...(attributes === undefined ? {} : { Attributes: attributes }),
    },
    Controller: {},
    json: report,
  };
}

/**
 * The sweep over the machine's disks: a `@@monorail smartctl --scan-open` header (its presence tells an
 * empty disk list from missing output), then `@@monorail smartctl <device> <type>` before each report.
 */
export function parseSmartSweep(stdout: string): SmartDrive[] {
  const sections = splitMarkedSections(TOOL, stdout);
  const [header, ...devices] = sections;
  if (header?.words.join(' ') !== 'smartctl --scan-open') {
    throw toolError(TOOL, 'output does not start with the "@@monorail smartctl --scan-open" header');
  }
  return devices.map(({ words, body }, i) => {
    const deviceName = words[1];
    if (words[0] !== 'smartctl' || deviceName === undefined || !deviceName.startsWith('/dev/')) {
      throw toolError(TOOL, `unexpected section marker "${excerpt(words.join(' '))}"`, `smart.${i}`);
    }
    try {
      return toSmartDrive(parseSmartctlJson(body), deviceName);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      throw toolError(TOOL, `${deviceName}: ${e.errors[0]?.message ?? e.message}`, `smart.${i}`);
    }
  });
}

function identity(report: SmartctlReport, device: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  const nvme = device.protocol === 'NVMe';
  const text = (label: string, value: unknown): void => {
    if (typeof value === 'string' && value !== '') out[label] = value;
  };
  text('Model Family', report.model_family);
  text(nvme ? 'Model Number' : 'Device Model', report.model_name);
  text('Serial Number', report.serial_number);
  const wwn = report.wwn;
  if (isRecord(wwn) && typeof wwn.naa === 'number' && typeof wwn.oui === 'number' && typeof wwn.id === 'number') {
    out['LU WWN Device Id'] = `${wwn.naa.toString(16)} ${wwn.oui.toString(16).padStart(6, '0')} ${wwn.id.toString(16).padStart(9, '0')}`;
  }
  text('Firmware Version', report.firmware_version);
  const capacity = isRecord(report.user_capacity) ? report.user_capacity.bytes : report.nvme_total_capacity;
  if (typeof capacity === 'number' && Number.isFinite(capacity) && capacity >= 0) {
    out[nvme ? 'Total NVM Capacity' : 'User Capacity'] = `${capacity.toLocaleString('en-US')} bytes [${humanBytes(capacity)}]`;
  }
  const logical = report.logical_block_size;
  const physical = report.physical_block_size;
  if (typeof logical === 'number' && typeof physical === 'number') {
    out['Sector Size'] = logical === physical ? `${logical} bytes logical/physical` : `${logical} bytes logical, ${physical} bytes physical`;
  }
  const rpm = report.rotation_rate;
  if (typeof rpm === 'number') out['Rotation Rate'] = rpm === 0 ? 'Solid State Device' : `${rpm} rpm`;
  return out;
}

function selfAssessment(status: unknown): Record<string, string> {
  if (!isRecord(status) || typeof status.passed !== 'boolean') return {};
  return { 'SMART overall-health self-assessment test result': status.passed ? 'PASSED' : 'FAILED!' };
}

function attributeTable(attributes: unknown): SmartDrive['SMART']['Attributes'] {
  if (!isRecord(attributes) || !Array.isArray(attributes.table)) return undefined;
  const rows = attributes.table.filter(isRecord).map((row): SmartAttributeRow => {
    const flags = isRecord(row.flags) ? row.flags : {};
    const raw = isRecord(row.raw) ? row.raw : {};
    const flagValue = typeof flags.value === 'number' ? flags.value : 0;
    return {
      'ID#': scalarText(row.id),
      ATTRIBUTE_NAME: scalarText(row.name),
      FLAG: `0x${flagValue.toString(16).padStart(4, '0')}`,
      VALUE: threeDigits(row.value),
      WORST: threeDigits(row.worst),
      THRESH: threeDigits(row.thresh),
      TYPE: flags.prefailure === true ? 'Pre-fail' : 'Old_age',
      UPDATED: flags.updated_online === true ? 'Always' : 'Offline',
      WHEN_FAILED: typeof row.when_failed === 'string' && row.when_failed !== '' ? row.when_failed : '-',
      RAW_VALUE: typeof raw.string === 'string' ? raw.string : scalarText(raw.value),
    };
  });
  return { Revision: scalarText(attributes.revision), 'Attributes Table': rows };
}

function scalarText(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

/** smartctl prints normalised attribute values zero-padded to three digits (`069`). */
function threeDigits(value: unknown): string {
  return typeof value === 'number' ? String(value).padStart(3, '0') : '';
}

/** Decimal units with three significant digits, as smartctl prints capacities (`480 GB`, `67.1 MB`). */
function humanBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  if (unit === 0) return `${bytes} bytes`;
  const decimals = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(decimals)} ${units[unit] ?? ''}`;
}
