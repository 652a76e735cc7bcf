/**
 * The graphs Monorail ships, in RackHD's format so operators' own graphs sit beside them unchanged.
 * Discovery is the graph first contact starts: boot the microkernel, catalog the machine with the real
 * tools, end the agent (the machine reboots to its disk), then, with the node's BMC found, create its OBM
 * record (when credentials are configured), match a SKU and tags, and run the SKU's own graph.
 */
import { catalogCommands } from '../../catalog/command-parsers.ts';
import type { GraphDefinition, GraphTask } from '../definition-types.ts';

/** Catalog labels in the order the microkernel runs them; each waits for the previous one to finish. */
const catalogLabels = catalogCommands.map((c) => `catalog-${c.source}`);

function chain(first: string): GraphTask[] {
  const labels = [...catalogLabels, 'catalog-bmc'];
  const tasks = catalogCommands.map((c) => c.source).concat('bmc');
  return labels.map((label, i) => ({
    label,
    taskName: `Task.Catalog.${tasks[i] ?? ''}`,
    waitOn: { [i === 0 ? first : (labels[i - 1] ?? first)]: i === 0 ? 'succeeded' : 'finished' },
    // A machine without smartctl-capable disks or without a BMC is still discovered (RackHD does the same).
    ...(i === 0 ? {} : { ignoreFailure: true }),
  }));
}

const discoveryTasks = (): GraphTask[] => [
  { label: 'bootstrap', taskName: 'Task.Linux.Bootstrap.Microkernel' },
  ...chain('bootstrap'),
  { label: 'shell-reboot', taskName: 'Task.ProcShellReboot', waitOn: { 'catalog-bmc': 'finished' } },
  { label: 'create-obm?', taskName: 'Task.Evaluate.Condition', waitOn: { 'shell-reboot': 'finished' }, ignoreFailure: true },
  { label: 'obm', taskName: 'Task.Obm.Create', waitOn: { 'create-obm?': 'succeeded' }, ignoreFailure: true },
  { label: 'sku', taskName: 'Task.Catalog.GenerateSku', waitOn: { anyOf: { obm: 'finished', 'create-obm?': 'failed' } } },
  { label: 'tags', taskName: 'Task.Catalog.GenerateTag', waitOn: { sku: 'finished' }, ignoreFailure: true },
  { label: 'sku-graph', taskName: 'Task.Graph.Run.SkuSpecific', waitOn: { tags: 'finished' } },
];

const discoveryOptions = {
  defaults: { autoCreateObm: false },
  'create-obm?': { when: '{{ options.autoCreateObm }}' },
  // rebootCode 1: the agent's init reboots the machine, which then boots its disk (RackHD's default).
  'shell-reboot': { exit: 1 },
  // Credentials come with the request (or the configured discovery options); they are sealed before anything stores them.
  obm: { service: 'ipmi-obm-service' },
};

const powerGraph = (name: string, friendlyName: string, task: string): GraphDefinition => ({
  friendlyName,
  injectableName: `Graph.${name}.Node`,
  options: { defaults: { obmServiceName: null } },
  tasks: [{ label: name.toLowerCase(), taskName: `Task.Obm.Node.${task}` }],
});

/** Network boot, reboot, then whatever `then` does with the microkernel or installer that comes up. */
const pxeReboot = (): GraphTask[] => [
  { label: 'set-boot-pxe', taskName: 'Task.Obm.Node.PxeBoot', ignoreFailure: true },
  { label: 'reboot', taskName: 'Task.Obm.Node.Reboot', waitOn: { 'set-boot-pxe': 'finished' } },
];

const install = (name: string, friendlyName: string, task: string): GraphDefinition => ({
  friendlyName,
  injectableName: `Graph.Install${name}`,
  options: { defaults: { obmServiceName: null, version: null, repo: null, rootPassword: null, installDisk: null } },
  tasks: [...pxeReboot(), { label: 'install-os', taskName: task, waitOn: { reboot: 'succeeded' } }],
});

