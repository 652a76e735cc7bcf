/**
 * `/redfish/v1/Registries` and `/redfish/v1/JsonSchemas`: the message registries Monorail's messages come
 * from (Base, TaskEvent, ResourceEvent) and the JSON schemas its resources follow, served from the vendored
 * DMTF publications as MessageRegistryFile and JsonSchemaFile resources with a local copy (`Location.Uri`)
 * and the DMTF address (`PublicationUri`), as RackHD served its own copies.
 */
import { Type } from '@sinclair/typebox';
import { route, type ApiRoute } from '../northbound/api-route.ts';
import { messageRegistries, registryOf, registryPrefixes, type RegistryPrefix } from './message-registries.ts';
import { collection, type Json } from './odata.ts';
import { jsonSchemasPath, registriesPath } from './paths.ts';
import { fail } from './redfish-error.ts';
import { IdParam } from './route-kit.ts';
import { localSchemaUri, odataType, publicationUri, readSchemaFile, schemaNamespaces } from './schema-files.ts';

const tag = 'Redfish Registries and Schemas';
const RegistryParam = IdParam('registryId', 'Base, TaskEvent or ResourceEvent.');
const SchemaParam = IdParam('schemaId', 'A schema namespace, e.g. ComputerSystem.');
const FileParam = IdParam('file', 'A file name, e.g. ComputerSystem.v1_27_0.json.');

const isPrefix = (id: string): id is RegistryPrefix => (registryPrefixes as readonly string[]).includes(id);

function registryFile(prefix: RegistryPrefix): Json {
  const r = messageRegistries().get(prefix);
  if (r === undefined) throw new Error(`no ${prefix} registry`);
  return {
    '@odata.id': `${registriesPath}/${prefix}`,
    '@odata.type': odataType('MessageRegistryFile'),
    Id: prefix,
    Name: `${prefix} Message Registry File`,
    Description: typeof r.document['Description'] === 'string' ? r.document['Description'] : `${prefix} message registry`,
    Languages: ['en'],
    Registry: registryOf(prefix),
    Location: [{ Language: 'en', Uri: `${registriesPath}/${prefix}/${r.file}`, PublicationUri: `https://redfish.dmtf.org/registries/${r.file}` }],
  };
}

function schemaFile(namespace: string): Json {
  const ns = schemaNamespaces().get(namespace);
  if (ns === undefined) throw new Error(`no schema ${namespace}`);
  const file = ns.versioned ?? ns.unversioned;
  return {
    '@odata.id': `${jsonSchemasPath}/${namespace}`,
    '@odata.type': odataType('JsonSchemaFile'),
    Id: namespace,
    Name: `${namespace} Schema File`,
    Languages: ['en'],
    Schema: odataType(namespace),
    Location: [{ Language: 'en', Uri: localSchemaUri(namespace, file), PublicationUri: publicationUri(file) }],
  };
}

export function registryRoutes(): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/Registries',
      summary: 'The message registries this service uses',
      tag,
      access: 'ReadOnly',
      responses: { 200: { description: 'MessageRegistryFileCollection' } },
      handler: () => ({ status: 200, body: collection(registriesPath, 'MessageRegistryFileCollection', 'Registry File Collection', registryPrefixes.map((p) => `${registriesPath}/${p}`)) }),
    }),
    route({
      method: 'get',
      path: '/Registries/{registryId}',
      summary: 'A message registry file',
      tag,
      access: 'ReadOnly',
      params: RegistryParam,
      responses: { 200: { description: 'MessageRegistryFile' }, 404: { description: 'No such registry' } },
      handler: ({ params }) => {
        if (!isPrefix(params.registryId)) throw fail(404, 'ResourceMissingAtURI', [`${registriesPath}/${params.registryId}`]);
        return { status: 200, body: registryFile(params.registryId) };
      },
    }),
    route({
      method: 'get',
      path: '/Registries/{registryId}/{file}',
      summary: 'A message registry as DMTF publishes it',
      tag,
      access: 'ReadOnly',
      params: Type.Composite([RegistryParam, FileParam]),
      responses: { 200: { description: 'MessageRegistry' }, 404: { description: 'No such registry file' } },
      handler: ({ params }) => {
        const r = isPrefix(params.registryId) ? messageRegistries().get(params.registryId) : undefined;
        if (r === undefined || r.file !== params.file) throw fail(404, 'ResourceMissingAtURI', [`${registriesPath}/${params.registryId}/${params.file}`]);
        return { status: 200, body: r.document };
      },
    }),
    route({
      method: 'get',
      path: '/JsonSchemas',
      summary: 'The JSON schemas of this service\u2019s resources',
      tag,
      access: 'ReadOnly',
      responses: { 200: { description: 'JsonSchemaFileCollection' } },
      handler: () => ({ status: 200, body: collection(jsonSchemasPath, 'JsonSchemaFileCollection', 'JSON Schema File Collection', [...schemaNamespaces().keys()].map((n) => `${jsonSchemasPath}/${n}`)) }),
    }),
    route({
      method: 'get',
      path: '/JsonSchemas/{schemaId}',
      summary: 'A JSON schema file resource',
      tag,
      access: 'ReadOnly',
      params: SchemaParam,
      responses: { 200: { description: 'JsonSchemaFile' }, 404: { description: 'No such schema' } },
      handler: ({ params }) => {
        if (!schemaNamespaces().has(params.schemaId)) throw fail(404, 'ResourceMissingAtURI', [`${jsonSchemasPath}/${params.schemaId}`]);
        return { status: 200, body: schemaFile(params.schemaId) };
      },
    }),
    route({
      method: 'get',
      path: '/JsonSchemas/{schemaId}/{file}',
      summary: 'A JSON schema as DMTF publishes it',
      tag,
      access: 'ReadOnly',
      params: Type.Composite([SchemaParam, FileParam]),
      responses: { 200: { description: 'The schema' }, 404: { description: 'No such file' } },
      handler: ({ params }) => {
        const text = readSchemaFile(params.schemaId, params.file);
        if (text === undefined) throw fail(404, 'ResourceMissingAtURI', [`${jsonSchemasPath}/${params.schemaId}/${params.file}`]);
        return { status: 200, raw: text, contentType: 'application/json; charset=utf-8' };
      },
    }),
  ];
}
