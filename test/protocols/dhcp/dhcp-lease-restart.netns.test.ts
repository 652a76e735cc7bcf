/**
 * A lease outlives the member that granted it: dhclient binds, the member restarts on the same data
 * directory, and dhclient's INIT-REBOOT (which a server without the record must ignore) is ACKed.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFiles, dhclientArgs, memberEnv, serverModeEnv, stopDhclient, udhcpc, type ClientFiles } from '../../support/dhcp-real-clients.ts';
import { startMember, type MemberProcess } from '../../support/member-process.ts';
import { createNetnsPair, netnsAvailable, type NetnsPair } from '../../support/netns.ts';

describe.skipIf(!netnsAvailable())('DHCP with real clients in network namespaces', () => {
  describe('a lease survives a restart of the member', () => {
    let pair: NetnsPair;
    let files: ClientFiles;
    const members: MemberProcess[] = [];
    beforeAll(async () => {
      pair = await createNetnsPair('dhcpr');
      files = clientFiles();
      writeFileSync(path.join(files.dir, 'dh.conf'), 'send vendor-class-identifier "PXEClient:Arch:00000:UNDI:002001";\nrequest subnet-mask, bootfile-name;\n');
    });
    afterAll(async () => {
      await stopDhclient(pair, files.dir);
      for (const m of members) await m.stop();
      await pair?.destroy();
      files?.cleanup();
    });

    it('dhclient re-acquires its address by INIT-REBOOT after the restart; another client asking for it is NAKed', async () => {
      // Two addresses bound before the restart, so the survivor is not simply the first free one.
      await pair.run(pair.client, 'ip', ['link', 'set', pair.clientIf, 'address', '02:00:00:00:aa:01']);
      const first = await startMember(memberEnv(serverModeEnv), { pair, ns: pair.server });
      members.push(first);
      expect((await udhcpc(pair, files.dir, 'other.out', [])).code).toBe(0);
      const other = files.events('other.out').find((e) => e.reason === 'bound')?.ip;
      expect(other).toMatch(/^10\.99\.0\.1[0-5]\d$/);
      await pair.run(pair.client, 'ip', ['link', 'set', pair.clientIf, 'address', '02:00:00:00:aa:02']);
      const r1 = await pair.run(pair.client, 'dhclient', dhclientArgs(files.dir, pair, ['-1', '-v']), 30_000);
      expect(r1.code, r1.stderr).toBe(0);
      const mine = files.events('dh.out').find((e) => e.reason === 'BOUND')?.ip;
      expect(mine).toMatch(/^10\.99\.0\.1[0-5]\d$/);
      expect(mine).not.toBe(other);
      await stopDhclient(pair, files.dir);
      rmSync(path.join(files.dir, 'dh.pid'), { force: true });

      await first.stop({ keepData: true });
      const second = await startMember(memberEnv({ ...serverModeEnv, MONORAIL_DATA_DIR: first.dataDir }), { pair, ns: pair.server });
      members.push(second);
      const r2 = await pair.run(pair.client, 'dhclient', dhclientArgs(files.dir, pair, ['-1', '-v']), 30_000);
      expect(r2.code, r2.stderr).toBe(0);
      // INIT-REBOOT (RFC 2131 §3.2): a REQUEST without server id; a server with no record stays silent.
      expect(r2.stderr).toContain(`DHCPREQUEST for ${mine}`);
      expect(r2.stderr).not.toContain('DHCPDISCOVER');
      expect(files.events('dh.out').find((e) => e.reason === 'REBOOT')).toMatchObject({ ip: mine, filename: 'undionly.kpxe' });
      await stopDhclient(pair, files.dir);
      rmSync(path.join(files.dir, 'dh.pid'), { force: true });

      // The same lease file on another MAC: its INIT-REBOOT for that address is NAKed, then it gets a new one.
      await pair.run(pair.client, 'ip', ['link', 'set', pair.clientIf, 'address', '02:00:00:00:aa:03']);
      const r3 = await pair.run(pair.client, 'dhclient', dhclientArgs(files.dir, pair, ['-1', '-v']), 30_000);
      expect(r3.code, r3.stderr).toBe(0);
      expect(r3.stderr).toContain('DHCPNAK from 10.99.0.1');
      const third = /DHCPACK of (10\.99\.0\.\d+) from 10\.99\.0\.1/.exec(r3.stderr)?.[1];
      expect([undefined, mine, other]).not.toContain(third);
      await second.stop();
    });
  });
});
