/**
 * The tasks Monorail ships (RackHD's `Task.*`). Catalog tasks are made from the catalog command registry,
 * so a command the microkernel runs always has a parser and a catalog source behind it.
 */
import { catalogCommands } from '../../catalog/command-parsers.ts';
import type { TaskDefinition } from '../definition-types.ts';

/** The ipmitool commands the microkernel runs against its own BMC (through the kernel's IPMI driver). */
// mc info and fru first: the agent stops a task's series at the first failure, and a BMC without LAN
// settings (QEMU's emulated one, a BMC on a dedicated port only) still identifies itself.
export const bmcCatalogCommands: readonly string[] = ['ipmitool mc info', 'ipmitool fru', 'ipmitool lan print'];

const obm = (name: string, friendlyName: string, action: string): TaskDefinition => ({
  friendlyName,
  injectableName: `Task.Obm.Node.${name}`,
  implementsTask: 'Task.Base.Obm.Node',
  options: { action, obmServiceName: null },
});

const installer = (name: string, friendlyName: string, profile: string, installScript: string): TaskDefinition => ({
  friendlyName,
  injectableName: `Task.Os.Install.${name}`,
  implementsTask: 'Task.Base.Os.Install',
  options: {
    profile,
    // RackHD's installScriptUri: the preseed/kickstart rendered for this node by the templates endpoint.
    installScriptUri: `{{ api.templates }}/${installScript}?nodeId={{ task.nodeId }}`,
    version: null,
    repo: null,
    rootPassword: null,
    installDisk: null,
    kargs: {},
  },
  properties: { os: { linux: { type: 'installed' } } },
});

export const builtinTasks: readonly TaskDefinition[] = [
  { friendlyName: 'Noop', injectableName: 'Task.noop', implementsTask: 'Task.Base.noop', options: { delay: 0 } },
  { friendlyName: 'Wait', injectableName: 'Task.Wait', implementsTask: 'Task.Base.Wait', options: { duration: 1000 } },
  { friendlyName: 'Evaluate condition', injectableName: 'Task.Evaluate.Condition', implementsTask: 'Task.Base.Evaluate.Condition', options: { when: null } },
  {
    friendlyName: 'Bootstrap microkernel',
    injectableName: 'Task.Linux.Bootstrap.Microkernel',
    implementsTask: 'Task.Base.Linux.Bootstrap',
    // A machine that never reaches the microkernel (no PXE, a dead NIC) must not hold its node for ever: after
    // 20 minutes discovery fails, and the node is rediscovered the next time it boots.
    options: { profile: 'microkernel.ipxe', _taskTimeout: 20 * 60 * 1000 },
    properties: { os: { linux: { distribution: 'debian' } } },
  },
  ...catalogCommands.map(
    (c): TaskDefinition => ({
      friendlyName: `Catalog ${c.source}`,
      injectableName: `Task.Catalog.${c.source}`,
      implementsTask: 'Task.Base.Linux.Catalog',
      options: { commands: [c.cmd] },
      properties: { catalog: { type: c.source } },
    }),
  ),
  {
    friendlyName: 'Catalog BMC',
    injectableName: 'Task.Catalog.bmc',
    implementsTask: 'Task.Base.Linux.Catalog',
    options: { commands: bmcCatalogCommands },
    properties: { catalog: { type: 'bmc' } },
  },
  { friendlyName: 'Shell commands', injectableName: 'Task.Linux.Commands', implementsTask: 'Task.Base.Linux.Commands', options: { commands: null } },
  {
    // RackHD's Task.ProcShellReboot: end the agent with a code its init acts on (1 reboot, 127 stay up, 0 power off).
    friendlyName: 'End the microkernel agent',
    injectableName: 'Task.ProcShellReboot',
    implementsTask: 'Task.Base.Linux.Exit',
    options: { exit: 1, releaseBoot: true },
  },
  obm('PowerOn', 'Power on', 'powerOn'),
  obm('PowerOff', 'Power off', 'powerOff'),
  obm('Reboot', 'Reboot', 'reboot'),
  obm('Reset', 'Reset', 'reset'),
  obm('SoftReset', 'Soft reset', 'softReset'),
  obm('PxeBoot', 'Next boot from the network', 'setBootPxe'),
  obm('DiskBoot', 'Next boot from disk', 'setBootDisk'),
  obm('PowerStatus', 'Power status', 'powerStatus'),
  obm('IdentifyOn', 'Identify LED on', 'identifyOn'),
  obm('IdentifyOff', 'Identify LED off', 'identifyOff'),
  {
    friendlyName: 'Create OBM settings',
    injectableName: 'Task.Obm.Create',
    implementsTask: 'Task.Base.Obm.Create',
    options: { service: 'ipmi-obm-service', user: null, password: null, host: null, port: null },
  },
  { friendlyName: 'Generate SKU', injectableName: 'Task.Catalog.GenerateSku', implementsTask: 'Task.Base.Catalog.GenerateSku', options: {} },
  { friendlyName: 'Generate tags', injectableName: 'Task.Catalog.GenerateTag', implementsTask: 'Task.Base.Catalog.GenerateTag', options: {} },
  { friendlyName: 'Run graph', injectableName: 'Task.Graph.Run', implementsTask: 'Task.Base.Graph.Run', options: { graphName: null, graphOptions: {} } },
  {
    friendlyName: 'Run the SKU graph',
    injectableName: 'Task.Graph.Run.SkuSpecific',
    implementsTask: 'Task.Base.Graph.Run',
    options: { graphName: '{{ context.skuGraph.name }}', graphOptions: '{{ context.skuGraph.options }}', optional: true },
  },
  { friendlyName: 'Wait for notification', injectableName: 'Task.Wait.Notification', implementsTask: 'Task.Base.Wait.Notification', options: {} },
  { friendlyName: 'Wait for protocol event', injectableName: 'Task.Wait.Protocol', implementsTask: 'Task.Base.Wait.Protocol', options: { protocol: null, pattern: null } },
  { friendlyName: 'Render template', injectableName: 'Task.Template.Render', implementsTask: 'Task.Base.Template.Render', options: { template: null } },
  { friendlyName: 'REST call', injectableName: 'Task.Rest', implementsTask: 'Task.Base.Rest', options: { url: null, method: 'GET', headers: {}, data: null } },
  installer('Debian', 'Install Debian', 'install-debian.ipxe', 'debian-preseed'),
  installer('Ubuntu', 'Install Ubuntu', 'install-debian.ipxe', 'debian-preseed'),
  installer('CentOS', 'Install CentOS', 'install-centos.ipxe', 'centos-ks'),
  installer('Rocky', 'Install Rocky Linux', 'install-centos.ipxe', 'centos-ks'),
  {
    friendlyName: 'Wipe disks',
    injectableName: 'Task.Linux.WipeDisks',
    implementsTask: 'Task.Base.Linux.Commands',
    options: {
      commands: [
        // Every whole disk (not loop/CD-ROM): drop signatures, then zero the start and end where partition tables live.
        'for d in $(lsblk -dn -o NAME -e 7,11); do wipefs -a "/dev/$d"; dd if=/dev/zero of="/dev/$d" bs=1M count=16 conv=fsync; ' +
          's=$(blockdev --getsz "/dev/$d"); dd if=/dev/zero of="/dev/$d" bs=512 seek=$((s-32768)) count=32768 conv=fsync; done',
      ],
    },
  },
];
