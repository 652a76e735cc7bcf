/**
 * `/redfish/v1/Managers`: Monorail itself (`Managers/Monorail`, a ManagerType Service, as RackHD served
 * `Managers/RackHD`) and one Manager per node BMC that discovery catalogued (`bmc` = `ipmitool lan print`,
 * `ipmi-mc-info` = `ipmitool mc info`), each with its ManagerNetworkProtocol (mandatory in the OCP baseline
 * profile) and, for BMCs, the BMC's LAN interface as an EthernetInterface.
 */
import os from 'node:os';
import { Type } from '@sinclair/typebox';
import type { Request } from 'express';
import { entityIdPattern } from '../../../actors/ids.ts';
import { route, type ApiRoute } from '../../northbound/api-route.ts';
import type { NorthboundPorts } from '../../northbound/northbound-ports.ts';
import { collection, okStatus, ref, type Json } from '../odata.ts';
import { bmcManagerId, chassisPath, managerPath, managersPath, SERVICE_MANAGER_ID, systemPath } from '../paths.ts';
import { fail } from '../redfish-error.ts';
import { IdParam, pageOfList, pageParams } from '../route-kit.ts';
import { odataType } from '../schema-files.ts';
import { bmcInfo, type BmcInfo } from '../systems/node-inventory.ts';
import { loadSystem } from '../systems/systems-routes.ts';

const tag = 'Redfish Managers';
const ManagerParam = IdParam('managerId', `"${SERVICE_MANAGER_ID}", or <nodeId>-BMC for a node's BMC.`);
const BMC_INTERFACE = '1';

export interface ManagerFacts {
  readonly serviceUuid: string;
  readonly version: string;
}

function mask(prefix: string | undefined): string | undefined {
  return prefix !== undefined && /^\d{1,3}(\.\d{1,3}){3}$/.test(prefix) ? prefix : undefined;
}

/** The port the request came in on: what this member really serves HTTP on (configured port 0 included). */
const localPort = (req: Request): number | undefined => req.socket.localPort;

