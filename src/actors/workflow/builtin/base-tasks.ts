/**
 * The base tasks Monorail ships (RackHD's `Task.Base.*`): each names its job, what every task built on it
 * must supply, and the properties it gives the node (a bootstrap puts a microkernel on it, which the
 * catalog tasks require, so a graph that catalogs without booting one is rejected when registered).
 */
import type { BaseTaskDefinition } from '../definition-types.ts';

const microkernel = { 'os.linux.type': 'microkernel' };
// Options schemas admit every graph default, RackHD's rule for tasks whose options are open-ended.
const open = { type: 'object' };

export const builtinBaseTasks: readonly BaseTaskDefinition[] = [
  { friendlyName: 'Noop', injectableName: 'Task.Base.noop', runJob: 'Job.noop', requiredOptions: [], properties: {} },
  { friendlyName: 'Wait', injectableName: 'Task.Base.Wait', runJob: 'Job.Wait', requiredOptions: ['duration'], properties: {} },
  { friendlyName: 'Evaluate condition', injectableName: 'Task.Base.Evaluate.Condition', runJob: 'Job.Evaluate.Condition', requiredOptions: ['when'], optionsSchema: open },
  {
    friendlyName: 'Bootstrap microkernel',
    injectableName: 'Task.Base.Linux.Bootstrap',
    runJob: 'Job.Linux.Bootstrap',
    requiredOptions: ['profile'],
    properties: { os: { linux: { type: 'microkernel' } } },
  },
  { friendlyName: 'Linux commands', injectableName: 'Task.Base.Linux.Commands', runJob: 'Job.Linux.Commands', requiredOptions: ['commands'], requiredProperties: microkernel },
  { friendlyName: 'End the agent', injectableName: 'Task.Base.Linux.Exit', runJob: 'Job.Linux.Exit', requiredOptions: ['exit'], requiredProperties: microkernel },
  { friendlyName: 'Linux catalog', injectableName: 'Task.Base.Linux.Catalog', runJob: 'Job.Linux.Catalog', requiredOptions: ['commands'], requiredProperties: microkernel },
  { friendlyName: 'OBM node', injectableName: 'Task.Base.Obm.Node', runJob: 'Job.Obm.Node', requiredOptions: ['action'] },
  { friendlyName: 'Create OBM', injectableName: 'Task.Base.Obm.Create', runJob: 'Job.Obm.Create', requiredOptions: ['service'] },
  { friendlyName: 'Generate SKU', injectableName: 'Task.Base.Catalog.GenerateSku', runJob: 'Job.Catalog.GenerateSku', requiredOptions: [] },
  { friendlyName: 'Generate tags', injectableName: 'Task.Base.Catalog.GenerateTag', runJob: 'Job.Catalog.GenerateTag', requiredOptions: [] },
  { friendlyName: 'Run graph', injectableName: 'Task.Base.Graph.Run', runJob: 'Job.Graph.Run', requiredOptions: ['graphName'] },
  { friendlyName: 'Wait for notification', injectableName: 'Task.Base.Wait.Notification', runJob: 'Job.Wait.Notification', requiredOptions: [] },
  { friendlyName: 'Wait for protocol event', injectableName: 'Task.Base.Wait.Protocol', runJob: 'Job.Wait.Protocol', requiredOptions: ['protocol'] },
  { friendlyName: 'Render template', injectableName: 'Task.Base.Template.Render', runJob: 'Job.Template.Render', requiredOptions: ['template'], optionsSchema: open },
  { friendlyName: 'REST call', injectableName: 'Task.Base.Rest', runJob: 'Job.Rest', requiredOptions: ['url'] },
  // No default root password or mirror: an install with either missing is refused before the node is touched.
  { friendlyName: 'Install OS', injectableName: 'Task.Base.Os.Install', runJob: 'Job.Os.Install', requiredOptions: ['profile', 'repo', 'rootPassword'], optionsSchema: open },
];
