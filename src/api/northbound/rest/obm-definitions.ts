/**
 * The OBM services Monorail can drive and the JSON schema of each one's settings (RackHD's
 * `static/schemas/obms/*.json`, served by `GET /obms/definitions[/{name}]`). Field names are RackHD's
 * (`host`/`user`/`password` for IPMI, `uri`/`username`/`password`/`verifySSL` for Redfish) plus what the
 * adapters in src/obm/ accept beyond them (src/actors/obm/obm-port.ts).
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ObmServiceName } from '../../../actors/obm/obm-port.ts';
import { isSealed } from '../../../actors/secret-port.ts';
import { ValidationError } from '../../../errors.ts';
import { isSealed as isBoxSealed } from '../../../secrets/secret-box.ts';
import { stringEnum } from './common-schemas.ts';

const closed = { additionalProperties: false } as const;
const timeoutMs = Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000, description: 'Longest one call may take (ms).' }));

const IpmiConfig = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 253, description: 'BMC address: IPv4, IPv6 or host name.' }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'RMCP port (623 when left out).' })),
    user: Type.String({ maxLength: 64, description: 'IPMI user name (may be empty for an anonymous user).' }),
    password: Type.String({ maxLength: 64, description: 'IPMI password. Stored sealed; never shown.' }),
    cipherSuite: Type.Optional(Type.Integer({ minimum: 0, maximum: 17, description: 'RMCP+ cipher suite (ipmitool -C).' })),
    privilege: Type.Optional(stringEnum(['ADMINISTRATOR', 'OPERATOR', 'USER'])),
    timeoutMs,
  },
  closed,
);

const RedfishConfig = Type.Object(
  {
    uri: Type.String({ minLength: 8, maxLength: 2048, pattern: '^https?://', description: 'The BMC\'s base URL or service root.' }),
    username: Type.String({ minLength: 1, maxLength: 128 }),
    password: Type.String({ maxLength: 256, description: 'Stored sealed; never shown.' }),
    verifySSL: Type.Optional(Type.Boolean({ description: 'Verify the BMC\'s TLS certificate (default true).' })),
    ca: Type.Optional(Type.String({ maxLength: 65536, description: 'PEM CA certificate(s) to trust.' })),
    root: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'The ComputerSystem to manage.' })),
    auth: Type.Optional(stringEnum(['session', 'basic'])),
    timeoutMs,
  },
  closed,
);

const definition = (service: ObmServiceName, config: TSchema, description: string) =>
  Type.Object({ service: Type.Literal(service), config }, { ...closed, title: service, description });

export const obmDefinitions: Readonly<Record<ObmServiceName, TSchema>> = {
  'ipmi-obm-service': definition('ipmi-obm-service', IpmiConfig, 'IPMI over LAN through ipmitool.'),
  'redfish-obm-service': definition('redfish-obm-service', RedfishConfig, 'A Redfish BMC.'),
};

export const obmServiceNames = Object.keys(obmDefinitions) as ObmServiceName[];

export const ObmServiceSchema = stringEnum(obmServiceNames, { description: `The OBM service: ${obmServiceNames.join(', ')}.` });

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<ObmServiceName, ValidateFunction>(obmServiceNames.map((s) => [s, ajv.compile(obmDefinitions[s])]));

function problemsOf(errors: readonly ErrorObject[] | null | undefined, where: string): { path: string; message: string }[] {
  return (errors ?? []).slice(0, 20).map((e) => {
    const params: Record<string, unknown> = e.params;
    const segments = e.instancePath.split('/').slice(1);
    if (e.keyword === 'required') segments.push(String(params['missingProperty']));
    if (e.keyword === 'additionalProperties') segments.push(String(params['additionalProperty']));
    const path = [where, ...segments.slice(1)].join('.');
    const message = e.keyword === 'additionalProperties' ? 'is not a known field' : e.keyword === 'required' ? 'is required' : (e.message ?? 'is invalid');
    return { path, message: `${path} ${message}` };
  });
}

/**
 * Checks `config` against the service's definition; `where` names it in errors (`body.config`). Secret
 * fields already sealed (kept from a stored record by a PATCH) count as present.
 */
export function checkObmConfig(service: ObmServiceName, config: Readonly<Record<string, unknown>>, where: string): void {
  const probe = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, isSealed(v) || isBoxSealed(v) ? 'sealed' : v]));
  const validate = validators.get(service);
  if (validate === undefined) throw new ValidationError(`unknown OBM service ${service}`, [{ path: where, message: 'unknown service' }]);
  if (!validate({ service, config: probe })) {
    const problems = problemsOf(validate.errors, where);
    throw new ValidationError(`invalid OBM settings: ${problems.map((p) => p.message).join('; ')}`, problems);
  }
}
