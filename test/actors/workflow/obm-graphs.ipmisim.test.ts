/**
 * The power graphs through the real OBM services: Debian's ipmitool against Debian's ipmi_sim, and the
 * Redfish client against the simulated BMC. The OBM record is created by the workflow (as discovery does),
 * stored sealed, and used by Graph.PowerOn/PowerOff/Reboot.Node.
 */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { GraphDefinition } from '../../../src/actors/workflow/definition-types.ts';
import { RedfishBmc } from '../../../src/sim/redfish-bmc.ts';
import { startIpmiSim, type IpmiSim } from '../../support/ipmi-sim.ts';
import { ipmitoolProcesses } from '../../support/ipmitool-processes.ts';
import { startFixture, type MonorailFixture } from '../../support/monorail-fixture.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const setObm: GraphDefinition = {
  friendlyName: 'Set OBM',
  injectableName: 'Graph.Test.SetObm',
  tasks: [{ label: 'obm', taskName: 'Task.Obm.Create' }],
};

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = await read();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function member(): Promise<MonorailFixture> {
  const f = await startFixture();
  cleanups.push(() => f.stop());
  f.monorail.workflows.library.register('graph', setObm);
  return f;
}

async function runToEnd(f: MonorailFixture, graphName: string, nodeId: string, options?: Record<string, Record<string, unknown>>): Promise<string> {
  const wf = await f.monorail.workflows.run({ graphName, nodeId, ...(options === undefined ? {} : { options }) });
  const done = await until(() => f.monorail.workflows.get(wf.id), (w) => w.status !== 'running' && w.status !== 'pending', `${graphName}`);
  if (done.status !== 'succeeded') throw new Error(`${graphName} ${done.status}: ${JSON.stringify(Object.values(done.runs).map((r) => r.error))}`);
  // The node is released by a message after the instance ends.
  await until(() => f.monorail.nodes.ask(nodeId, { type: 'node.get' }), (n) => n.activeWorkflow === undefined, 'release');
  return done.status;
}

