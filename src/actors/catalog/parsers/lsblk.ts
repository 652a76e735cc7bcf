/**
 * `lsblk -J -b -o …` → `{ blockdevices: [...] }`, each device keyed by lsblk's lower-case column names
 * (`name`, `type`, `size`, `rota`, `model`, `serial`, `tran`, `maj:min`, …) with partitions under
 * `children`. util-linux before 2.33 printed every value as a string ("1", "500107862016"); newer versions
 * print numbers and booleans. Both are normalised to the newer form so rules compare one way:
 * `size` → number of bytes when numeric, and `rota`, `rm`, `ro`, `hotplug` → booleans. String values are
 * trimmed: lsblk passes the kernel's space-padded SCSI fields through (`"model": "ACME DC SSD 480 "`).
 */
import { isRecord, parseJsonText, setField, toolError } from './tool-output.ts';

export interface LsblkDevice {
  readonly name: string;
  readonly type?: string;
  readonly size?: number | string | null;
  readonly rota?: boolean | null;
  readonly children?: readonly LsblkDevice[];
  readonly [column: string]: unknown;
}

export interface LsblkData {
  readonly blockdevices: readonly LsblkDevice[];
}

const TOOL = 'lsblk';
const booleanColumns = ['rota', 'rm', 'ro', 'hotplug'];
/** Partitions of device-mapper stacks nest a few levels; this only stops a hostile document. */
const MAX_DEPTH = 16;

export function parseLsblk(stdout: string): LsblkData {
  const doc = parseJsonText(TOOL, stdout);
  if (!isRecord(doc) || !Array.isArray(doc.blockdevices)) {
    throw toolError(TOOL, 'output has no "blockdevices" array', 'lsblk.blockdevices');
  }
  const blockdevices = doc.blockdevices.map((d: unknown, i) => normalise(d, `lsblk.blockdevices.${i}`, 0));
  return { blockdevices };
}

function normalise(device: unknown, path: string, depth: number): LsblkDevice {
  if (depth > MAX_DEPTH) throw toolError(TOOL, `devices nest deeper than ${MAX_DEPTH} levels`, path);
  if (!isRecord(device)) throw toolError(TOOL, 'a block device must be an object', path);
  if (typeof device.name !== 'string' || device.name === '') throw toolError(TOOL, 'device has no "name"', `${path}.name`);
  const out: Record<string, unknown> = { ...device };
  for (const [column, value] of Object.entries(device)) {
    if (typeof value === 'string') setField(out, column, value.trim());
  }
  const size = out.size;
  if (typeof size === 'string' && /^\d+$/.test(size)) out.size = Number(size);
  for (const column of booleanColumns) {
    if (!Object.hasOwn(device, column)) continue;
    const flag = toBoolean(device[column]);
    if (flag === undefined) throw toolError(TOOL, `"${column}" of ${device.name} is not a boolean flag`, `${path}.${column}`);
    out[column] = flag;
  }
  if (device.children !== undefined) {
    if (!Array.isArray(device.children)) throw toolError(TOOL, `"children" of ${device.name} is not an array`, `${path}.children`);
    out.children = device.children.map((c: unknown, i) => normalise(c, `${path}.children.${i}`, depth + 1));
  }
  return out as LsblkDevice;
}

function toBoolean(value: unknown): boolean | null | undefined {
  if (value === null || typeof value === 'boolean') return value;
  if (value === '1' || value === 1) return true;
  if (value === '0' || value === 0) return false;
  return undefined;
}
