/**
 * The fixed Redfish documents (DSP0266 §6.6, §8.4), all readable without credentials (§13.2): `/redfish`
 * (the version document), the ServiceRoot at `/redfish/v1/` (also at `/redfish/v1`, served the same:
 * PROTO_STD_URI_SERVICE_ROOT_REDIRECT), the OData service document and the CSDL `$metadata` naming every
 * schema namespace the service uses.
 */
import { route, type ApiRoute } from '../northbound/api-route.ts';
import { ref } from './odata.ts';
import { MAX_EXPAND_LEVELS } from './query/query-options.ts';
import {
  accountServicePath,
  chassisCollectionPath,
  eventServicePath,
  jsonSchemasPath,
  managersPath,
  registriesPath,
  ROOT,
  sessionServicePath,
  sessionsPath,
  systemsPath,
  taskServicePath,
} from './paths.ts';
import { odataType, schemaNamespaces } from './schema-files.ts';

const tag = 'Redfish Service';

/** Redfish specification version this service follows (DSP0266). */
export const REDFISH_VERSION = '1.20.0';

/** The ServiceRoot's direct children, as the OData service document lists them. */
const children: readonly (readonly [string, string])[] = [
  ['Systems', systemsPath],
  ['Chassis', chassisCollectionPath],
  ['Managers', managersPath],
  ['TaskService', taskServicePath],
  ['AccountService', accountServicePath],
  ['SessionService', sessionServicePath],
  ['EventService', eventServicePath],
  ['Registries', registriesPath],
  ['JsonSchemas', jsonSchemasPath],
  ['Sessions', sessionsPath],
];

/** Every namespace a response of this service names in `@odata.type` (the CSDL references of $metadata). */
export const namespacesUsed: readonly string[] = [
  'ServiceRoot',
  'ComputerSystemCollection', 'ComputerSystem',
  'ProcessorCollection', 'Processor',
  'MemoryCollection', 'Memory',
  'StorageCollection', 'Storage', 'Drive',
  'SimpleStorageCollection', 'SimpleStorage',
  'EthernetInterfaceCollection', 'EthernetInterface',
  'LogServiceCollection', 'LogService', 'LogEntryCollection', 'LogEntry',
  'Bios',
  'ChassisCollection', 'Chassis', 'Thermal', 'Power',
  'ManagerCollection', 'Manager', 'ManagerNetworkProtocol',
  'SessionService', 'SessionCollection', 'Session',
  'AccountService', 'ManagerAccountCollection', 'ManagerAccount', 'RoleCollection', 'Role',
  'TaskService', 'TaskCollection', 'Task',
  'EventService', 'EventDestinationCollection', 'EventDestination', 'Event',
  'MessageRegistryFileCollection', 'MessageRegistryFile', 'MessageRegistry',
  'JsonSchemaFileCollection', 'JsonSchemaFile',
  'Message', 'Resource',
];

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The CSDL document (OData 4.0, DSP0266 §8.4.1): a Reference per namespace used, and the EntityContainer. */
export function metadataDocument(): string {
  const refs = namespacesUsed.map((namespace) => {
    const ns = schemaNamespaces().get(namespace);
    const includes = [`    <edmx:Include Namespace="${xmlEscape(namespace)}"/>`];
    if (ns?.version !== undefined) includes.push(`    <edmx:Include Namespace="${xmlEscape(`${namespace}.${ns.version}`)}"/>`);
    return [`  <edmx:Reference Uri="http://redfish.dmtf.org/schemas/v1/${xmlEscape(namespace)}_v1.xml">`, ...includes, '  </edmx:Reference>'].join('\n');
  });
  const root = schemaNamespaces().get('ServiceRoot')?.version ?? 'v1_0_0';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">',
    ...refs,
    '  <edmx:Reference Uri="http://redfish.dmtf.org/schemas/v1/RedfishExtensions_v1.xml">',
    '    <edmx:Include Namespace="RedfishExtensions.v1_0_0" Alias="Redfish"/>',
    '  </edmx:Reference>',
    '  <edmx:DataServices>',
    '    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Service">',
    `      <EntityContainer Name="Service" Extends="ServiceRoot.${root}.ServiceContainer"/>`,
    '    </Schema>',
    '  </edmx:DataServices>',
    '</edmx:Edmx>',
    '',
  ].join('\n');
}

