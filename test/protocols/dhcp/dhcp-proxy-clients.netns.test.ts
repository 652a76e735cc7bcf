/**
 * proxyDHCP against real clients: busybox udhcpc alone with a full Monorail member in the server
 * namespace, and ISC dhclient beside a site DHCP server (busybox udhcpd) in a third namespace.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Opt } from '../../../src/protocols/dhcp/dhcp-constants.ts';
import { decodePacket } from '../../../src/protocols/dhcp/packet-codec.ts';
import { clientFiles, dhclientArgs, memberEnv, stopDhclient, udhcpc, type ClientFiles } from '../../support/dhcp-real-clients.ts';
import { startMember, type MemberProcess } from '../../support/member-process.ts';
import { createNetnsPair, netnsAvailable, type NetnsPair } from '../../support/netns.ts';
import { readPcapUdp } from '../../support/pcap-udp.ts';

describe.skipIf(!netnsAvailable())('DHCP with real clients in network namespaces', () => {
  describe('proxy mode', () => {
    let pair: NetnsPair;
    let member: MemberProcess;
    let files: ClientFiles;
    beforeAll(async () => {
      pair = await createNetnsPair('dhcpp');
      files = clientFiles();
      member = await startMember(memberEnv(), { pair, ns: pair.server });
    });
    afterAll(async () => {
      await stopDhclient(pair, files.dir);
      await member?.stop();
      await pair?.destroy();
      files?.cleanup();
    });

    it('udhcpc as a BIOS PXE client gets next-server and undionly.kpxe, and no address', async () => {
      const r = await udhcpc(pair, files.dir, 'bios.out', ['-V', 'PXEClient:Arch:00000:UNDI:002001', '-x', '0x5d:0000', '-O', 'bootfile', '-O', 'tftp']);
      expect(r.code, r.stderr).toBe(0);
      expect(files.events('bios.out').find((e) => e.reason === 'bound')).toMatchObject({
        ip: '0.0.0.0',
        siaddr: '10.99.0.1',
        boot_file: 'undionly.kpxe',
        bootfile: 'undionly.kpxe',
        tftp: '10.99.0.1',
        serverid: '10.99.0.1',
      });
    });

    it('udhcpc as UEFI x64 (option 93 = 7) gets snponly.efi; as iPXE (user class 77) the URL of its profile', async () => {
      expect((await udhcpc(pair, files.dir, 'efi.out', ['-V', 'PXEClient:Arch:00007:UNDI:003016', '-x', '0x5d:0007'])).code).toBe(0);
      expect(files.events('efi.out').find((e) => e.reason === 'bound')).toMatchObject({ siaddr: '10.99.0.1', boot_file: 'snponly.efi' });
      expect((await udhcpc(pair, files.dir, 'ipxe.out', ['-V', 'PXEClient:Arch:00000:UNDI:002001', '-x', '77:69505845'])).code).toBe(0);
      const mac = (await pair.run(pair.client, 'cat', [`/sys/class/net/${pair.clientIf}/address`])).stdout.trim();
      expect(files.events('ipxe.out').find((e) => e.reason === 'bound')).toMatchObject({
        siaddr: '10.99.0.1',
        boot_file: `http://10.99.0.1:8080/api/current/profiles?macs=${mac}`,
      });
    });

    it('a client that is not a PXE client (the microkernel, F8) gets no answer', async () => {
      const r = await pair.run(pair.client, 'busybox', ['udhcpc', '-i', pair.clientIf, '-f', '-q', '-n', '-t', '1', '-T', '1', '-s', path.join(files.dir, 'u.sh'), '-V', 'E2E-microkernel'], 20_000);
      expect(r.code).not.toBe(0);
      await member.waitFor((l) => l.msg === 'DHCP request not answered' && String(l.reason).startsWith('microkernel client'), 5_000);
    });

    it('dhclient beside a site DHCP server: binds the site lease, receives the proxy offer with next-server and bootfile, never a proxy answer to its REQUEST', async () => {
      const site = await pair.addPeer('site', '10.99.0.2/24');
      writeFileSync(path.join(files.dir, 'udhcpd.leases'), '');
      writeFileSync(
        path.join(files.dir, 'udhcpd.conf'),
        `start 10.99.0.200\nend 10.99.0.220\ninterface eth0\nlease_file ${files.dir}/udhcpd.leases\noption subnet 255.255.255.0\noption lease 600\narp_ping_timeout_ms 0\n`,
      );
      pair.spawn(site, 'busybox', ['udhcpd', '-f', path.join(files.dir, 'udhcpd.conf')]);
      // A proxy offer has no address and no subnet mask; `require subnet-mask` makes dhclient wait for the
      // site server's offer instead of taking whichever arrives first.
      writeFileSync(
        path.join(files.dir, 'dh.conf'),
        'send vendor-class-identifier "PXEClient:Arch:00000:UNDI:002001";\nrequest subnet-mask, routers, tftp-server-name, bootfile-name;\nrequire subnet-mask;\n',
      );
      const pcap = path.join(files.dir, 'client.pcap');
      const capture = pair.spawn(pair.client, 'tcpdump', ['-i', pair.clientIf, '-U', '-w', pcap, 'udp port 68']);
      await new Promise((r) => setTimeout(r, 700));
      const r = await pair.run(pair.client, 'dhclient', dhclientArgs(files.dir, pair, ['-1', '-v']), 30_000);
      await new Promise((r) => setTimeout(r, 300));
      capture.kill('SIGINT');
      await new Promise((r) => capture.once('exit', r));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('DHCPOFFER of 0.0.0.0 from 10.99.0.1');
      expect(r.stderr).toMatch(/DHCPACK of 10\.99\.0\.2\d\d from 10\.99\.0\.2/);
      expect(files.events('dh.out').find((e) => e.reason === 'BOUND')).toMatchObject({ sid: '10.99.0.2' });

      const fromProxy = readPcapUdp(pcap)
        .filter((d) => d.source === '10.99.0.1' && d.sourcePort === 67)
        .map((d) => decodePacket(d.payload))
        .flatMap((d) => (d.ok ? [d.packet] : []));
      expect(fromProxy.length).toBeGreaterThan(0);
      expect(fromProxy[0]).toMatchObject({ yiaddr: '0.0.0.0', siaddr: '10.99.0.1', file: 'undionly.kpxe' });
      expect(fromProxy[0]!.options.get(Opt.VENDOR_CLASS)?.toString()).toBe('PXEClient');
      expect(fromProxy[0]!.options.get(Opt.BOOTFILE)?.toString()).toBe('undionly.kpxe');
      await member.waitFor((l) => l.msg === 'DHCP request not answered' && l.reason === 'REQUEST names server 10.99.0.2', 5_000);
    });
  });

});
