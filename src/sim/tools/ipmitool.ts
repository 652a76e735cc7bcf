/**
 * What `ipmitool lan print`, `ipmitool mc info` and `ipmitool fru` (1.8.19, LC_ALL=C) print on a simulated
 * machine, through the kernel's IPMI driver to its own BMC. `lan print`'s IP Address is the address the
 * machine's simulated Redfish BMC listens on, which is how discovery finds the BMC for its OBM record.
 */
import type { MachineSpec } from '../machine-spec.ts';

const label = (name: string, width: number): string => name.padEnd(width, ' ');

export function ipmitoolLanPrint(spec: MachineSpec): string {
  const { bmc } = spec;
  const row = (name: string, value: string): string => `${label(name, 24)}: ${value}`;
  return [
    row('Set in Progress', 'Set Complete'),
    row('Auth Type Support', 'MD5 PASSWORD '),
    row('Auth Type Enable', 'Callback : MD5 PASSWORD '),
    `${label('', 24)}: User     : MD5 PASSWORD `,
    `${label('', 24)}: Operator : MD5 PASSWORD `,
    `${label('', 24)}: Admin    : MD5 PASSWORD `,
    `${label('', 24)}: OEM      : `,
    row('IP Address Source', 'DHCP Address'),
    row('IP Address', bmc.ip),
    row('Subnet Mask', bmc.subnetMask),
    row('MAC Address', bmc.mac),
    row('SNMP Community String', 'public'),
    row('IP Header', 'TTL=0x40 Flags=0x40 Precedence=0x00 TOS=0x10'),
    row('BMC ARP Control', 'ARP Responses Enabled, Gratuitous ARP Disabled'),
    row('Gratituous ARP Intrvl', '2.0 seconds'),
    row('Default Gateway IP', bmc.gateway),
    row('Default Gateway MAC', '00:00:00:00:00:00'),
    row('Backup Gateway IP', '0.0.0.0'),
    row('Backup Gateway MAC', '00:00:00:00:00:00'),
    row('802.1q VLAN ID', 'Disabled'),
    row('802.1q VLAN Priority', '0'),
    row('RMCP+ Cipher Suites', '3,17'),
    row('Cipher Suite Priv Max', 'aaaaXXXXXXXXXXX'),
    `${label('', 24)}:     X=Cipher Suite Unused`,
    `${label('', 24)}:     c=CALLBACK`,
    `${label('', 24)}:     u=USER`,
    `${label('', 24)}:     o=OPERATOR`,
    `${label('', 24)}:     a=ADMIN`,
    `${label('', 24)}:     O=OEM`,
    row('Bad Password Threshold', 'Not Available'),
  ].join('\n') + '\n';
}

export function ipmitoolMcInfo(spec: MachineSpec): string {
  const { bmc } = spec;
  const row = (name: string, value: string): string => `${label(name, 26)}: ${value}`;
  return [
    row('Device ID', String(bmc.deviceId)),
    row('Device Revision', '1'),
    row('Firmware Revision', bmc.firmware),
    row('IPMI Version', '2.0'),
    row('Manufacturer ID', String(bmc.manufacturerId)),
    row('Manufacturer Name', bmc.manufacturerName),
    row('Product ID', `${bmc.productId} (0x${bmc.productId.toString(16).padStart(4, '0')})`),
    row('Product Name', `Unknown (0x${bmc.productId.toString(16).toUpperCase()})`),
    row('Device Available', 'yes'),
    row('Provides Device SDRs', 'yes'),
    `${label('Additional Device Support', 26)}:`,
    '    Sensor Device',
    '    SDR Repository Device',
    '    SEL Device',
    '    FRU Inventory Device',
    '    IPMB Event Receiver',
    '    Bridge',
    '    Chassis Device',
    `${label('Aux Firmware Rev Info', 26)}: `,
    '    0x00',
    '    0x01',
    '    0x00',
    '    0x00',
  ].join('\n') + '\n';
}

export function ipmitoolFru(spec: MachineSpec): string {
  const row = (name: string, value: string): string => ` ${label(name, 22)}: ${value}`;
  return [
    'FRU Device Description : Builtin FRU Device (ID 0)',
    row('Chassis Type', 'Rack Mount Chassis'),
    row('Chassis Part Number', `CH-${spec.chassis.heightU}U-${spec.system.sku}`),
    row('Chassis Serial', spec.chassis.serial),
    row('Board Mfg Date', 'Mon Mar  6 08:00:00 2023 UTC'),
    row('Board Mfg', spec.board.manufacturer),
    row('Board Product', spec.board.product),
    row('Board Serial', spec.board.serial),
    row('Board Part Number', `${spec.board.product}-${spec.board.version}`),
    row('Product Manufacturer', spec.system.manufacturer),
    row('Product Name', spec.system.product),
    row('Product Part Number', spec.system.sku),
    row('Product Version', spec.system.version),
    row('Product Serial', spec.system.serial),
    row('Product Asset Tag', spec.chassis.assetTag),
    '',
  ].join('\n');
}
