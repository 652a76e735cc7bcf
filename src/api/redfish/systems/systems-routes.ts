/**
 * `/redfish/v1/Systems`: one ComputerSystem per node of type compute or redfish (RackHD's rule), built from
 * its catalogs, with Processors, Memory, Storage/Drives, SimpleStorage, EthernetInterfaces, the SEL and the
 * Bios below it; `ComputerSystem.Reset` and a PATCH of `Boot` run workflows on the node and answer 202 with
 * the Task as task monitor (DSP0266 §12.2).
 */
import { Type } from '@sinclair/typebox';
import { entityIdPattern } from '../../../actors/ids.ts';
import { isMonorailError } from '../../../errors.ts';
import type { NodeDoc } from '../../../persistence/collections.ts';
import { route, type ApiRoute } from '../../northbound/api-route.ts';
import type { NorthboundPorts } from '../../northbound/northbound-ports.ts';
import { baseMessage, type RedfishMessage } from '../message-registries.ts';
import { collection, type Json } from '../odata.ts';
import { ROOT, systemPath, systemsPath } from '../paths.ts';
import { fail, RedfishError } from '../redfish-error.ts';
import { checkIfMatch, etagOf, IdParam, isAnnotation, objectBody, pageParams, redfishBody } from '../route-kit.ts';
import { schemaProperties } from '../schema-files.ts';
import { taskResource } from '../tasks/task-view.ts';
import type { WorkflowDoc } from '../../../persistence/collections.ts';
import { biosInfo, latestCatalogs, memoryDevices, networkInterfaces, processors, selEntries, storageControllers, systemIdentity, bmcInfo } from './node-inventory.ts';
import { DISK_BOOT_GRAPH, knownBootOverride, knownPowerState, PXE_BOOT_GRAPH, RESET_TYPES, resetGraphs, type ResetType } from './power-workflows.ts';
import { BOOT_ENABLED, BOOT_TARGETS, bios, computerSystem, drive, ethernetInterface, memory, processor, selEntry, selLogService, simpleStorage, storage } from './system-resources.ts';

/** Node types that are ComputerSystems (RackHD: compute and redfish). */
export const SYSTEM_NODE_TYPES = ['compute', 'redfish'] as const;

const SystemParam = IdParam('systemId', 'The node id.');
const tag = 'Redfish Systems';
const RESET_ACTION = 'ComputerSystem.Reset';

export interface LoadedSystem {
  readonly node: NodeDoc;
  readonly catalogs: Map<string, unknown>;
}

export async function loadSystem(ports: NorthboundPorts, req: { readonly originalUrl: string }, id: string): Promise<LoadedSystem> {
  const node = entityIdPattern.test(id) ? await ports.documents.collection('nodes').get(id) : undefined;
  if (node === undefined || !(SYSTEM_NODE_TYPES as readonly string[]).includes(node.type)) throw fail(404, 'ResourceMissingAtURI', [(req.originalUrl.split('?')[0] ?? '').replace(/\/+$/, '')]);
  return { node, catalogs: await latestCatalogs(ports.documents.collection('catalogs'), node.id) };
}

export async function systemJson(ports: NorthboundPorts, s: LoadedSystem): Promise<Json> {
  const workflows = ports.documents.collection('workflows');
  const [power, boot] = await Promise.all([knownPowerState(workflows, s.node.id), knownBootOverride(workflows, s.node.id)]);
  return computerSystem({
    node: s.node,
    identity: systemIdentity(s.catalogs),
    processors: processors(s.catalogs),
    memory: memoryDevices(s.catalogs),
    hasBmc: bmcInfo(s.catalogs) !== undefined,
    hasBios: biosInfo(s.catalogs) !== undefined,
    power,
    boot,
    drivesHealthy: storageControllers(s.catalogs).every((c) => c.drives.every((d) => d.smartPassed !== false)),
  });
}

const missing = (uri: string): RedfishError => fail(404, 'ResourceMissingAtURI', [uri]);

/** Runs `graphName` on the node; 202 with the Task as monitor, 409 ResourceInUse when the node is busy. */
async function runOnNode(ports: NorthboundPorts, nodeId: string, graphName: string, extra: readonly RedfishMessage[] = []) {
  try {
    const wf = await ports.workflows.run({ graphName, nodeId });
    const task = taskResource(wf as unknown as WorkflowDoc);
    const location = String(task['@odata.id']);
    return { status: 202, body: { ...task, ...(extra.length === 0 ? {} : { '@Message.ExtendedInfo': extra }) }, headers: { Location: location, 'Retry-After': '1' } };
  } catch (e) {
    if (isMonorailError(e, 'WORKFLOW_CONFLICT')) throw fail(409, 'ResourceInUse');
    throw e;
  }
}

