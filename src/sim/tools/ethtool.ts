/**
 * The ethtool sweep the discovery command prints (`@@monorail ethtool <if>` / `@@monorail ethtool -i <if>`
 * before each run, interfaces in /sys/class/net order) for a simulated machine, in ethtool 6.1's layout:
 * tab-indented `Key: value` lines, link modes wrapped two to a line under a 24-column hanging indent.
 * `ethtool -i lo` fails ("Operation not supported"), so its section is empty, as on a real machine.
 */
import type { MachineSpec, SimNic } from '../machine-spec.ts';

/** ethtool pads each label to 24 columns after the tab and wraps link modes two to a line under it. */
function modes(label: string, list: readonly string[]): string[] {
  const head = `\t${label.padEnd(24, ' ')}`;
  if (list.length === 0) return [`${head}Not reported`];
  const rows: string[] = [];
  for (let i = 0; i < list.length; i += 2) rows.push(list.slice(i, i + 2).join(' '));
  return [`${head}${rows[0] ?? ''}`, ...rows.slice(1).map((r) => `\t${' '.repeat(24)}${r}`)];
}

function settings(nic: SimNic): string[] {
  const portTag = nic.port === 'Twisted Pair' ? 'TP' : 'FIBRE';
  return [
    `Settings for ${nic.ifname}:`,
    `\tSupported ports: [ ${portTag} ]`,
    ...modes('Supported link modes:', nic.linkModes),
    '\tSupported pause frame use: Symmetric',
    `\tSupports auto-negotiation: ${nic.autoneg ? 'Yes' : 'No'}`,
    '\tSupported FEC modes: Not reported',
    ...modes('Advertised link modes:', nic.linkModes),
    '\tAdvertised pause frame use: Symmetric',
    `\tAdvertised auto-negotiation: ${nic.autoneg ? 'Yes' : 'No'}`,
    '\tAdvertised FEC modes: Not reported',
    `\tSpeed: ${nic.speedMbps}Mb/s`,
    '\tDuplex: Full',
    `\tAuto-negotiation: ${nic.autoneg ? 'on' : 'off'}`,
    `\tPort: ${nic.port}`,
    '\tPHYAD: 0',
    '\tTransceiver: internal',
    ...(nic.port === 'Twisted Pair' ? ['\tMDI-X: off (auto)'] : []),
    '\tSupports Wake-on: g',
    '\tWake-on: d',
    '        Current message level: 0x00000007 (7)',
    '                               drv probe link',
    '\tLink detected: yes',
  ];
}

function driverInfo(nic: SimNic): string[] {
  return [
    `driver: ${nic.driver}`,
    `version: ${nic.driverVersion}`,
    `firmware-version: ${nic.firmware}`,
    'expansion-rom-version: ',
    `bus-info: ${nic.pciAddress}`,
    'supports-statistics: yes',
    'supports-test: yes',
    'supports-eeprom-access: yes',
    'supports-register-dump: yes',
    'supports-priv-flags: yes',
  ];
}

export function ethtoolSweep(spec: MachineSpec): string {
  const names = [...spec.nics.map((n) => n.ifname), 'lo'].sort();
  const out: string[] = [];
  for (const name of names) {
    const nic = spec.nics.find((n) => n.ifname === name);
    out.push(`@@monorail ethtool ${name}`);
    out.push(...(nic === undefined ? [`Settings for ${name}:`, '\tLink detected: yes'] : settings(nic)));
    out.push(`@@monorail ethtool -i ${name}`);
    if (nic !== undefined) out.push(...driverInfo(nic));
  }
  return out.join('\n') + '\n';
}
