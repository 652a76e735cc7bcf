/**
 * ComputerSystem.Reset and the boot override as RackHD did them: each is a workflow run on the node
 * (rackhd.md §2, on-http systems.js), so it queues behind nothing, holds the node like any graph, shows up
 * as a Task and is cancellable. And what the read models say the machine's power and boot override are:
 * the newest power graph that finished (or a `context.power` a power-status task left) — Monorail never
 * asks a BMC on a GET.
 */
import type { GraphDefinition, TaskDefinition } from '../../../actors/workflow/definition-types.ts';
import type { DefinitionLibrary } from '../../../actors/workflow/definition-library.ts';
import type { WorkflowDoc } from '../../../persistence/collections.ts';
import type { DocumentCollection } from '../../../persistence/document-store.ts';

/** Resource.ResetType values this service accepts, in the order clients see them. */
export const RESET_TYPES = ['On', 'ForceOn', 'ForceOff', 'GracefulShutdown', 'ForceRestart', 'GracefulRestart', 'PowerCycle'] as const;
export type ResetType = (typeof RESET_TYPES)[number];

export const SOFT_OFF_GRAPH = 'Graph.PowerOff.Soft.Node';
export const PXE_BOOT_GRAPH = 'Graph.SetBoot.Pxe.Node';
export const DISK_BOOT_GRAPH = 'Graph.SetBoot.Disk.Node';

/**
 * ResetType → graph. RackHD mapped GracefulRestart to a soft reset; here GracefulRestart and PowerCycle are
 * Graph.Reboot.Node (RackHD's off-then-on `reboot`), ForceRestart Graph.Reset.Node (a hard reset with power
 * kept), GracefulShutdown an ACPI soft-off.
 */
export const resetGraphs: Readonly<Record<ResetType, string>> = {
  On: 'Graph.PowerOn.Node',
  ForceOn: 'Graph.PowerOn.Node',
  ForceOff: 'Graph.PowerOff.Node',
  GracefulShutdown: SOFT_OFF_GRAPH,
  ForceRestart: 'Graph.Reset.Node',
  GracefulRestart: 'Graph.Reboot.Node',
  PowerCycle: 'Graph.Reboot.Node',
};

/** Where a graph leaves the machine's power when it succeeds. Discovery ends with the agent rebooting the machine to its disk. */
const powerAfter: Readonly<Record<string, 'On' | 'Off'>> = {
  'Graph.PowerOn.Node': 'On',
  'Graph.PowerOff.Node': 'Off',
  [SOFT_OFF_GRAPH]: 'Off',
  'Graph.Reset.Node': 'On',
  'Graph.Reboot.Node': 'On',
  'Graph.Discovery': 'On',
  'Graph.Refresh.Immediate.Discovery': 'On',
  'Graph.Bootstrap.Decommission.Node': 'Off',
};

/**
 * The graphs this needs that the built-in library may lack (a soft power-off, and setting the next boot
 * device on its own); registered only when absent, so a site's own definitions of the same names win.
 */
export const redfishTaskDefinitions: readonly TaskDefinition[] = [
  { friendlyName: 'Graceful shutdown', injectableName: 'Task.Obm.Node.SoftOff', implementsTask: 'Task.Base.Obm.Node', options: { action: 'softOff', obmServiceName: null } },
];
export const redfishGraphDefinitions: readonly GraphDefinition[] = [
  { friendlyName: 'Graceful shutdown', injectableName: SOFT_OFF_GRAPH, options: { defaults: { obmServiceName: null } }, tasks: [{ label: 'soft-off', taskName: 'Task.Obm.Node.SoftOff' }] },
  { friendlyName: 'Next boot from the network', injectableName: PXE_BOOT_GRAPH, options: { defaults: { obmServiceName: null } }, tasks: [{ label: 'set-boot-pxe', taskName: 'Task.Obm.Node.PxeBoot' }] },
  { friendlyName: 'Next boot from disk', injectableName: DISK_BOOT_GRAPH, options: { defaults: { obmServiceName: null } }, tasks: [{ label: 'set-boot-disk', taskName: 'Task.Obm.Node.DiskBoot' }] },
];

export function ensureRedfishGraphs(library: DefinitionLibrary): string[] {
  const added: string[] = [];
  for (const t of redfishTaskDefinitions) {
    if (library.task(t.injectableName) === undefined) {
      library.register('task', t);
      added.push(t.injectableName);
    }
  }
  for (const g of redfishGraphDefinitions) {
    if (library.graph(g.injectableName) === undefined) {
      library.register('graph', g);
      added.push(g.injectableName);
    }
  }
  return added;
}

export type PowerState = 'On' | 'Off' | 'PoweringOn' | 'PoweringOff' | null;

const RECENT = 50;

async function recentWorkflows(workflows: DocumentCollection<WorkflowDoc>, nodeId: string): Promise<WorkflowDoc[]> {
  return workflows.find({ node: nodeId }, { sort: { updatedAt: -1 }, limit: RECENT });
}

/** What the power context of a finished graph says about this node: `context.power[nodeId]` ('on'/'off'). */
function contextPower(wf: WorkflowDoc, nodeId: string): 'On' | 'Off' | undefined {
  const context = wf['context'];
  const power = typeof context === 'object' && context !== null ? (context as Record<string, unknown>)['power'] : undefined;
  const v = typeof power === 'object' && power !== null ? (power as Record<string, unknown>)[nodeId] : undefined;
  return v === 'on' ? 'On' : v === 'off' ? 'Off' : undefined;
}

/** The machine's power as Monorail last knew it; null (unknown) when no graph has told. */
export async function knownPowerState(workflows: DocumentCollection<WorkflowDoc>, nodeId: string): Promise<PowerState> {
  for (const wf of await recentWorkflows(workflows, nodeId)) {
    const target = powerAfter[wf.injectableName];
    if (wf.status === 'running' || wf.status === 'pending') {
      if (target !== undefined && !wf.injectableName.includes('Discovery')) return target === 'On' ? 'PoweringOn' : 'PoweringOff';
      continue;
    }
    if (wf.status !== 'succeeded') continue;
    const said = contextPower(wf, nodeId) ?? target;
    if (said !== undefined) return said;
  }
  return null;
}

export interface BootOverride {
  readonly target: 'None' | 'Pxe' | 'Hdd';
  readonly enabled: 'Disabled' | 'Once';
}

/**
 * The pending boot override: a set-boot graph that succeeded (or runs) with no power graph after it that
 * would have booted the machine and used it up (IPMI and Redfish overrides both last one boot).
 */
export async function knownBootOverride(workflows: DocumentCollection<WorkflowDoc>, nodeId: string): Promise<BootOverride> {
  for (const wf of await recentWorkflows(workflows, nodeId)) {
    if (wf.injectableName === PXE_BOOT_GRAPH || wf.injectableName === DISK_BOOT_GRAPH) {
      if (wf.status === 'succeeded' || wf.status === 'running' || wf.status === 'pending') return { target: wf.injectableName === PXE_BOOT_GRAPH ? 'Pxe' : 'Hdd', enabled: 'Once' };
      continue;
    }
    if (wf.status === 'succeeded' && powerAfter[wf.injectableName] === 'On') break;
  }
  return { target: 'None', enabled: 'Disabled' };
}