export function systemsRoutes(ports: NorthboundPorts): ApiRoute[] {
  const nodes = ports.documents.collection('nodes');
  const sub = (path: string, summary: string, params: ReturnType<typeof IdParam>, build: (s: LoadedSystem, params: Record<string, string>, uri: string) => Json | Promise<Json>): ApiRoute =>
    route({
      method: 'get',
      path,
      summary,
      tag,
      access: 'ReadOnly',
      params,
      responses: { 200: { description: summary }, 404: { description: 'No such resource' } },
      async handler({ params: p, req }) {
        const values = p as Record<string, string>;
        const s = await loadSystem(ports, req, values['systemId'] ?? '');
        // The canonical URI, whatever case or trailing slash the request used (express matches both).
        const uri = `${ROOT}${path.replace(/\{([A-Za-z0-9_]+)\}/g, (_, k: string) => values[k] ?? '')}`;
        return { status: 200, body: await build(s, values, uri) };
      },
    });
  const WithChild = (name: string, description: string) => Type.Composite([SystemParam, IdParam(name, description)]);

  return [
    route({
      method: 'get',
      path: '/Systems',
      summary: 'The ComputerSystems: every node of type compute or redfish',
      tag,
      access: 'ReadOnly',
      responses: { 200: { description: 'ComputerSystemCollection' } },
      async handler({ req }) {
        const page = pageParams(req);
        const filter = { type: { $in: [...SYSTEM_NODE_TYPES] } };
        const [items, total] = await Promise.all([nodes.find(filter, { skip: page.skip, limit: page.top }), nodes.count(filter)]);
        const next = page.skip + page.top;
        return {
          status: 200,
          body: collection(systemsPath, 'ComputerSystemCollection', 'Computer System Collection', { members: items.map((n) => systemPath(n.id)), total, top: page.top, ...(next < total ? { nextSkip: next } : {}) }),
        };
      },
    }),
    route({
      method: 'get',
      path: '/Systems/{systemId}',
      summary: 'A node as a ComputerSystem: identity from its dmi catalog, power and boot override from its workflows',
      tag,
      access: 'ReadOnly',
      params: SystemParam,
      responses: { 200: { description: 'ComputerSystem' }, 404: { description: 'No such system' } },
      async handler({ params, req }) {
        return { status: 200, body: await systemJson(ports, await loadSystem(ports, req, params.systemId)) };
      },
    }),
    route({
      method: 'patch',
      path: '/Systems/{systemId}',
      summary: 'Set the boot override (Boot.BootSourceOverrideTarget Pxe or Hdd, once): runs a set-boot graph on the node',
      tag,
      access: 'Operator',
      params: SystemParam,
      body: redfishBody('ComputerSystem properties to change; only Boot is writable', { Boot: Type.Object({}, { additionalProperties: true }) }),
      responses: { 200: { description: 'Nothing to do: the system' }, 202: { description: 'A set-boot graph runs; Location names its Task' }, 400: { description: 'Read-only, unknown or unsupported properties' }, 409: { description: 'The node runs another workflow' }, 412: { description: 'If-Match does not match' } },
      async handler({ params, body, req }) {
        const s = await loadSystem(ports, req, params.systemId);
        const current = await systemJson(ports, s);
        checkIfMatch(req, etagOf(current));
        const patch = objectBody(body);
        const problems: RedfishMessage[] = [];
        let want: { target?: string; enabled?: string } = {};
        for (const [key, value] of Object.entries(patch)) {
          if (isAnnotation(key)) continue;
          if (key !== 'Boot') {
            problems.push(baseMessage(schemaProperties('ComputerSystem').has(key) ? 'PropertyNotWritable' : 'PropertyUnknown', [key], [`/${key}`]));
            continue;
          }
          if (typeof value !== 'object' || value === null || Array.isArray(value)) {
            problems.push(baseMessage('PropertyValueTypeError', [JSON.stringify(value), 'Boot'], ['/Boot']));
            continue;
          }
          for (const [bootKey, bootValue] of Object.entries(value as Record<string, unknown>)) {
            if (isAnnotation(bootKey)) continue;
            const pointer = `/Boot/${bootKey}`;
            const allowed = bootKey === 'BootSourceOverrideTarget' ? BOOT_TARGETS : bootKey === 'BootSourceOverrideEnabled' ? BOOT_ENABLED : undefined;
            if (allowed === undefined) problems.push(baseMessage('PropertyUnknown', [`Boot/${bootKey}`], [pointer]));
            else if (typeof bootValue !== 'string') problems.push(baseMessage('PropertyValueTypeError', [JSON.stringify(bootValue), `Boot/${bootKey}`], [pointer]));
            else if (!(allowed as readonly string[]).includes(bootValue)) problems.push(baseMessage('PropertyValueNotInList', [bootValue, `Boot/${bootKey}`], [pointer]));
            else want = { ...want, [bootKey === 'BootSourceOverrideTarget' ? 'target' : 'enabled']: bootValue };
          }
        }
        if (want.target === undefined && want.enabled === undefined) {
          // DSP0266 §7.9: nothing writable at all is a 400 naming every property (or NoOperation for an empty patch).
          throw new RedfishError(400, problems.length > 0 ? problems : [baseMessage('NoOperation')]);
        }
        const boot = current['Boot'] as { BootSourceOverrideTarget: string; BootSourceOverrideEnabled: string };
        const target = want.target ?? (want.enabled === 'Disabled' ? 'None' : boot.BootSourceOverrideTarget);
        const enabled = want.enabled ?? (target === 'None' ? 'Disabled' : 'Once');
        if (target === 'None' || enabled === 'Disabled') {
          // Monorail's OBM services cannot clear an override once set; asking for none is only a no-op.
          if (boot.BootSourceOverrideTarget !== 'None') throw fail(400, 'PropertyValueResourceConflict', ['Boot/BootSourceOverrideTarget', 'None', systemPath(s.node.id)], ['/Boot/BootSourceOverrideTarget']);
          return { status: 200, body: { ...current, ...(problems.length === 0 ? {} : { '@Message.ExtendedInfo': problems }) } };
        }
        return runOnNode(ports, s.node.id, target === 'Pxe' ? PXE_BOOT_GRAPH : DISK_BOOT_GRAPH, problems);
      },
    }),
    route({
      method: 'post',
      path: '/Systems/{systemId}/Actions/ComputerSystem.Reset',
      summary: 'Reset the system: runs the power graph of the ResetType (On/ForceOn → Graph.PowerOn.Node, ForceOff → Graph.PowerOff.Node, GracefulShutdown → Graph.PowerOff.Soft.Node, ForceRestart → Graph.Reset.Node, GracefulRestart/PowerCycle → Graph.Reboot.Node)',
      tag,
      access: 'Operator',
      params: SystemParam,
      body: redfishBody('{"ResetType": …}', { ResetType: Type.String({ enum: [...RESET_TYPES] }) }),
      responses: { 202: { description: 'The graph runs; Location is its Task (the task monitor)' }, 400: { description: 'A missing, unknown or unsupported parameter' }, 404: { description: 'No such system' }, 409: { description: 'The node runs another workflow' } },
      async handler({ params, body, req }) {
        const s = await loadSystem(ports, req, params.systemId);
        const b = objectBody(body);
        for (const key of Object.keys(b)) if (!isAnnotation(key) && key !== 'ResetType') throw fail(400, 'ActionParameterUnknown', [RESET_ACTION, key], [`/${key}`]);
        if (!('ResetType' in b)) throw fail(400, 'ActionParameterMissing', [RESET_ACTION, 'ResetType'], ['/ResetType']);
        const value = b['ResetType'];
        if (typeof value !== 'string') throw fail(400, 'ActionParameterValueTypeError', [JSON.stringify(value), 'ResetType', RESET_ACTION], ['/ResetType']);
        if (!(RESET_TYPES as readonly string[]).includes(value)) throw fail(400, 'ActionParameterValueNotInList', [value, 'ResetType', RESET_ACTION], ['/ResetType']);
        return runOnNode(ports, s.node.id, resetGraphs[value as ResetType]);
      },
    }),

    sub('/Systems/{systemId}/Processors', 'The processors (dmi Processor Information)', SystemParam, (s, _p, uri) =>
      collection(uri, 'ProcessorCollection', 'Processors Collection', processors(s.catalogs).map((p) => `${systemPath(s.node.id)}/Processors/${p.id}`)),
    ),
    sub('/Systems/{systemId}/Processors/{processorId}', 'One processor', WithChild('processorId', 'Processor id (its socket)'), (s, p, uri) => {
      const found = processors(s.catalogs).find((x) => x.id === p['processorId']);
      if (found === undefined) throw missing(uri);
      return processor(s.node.id, found);
    }),
    sub('/Systems/{systemId}/Memory', 'The memory modules (dmi Memory Device)', SystemParam, (s, _p, uri) =>
      collection(uri, 'MemoryCollection', 'Memory Module Collection', memoryDevices(s.catalogs).map((m) => `${systemPath(s.node.id)}/Memory/${m.id}`)),
    ),
    sub('/Systems/{systemId}/Memory/{memoryId}', 'One memory module', WithChild('memoryId', 'Memory id (its locator)'), (s, p, uri) => {
      const found = memoryDevices(s.catalogs).find((x) => x.id === p['memoryId']);
      if (found === undefined) throw missing(uri);
      return memory(s.node.id, found);
    }),
    sub('/Systems/{systemId}/Storage', 'Storage subsystems, one per controller (lshw, lsblk, smart)', SystemParam, (s, _p, uri) =>
      collection(uri, 'StorageCollection', 'Storage Collection', storageControllers(s.catalogs).map((c) => `${systemPath(s.node.id)}/Storage/${c.id}`)),
    ),
    sub('/Systems/{systemId}/Storage/{storageId}', 'One storage subsystem', WithChild('storageId', 'Storage id (its controller)'), (s, p, uri) => {
      const found = storageControllers(s.catalogs).find((x) => x.id === p['storageId']);
      if (found === undefined) throw missing(uri);
      return storage(s.node.id, found);
    }),
    sub('/Systems/{systemId}/Storage/{storageId}/Drives/{driveId}', 'One drive', Type.Composite([SystemParam, IdParam('storageId', 'Storage id'), IdParam('driveId', 'Drive id (its kernel name)')]), (s, p, uri) => {
      const controller = storageControllers(s.catalogs).find((x) => x.id === p['storageId']);
      const found = controller?.drives.find((d) => d.id === p['driveId']);
      if (controller === undefined || found === undefined) throw missing(uri);
      return drive(s.node.id, controller.id, found);
    }),
    sub('/Systems/{systemId}/SimpleStorage', 'Simple storage, one per controller', SystemParam, (s, _p, uri) =>
      collection(uri, 'SimpleStorageCollection', 'Simple Storage Collection', storageControllers(s.catalogs).map((c) => `${systemPath(s.node.id)}/SimpleStorage/${c.id}`)),
    ),
    sub('/Systems/{systemId}/SimpleStorage/{storageId}', 'One simple storage controller and its devices', WithChild('storageId', 'Storage id (its controller)'), (s, p, uri) => {
      const found = storageControllers(s.catalogs).find((x) => x.id === p['storageId']);
      if (found === undefined) throw missing(uri);
      return simpleStorage(s.node.id, found);
    }),
    sub('/Systems/{systemId}/EthernetInterfaces', 'The network interfaces (ip-link, ip-addr, lshw)', SystemParam, (s, _p, uri) =>
      collection(uri, 'EthernetInterfaceCollection', 'Ethernet Interface Collection', networkInterfaces(s.catalogs).map((n) => `${uri}/${n.id}`)),
    ),
    sub('/Systems/{systemId}/EthernetInterfaces/{ethernetInterfaceId}', 'One network interface', WithChild('ethernetInterfaceId', 'Interface id (its kernel name)'), (s, p, uri) => {
      const found = networkInterfaces(s.catalogs).find((x) => x.id === p['ethernetInterfaceId']);
      if (found === undefined) throw missing(uri);
      return ethernetInterface(`${systemPath(s.node.id)}/EthernetInterfaces`, found);
    }),
    sub('/Systems/{systemId}/LogServices', 'Log services: the SEL', SystemParam, (s, _p, uri) => collection(uri, 'LogServiceCollection', 'Log Service Collection', [`${uri}/SEL`])),
    sub('/Systems/{systemId}/LogServices/SEL', 'The IPMI System Event Log (ipmi-sel catalog)', SystemParam, (s) => selLogService(s.node.id, selEntries(s.catalogs)?.length ?? 0)),
    sub('/Systems/{systemId}/LogServices/SEL/Entries', 'The SEL entries as last catalogued', SystemParam, (s, _p, uri) =>
      collection(uri, 'LogEntryCollection', 'Log Entry Collection', (selEntries(s.catalogs) ?? []).map((e) => `${uri}/${e.id}`)),
    ),
    sub('/Systems/{systemId}/LogServices/SEL/Entries/{entryId}', 'One SEL entry', WithChild('entryId', 'SEL record id'), (s, p, uri) => {
      const found = (selEntries(s.catalogs) ?? []).find((x) => x.id === p['entryId']);
      if (found === undefined) throw missing(uri);
      return selEntry(s.node.id, found);
    }),
    sub('/Systems/{systemId}/Bios', 'The BIOS (dmi BIOS Information)', SystemParam, (s, _p, uri) => {
      const b = biosInfo(s.catalogs);
      if (b === undefined) throw missing(uri);
      return bios(s.node.id, b);
    }),
  ];
}
