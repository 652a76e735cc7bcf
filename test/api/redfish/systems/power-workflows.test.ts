/**
 * What the read models say about a machine's power and boot override, from the workflows that ran on it,
 * against a real embedded store; and the graphs Reset and the boot override need, registered only when missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DefinitionLibrary } from '../../../../src/actors/workflow/definition-library.ts';
import { builtinBaseTasks } from '../../../../src/actors/workflow/builtin/base-tasks.ts';
import { builtinGraphs } from '../../../../src/actors/workflow/builtin/graphs.ts';
import { builtinTasks } from '../../../../src/actors/workflow/builtin/tasks.ts';
import { ensureRedfishGraphs, knownBootOverride, knownPowerState, resetGraphs, RESET_TYPES } from '../../../../src/api/redfish/systems/power-workflows.ts';
import type { WorkflowDoc } from '../../../../src/persistence/collections.ts';
import type { DocumentCollection } from '../../../../src/persistence/document-store.ts';
import type { Store } from '../../../../src/persistence/store.ts';
import { tempStore, type TempStore } from '../../../support/temp-store.ts';

let temp: TempStore;
let store: Store;
let workflows: DocumentCollection<WorkflowDoc>;
let clock = 0;

async function ran(node: string, graph: string, status: string, context: Record<string, unknown> = {}): Promise<void> {
  clock += 1000;
  const at = new Date(Date.UTC(2026, 0, 1) + clock).toISOString();
  await workflows.put({ id: `wf-${clock}`, node, injectableName: graph, status, createdAt: at, updatedAt: at, context });
}

beforeAll(async () => {
  temp = tempStore();
  store = await temp.open();
  workflows = store.documents.collection('workflows');
});
afterAll(async () => {
  await store.close();
  temp.cleanup();
});

describe('knownPowerState', () => {
  it('is null until a graph tells, then follows the newest one that succeeded', async () => {
    expect(await knownPowerState(workflows, 'a')).toBeNull();
    await ran('a', 'Graph.noop-example', 'succeeded');
    expect(await knownPowerState(workflows, 'a')).toBeNull();
    await ran('a', 'Graph.PowerOn.Node', 'succeeded');
    expect(await knownPowerState(workflows, 'a')).toBe('On');
    await ran('a', 'Graph.PowerOff.Node', 'failed');
    expect(await knownPowerState(workflows, 'a')).toBe('On');
    await ran('a', 'Graph.PowerOff.Soft.Node', 'running');
    expect(await knownPowerState(workflows, 'a')).toBe('PoweringOff');
    await ran('a', 'Graph.PowerOff.Soft.Node', 'succeeded');
    expect(await knownPowerState(workflows, 'a')).toBe('Off');
    // A power-status task's context.power outranks the graph's name.
    await ran('a', 'Graph.Custom.Status', 'succeeded', { power: { a: 'on', b: 'off' } });
    expect(await knownPowerState(workflows, 'a')).toBe('On');
    expect(await knownPowerState(workflows, 'b')).toBeNull();
    await ran('a', 'Graph.Custom.Status', 'succeeded', { power: 'garbage' });
    expect(await knownPowerState(workflows, 'a')).toBe('On');
  });
});

describe('knownBootOverride', () => {
  it('a set-boot graph makes a one-time override that the next power-on uses up', async () => {
    expect(await knownBootOverride(workflows, 'c')).toEqual({ target: 'None', enabled: 'Disabled' });
    await ran('c', 'Graph.SetBoot.Pxe.Node', 'succeeded');
    expect(await knownBootOverride(workflows, 'c')).toEqual({ target: 'Pxe', enabled: 'Once' });
    await ran('c', 'Graph.PowerOff.Node', 'succeeded');
    expect(await knownBootOverride(workflows, 'c')).toEqual({ target: 'Pxe', enabled: 'Once' });
    await ran('c', 'Graph.Reboot.Node', 'succeeded');
    expect(await knownBootOverride(workflows, 'c')).toEqual({ target: 'None', enabled: 'Disabled' });
    await ran('c', 'Graph.SetBoot.Disk.Node', 'failed');
    expect(await knownBootOverride(workflows, 'c')).toEqual({ target: 'None', enabled: 'Disabled' });
    await ran('c', 'Graph.SetBoot.Disk.Node', 'running');
    expect(await knownBootOverride(workflows, 'c')).toEqual({ target: 'Hdd', enabled: 'Once' });
  });
});

describe('the graphs Redfish needs', () => {
  it('every ResetType maps to a graph the library can run once ensureRedfishGraphs ran; a second run adds nothing', () => {
    const library = new DefinitionLibrary();
    for (const b of builtinBaseTasks) library.register('baseTask', b);
    for (const t of builtinTasks) library.register('task', t);
    for (const g of builtinGraphs) library.register('graph', g);
    const added = ensureRedfishGraphs(library);
    expect(added.length).toBeGreaterThan(0);
    expect(ensureRedfishGraphs(library)).toEqual([]);
    for (const r of RESET_TYPES) expect(library.graph(resetGraphs[r]), r).toBeDefined();
    expect(library.graph('Graph.SetBoot.Pxe.Node')).toBeDefined();
    expect(library.graph('Graph.SetBoot.Disk.Node')).toBeDefined();
  });

  it('a site\u2019s own definition of the same name is kept', () => {
    const library = new DefinitionLibrary();
    for (const b of builtinBaseTasks) library.register('baseTask', b);
    for (const t of builtinTasks) library.register('task', t);
    for (const g of builtinGraphs) library.register('graph', g);
    library.register('graph', { friendlyName: 'Site soft off', injectableName: 'Graph.PowerOff.Soft.Node', tasks: [{ label: 'off', taskName: 'Task.Obm.Node.PowerOff' }] });
    ensureRedfishGraphs(library);
    expect(library.graph('Graph.PowerOff.Soft.Node')?.friendlyName).toBe('Site soft off');
  });
});