export function managerRoutes(ports: NorthboundPorts, facts: ManagerFacts): ApiRoute[] {
  const catalogs = ports.documents.collection('catalogs');

  const bmcOf = async (req: Request, managerId: string): Promise<{ nodeId: string; name: string; bmc: BmcInfo }> => {
    const nodeId = managerId.endsWith('-BMC') ? managerId.slice(0, -4) : '';
    if (!entityIdPattern.test(nodeId)) throw fail(404, 'ResourceMissingAtURI', [managerPath(managerId)]);
    const s = await loadSystem(ports, req, nodeId);
    const bmc = bmcInfo(s.catalogs);
    if (bmc === undefined) throw fail(404, 'ResourceMissingAtURI', [managerPath(managerId)]);
    return { nodeId, name: s.node.name, bmc };
  };

  const serviceManager = (): Json => ({
    '@odata.id': managerPath(SERVICE_MANAGER_ID),
    '@odata.type': odataType('Manager'),
    Id: SERVICE_MANAGER_ID,
    Name: 'Monorail',
    Description: 'The Monorail service that manages these systems (RackHD\u2019s successor)',
    ManagerType: 'Service',
    Model: 'Monorail',
    FirmwareVersion: facts.version,
    UUID: facts.serviceUuid,
    ServiceEntryPointUUID: facts.serviceUuid,
    DateTime: new Date(ports.now()).toISOString(),
    DateTimeLocalOffset: '+00:00',
    PowerState: 'On',
    Status: okStatus(),
    NetworkProtocol: ref(`${managerPath(SERVICE_MANAGER_ID)}/NetworkProtocol`),
  });

  const bmcManager = (nodeId: string, name: string, bmc: BmcInfo): Json => {
    const path = managerPath(bmcManagerId(nodeId));
    return {
      '@odata.id': path,
      '@odata.type': odataType('Manager'),
      Id: bmcManagerId(nodeId),
      Name: `BMC of ${name}`,
      ManagerType: 'BMC',
      ...(bmc.manufacturer === undefined ? {} : { Manufacturer: bmc.manufacturer }),
      ...(bmc.model === undefined ? {} : { Model: bmc.model }),
      ...(bmc.firmwareVersion === undefined ? {} : { FirmwareVersion: bmc.firmwareVersion }),
      Status: okStatus(),
      NetworkProtocol: ref(`${path}/NetworkProtocol`),
      EthernetInterfaces: ref(`${path}/EthernetInterfaces`),
      Links: { ManagerForServers: [ref(systemPath(nodeId))], ManagerForChassis: [ref(chassisPath(nodeId))] },
      Oem: { Monorail: { ...(bmc.ipmiVersion === undefined ? {} : { IpmiVersion: bmc.ipmiVersion }) } },
    };
  };

  return [
    route({
      method: 'get',
      path: '/Managers',
      summary: 'Monorail itself and every catalogued node BMC',
      tag,
      access: 'ReadOnly',
      responses: { 200: { description: 'ManagerCollection' } },
      async handler({ req }) {
        const docs = await catalogs.find({ source: { $in: ['bmc', 'ipmi-mc-info'] } });
        const nodeIds = [...new Set(docs.map((d) => d.node))].sort();
        const systems = await ports.documents.collection('nodes').find({ id: { $in: nodeIds }, type: { $in: ['compute', 'redfish'] } });
        const ids = [SERVICE_MANAGER_ID, ...systems.map((n) => bmcManagerId(n.id)).sort()];
        const page = pageOfList(ids, pageParams(req));
        return { status: 200, body: collection(managersPath, 'ManagerCollection', 'Manager Collection', { ...page, members: page.members.map(managerPath) }) };
      },
    }),
    route({
      method: 'get',
      path: '/Managers/{managerId}',
      summary: 'A manager: Monorail, or a node\u2019s BMC',
      tag,
      access: 'ReadOnly',
      params: ManagerParam,
      responses: { 200: { description: 'Manager' }, 404: { description: 'No such manager' } },
      async handler({ params, req }) {
        if (params.managerId === SERVICE_MANAGER_ID) return { status: 200, body: serviceManager() };
        const { nodeId, name, bmc } = await bmcOf(req, params.managerId);
        return { status: 200, body: bmcManager(nodeId, name, bmc) };
      },
    }),
    route({
      method: 'get',
      path: '/Managers/{managerId}/NetworkProtocol',
      summary: 'The protocols a manager serves',
      tag,
      access: 'ReadOnly',
      params: ManagerParam,
      responses: { 200: { description: 'ManagerNetworkProtocol' }, 404: { description: 'No such manager' } },
      async handler({ params, req }) {
        const path = `${managerPath(params.managerId)}/NetworkProtocol`;
        const base = { '@odata.id': path, '@odata.type': odataType('ManagerNetworkProtocol'), Id: 'NetworkProtocol', Name: 'Manager Network Protocol', Status: okStatus() };
        if (params.managerId === SERVICE_MANAGER_ID) {
          const hostName = os.hostname();
          const port = localPort(req) ?? null;
          return {
            status: 200,
            body: {
              ...base,
              HostName: hostName.split('.')[0] ?? hostName,
              ...(hostName.includes('.') ? { FQDN: hostName } : {}),
              HTTP: { ProtocolEnabled: !req.secure, Port: req.secure ? null : port },
              HTTPS: { ProtocolEnabled: req.secure, Port: req.secure ? port : null },
              SSDP: { ProtocolEnabled: false },
              DHCP: { ProtocolEnabled: ports.config.dhcp.enabled },
            },
          };
        }
        await bmcOf(req, params.managerId);
        // What discovery learnt: the BMC answered IPMI over its kernel interface; RMCP+ listens on 623.
        return { status: 200, body: { ...base, IPMI: { ProtocolEnabled: true, Port: 623 } } };
      },
    }),
    route({
      method: 'get',
      path: '/Managers/{managerId}/EthernetInterfaces',
      summary: 'A BMC\u2019s LAN interface (ipmitool lan print)',
      tag,
      access: 'ReadOnly',
      params: ManagerParam,
      responses: { 200: { description: 'EthernetInterfaceCollection' }, 404: { description: 'No such manager' } },
      async handler({ params, req }) {
        const path = `${managerPath(params.managerId)}/EthernetInterfaces`;
        if (params.managerId === SERVICE_MANAGER_ID) throw fail(404, 'ResourceMissingAtURI', [path]);
        const { bmc } = await bmcOf(req, params.managerId);
        const members = bmc.ipAddress !== undefined || bmc.mac !== undefined ? [`${path}/${BMC_INTERFACE}`] : [];
        return { status: 200, body: collection(path, 'EthernetInterfaceCollection', 'Manager Ethernet Interface Collection', members) };
      },
    }),
    route({
      method: 'get',
      path: '/Managers/{managerId}/EthernetInterfaces/{ethernetInterfaceId}',
      summary: 'A BMC\u2019s LAN interface',
      tag,
      access: 'ReadOnly',
      params: Type.Composite([ManagerParam, IdParam('ethernetInterfaceId', 'The LAN channel: 1')]),
      responses: { 200: { description: 'EthernetInterface' }, 404: { description: 'No such interface' } },
      async handler({ params, req }) {
        const path = `${managerPath(params.managerId)}/EthernetInterfaces/${params.ethernetInterfaceId}`;
        if (params.managerId === SERVICE_MANAGER_ID || params.ethernetInterfaceId !== BMC_INTERFACE) throw fail(404, 'ResourceMissingAtURI', [path]);
        const { bmc } = await bmcOf(req, params.managerId);
        if (bmc.ipAddress === undefined && bmc.mac === undefined) throw fail(404, 'ResourceMissingAtURI', [path]);
        const subnet = mask(bmc.subnetMask);
        return {
          status: 200,
          body: {
            '@odata.id': path,
            '@odata.type': odataType('EthernetInterface'),
            Id: BMC_INTERFACE,
            Name: 'BMC LAN channel 1',
            ...(bmc.mac === undefined ? {} : { MACAddress: bmc.mac }),
            InterfaceEnabled: true,
            IPv4Addresses:
              bmc.ipAddress === undefined
                ? []
                : [{ Address: bmc.ipAddress, ...(subnet === undefined ? {} : { SubnetMask: subnet }), ...(bmc.gateway === undefined ? {} : { Gateway: bmc.gateway }), ...(bmc.dhcp === undefined ? {} : { AddressOrigin: bmc.dhcp ? 'DHCP' : 'Static' }) }],
            Status: okStatus(),
          },
        };
      },
    }),
  ];
}
