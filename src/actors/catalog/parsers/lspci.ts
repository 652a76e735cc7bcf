/**
 * `lspci -nn -vmm` (the form RackHD catalogued as `lspci`) → one object per PCI function, keyed as lspci
 * prints them: `Slot`, `Class`, `Vendor`, `Device`, and when present `SVendor`, `SDevice`, `Rev`,
 * `ProgIf`, `PhySlot`, `NUMANode`, `IOMMUGroup`. With `-nn` the names carry their numeric ids in brackets
 * (`Intel Corporation [8086]`), which SKU rules match with `contains` or `regex`.
 *
 * The machine-readable `-vmm` form is the only one whose layout lspci promises to keep ("Key:<TAB>value",
 * records separated by blank lines). Unlike RackHD's parser the value is everything after the first ':'
 * (RackHD kept `00` of `Slot: 00:1f.2`).
 */
import { checkedText, excerpt, setField, toolError } from './tool-output.ts';

export type LspciDevice = Readonly<Record<string, string>>;

const TOOL = 'lspci';
const requiredKeys = ['Slot', 'Class', 'Vendor', 'Device'] as const;
const slotPattern = /^(?:[0-9a-f]{4,8}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i;

export function parseLspciVmm(stdout: string): LspciDevice[] {
  const text = checkedText(TOOL, stdout);
  const devices: LspciDevice[] = [];
  const records = text.split(/\r?\n[\t ]*\r?\n/);
  for (const record of records) {
    if (record.trim() === '') continue;
    const index = devices.length;
    const device: Record<string, string> = {};
    for (const line of record.split(/\r?\n/)) {
      if (line.trim() === '') continue;
      const colon = line.indexOf(':');
      if (colon <= 0) throw toolError(TOOL, `record ${index}: line "${excerpt(line)}" is not "Key:<TAB>value"`, `lspci[${index}]`);
      const key = line.slice(0, colon).trim();
      if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(key)) {
        throw toolError(TOOL, `record ${index}: "${excerpt(key)}" is not an lspci field name`, `lspci[${index}]`);
      }
      setField(device, key, line.slice(colon + 1).trim());
    }
    for (const key of requiredKeys) {
      if (!Object.hasOwn(device, key)) {
        throw toolError(TOOL, `record ${index} has no ${key} (truncated output?)`, `lspci[${index}].${key}`);
      }
    }
    if (!slotPattern.test(device.Slot ?? '')) {
      throw toolError(TOOL, `record ${index}: "${excerpt(device.Slot ?? '')}" is not a PCI address`, `lspci[${index}].Slot`);
    }
    devices.push(device);
  }
  if (devices.length === 0) throw toolError(TOOL, 'no PCI devices in the output');
  return devices;
}

