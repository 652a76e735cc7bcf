/**
 * ethtool's text output. `ethtool <if>` (link settings) → `{ ifname, fields }` with each `Key: value`
 * line as ethtool prints it (`Speed: 1000Mb/s`, `Duplex: Full`, `Link detected: yes`); a value that wraps
 * onto indented continuation lines (`Supported link modes`, `Current message level`) is joined with single
 * spaces. `ethtool -i <if>` (driver information) → `{ driver, version, firmware-version, bus-info, … }`.
 *
 * The `ethtool` catalog comes from one command that runs both for every interface (see
 * `parseEthtoolSweep`): `{ <ifname>: { settings?: fields, driver?: driverInfo } }`, so a rule reads
 * `ethtool.eth0.driver.driver` or `ethtool.eth0.settings.Speed`. An interface ethtool cannot describe
 * (`ethtool -i lo` is "Operation not supported") simply lacks that part. Interface names containing '.'
 * (VLANs such as `eth0.100`) cannot be addressed by dotted rule paths; that is RackHD's path syntax.
 */
import { ValidationError } from '../../../errors.ts';
import { splitMarkedSections } from './marked-sections.ts';
import { checkedText, excerpt, setField, toolError } from './tool-output.ts';

export interface EthtoolSettings {
  readonly ifname: string;
  readonly fields: Readonly<Record<string, string>>;
}

export type EthtoolDriverInfo = Readonly<Record<string, string>>;

export interface EthtoolInterface {
  readonly settings?: Readonly<Record<string, string>>;
  readonly driver?: EthtoolDriverInfo;
}

export type EthtoolSweep = Readonly<Record<string, EthtoolInterface>>;

/** Linux interface names: at most IFNAMSIZ-1 = 15 bytes, no '/' and no whitespace. */
const ifnamePattern = /^[^\s/]{1,15}$/;

export function parseEthtoolSettings(stdout: string): EthtoolSettings {
  const tool = 'ethtool';
  const lines = checkedText(tool, stdout).split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== '');
  const header = /^Settings for (\S+):$/.exec(lines[first]?.trim() ?? '');
  if (header?.[1] === undefined) {
    throw toolError(tool, `output does not start with "Settings for <interface>:" but "${excerpt(lines[first] ?? '')}"`);
  }
  const fields: Record<string, string> = {};
  let lastKey: string | null = null;
  for (const line of lines.slice(first + 1)) {
    const text = line.trim();
    if (text === '') continue;
    if (!/^\s/.test(line)) throw toolError(tool, `unexpected unindented line "${excerpt(line)}"`, `ethtool.${header[1]}`);
    const colon = text.indexOf(': ');
    if (colon > 0 || text.endsWith(':')) {
      const key = (colon > 0 ? text.slice(0, colon) : text.slice(0, -1)).trim();
      setField(fields, key, colon > 0 ? text.slice(colon + 2).trim() : '');
      lastKey = key;
      continue;
    }
    if (lastKey === null) throw toolError(tool, `line "${excerpt(text)}" continues no field`, `ethtool.${header[1]}`);
    const previous = fields[lastKey] ?? '';
    setField(fields, lastKey, previous === '' ? text : `${previous} ${text}`);
  }
  return { ifname: header[1], fields };
}

export function parseEthtoolDriver(stdout: string): EthtoolDriverInfo {
  const tool = 'ethtool -i';
  const info: Record<string, string> = {};
  for (const line of checkedText(tool, stdout).split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const match = /^([a-z][a-z0-9-]*):(.*)$/.exec(line.trim());
    if (match?.[1] === undefined || match[2] === undefined) throw toolError(tool, `line "${excerpt(line)}" is not "key: value"`);
    setField(info, match[1], match[2].trim());
  }
  if (!Object.hasOwn(info, 'driver')) throw toolError(tool, 'output has no "driver:" line', 'ethtool -i.driver');
  return info;
}

/**
 * The per-interface sweep: sections `@@monorail ethtool <if>` and `@@monorail ethtool -i <if>`. The loop
 * prints a call's output only when ethtool succeeded, so an empty section is a failed call and leaves that
 * part out.
 */
export function parseEthtoolSweep(stdout: string): EthtoolSweep {
  const tool = 'ethtool';
  const sweep: Record<string, { settings?: Readonly<Record<string, string>>; driver?: EthtoolDriverInfo }> = {};
  const sections = splitMarkedSections(tool, stdout);
  for (const { words, body } of sections) {
    const driverPart = words.length === 3 && words[1] === '-i';
    const ifname = driverPart ? words[2] : words[1];
    if (words[0] !== 'ethtool' || ifname === undefined || words.length !== (driverPart ? 3 : 2) || !ifnamePattern.test(ifname)) {
      throw toolError(tool, `unexpected section marker "${excerpt(words.join(' '))}"`);
    }
    const entry = Object.hasOwn(sweep, ifname) ? sweep[ifname] : undefined;
    const iface = entry ?? {};
    if (entry === undefined) setField(sweep, ifname, iface);
    if (body.trim() === '') continue;
    const path = `ethtool.${ifname}.${driverPart ? 'driver' : 'settings'}`;
    try {
      if (driverPart) {
        iface.driver = parseEthtoolDriver(body);
      } else {
        const settings = parseEthtoolSettings(body);
        if (settings.ifname !== ifname) throw toolError(tool, `section for ${ifname} describes ${settings.ifname}`, path);
        iface.settings = settings.fields;
      }
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      throw toolError(tool, `${ifname}: ${e.errors[0]?.message ?? e.message}`, path);
    }
  }
  if (sections.length === 0) throw toolError(tool, 'no interfaces in the output');
  return sweep;
}
