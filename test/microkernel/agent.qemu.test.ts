/**
 * The real microkernel (microkernel/build.sh: Debian's kernel, busybox-static, the inventory tools) booted
 * in QEMU, its agent talking RackHD's microkernel protocol to a scripted task server on the host. Two VMs
 * run side by side:
 * - A (virtio-net, a disk, no BMC, no mk.node): runs the agent the server serves at bootstrap.js, does the
 *   discovery commands, reports ipmitool's failure, sends its log to syslog, and powers off on `exit: 0`.
 * - B (e1000, an emulated BMC, mk.node): runs the agent built into the image, reads the BMC in-band,
 *   and stays up on `exit: 127`.
 * The image is built once and cached (a cold build downloads ~90 MB from Debian and takes ~20 s).
 */
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { microkernelImage, type MicrokernelImage } from '../../src/microkernel/microkernel-image.ts';
import { jsonReply, rawReply, renderedAgent, startMicrokernelTaskServer, type AgentReport, type MicrokernelTaskServer } from '../support/microkernel-task-server.ts';
import { microkernelQemuAvailable, startMicrokernelVm, type MicrokernelVm } from '../support/microkernel-vm.ts';

const available = microkernelQemuAvailable();
/** What the guest calls the host (QEMU user networking). */
const hostFromGuest = '10.0.2.2';

const specialOutput = 'q"uote\\back\tslash\nnew\u0001ctl\r\né \ufffdbad\n';
const specialCommand = `printf 'q"uote\\\\back\\tslash\\nnew\\001ctl\\r\\n\\303\\251 \\377bad\\n'`;