/** `/redfish` itself: mounted under the `/redfish` base (a group of its own). */
export function redfishVersionRoutes(): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '',
      summary: 'The Redfish versions this service offers: {"v1": "/redfish/v1/"}',
      tag,
      access: 'public',
      responses: { 200: { description: 'The version document' } },
      handler: () => ({ status: 200, body: { v1: `${ROOT}/` } }),
    }),
  ];
}

export function serviceRootRoutes(facts: { readonly serviceUuid: string; readonly version: string }): ApiRoute[] {
  const metadata = metadataDocument();
  return [
    route({
      method: 'get',
      path: '',
      summary: 'The Redfish ServiceRoot (also at /redfish/v1/)',
      tag,
      access: 'public',
      responses: { 200: { description: 'ServiceRoot' } },
      handler: () => ({
        status: 200,
        body: {
          '@odata.id': `${ROOT}/`,
          '@odata.type': odataType('ServiceRoot'),
          Id: 'RootService',
          Name: 'Monorail Redfish Service',
          RedfishVersion: REDFISH_VERSION,
          UUID: facts.serviceUuid,
          Vendor: 'Monorail',
          Product: 'Monorail',
          // DSP0266 §7.3: exactly what query/ answers (REQ_QUERY_PROTOCOL_FEATURES_SUPPORTED).
          ProtocolFeaturesSupported: {
            ExpandQuery: { ExpandAll: true, Levels: true, Links: true, NoLinks: true, MaxLevels: MAX_EXPAND_LEVELS },
            SelectQuery: true,
            FilterQuery: true,
            FilterQueryComparisonOperations: true,
            FilterQueryCompoundOperations: true,
            OnlyMemberQuery: true,
            ExcerptQuery: false,
            IncludeOriginOfConditionQuery: false,
            TopSkipQuery: true,
            DeepOperations: { DeepPATCH: false, DeepPOST: false },
            MultipleHTTPRequests: true,
          },
          Systems: ref(systemsPath),
          Chassis: ref(chassisCollectionPath),
          Managers: ref(managersPath),
          Tasks: ref(taskServicePath),
          SessionService: ref(sessionServicePath),
          AccountService: ref(accountServicePath),
          EventService: ref(eventServicePath),
          Registries: ref(registriesPath),
          JsonSchemas: ref(jsonSchemasPath),
          // DSP0266 §13.3.4: Links.Sessions equals SessionService.Sessions (SEC_SESSIONS_URI_LOCATION).
          Links: { Sessions: ref(sessionsPath) },
          Oem: { Monorail: { RestApi: '/api/2.0', Version: facts.version } },
        },
      }),
    }),
    route({
      method: 'get',
      path: '/odata',
      summary: 'The OData service document',
      tag,
      access: 'public',
      responses: { 200: { description: 'Service document' } },
      handler: () => ({
        status: 200,
        body: {
          '@odata.context': `${ROOT}/$metadata`,
          value: [{ name: 'Service', kind: 'Singleton', url: `${ROOT}/` }, ...children.map(([name, url]) => ({ name, kind: 'Singleton', url }))],
        },
      }),
    }),
    route({
      method: 'get',
      path: '/$metadata',
      summary: 'The OData CSDL metadata document (XML)',
      tag,
      access: 'public',
      responses: { 200: { description: 'CSDL' } },
      handler: () => ({ status: 200, raw: metadata, contentType: 'application/xml; charset=utf-8' }),
    }),
  ];
}
