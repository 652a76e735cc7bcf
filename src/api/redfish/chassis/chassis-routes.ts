/**
 * `/redfish/v1/Chassis`: one Chassis per ComputerSystem (same id: the node id), from the dmi Chassis
 * Information (and the BMC's FRU), as RackHD built it for compute nodes. Thermal and Power come from the
 * sensor seam (`RedfishDeps.sensors`, fed by the pollers of issue 7) and are empty until it has readings.
 */
import type { ApiRoute } from '../../northbound/api-route.ts';
import { route } from '../../northbound/api-route.ts';
import type { NorthboundPorts } from '../../northbound/northbound-ports.ts';
import { collection, okStatus, ref, type Json } from '../odata.ts';
import { chassisCollectionPath, chassisPath, systemPath } from '../paths.ts';
import type { ChassisSensors } from '../redfish-deps.ts';
import { IdParam, pageParams } from '../route-kit.ts';
import { odataType } from '../schema-files.ts';
import { bmcInfo, chassisInfo } from '../systems/node-inventory.ts';
import { knownPowerState } from '../systems/power-workflows.ts';
import { managedBy } from '../systems/system-resources.ts';
import { loadSystem, SYSTEM_NODE_TYPES } from '../systems/systems-routes.ts';

const tag = 'Redfish Chassis';
const ChassisParam = IdParam('chassisId', 'The node id of the system in the chassis.');

/** SMBIOS chassis types (DSP0134 §7.4.1) and IPMI FRU chassis types → Chassis.ChassisType. */
export function chassisTypeOf(smbios: string | undefined): string {
  const t = (smbios ?? '').toLowerCase();
  if (/rack mount|main server|rackmount/.test(t)) return 'RackMount';
  if (/blade enclosure|multi-system|enclosure/.test(t)) return 'Enclosure';
  if (/blade/.test(t)) return 'Blade';
  if (/tower|desktop|mini|low profile|pizza|all in one|sealed-case|space-saving|lunch box/.test(t)) return 'StandAlone';
  if (/expansion/.test(t)) return 'Expansion';
  if (/sub chassis|bus expansion/.test(t)) return 'Module';
  return 'Other';
}

function withHealth(value: number | null, critical?: number, warning?: number): 'OK' | 'Warning' | 'Critical' {
  if (value === null) return 'OK';
  if (critical !== undefined && value >= critical) return 'Critical';
  if (warning !== undefined && value >= warning) return 'Warning';
  return 'OK';
}

