/**
 * Discovery of a real (virtual) machine with the real microkernel (issue 4 item 7): a diskless QEMU VM on a
 * tap in the test's namespace PXE-boots from a Monorail member in DHCP-server mode — DHCP → iPXE → HTTP
 * profile → the microkernel built from Debian packages (microkernel/build.sh, cached) → its agent runs
 * Monorail's discovery tasks with the real tools — and the node must end available with catalogs parsed
 * from that real output (dmidecode sees QEMU, lspci the virtio NIC, ipmitool the emulated BMC). Stages are
 * printed as they are reached; assertions are on what Monorail recorded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { microkernelImage } from '../../src/microkernel/microkernel-image.ts';
import { openEmbeddedStore } from '../../src/persistence/embedded/embedded-store.ts';
import { createNetnsPair, netnsAvailable, type NetnsPair } from '../support/netns.ts';
import { startMember, type LogLine, type MemberProcess } from '../support/member-process.ts';
import { addTap, qemuAvailable, startVm, type Vm } from '../support/qemu.ts';

const t0 = Date.now();
const stage = (what: string): void => console.log(`[discovery ${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);
const available = netnsAvailable() && qemuAvailable();

describe.skipIf(!available)('discovery of a QEMU machine with the real microkernel', () => {
  let pair: NetnsPair | undefined;
  let member: MemberProcess | undefined;
  let vm: Vm | undefined;
  let work = '';
  beforeAll(async () => {
    // Built once and cached (~13 s cold, downloads Debian packages; instant when cached).
    const image = await microkernelImage();
    stage(`microkernel image ready in ${image.directory}`);
    work = mkdtempSync(path.join(tmpdir(), 'monorail-discovery-'));
    pair = await createNetnsPair('disc');
    await addTap(pair, 'tap0');
    pair.spawn(pair.server, 'dnsmasq', ['-k', '--port=0', `--interface=${pair.bridge}`, '--bind-interfaces', '--enable-ra', '--dhcp-range=fd99::,ra-only,64', `--pid-file=${work}/ra.pid`]);
    member = await startMember(
      {
        MONORAIL_MEMBER_ID: 'discovery-e2e',
        MONORAIL_LOG_LEVEL: 'debug',
        MONORAIL_BOOT_SERVER_ADDRESS: '10.99.0.1',
        MONORAIL_DHCP_ENABLED: 'true',
        MONORAIL_DHCP_MODE: 'server',
        MONORAIL_DHCP_SUBNETS: JSON.stringify([{ subnet: '10.99.0.0/24', rangeStart: '10.99.0.100', rangeEnd: '10.99.0.150', router: null, leaseSeconds: 600 }]),
        MONORAIL_TFTP_ENABLED: 'true',
        MONORAIL_SYSLOG_ENABLED: 'true',
        MONORAIL_HTTP_HOST: '0.0.0.0',
        MONORAIL_HTTP_PORT: '8080',
        MONORAIL_MICROKERNEL_IMAGE: 'build',
      },
      { pair, ns: pair.server },
    );
    await member.waitFor((l) => l.msg === 'microkernel ready', 120_000, "'microkernel ready'");
    stage('member up, microkernel served');
  }, 240_000);
  afterAll(async () => {
    vm?.kill();
    await member?.stop();
    await pair?.destroy();
    if (work !== '') rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('boots DHCP → iPXE → HTTP → microkernel, runs the catalogs with the real tools, and leaves the node available', async () => {
    const m = member!;
    const mac = '52:54:00:d5:c0:01';
    vm = startVm(pair!, {
      firmware: 'bios',
      mac,
      tap: 'tap0',
      serialLog: path.join(work, 'vm.log'),
      memoryMb: 512,
      // QEMU's emulated BMC on a KCS interface: the microkernel's ipmitool reaches it in-band.
      extraArgs: ['-device', 'ipmi-bmc-sim,id=bmc0', '-device', 'isa-ipmi-kcs,bmc=bmc0'],
    });
    stage('VM started');
    const seen = (l: LogLine, msg: string): boolean => l.msg === msg;
    await m.waitFor((l) => seen(l, 'discovery started on first contact'), 90_000, 'discovery to start on first contact');
    stage('first contact: Graph.Discovery started');
    await m.waitFor((l) => seen(l, 'task ended') && l['task'] === 'bootstrap', 120_000, 'the microkernel agent to ask for work');
    stage('microkernel agent is up');
    const finished = await m.waitFor((l) => seen(l, 'workflow finished') && (l['status'] as string | undefined) !== undefined && l['workflowId'] !== undefined, 120_000, 'discovery to finish');
    stage(`discovery finished: ${String(finished['status'])}`);
    expect(finished['status']).toBe('succeeded');
    const syslog = m.lines().some((l) => l.msg === 'observed' && (l['observation'] as { type?: string } | undefined)?.type === 'syslog');
    stage(`microkernel syslog received: ${syslog}`);
    vm.kill();
    await m.stop({ keepData: true });

    const store = await openEmbeddedStore({ path: path.join(m.dataDir, 'store') });
    try {
      const [node] = await store.documents.collection('nodes').find({ identifiers: mac });
      expect(node?.lifecycle.state).toBe('available');
      const catalogs = await store.documents.collection('catalogs').find({ node: node?.id ?? '' });
      const bySource = new Map(catalogs.map((c) => [c.source, c.data]));
      stage(`catalogs: ${[...bySource.keys()].sort().join(', ')}`);
      expect(JSON.stringify(bySource.get('dmi'))).toContain('QEMU');
      expect(JSON.stringify(bySource.get('lspci'))).toMatch(/Virtio|virtio/);
      for (const source of ['lshw', 'lsblk', 'ip-addr', 'ip-link', 'ethtool']) expect(bySource.has(source)).toBe(true);
      const [wf] = await store.documents.collection('workflows').find({ node: node?.id ?? '', injectableName: 'Graph.Discovery' });
      const tasks = wf?.['tasks'] as { label: string; taskId: string }[];
      const runs = wf?.['runs'] as Record<string, { status: string; error?: { message: string } }>;
      for (const t of tasks) if (runs[t.taskId]?.status !== 'succeeded') stage(`task ${t.label}: ${runs[t.taskId]?.status} ${runs[t.taskId]?.error?.message ?? ''}`);
      expect(bySource.has('ipmi-mc-info')).toBe(true);
      expect(syslog).toBe(true);
    } finally {
      await store.close();
      rmSync(m.dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});
