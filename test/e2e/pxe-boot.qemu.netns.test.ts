/**
 * Real PXE firmware against Monorail (issue 3 item 6). Diskless QEMU VMs on taps bridged in a test
 * namespace boot from a Monorail member running in that namespace:
 *
 * - proxyDHCP beside a separate site DHCP server (busybox udhcpd in a third namespace): BIOS (SeaBIOS +
 *   iPXE NIC ROM) and UEFI (OVMF's own EDK2 PXE fetching snponly.efi over Monorail's TFTP);
 * - DHCP-server mode: a BIOS and a UEFI VM at once, which must get different addresses (real-clients.md F1).
 *
 * Assertions are on what Monorail recorded (node created, DHCP answered, file transferred, profile
 * served), never on QEMU's exit code. Each stage is printed as it is reached.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetnsPair, netnsAvailable, type NetnsPair } from '../support/netns.ts';
import { startMember, type LogLine, type MemberProcess } from '../support/member-process.ts';
import { addTap, qemuAvailable, startVm, type Vm } from '../support/qemu.ts';

const t0 = Date.now();
const stage = (what: string): void => console.log(`[pxe ${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);

interface Observation {
  readonly type: string;
  readonly profile?: string;
  readonly file?: string;
  readonly ok?: boolean;
  readonly messageType?: string;
}
/** The serial console is written as the VM runs; give it a moment to show what Monorail already saw. */
async function serialShows(vm: Vm, text: string, timeoutMs = 15_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  while (!vm.serial().includes(text) && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
  return vm.serial();
}

const observed = (l: LogLine): Observation | undefined => (l.msg === 'observed' ? (l.observation as Observation) : undefined);

function baseEnv(mode: 'proxy' | 'server'): Record<string, string> {
  return {
    MONORAIL_MEMBER_ID: `pxe-${mode}`,
    MONORAIL_LOG_LEVEL: 'debug',
    MONORAIL_BOOT_SERVER_ADDRESS: '10.99.0.1',
    MONORAIL_DHCP_ENABLED: 'true',
    MONORAIL_DHCP_MODE: mode,
    MONORAIL_TFTP_ENABLED: 'true',
    MONORAIL_HTTP_HOST: '0.0.0.0',
    MONORAIL_HTTP_PORT: '8080',
    MONORAIL_ACTORS_PASSIVATE_AFTER_MS: '0',
  };
}

interface Rig {
  pair: NetnsPair;
  member: MemberProcess;
  work: string;
}

async function rig(mode: 'proxy' | 'server', taps: string[]): Promise<Rig> {
  const pair = await createNetnsPair(`pxe${mode[0]}`);
  const work = mkdtempSync(path.join(tmpdir(), 'monorail-pxe-'));
  for (const tap of taps) await addTap(pair, tap);
  // iPXE spends ~13 s on IPv6 router solicitations nobody answers; an RA-only dnsmasq (no UDP ports)
  // answers them (real-clients.md §3).
  pair.spawn(pair.server, 'dnsmasq', ['-k', '--port=0', `--interface=${pair.bridge}`, '--bind-interfaces', '--enable-ra', '--dhcp-range=fd99::,ra-only,64', `--pid-file=${work}/ra.pid`]);
  if (mode === 'proxy') {
    const site = await pair.addPeer('site', '10.99.0.2/24');
    writeFileSync(
      path.join(work, 'udhcpd.conf'),
      `start 10.99.0.100\nend 10.99.0.150\ninterface eth0\nlease_file ${work}/udhcpd.leases\noption subnet 255.255.255.0\noption lease 3600\n`,
    );
    writeFileSync(path.join(work, 'udhcpd.leases'), '');
    pair.spawn(site, 'busybox', ['udhcpd', '-f', path.join(work, 'udhcpd.conf')]);
  }
  const env: Record<string, string> =
    mode === 'server'
      ? {
          ...baseEnv(mode),
          MONORAIL_DHCP_SUBNETS: JSON.stringify([{ subnet: '10.99.0.0/24', rangeStart: '10.99.0.100', rangeEnd: '10.99.0.150', router: null, leaseSeconds: 600 }]),
        }
      : baseEnv(mode);
  const member = await startMember(env, { pair, ns: pair.server });
  stage(`${mode} rig up: member serving ${JSON.stringify(member.lines().find((l) => l.msg === 'monorail started')?.serving)}`);
  return { pair, member, work };
}

async function teardown(r: Rig | undefined, vms: Vm[]): Promise<void> {
  for (const vm of vms) vm.kill();
  await r?.member.stop();
  await r?.pair.destroy();
  if (r) rmSync(r.work, { recursive: true, force: true });
}

const available = netnsAvailable() && qemuAvailable();

describe.skipIf(!available)('PXE boot with real firmware: proxyDHCP beside a site DHCP server', () => {
  let r: Rig | undefined;
  const vms: Vm[] = [];
  beforeAll(async () => {
    r = await rig('proxy', ['tap0', 'tap1']);
  }, 90_000);
  afterAll(() => teardown(r, vms), 60_000);

  it('BIOS: SeaBIOS + iPXE ROM gets its profile over HTTP from a proxyDHCP answer', async () => {
    const { member, pair, work } = r!;
    const vm = startVm(pair, { firmware: 'bios', mac: '52:54:00:99:00:10', tap: 'tap0', serialLog: path.join(work, 'bios.log') });
    vms.push(vm);
    stage('BIOS VM started');
    await member.waitFor((l) => observed(l)?.type === 'dhcp', 60_000, 'a DHCP packet from the BIOS VM');
    stage('BIOS VM: DHCP observed');
    const profile = await member.waitFor((l) => observed(l)?.type === 'http.profile', 90_000, 'a profile request from the BIOS VM');
    stage(`BIOS VM: profile ${observed(profile)?.profile} served`);
    expect(observed(profile)?.profile).toBe('microkernel.ipxe');
    expect(await serialShows(vm, 'Monorail: booting the microkernel')).toContain('Monorail: booting the microkernel');
    vm.kill();
  }, 150_000);

  it('UEFI: OVMF PXE fetches snponly.efi over Monorail TFTP, then iPXE gets its profile', async () => {
    const { member, pair, work } = r!;
    const before = member.lines().length;
    const vm = startVm(pair, { firmware: 'uefi', mac: '52:54:00:99:00:20', tap: 'tap1', serialLog: path.join(work, 'uefi.log') });
    vms.push(vm);
    stage('UEFI VM started');
    const fresh = (match: (l: LogLine) => boolean) => (l: LogLine) => member.lines().indexOf(l) >= before && match(l);
    const tftp = await member.waitFor(fresh((l) => observed(l)?.type === 'tftp.transfer' && observed(l)?.ok === true), 120_000, 'a TFTP transfer to the UEFI VM');
    stage(`UEFI VM: TFTP ${observed(tftp)?.file} transferred`);
    expect(observed(tftp)?.file).toContain('snponly.efi');
    const profile = await member.waitFor(fresh((l) => observed(l)?.type === 'http.profile'), 120_000, 'a profile request from iPXE on the UEFI VM');
    stage(`UEFI VM: profile ${observed(profile)?.profile} served`);
    vm.kill();
  }, 180_000);
});

describe.skipIf(!available)('PXE boot with real firmware: Monorail as the DHCP server', () => {
  let r: Rig | undefined;
  const vms: Vm[] = [];
  beforeAll(async () => {
    r = await rig('server', ['tap0', 'tap1']);
  }, 90_000);
  afterAll(() => teardown(r, vms), 60_000);

  it('boots a BIOS and a UEFI VM at once, each with its own lease, boot file and profile', async () => {
    const { member, pair, work } = r!;
    vms.push(startVm(pair, { firmware: 'bios', mac: '52:54:00:99:00:31', tap: 'tap0', serialLog: path.join(work, 'vm-bios.log') }));
    vms.push(startVm(pair, { firmware: 'uefi', mac: '52:54:00:99:00:32', tap: 'tap1', serialLog: path.join(work, 'vm-uefi.log') }));
    stage('a BIOS and a UEFI VM started together');
    const tftp = await member.waitFor((l) => observed(l)?.type === 'tftp.transfer' && observed(l)?.ok === true, 150_000, 'the UEFI VM fetching its loader over TFTP');
    stage(`UEFI VM: TFTP ${observed(tftp)?.file} transferred`);
    const profiles = (): LogLine[] => member.lines().filter((l) => observed(l)?.type === 'http.profile');
    await member.waitFor(() => new Set(profiles().map((l) => l.nodeId)).size >= 2, 150_000, 'profile requests from both VMs');
    stage('both VMs got their profiles');
    const serials = await Promise.all(vms.map((vm) => serialShows(vm, 'Monorail: booting the microkernel')));
    for (const s of serials) expect(s).toContain('Monorail: booting the microkernel');
    // iPXE prints the configured address as "net0: 10.99.0.x/255.255.255.0 ..." once DHCP completes.
    const addresses = serials.map((s) => /net0: (10\.99\.0\.\d+)\//.exec(s)?.[1]);
    stage(`addresses from the serial consoles: ${addresses.join(', ')}`);
    expect(addresses.every((a) => a !== undefined)).toBe(true);
    expect(new Set(addresses).size).toBe(2);
  }, 200_000);
});
