/**
 * `ipmitool chassis status` (IPMI 2.0 §28.2 Get Chassis Status) as a record: each "Label : value" line in
 * camelCase, `true`/`false` as booleans, and `power` as a boolean from "System Power : on|off", which is
 * what RackHD's chassis poller and its `chassispower.updated` alert read.
 */
export interface ChassisStatus {
  readonly power: boolean;
  readonly [field: string]: string | boolean;
}

const camel = (label: string): string =>
  label
    .replace(/[^A-Za-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .map((w, i) => (i === 0 ? w.toLowerCase() : `${w.charAt(0).toUpperCase()}${w.slice(1).toLowerCase()}`))
    .join('');

export function parseChassisStatus(stdout: string): ChassisStatus {
  const fields: Record<string, string | boolean> = {};
  for (const line of stdout.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = camel(line.slice(0, colon));
    const value = line.slice(colon + 1).trim();
    if (key === '') continue;
    fields[key] = value === 'true' ? true : value === 'false' ? false : value;
  }
  const power = fields['systemPower'];
  if (power !== 'on' && power !== 'off') throw new Error(`chassis status without a "System Power : on|off" line: ${JSON.stringify(stdout.slice(0, 200))}`);
  return { ...fields, power: power === 'on' };
}

/** `ipmitool chassis power status`: "Chassis Power is on|off". */
export function parsePowerStatus(stdout: string): boolean {
  const m = /Chassis Power is (on|off)/.exec(stdout);
  if (m === null) throw new Error(`unexpected power status output: ${JSON.stringify(stdout.slice(0, 200))}`);
  return m[1] === 'on';
}