export function chassisRoutes(ports: NorthboundPorts, sensors?: ChassisSensors): ApiRoute[] {
  const nodes = ports.documents.collection('nodes');
  return [
    route({
      method: 'get',
      path: '/Chassis',
      summary: 'One chassis per ComputerSystem',
      tag,
      access: 'ReadOnly',
      responses: { 200: { description: 'ChassisCollection' } },
      async handler({ req }) {
        const page = pageParams(req);
        const filter = { type: { $in: [...SYSTEM_NODE_TYPES] } };
        const [items, total] = await Promise.all([nodes.find(filter, { skip: page.skip, limit: page.top }), nodes.count(filter)]);
        const next = page.skip + page.top;
        return { status: 200, body: collection(chassisCollectionPath, 'ChassisCollection', 'Chassis Collection', { members: items.map((n) => chassisPath(n.id)), total, top: page.top, ...(next < total ? { nextSkip: next } : {}) }) };
      },
    }),
    route({
      method: 'get',
      path: '/Chassis/{chassisId}',
      summary: 'A chassis, from the dmi Chassis Information',
      tag,
      access: 'ReadOnly',
      params: ChassisParam,
      responses: { 200: { description: 'Chassis' }, 404: { description: 'No such chassis' } },
      async handler({ params, req }) {
        const s = await loadSystem(ports, req, params.chassisId);
        const info = chassisInfo(s.catalogs);
        const path = chassisPath(s.node.id);
        const power = await knownPowerState(ports.documents.collection('workflows'), s.node.id);
        const body: Json = {
          '@odata.id': path,
          '@odata.type': odataType('Chassis'),
          Id: s.node.id,
          Name: `Chassis of ${s.node.name}`,
          ChassisType: chassisTypeOf(info.type),
          ...(info.manufacturer === undefined ? {} : { Manufacturer: info.manufacturer }),
          ...(info.model === undefined ? {} : { Model: info.model }),
          ...(info.serialNumber === undefined ? {} : { SerialNumber: info.serialNumber }),
          ...(info.assetTag === undefined ? {} : { AssetTag: info.assetTag }),
          ...(info.sku === undefined ? {} : { SKU: info.sku }),
          ...(info.partNumber === undefined ? {} : { PartNumber: info.partNumber }),
          PowerState: power,
          Status: okStatus(),
          Thermal: ref(`${path}/Thermal`),
          Power: ref(`${path}/Power`),
          Links: { ComputerSystems: [ref(systemPath(s.node.id))], ManagedBy: [ref(managedBy(s.node, bmcInfo(s.catalogs) !== undefined))] },
        };
        return { status: 200, body };
      },
    }),
    route({
      method: 'get',
      path: '/Chassis/{chassisId}/Thermal',
      summary: 'Temperatures and fans, from the sensor pollers (empty until they report)',
      tag,
      access: 'ReadOnly',
      params: ChassisParam,
      responses: { 200: { description: 'Thermal' }, 404: { description: 'No such chassis' } },
      async handler({ params, req }) {
        const s = await loadSystem(ports, req, params.chassisId);
        const path = `${chassisPath(s.node.id)}/Thermal`;
        const r = await sensors?.thermal(s.node.id);
        return {
          status: 200,
          body: {
            '@odata.id': path,
            '@odata.type': odataType('Thermal'),
            Id: 'Thermal',
            Name: 'Thermal',
            Temperatures: (r?.temperatures ?? []).map((t, i) => ({
              '@odata.id': `${path}#/Temperatures/${i}`,
              MemberId: String(i),
              Name: t.name,
              ReadingCelsius: t.celsius,
              ...(t.upperNonCritical === undefined ? {} : { UpperThresholdNonCritical: t.upperNonCritical }),
              ...(t.upperCritical === undefined ? {} : { UpperThresholdCritical: t.upperCritical }),
              Status: okStatus('Enabled', withHealth(t.celsius, t.upperCritical, t.upperNonCritical)),
            })),
            Fans: (r?.fans ?? []).map((f, i) => ({ '@odata.id': `${path}#/Fans/${i}`, MemberId: String(i), Name: f.name, Reading: f.rpm, ReadingUnits: 'RPM', Status: okStatus() })),
          },
        };
      },
    }),
    route({
      method: 'get',
      path: '/Chassis/{chassisId}/Power',
      summary: 'Power consumption and voltages, from the sensor pollers (empty until they report)',
      tag,
      access: 'ReadOnly',
      params: ChassisParam,
      responses: { 200: { description: 'Power' }, 404: { description: 'No such chassis' } },
      async handler({ params, req }) {
        const s = await loadSystem(ports, req, params.chassisId);
        const path = `${chassisPath(s.node.id)}/Power`;
        const r = await sensors?.power(s.node.id);
        return {
          status: 200,
          body: {
            '@odata.id': path,
            '@odata.type': odataType('Power'),
            Id: 'Power',
            Name: 'Power',
            PowerControl:
              r?.consumedWatts === undefined
                ? []
                : [{ '@odata.id': `${path}#/PowerControl/0`, MemberId: '0', Name: 'System Input Power', PowerConsumedWatts: r.consumedWatts, Status: okStatus() }],
            Voltages: (r?.voltages ?? []).map((v, i) => ({ '@odata.id': `${path}#/Voltages/${i}`, MemberId: String(i), Name: v.name, ReadingVolts: v.volts, Status: okStatus() })),
          },
        };
      },
    }),
  ];
}
