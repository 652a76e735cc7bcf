/**
 * A virtual rack of ten machines (every SKU profile, BIOS and UEFI) against a real member over real
 * sockets: proxyDHCP, TFTP, HTTP profiles and images, the microkernel protocol, syslog. Every machine ends
 * as exactly one node, available, with its catalogs, its SKU and a Redfish OBM at its own BMC; then
 * Monorail drives a machine's power through that OBM and the machine follows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogCommands } from '../../src/actors/catalog/command-parsers.ts';
import { VirtualRack } from '../../src/sim/virtual-rack.ts';
import type { RackSummary } from '../../src/sim/rack-report.ts';
import type { MachinePhase, SimMachine } from '../../src/sim/sim-machine.ts';

let rack: VirtualRack;
let summary: RackSummary;

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  rack = await VirtualRack.start({
    machines: 10,
    seed: 11,
    powerOnWindowMs: 300,
    logLevel: 'silent',
    timing: { postMs: 100, dhcpWaitsMs: [1000, 2000, 3000], ipxeSleepScale: 0.2, agentPollMinMs: 20, agentPollMaxMs: 200 },
  });
  await rack.powerOn();
  await rack.waitUntilSettled(40_000);
  summary = await rack.summary();
}, 60_000);

afterAll(async () => {
  await rack?.stop();
});

describe('virtual rack', () => {
  it('discovers every machine through the real protocols, nothing lost, in well under 20 s', async () => {
    expect(summary.failures).toEqual([]);
    expect(summary.ok).toBe(true);
    expect(summary.nothingLost).toBe(true);
    // Ten machines from power-on to the last node available: seconds, not RackHD's minute and a half per node.
    expect(summary.timeToAllAvailableMs).toBeLessThan(20_000);
    expect(Object.keys(summary.profiles).sort()).toEqual(['dell-r640', 'small-1u', 'storage-4u', 'supermicro-x11']);
    expect(summary.machinePhases).toEqual({ disk: 10 });
    // Each protocol carried the machines: both DHCP ports, TFTP, HTTP, syslog.
    expect(summary.servers['dhcp']?.['offers']).toBeGreaterThanOrEqual(20);
    expect(summary.servers['dhcp']?.['acks']).toBeGreaterThanOrEqual(20);
    expect(summary.servers['tftp']?.['transfersCompleted']).toBeGreaterThanOrEqual(10);
    expect(summary.servers['syslog']?.['records3164']).toBeGreaterThanOrEqual(10);
    expect(summary.servers['dhcp']?.['malformed'] ?? 0).toBe(0);
  });

  it('leaves in the store exactly one available node per machine, with catalogs, SKU, OBM and syslog (checked here, not by the summary)', async () => {
    const docs = rack.monorail.store.documents;
    expect(await docs.collection('nodes').count({})).toBe(10);
    const nodeIds = new Set<string>();
    for (const m of rack.machines) {
      const nodeId = await rack.monorail.directory.nodeOfMac(m.mac);
      expect(nodeId).toBe(m.nodeId);
      if (nodeId === undefined) continue;
      nodeIds.add(nodeId);
      const node = await docs.collection('nodes').get(nodeId);
      const profile = rack.planned[m.spec.index]?.profile;
      expect(node?.lifecycle.state).toBe('available');
      expect(node?.sku).toBe(profile?.sku.id);
      const sources = (await docs.collection('catalogs').find({ node: nodeId })).map((c) => c.source);
      expect(new Set(sources)).toEqual(new Set([...catalogCommands.map((c) => c.source), 'bmc', 'ipmi-mc-info', 'ipmi-fru']));
      const dmi = (await docs.collection('catalogs').findOne({ node: nodeId, source: 'dmi' }))?.data as Record<string, Record<string, string>>;
      expect(dmi['System Information']?.['Serial Number']).toBe(m.spec.system.serial);
      const [obm] = await docs.collection('obms').find({ node: nodeId });
      expect(obm).toMatchObject({ service: 'redfish-obm-service', config: { uri: `http://${m.spec.bmc.ip}:${rack.bmcPort ?? ''}` } });
      // The password is sealed at rest, never stored as given.
      expect(JSON.stringify(obm?.config)).not.toMatch(/"password":"[A-Za-z0-9_-]{16}"/);
      const logs = await docs.collection('logs').find({ node: nodeId });
      expect(logs.some((l) => JSON.stringify(l).includes('microkernel'))).toBe(true);
      expect(m.agentExitCodes).toEqual([1]);
      expect(m.boots).toBe(2);
    }
    expect(nodeIds.size).toBe(10);
  });

  it('powers a machine off and on through its Redfish OBM; the machine follows its BMC and boots from its disk', async () => {
    const machine = rack.machines[0] as SimMachine;
    const nodeId = machine.nodeId ?? '';
    const phases: MachinePhase[] = [];
    const seen = setInterval(() => {
      if (phases.at(-1) !== machine.phase) phases.push(machine.phase);
    }, 5);
    try {
      const off = await rack.monorail.workflows.run({ graphName: 'Graph.PowerOff.Node', nodeId });
      await until('the power-off workflow', async () => (await rack.monorail.workflows.get(off.id)).status === 'succeeded');
      expect(machine.bmc.powerState).toBe('Off');
      expect(machine.phase).toBe('off');
      const on = await rack.monorail.workflows.run({ graphName: 'Graph.PowerOn.Node', nodeId });
      await until('the power-on workflow', async () => (await rack.monorail.workflows.get(on.id)).status === 'succeeded');
      expect(machine.bmc.powerState).toBe('On');
      // An available node gets no PXE answer: the machine's firmware falls through to its disk.
      await until('the machine at its disk', () => machine.phase === 'disk');
    } finally {
      clearInterval(seen);
    }
    expect(phases).toEqual(['disk', 'off', 'post', 'pxe', 'disk']);
    // Monorail spoke Redfish to this machine's BMC, authenticated, with the credentials discovery stored.
    const resets = machine.bmc.requests().filter((r) => r.path.endsWith('/Actions/ComputerSystem.Reset'));
    expect(resets.map((r) => r.status)).toEqual([200, 200]);
    expect(resets.every((r) => r.auth !== 'none')).toBe(true);
    for (const other of rack.machines.slice(1)) expect(other.bmc.powerState).toBe('On');
    const node = await rack.monorail.nodes.ask(nodeId, { type: 'node.get' });
    expect(node.lifecycle.state).toBe('available');
  });
});
