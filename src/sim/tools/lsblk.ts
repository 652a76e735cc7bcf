/**
 * `lsblk -J -b -o NAME,KNAME,PATH,MAJ:MIN,TYPE,SIZE,ROTA,RM,RO,MODEL,SERIAL,WWN,VENDOR,REV,TRAN,HCTL,FSTYPE,MOUNTPOINT,PKNAME`
 * for a simulated machine, in util-linux 2.38's JSON layout (three-space indent, `},{` between devices),
 * with what the microkernel's lsblk sees without udev: the kernel's SCSI strings from sysfs, space padded
 * and cut to the 16-byte INQUIRY product field for (S)ATA/SAS disks (`"model": "ST12000NM0008-2H"`,
 * `"vendor": "ATA     "`), no serial or WWN for them; NVMe model and serial padded to 40 and 20.
 */
import type { MachineSpec } from '../machine-spec.ts';

const padded = (text: string, width: number): string => text.padEnd(width, ' ').slice(0, width);

export function lsblkJson(spec: MachineSpec): string {
  const devices = spec.disks.map((d) => {
    const nvme = d.transport === 'nvme';
    const columns: [string, string | number | boolean | null][] = [
      ['name', d.name],
      ['kname', d.name],
      ['path', `/dev/${d.name}`],
      ['maj:min', d.majMin],
      ['type', 'disk'],
      ['size', d.sizeBytes],
      ['rota', d.rotationRpm > 0],
      ['rm', false],
      ['ro', false],
      ['model', padded(d.model, nvme ? 40 : 16)],
      ['serial', nvme ? padded(d.serial, 20) : null],
      ['wwn', null],
      ['vendor', d.lsblkVendor],
      ['rev', nvme ? null : padded(d.firmware, 4)],
      ['tran', d.transport],
      ['hctl', d.hctl ?? null],
      ['fstype', null],
      ['mountpoint', null],
      ['pkname', null],
    ];
    const body = columns.map(([k, v]) => `         ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n');
    return `{\n${body}\n      }`;
  });
  return `{\n   "blockdevices": [\n      ${devices.join(',')}\n   ]\n}\n`;
}
