/**
 * Where the vendored DMTF publications live (vendor/dmtf-redfish: DSP8010 JSON schemas and DSP8011 message
 * registries, Redfish 2025.4). Monorail serves them as its JsonSchemas and Registries and builds every
 * message from them, so nothing is fetched at run time and a newer publication is a folder swap.
 */
import { fileURLToPath } from 'node:url';

export const vendoredRedfishDir = fileURLToPath(new URL('../../../vendor/dmtf-redfish/', import.meta.url));
export const vendoredSchemaDir = `${vendoredRedfishDir}json-schema/`;
export const vendoredRegistryDir = `${vendoredRedfishDir}registries/`;

/** The `$id` prefix of every DMTF schema (and what their `$ref`s point at). */
export const DMTF_SCHEMA_BASE = 'http://redfish.dmtf.org/schemas/v1/';