describe.skipIf(!available)('the microkernel in QEMU', () => {
  let image: MicrokernelImage;
  let server: MicrokernelTaskServer;
  let syslog: dgram.Socket;
  const syslogLines: string[] = [];
  let scratch: string;
  const vms: MicrokernelVm[] = [];
  const t0 = Date.now();
  const stage = (what: string): void => console.log(`[microkernel qemu +${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);

  beforeAll(async () => {
    stage('building or finding the image');
    image = await microkernelImage();
    stage(`image: ${image.directory}`);
    server = await startMicrokernelTaskServer();
    syslog = dgram.createSocket('udp4');
    syslog.on('message', (m) => syslogLines.push(m.toString('latin1')));
    await new Promise<void>((resolve) => syslog.bind(0, '127.0.0.1', resolve));
    scratch = mkdtempSync(path.join(tmpdir(), 'monorail-mk-qemu-'));
  }, 600_000);

  afterAll(async () => {
    await Promise.all(vms.map((vm) => vm.kill()));
    await server?.close();
    syslog?.close();
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  });

  it.concurrent('A: served agent, discovery commands, the failure of ipmitool without a BMC, syslog, power off on exit 0', async ({ expect }) => {
    const id = '5f1c0ffee0000000000000a1';
    const mac = '52:54:00:4d:4b:0a';
    const serverUrl = `http://${hostFromGuest}:${server.port}`;
    server.bootstrap(mac, renderedAgent(serverUrl, id, mac));
    const disk = path.join(scratch, 'a.img');
    writeFileSync(disk, '');
    truncateSync(disk, 64 * 1024 * 1024);
    server.reply(
      id,
      rawReply(404, '{"message":"no commands"}'),
      jsonReply({
        identifier: id,
        tasks: [
          { cmd: 'dmidecode', source: 'dmi', catalog: true },
          { cmd: 'lshw -json', source: 'lshw', catalog: true },
          { cmd: 'lspci -nn -vmm', source: 'lspci', catalog: true },
          { cmd: 'lsblk -J -b', source: 'lsblk', catalog: true },
          { cmd: 'ip -j addr', source: 'ip', catalog: true },
          { cmd: 'ethtool -i eth0' },
          { cmd: specialCommand },
          { cmd: 'seq 1 1000000' },
        ],
      }),
      jsonReply({ identifier: id, tasks: [{ cmd: 'ipmitool mc info', source: 'ipmi-mc-info', catalog: true }, { cmd: 'echo never' }] }),
      jsonReply({ identifier: id, tasks: [{ cmd: '' }], exit: 0 }),
    );
    const vm = startMicrokernelVm({
      image,
      mac,
      disk: { file: disk, serial: 'MK-DISK-A' },
      append: `mk.server=${serverUrl} mk.mac=${mac} mk.syslog=${hostFromGuest}:${(syslog.address()).port}`,
    });
    vms.push(vm);
    stage('A: QEMU started');

    const bootstrap = await server.waitFor('A to fetch bootstrap.js', () => server.requests.find((r) => r.path.includes(`macAddress=${mac}`)), 60_000);
    stage(`A: GET bootstrap.js ${((server.startedAt + bootstrap.at - vm.startedAt) / 1000).toFixed(1)} s after QEMU started`);
    const discovery = await server.waitFor('A to post the discovery results', () => server.postsOf(id)[0], 60_000);
    stage(`A: discovery results posted (${discovery.raw.length} bytes)`);
    expect(discovery.parseError).toBeUndefined();
    const tasks = (discovery.json as AgentReport).tasks;
    expect(tasks.map((t) => t.error)).toEqual(tasks.map(() => null));

    expect(tasks[0]!.stdout).toMatch(/System Information\n\tManufacturer: QEMU\n/);
    const lshw = JSON.parse(tasks[1]!.stdout!) as { vendor?: string; children?: unknown[] };
    expect(lshw.vendor).toBe('QEMU');
    expect(tasks[2]!.stdout).toMatch(/Vendor:\tRed Hat, Inc\. \[1af4\]/);
    const lsblk = JSON.parse(tasks[3]!.stdout!) as { blockdevices: { name: string; size: number }[] };
    expect(lsblk.blockdevices).toContainEqual(expect.objectContaining({ name: 'vda', size: 64 * 1024 * 1024 }));
    const ip = JSON.parse(tasks[4]!.stdout!) as { ifname: string; address: string; addr_info: { local: string }[] }[];
    expect(ip.find((i) => i.ifname === 'eth0')).toMatchObject({ address: mac, addr_info: expect.arrayContaining([expect.objectContaining({ local: '10.0.2.15' })]) as unknown });
    expect(tasks[5]!.stdout).toMatch(/^driver: virtio_net$/m);
    expect(tasks[6]!.stdout).toBe(specialOutput);
    // seq 1 1000000 prints 6888896 bytes; 4 MiB are kept.
    expect(tasks[7]!.stdout).toHaveLength(4 * 1024 * 1024 + '\n[monorail-agent: output truncated after 4194304 bytes, 2694592 more dropped]\n'.length);
    expect(tasks[7]!.stdout!.endsWith('\n[monorail-agent: output truncated after 4194304 bytes, 2694592 more dropped]\n')).toBe(true);

    const ipmi = await server.waitFor('A to post the ipmitool result', () => server.postsOf(id)[1], 60_000);
    const [mcInfo, never] = (ipmi.json as AgentReport).tasks;
    expect(mcInfo!.error).toMatchObject({ code: 1, cmd: 'ipmitool mc info' });
    expect(mcInfo!.stderr).toMatch(/Could not open device/);
    expect(never).toEqual({ cmd: 'echo never' });
    stage('A: ipmitool failure reported');

    expect(await vm.exited).toBe(0);
    stage('A: QEMU exited; its console:');
    for (const l of vm.lines()) if (/microkernel:|monorail-agent:/.test(l.text)) console.log(`  A ${(l.at / 1000).toFixed(1).padStart(5)} s  ${l.text}`);
    expect(vm.lines().map((l) => l.text)).toContainEqual(expect.stringMatching(/reboot: Power down/));
    expect(server.postsOf(id)).toHaveLength(3);
    expect(syslogLines).toContainEqual(expect.stringMatching(/microkernel: up: node unknown, eth0 52:54:00:4d:4b:0a, address 10\.0\.2\.15/));
    expect(syslogLines).toContainEqual(expect.stringMatching(/monorail-agent: posted results/));
  }, 120_000);

  it.concurrent('B: built-in agent with mk.node, in-band ipmitool through the BMC, stays up on exit 127', async ({ expect }) => {
    const id = '5f1c0ffee0000000000000b2';
    const mac = '52:54:00:4d:4b:0b';
    server.reply(id, jsonReply({ tasks: [{ cmd: 'ipmitool mc info' }] }), jsonReply({ tasks: [{ cmd: 'echo bye' }], exit: 127 }));
    const vm = startMicrokernelVm({ image, mac, nic: 'e1000', bmc: true, append: `mk.server=http://${hostFromGuest}:${server.port} mk.node=${id} mk.mac=${mac}` });
    vms.push(vm);
    stage('B: QEMU started');

    const first = await server.waitFor('B to ask for tasks', () => server.gets(id)[0], 60_000);
    stage(`B: first GET of its tasks ${((server.startedAt + first.at - vm.startedAt) / 1000).toFixed(1)} s after QEMU started`);
    // No agent is served for B's MAC: it ran the one built into the image.
    expect(server.requests.find((r) => r.path.includes(`macAddress=${mac}`))?.status).toBe(404);
    const report = await server.waitFor('B to post the BMC', () => server.postsOf(id)[0], 60_000);
    expect((report.json as AgentReport).tasks[0]).toMatchObject({ error: null, stdout: expect.stringMatching(/Device ID\s+: 32/) as unknown });
    stage('B: ipmitool mc info answered by the emulated BMC');

    await vm.waitForLine(/microkernel: staying up/, 60_000);
    const polls = server.gets(id).length;
    // Still running, and no agent asking any more, a while after it chose to stay up.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(vm.running()).toBe(true);
    expect(server.gets(id)).toHaveLength(polls);
    expect(server.postsOf(id)).toHaveLength(2);
    stage('B: stayed up');
    await vm.kill();
  }, 120_000);
});
