/**
 * Running real DHCP clients (busybox udhcpc, ISC dhclient) in a test's client namespace against a
 * Monorail member in the server namespace, as real-clients.md §2 runs them, with scripts that record
 * what each client was told.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LogLine } from './member-process.ts';
import type { NetnsPair } from './netns.ts';

export type Fields = Record<string, string>;

export const leaseDefaults = { router: null, dnsServers: [], domainName: null, leaseSeconds: 600, reservations: [] };
export const serverModeEnv = {
  MONORAIL_DHCP_MODE: 'server',
  MONORAIL_DHCP_SUBNETS: JSON.stringify([{ subnet: '10.99.0.0/24', rangeStart: '10.99.0.100', rangeEnd: '10.99.0.150', ...leaseDefaults, dnsServers: ['10.99.0.1'] }]),
};

export function memberEnv(more: Record<string, string> = {}): Record<string, string> {
  return { MONORAIL_DHCP_ENABLED: 'true', MONORAIL_BOOT_SERVER_ADDRESS: '10.99.0.1', MONORAIL_HTTP_ENABLED: 'false', MONORAIL_LOG_LEVEL: 'debug', ...more };
}

/** A scratch directory with the client scripts; each script appends `reason|key=value|…` lines. */
export interface ClientFiles {
  readonly dir: string;
  events(file: string): Fields[];
  cleanup(): void;
}

export function clientFiles(): ClientFiles {
  const dir = mkdtempSync(path.join(tmpdir(), 'monorail-dhcp-clients-'));
  const write = (name: string, text: string, mode = 0o644): void => {
    writeFileSync(path.join(dir, name), text);
    chmodSync(path.join(dir, name), mode);
  };
  // udhcpc exports the BOOTP fields siaddr/boot_file and options by name (bootfile = 67, tftp = 66).
  write('u.sh', `#!/bin/sh\necho "reason=$1|ip=$ip|siaddr=$siaddr|boot_file=$boot_file|bootfile=$bootfile|tftp=$tftp|serverid=$serverid|mask=$subnet|dns=$dns" >> "${dir}/$U_OUT"\n`, 0o755);
  // dhclient: the -sf script replaces dhclient-script, which would rewrite the host's resolv.conf.
  // It configures the address so that dhclient -r can unicast its RELEASE.
  write(
    'dh.sh',
    [
      '#!/bin/sh',
      `echo "reason=$reason|ip=$new_ip_address|next=$new_next_server|filename=$new_filename|bootfile=$new_bootfile_name|sid=$new_dhcp_server_identifier|mask=$new_subnet_mask" >> "${dir}/dh.out"`,
      'case "$reason" in BOUND|REBOOT|RENEW|REBIND) ip addr flush dev "$interface"; ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface";; RELEASE|STOP|EXPIRE|FAIL) ip addr flush dev "$interface";; esac',
      '',
    ].join('\n'),
    0o755,
  );
  write('dh.leases', '');
  const events = (file: string): Fields[] => {
    const f = path.join(dir, file);
    if (!existsSync(f)) return [];
    return readFileSync(f, 'utf8')
      .trim()
      .split('\n')
      .map((line) => Object.fromEntries(line.split('|').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])));
  };
  return { dir, events, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function udhcpc(pair: NetnsPair, dir: string, out: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  const r = await pair.run(pair.client, 'env', [`U_OUT=${out}`, 'busybox', 'udhcpc', '-i', pair.clientIf, '-f', '-q', '-n', '-t', '4', '-T', '1', '-s', path.join(dir, 'u.sh'), ...args], 20_000);
  return { code: r.code, stderr: r.stderr };
}

export function dhclientArgs(dir: string, pair: NetnsPair, flags: string[]): string[] {
  return [...flags, '-cf', path.join(dir, 'dh.conf'), '-sf', path.join(dir, 'dh.sh'), '-lf', path.join(dir, 'dh.leases'), '-pf', path.join(dir, 'dh.pid'), pair.clientIf];
}

/** `dhclient -1` forks a daemon once bound; this ends it (without a RELEASE) so no process outlives the test. */
export async function stopDhclient(pair: NetnsPair, dir: string): Promise<void> {
  if (existsSync(path.join(dir, 'dh.pid'))) await pair.run(pair.client, 'dhclient', dhclientArgs(dir, pair, ['-x']), 10_000);
}

export const reasons = (lines: readonly LogLine[], msg: string): string[] => lines.filter((l) => l.component === 'dhcp' && l.msg === msg).map((l) => String(l.reason));

