/** Server mode against real clients (busybox udhcpc, ISC dhclient) and a full Monorail member. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFiles, dhclientArgs, memberEnv, reasons, serverModeEnv, stopDhclient, udhcpc, type ClientFiles } from '../../support/dhcp-real-clients.ts';
import { startMember, type MemberProcess } from '../../support/member-process.ts';
import { createNetnsPair, netnsAvailable, type NetnsPair } from '../../support/netns.ts';

describe.skipIf(!netnsAvailable())('DHCP with real clients in network namespaces', () => {
  describe('server mode', () => {
    let pair: NetnsPair;
    let member: MemberProcess;
    let files: ClientFiles;
    beforeAll(async () => {
      pair = await createNetnsPair('dhcps');
      files = clientFiles();
      writeFileSync(path.join(files.dir, 'dh.conf'), 'option pxe-client-arch code 93 = unsigned integer 16;\nsend vendor-class-identifier "PXEClient:Arch:00007:UNDI:003016";\nsend pxe-client-arch 7;\nrequest subnet-mask, routers, domain-name-servers, tftp-server-name, bootfile-name;\n');
      member = await startMember(memberEnv(serverModeEnv), { pair, ns: pair.server });
    });
    afterAll(async () => {
      await stopDhclient(pair, files.dir);
      await member?.stop();
      await pair?.destroy();
      files?.cleanup();
    });

    it('udhcpc leases an address with its configuration and boot file', async () => {
      const r = await udhcpc(pair, files.dir, 'lease.out', ['-V', 'PXEClient:Arch:00000:UNDI:002001', '-x', '0x5d:0000', '-O', 'bootfile']);
      expect(r.code, r.stderr).toBe(0);
      expect(files.events('lease.out').find((e) => e.reason === 'bound')).toMatchObject({
        ip: expect.stringMatching(/^10\.99\.0\.1[0-5]\d$/) as unknown,
        mask: '255.255.255.0',
        dns: '10.99.0.1',
        siaddr: '10.99.0.1',
        boot_file: 'undionly.kpxe',
        serverid: '10.99.0.1',
      });
    });

    it('the microkernel leases an address with no boot file (F8)', async () => {
      await pair.run(pair.client, 'ip', ['link', 'set', pair.clientIf, 'address', '02:00:00:00:f8:01']);
      const r = await udhcpc(pair, files.dir, 'mk.out', ['-V', 'E2E-microkernel']);
      expect(r.code, r.stderr).toBe(0);
      // udhcpc leaves siaddr unset when it is 0.0.0.0.
      expect(files.events('mk.out').find((e) => e.reason === 'bound')).toMatchObject({ ip: expect.stringMatching(/^10\.99\.0\.1\d\d$/) as unknown, siaddr: '', boot_file: '' });
    });

    it('dhclient (UEFI x64) leases another address with snponly.efi, and its RELEASE frees it', async () => {
      await pair.run(pair.client, 'ip', ['link', 'set', pair.clientIf, 'address', '02:00:00:00:d4:01']);
      const r = await pair.run(pair.client, 'dhclient', dhclientArgs(files.dir, pair, ['-1', '-v']), 30_000);
      expect(r.code, r.stderr).toBe(0);
      const bound = files.events('dh.out').find((e) => e.reason === 'BOUND');
      expect(bound).toMatchObject({ next: '10.99.0.1', filename: 'snponly.efi', bootfile: 'snponly.efi', sid: '10.99.0.1', mask: '255.255.255.0' });
      const ip = bound!.ip!;
      expect(files.events('lease.out').map((e) => e.ip)).not.toContain(ip);
      const release = await pair.run(pair.client, 'dhclient', dhclientArgs(files.dir, pair, ['-r', '-v']), 15_000);
      expect(release.stderr).toContain(`DHCPRELEASE of ${ip}`);
      await member.waitFor((l) => l.msg === 'DHCP request not answered' && l.reason === `${ip} released`, 5_000);
      expect(reasons(member.lines(), 'DHCP request not answered')).not.toContain('client chose server 10.99.0.2');
    });
  });

});
