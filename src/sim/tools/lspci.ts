/**
 * `lspci -nn -vmm` for a simulated machine: one record per PCI function, `Key:<TAB>value` lines, names
 * followed by their numeric ids in brackets, records separated by a blank line (pciutils 3.9).
 */
import type { MachineSpec } from '../machine-spec.ts';

export function lspciText(spec: MachineSpec): string {
  const records = spec.pci.map((p) => {
    const lines = [
      `Slot:\t${p.slot}`,
      `Class:\t${p.className} [${p.classId}]`,
      `Vendor:\t${p.vendorName} [${p.vendorId}]`,
      `Device:\t${p.deviceName} [${p.deviceId}]`,
      `SVendor:\t${p.subVendorName} [${p.subVendorId}]`,
      `SDevice:\t${p.subDeviceName} [${p.subDeviceId}]`,
    ];
    if (p.rev !== undefined) lines.push(`Rev:\t${p.rev}`);
    lines.push(`ProgIf:\t${p.progIf}`);
    if (p.numaNode !== undefined) lines.push(`NUMANode:\t${p.numaNode}`);
    return lines.join('\n') + '\n';
  });
  return records.join('\n') + '\n';
}