export const builtinGraphs: readonly GraphDefinition[] = [
  {
    friendlyName: 'Noop example',
    injectableName: 'Graph.noop-example',
    tasks: [
      { label: 'noop-1', taskName: 'Task.noop' },
      { label: 'noop-2', taskName: 'Task.noop', waitOn: { 'noop-1': 'finished' } },
    ],
  },
  { friendlyName: 'Discovery', injectableName: 'Graph.Discovery', options: discoveryOptions, tasks: discoveryTasks() },
  {
    // RackHD's Graph.Refresh.Immediate.Discovery: reboot a known node into the microkernel and discover it again, keeping its id.
    friendlyName: 'Refresh discovery',
    injectableName: 'Graph.Refresh.Immediate.Discovery',
    options: { ...discoveryOptions, defaults: { ...discoveryOptions.defaults, obmServiceName: null } },
    tasks: [...pxeReboot(), ...discoveryTasks().map((t) => (t.label === 'bootstrap' ? { ...t, waitOn: { reboot: 'succeeded' as const } } : t))],
  },
  powerGraph('Reboot', 'Reboot node', 'Reboot'),
  powerGraph('PowerOn', 'Power on node', 'PowerOn'),
  powerGraph('PowerOff', 'Power off node', 'PowerOff'),
  powerGraph('Reset', 'Reset node', 'Reset'),
  {
    // RackHD's POST /obms/led lit the LED from on-http directly (its code says "make this a taskGraph"); here it
    // is one: `identify` turns the LED on, and a run with `{ identify: { action: 'identifyOff' } }` turns it off.
    friendlyName: 'Identify LED',
    injectableName: 'Graph.Obm.Identify',
    options: { defaults: { obmServiceName: null } },
    tasks: [{ label: 'identify', taskName: 'Task.Obm.Node.IdentifyOn' }],
  },
  {
    friendlyName: 'Bootstrap microkernel',
    injectableName: 'Graph.BootstrapMicrokernel',
    options: { defaults: { obmServiceName: null } },
    tasks: [...pxeReboot(), { label: 'bootstrap', taskName: 'Task.Linux.Bootstrap.Microkernel', waitOn: { reboot: 'succeeded' } }],
  },
  {
    friendlyName: 'Shell commands',
    injectableName: 'Graph.ShellCommands',
    options: { defaults: { obmServiceName: null }, 'shell-commands': { commands: null } },
    tasks: [
      ...pxeReboot(),
      { label: 'bootstrap', taskName: 'Task.Linux.Bootstrap.Microkernel', waitOn: { reboot: 'succeeded' } },
      { label: 'shell-commands', taskName: 'Task.Linux.Commands', waitOn: { bootstrap: 'succeeded' } },
      { label: 'shell-reboot', taskName: 'Task.ProcShellReboot', waitOn: { 'shell-commands': 'finished' } },
    ],
  },
  install('Debian', 'Install Debian', 'Task.Os.Install.Debian'),
  install('Ubuntu', 'Install Ubuntu', 'Task.Os.Install.Ubuntu'),
  install('CentOS', 'Install CentOS', 'Task.Os.Install.CentOS'),
  install('Rocky', 'Install Rocky Linux', 'Task.Os.Install.Rocky'),
  {
    friendlyName: 'Decommission node',
    injectableName: 'Graph.Bootstrap.Decommission.Node',
    options: { defaults: { obmServiceName: null }, 'shell-reboot': { exit: 0 } },
    tasks: [
      ...pxeReboot(),
      { label: 'bootstrap', taskName: 'Task.Linux.Bootstrap.Microkernel', waitOn: { reboot: 'succeeded' } },
      { label: 'wipe-disks', taskName: 'Task.Linux.WipeDisks', waitOn: { bootstrap: 'succeeded' } },
      { label: 'shell-reboot', taskName: 'Task.ProcShellReboot', waitOn: { 'wipe-disks': 'succeeded' } },
      { label: 'power-off', taskName: 'Task.Obm.Node.PowerOff', waitOn: { 'shell-reboot': 'finished' }, ignoreFailure: true },
    ],
  },
];

/** Graphs that move a node's lifecycle, and how (used when a graph is run on a node). */
export const graphPurposes: Readonly<Record<string, 'discovery' | 'provisioning' | 'decommission'>> = {
  'Graph.Discovery': 'discovery',
  'Graph.Refresh.Immediate.Discovery': 'discovery',
  'Graph.InstallDebian': 'provisioning',
  'Graph.InstallUbuntu': 'provisioning',
  'Graph.InstallCentOS': 'provisioning',
  'Graph.InstallRocky': 'provisioning',
  'Graph.Bootstrap.Decommission.Node': 'decommission',
};
