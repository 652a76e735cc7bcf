/**
 * The simulator's iPXE: Monorail's own profiles run as iPXE runs them (downloads, sleeps, chains, exits,
 * labels), and scripts it cannot run (garbage, unknown commands, endless loops, failed downloads) end the
 * way iPXE ends them, by returning to the firmware, never by hanging or throwing.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderProfile } from '../../src/api/southbound/render-profile.ts';
import { runIpxeScript, type IpxeHost } from '../../src/sim/ipxe-script.ts';

function host(failing: readonly string[] = []): IpxeHost & { fetched: string[]; slept: number[] } {
  const fetched: string[] = [];
  const slept: number[] = [];
  return {
    fetched,
    slept,
    fetchImage: async (url) => {
      fetched.push(url);
      return !failing.some((f) => url.includes(f));
    },
    sleep: async (s) => {
      slept.push(s);
    },
  };
}

const api = { server: 'http://10.1.0.1:8080', base: 'http://10.1.0.1:8080/api/current', profiles: 'http://10.1.0.1:8080/api/current/profiles', templates: 'http://10.1.0.1:8080/api/current/templates' };
const render = (name: string): string =>
  renderProfile(name, readFileSync(`static/profiles/${name}`, 'utf8'), { nodeId: '6b0757369601293b52f83894', macaddress: 'b0:26:28:00:00:01', macaddresses: ['b0:26:28:00:00:01'], syslog: '10.1.0.1:514', options: {}, api });

describe('the simulated iPXE', () => {
  it('boots the microkernel profile: kernel and initrd downloaded, kernel arguments handed over', async () => {
    const h = host();
    const out = await runIpxeScript(render('microkernel.ipxe'), h);
    expect(out).toMatchObject({ kind: 'boot', kernel: 'http://10.1.0.1:8080/common/vmlinuz', initrds: ['http://10.1.0.1:8080/common/initrd.gz'] });
    if (out.kind !== 'boot') throw new Error('not booted');
    expect(out.args).toMatchObject({ 'mk.server': 'http://10.1.0.1:8080', 'mk.node': '6b0757369601293b52f83894', 'mk.mac': 'b0:26:28:00:00:01', 'mk.syslog': '10.1.0.1:514' });
    expect(h.fetched).toEqual(['http://10.1.0.1:8080/common/vmlinuz', 'http://10.1.0.1:8080/common/initrd.gz']);
  });

  it('follows the profile\'s own failure path when boot fails, and gives up when a download without one fails', async () => {
    const missingInitrd = await runIpxeScript(render('microkernel.ipxe'), host(['initrd']));
    expect(missingInitrd).toEqual({ kind: 'exit', reason: expect.stringContaining('command failed: initrd') as string });
    const withFallback = await runIpxeScript('#!ipxe\nkernel http://x/k || goto retry\nboot\n:retry\nsleep 10\nchain --replace http://x/again\n', host(['/k']));
    expect(withFallback).toEqual({ kind: 'chain', url: 'http://x/again' });
  });

  it('waits and chains on wait.ipxe, exits to the disk on boot-local.ipxe', async () => {
    const h = host();
    expect(await runIpxeScript(render('wait.ipxe'), h)).toEqual({ kind: 'chain', url: 'http://10.1.0.1:8080/api/current/profiles?macs=b0:26:28:00:00:01' });
    expect(h.slept).toEqual([3]);
    expect(await runIpxeScript(render('boot-local.ipxe'), host())).toEqual({ kind: 'exit', reason: 'exit' });
  });

  it('ends scripts it cannot run by returning to the firmware', async () => {
    const h = host();
    expect(await runIpxeScript('', h)).toMatchObject({ kind: 'exit', reason: expect.stringContaining('not an iPXE script') as string });
    expect(await runIpxeScript('<html>502 Bad Gateway</html>', h)).toMatchObject({ kind: 'exit' });
    expect(await runIpxeScript('\u0000\u00ff#!ipxe', h)).toMatchObject({ kind: 'exit' });
    expect(await runIpxeScript('#!ipxe\nimgverify foo.sig\nboot\n', h)).toMatchObject({ kind: 'exit', reason: 'command failed: imgverify foo.sig' });
    expect(await runIpxeScript('#!ipxe\nboot\n', h)).toMatchObject({ kind: 'exit', reason: 'command failed: boot' });
    expect(await runIpxeScript('#!ipxe\ngoto nowhere\n', h)).toMatchObject({ kind: 'exit' });
    expect(await runIpxeScript('#!ipxe\nchain\n', h)).toMatchObject({ kind: 'exit' });
    expect(await runIpxeScript('#!ipxe\necho only words\n', h)).toEqual({ kind: 'exit', reason: 'end of script' });
    expect(await runIpxeScript('#!ipxe\n:loop\ngoto loop\n', h)).toEqual({ kind: 'exit', reason: 'script did not finish' });
    expect(await runIpxeScript(`#!ipxe\n${'echo x\n'.repeat(200_000)}exit\n`, h)).toEqual({ kind: 'exit', reason: 'script did not finish' });
    expect(h.fetched).toEqual([]);
  });
});