describe('power graphs through real OBM services', () => {
  it('IPMI: creates a sealed OBM record, powers on, reboots (off then on) and powers off the machine behind ipmi_sim', async () => {
    const sim: IpmiSim = await startIpmiSim({ poweredOn: false });
    cleanups.push(() => sim.stop());
    const f = await member();
    const nodeId = '5f00000000000000000000b1';
    await f.monorail.nodes.ask(nodeId, { type: 'node.create', spec: { identifiers: ['52:54:00:0b:00:01'] } });
    await runToEnd(f, 'Graph.Test.SetObm', nodeId, {
      obm: { service: 'ipmi-obm-service', host: sim.host, port: sim.port, user: sim.user, password: sim.password, cipherSuite: sim.cipherSuite },
    });
    const node = await f.monorail.nodes.ask(nodeId, { type: 'node.get' });
    expect(node.obms).toEqual([{ service: 'ipmi-obm-service', obmId: expect.any(String) as string }]);
    const stored = JSON.stringify(await f.monorail.store.documents.collection('obms').find({ node: nodeId }));
    expect(stored).not.toContain(sim.password);
    const workflows = JSON.stringify(await f.monorail.store.documents.collection('workflows').find({ node: nodeId }));
    expect(workflows).not.toContain(sim.password);
    expect(JSON.stringify(f.captured.lines())).not.toContain(sim.password);

    await runToEnd(f, 'Graph.PowerOn.Node', nodeId);
    expect(await sim.machine.power()).toBe('on');
    const before = (await sim.machine.events()).length;
    await runToEnd(f, 'Graph.Reboot.Node', nodeId);
    expect((await sim.machine.events()).slice(before)).toEqual(['off', 'boot']);
    expect(await sim.machine.power()).toBe('on');
    await runToEnd(f, 'Graph.PowerOff.Node', nodeId);
    expect(await sim.machine.power()).toBe('off');
  });

  it('Redfish: boot override and power through the simulated BMC; a wrong password fails the task with a clear error', async () => {
    const bmc = await RedfishBmc.start({ host: '127.0.0.1', username: 'root', password: 'calvin-secret', powerState: 'Off' });
    cleanups.push(() => bmc.close());
    const f = await member();
    const nodeId = '5f00000000000000000000b2';
    await f.monorail.nodes.ask(nodeId, { type: 'node.create', spec: { identifiers: ['52:54:00:0b:00:02'] } });
    const port = Number(new URL(bmc.url).port);
    await runToEnd(f, 'Graph.Test.SetObm', nodeId, { obm: { service: 'redfish-obm-service', host: '127.0.0.1', port, scheme: 'http', user: 'root', password: 'calvin-secret' } });
    const booted: string[] = [];
    bmc.onPower((e) => booted.push(`${e.kind}:${e.bootTarget ?? 'None'}`));
    f.monorail.workflows.library.register('graph', {
      friendlyName: 'PXE on',
      injectableName: 'Graph.Test.PxeOn',
      tasks: [{ label: 'pxe', taskName: 'Task.Obm.Node.PxeBoot' }, { label: 'on', taskName: 'Task.Obm.Node.PowerOn', waitOn: { pxe: 'succeeded' } }],
    });
    await runToEnd(f, 'Graph.Test.PxeOn', nodeId);
    expect(bmc.powerState).toBe('On');
    expect(booted).toEqual(['on:Pxe']);

    await runToEnd(f, 'Graph.Test.SetObm', nodeId, { obm: { service: 'redfish-obm-service', host: '127.0.0.1', port, scheme: 'http', user: 'root', password: 'wrong-password' } });
    const wf = await f.monorail.workflows.run({ graphName: 'Graph.PowerOff.Node', nodeId });
    const failed = await until(() => f.monorail.workflows.get(wf.id), (w) => w.status === 'failed', 'failure');
    const error = Object.values(failed.runs)[0]?.error;
    expect(error?.code).toBe('OBM_FAILED');
    expect(error?.message).not.toContain('wrong-password');
    expect(bmc.powerState).toBe('On');
  });

  it('cancelling a power workflow kills the ipmitool call it is waiting on', async () => {
    const blackHole = createSocket('udp4');
    await new Promise<void>((resolve) => blackHole.bind(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => blackHole.close(() => resolve())));
    const port = blackHole.address().port;
    const f = await member();
    const nodeId = '5f00000000000000000000b3';
    await f.monorail.nodes.ask(nodeId, { type: 'node.create', spec: { identifiers: ['52:54:00:0b:00:03'] } });
    await runToEnd(f, 'Graph.Test.SetObm', nodeId, { obm: { service: 'ipmi-obm-service', host: '127.0.0.1', port, user: 'admin', password: 'silent-bmc-pw', cipherSuite: 3 } });
    const wf = await f.monorail.workflows.run({ graphName: 'Graph.PowerOn.Node', nodeId });
    // Only the power call: setting the OBM also gave the node its default pollers, which call the same silent BMC.
    const powerCalls = (): ReturnType<typeof ipmitoolProcesses> => ipmitoolProcesses(port).filter((p) => p.argv.filter((a) => a !== '').slice(-3).join(' ') === 'chassis power on');
    const [running] = await until(async () => powerCalls(), (p) => p.length > 0, 'ipmitool to start');
    expect(running?.argv.join(' ')).not.toContain('silent-bmc-pw');
    const cancelled = await f.monorail.workflows.cancelActive(nodeId, 'operator stop');
    expect(cancelled).toMatchObject({ id: wf.id, status: 'cancelled' });
    await until(async () => powerCalls(), (p) => p.length === 0, 'ipmitool to be killed');
    const run = Object.values((await f.monorail.workflows.get(wf.id)).runs)[0];
    expect(run).toMatchObject({ status: 'cancelled', error: { code: 'TASK_CANCELLED', message: 'operator stop' } });
  });
});
