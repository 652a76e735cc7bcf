/**
 * Real Redfish clients drive Monorail: DMTF's `redfishtool` and OpenStack's `sushy` (Debian packages
 * redfishtool and python3-sushy) list the systems, read the power state, reset the machine and log in and
 * out. The node was discovered the real way and its OBM is a simulated Redfish BMC (src/sim/redfish-bmc.ts),
 * so a reset travels client → Monorail's Redfish API → power workflow → Redfish OBM service → BMC, and the
 * machine's power really changes.
 *
 * redfishtool 1.1.5 takes credentials only on its command line (its -c config file is parsed but never
 * read); these are throwaway test accounts. sushy gets them through the environment.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedfishBmc, type PowerEvent } from '../../../src/sim/redfish-bmc.ts';
import { ADMIN, OPERATOR, discoverNode, giveRedfishObm, startRedfishService, type RedfishService } from '../../support/redfish-service.ts';

const run = promisify(execFile);
const sushyDrive = fileURLToPath(new URL('../../support/sushy-drive.py', import.meta.url));

let s: RedfishService;
let bmc: RedfishBmc;
let nodeId: string;
const power: PowerEvent[] = [];

async function redfishtool(args: readonly string[], user: { username: string; password: string } = ADMIN): Promise<string> {
  const host = new URL(s.url).host;
  const { stdout } = await run('redfishtool', ['-r', host, '-S', 'Never', '-T', '20', '-u', user.username, '-p', user.password, ...args], { timeout: 60_000 });
  return stdout;
}

async function sushy(step: readonly string[], user: { username: string; password: string } = OPERATOR): Promise<Record<string, unknown>> {
  const { stdout } = await run('/usr/bin/python3', [sushyDrive, ...step], {
    timeout: 60_000,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', RF_URL: s.url, RF_USER: user.username, RF_PASSWORD: user.password, RF_SYSTEM: `/redfish/v1/Systems/${nodeId}` },
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** Waits until the node has no active workflow (a reset's graph finished). */
async function idle(): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const node = await s.fixture.monorail.nodes.ask(nodeId, { type: 'node.get' });
    if (node.activeWorkflow === undefined) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the node stayed busy');
}

beforeAll(async () => {
  s = await startRedfishService();
  nodeId = await discoverNode(s, '52:54:00:12:34:02');
  // Discovery ends with the machine rebooted to its disk: running.
  bmc = await RedfishBmc.start({ powerState: 'On' });
  bmc.onPower((e) => power.push(e));
  await giveRedfishObm(s, nodeId, bmc);
}, 120_000);
afterAll(async () => {
  await bmc?.close();
  await s?.stop();
});

describe('redfishtool (DMTF) drives Monorail', () => {
  it('lists the systems and reads the power state', async () => {
    const list = JSON.parse(await redfishtool(['Systems', 'list'])) as { Members: { Id: string }[]; 'Members@odata.count': number };
    expect(list.Members.map((m) => m.Id)).toEqual([nodeId]);
    expect(list['Members@odata.count']).toBe(1);
    expect(JSON.parse(await redfishtool(['Systems', '-I', nodeId, 'get', '-P', 'PowerState']))).toEqual({ PowerState: 'On' });
  });

  it('resets the machine: ForceOff reaches the simulated BMC and the power state follows', async () => {
    const before = power.length;
    await redfishtool(['Systems', '-I', nodeId, 'reset', 'ForceOff']);
    await idle();
    expect(power.slice(before)).toEqual([{ kind: 'off', resetType: 'ForceOff', powerState: 'Off' }]);
    expect(bmc.powerState).toBe('Off');
    expect(JSON.parse(await redfishtool(['Systems', '-I', nodeId, 'get', '-P', 'PowerState']))).toEqual({ PowerState: 'Off' });
  });

  it('logs in with a session and logs out again (-A Session)', async () => {
    const before = (await s.sessions.list()).length;
    const out = await redfishtool(['-A', 'Session', '-sss', 'Systems', '-I', nodeId, 'get', '-P', 'PowerState']);
    expect(out).toMatch(/POST\s+http:\/\/[^ ]+\/redfish\/v1\/SessionService\/Sessions[\s\S]*status_code: 201/);
    expect(out).toMatch(/AuthType: Session/);
    expect(out).toMatch(/DELETE\s+http:\/\/[^ ]+\/redfish\/v1\/SessionService\/Sessions\/[0-9a-f]+ [\s\S]*status_code: 204/);
    expect((await s.sessions.list()).length).toBe(before);
  });

  it('is refused with a wrong password', async () => {
    await expect(redfishtool(['Systems', 'list'], { username: ADMIN.username, password: 'wrong-password' })).rejects.toThrow();
  });
});

describe('sushy (OpenStack, as Ironic uses it) drives Monorail', () => {
  it('reads the service, the systems, the power state, the allowed resets and boot targets, the managers', async () => {
    const inv = await sushy(['inventory']);
    expect(inv).toMatchObject({
      redfishVersion: '1.20.0',
      systems: [`/redfish/v1/Systems/${nodeId}`],
      allowedResets: ['ForceOff', 'ForceOn', 'ForceRestart', 'GracefulRestart', 'GracefulShutdown', 'On', 'PowerCycle'],
      allowedBootTargets: ['Hdd', 'None', 'Pxe'],
      managers: ['/redfish/v1/Managers/Monorail', `/redfish/v1/Managers/${nodeId}-BMC`],
      macs: ['52:54:00:12:34:01', '52:54:00:12:34:02'],
      manufacturer: 'Acme Servers Inc.',
      serialNumber: 'ACS2224B0042',
    });
    expect(inv['powerState']).toBe(bmc.powerState === 'On' ? 'On' : 'Off');
    expect(inv['uuid']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('powers the machine on, then sets a one-time PXE boot that the next restart uses', async () => {
    await sushy(['reset', 'ForceOff']);
    await idle();
    expect(bmc.powerState).toBe('Off');
    let before = power.length;
    await sushy(['reset', 'On']);
    await idle();
    expect(power.slice(before)).toEqual([{ kind: 'on', resetType: 'On', bootTarget: 'None', powerState: 'On' }]);
    expect((await sushy(['inventory']))['powerState']).toBe('On');

    await sushy(['boot-pxe-once']);
    await idle();
    expect(bmc.boot).toMatchObject({ target: 'Pxe', enabled: 'Once' });
    before = power.length;
    await sushy(['reset', 'ForceRestart']);
    await idle();
    expect(power.slice(before)).toEqual([{ kind: 'restart', resetType: 'ForceRestart', bootTarget: 'Pxe', powerState: 'On' }]);
  });

  it('logs in with a session (X-Auth-Token, Location) and logs out', async () => {
    const before = (await s.sessions.list()).length;
    const out = await sushy(['login-logout']);
    expect(out['tokenSent']).toBe(true);
    expect(out['sessionUri']).toMatch(/^\/redfish\/v1\/SessionService\/Sessions\/[0-9a-f]+$/);
    expect(out['powerState']).toBe('On');
    expect(out['afterLogout']).toBeNull();
    expect((await s.sessions.list()).length).toBe(before);
  });
});
