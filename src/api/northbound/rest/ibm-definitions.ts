/**
 * The in-band management services (RackHD's `static/schemas/ibms/*.json`, served by `GET /ibms/definitions`):
 * how Monorail reaches the node itself rather than its BMC. `snmp-ibm-service` is a switch's or PDU's SNMP
 * agent (`host`, `community`); `ssh-ibm-service` is an SSH login on the node (`host`, `user`, and a
 * `password` or a key pair). Secret fields (password, community, privateKey) are sealed before they are
 * stored, exactly as OBM secrets are (ibm-sealing.ts), and never answered.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import { isSealed } from '../../../actors/secret-port.ts';
import { ValidationError } from '../../../errors.ts';
import { isSealed as isBoxSealed } from '../../../secrets/secret-box.ts';
import { stringEnum } from './common-schemas.ts';

export const ibmServiceNames = ['snmp-ibm-service', 'ssh-ibm-service'] as const;
export type IbmServiceName = (typeof ibmServiceNames)[number];

const closed = { additionalProperties: false } as const;
const host = Type.String({ minLength: 1, maxLength: 253, description: 'The node\'s address: IPv4, IPv6 or host name.' });

const SnmpConfig = Type.Object(
  {
    host,
    community: Type.String({ minLength: 1, maxLength: 255, description: 'SNMPv1/v2c community. Stored sealed; never shown.' }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'Agent port (161 when left out).' })),
  },
  closed,
);

// RackHD's ssh-ibm-service takes a password or a key pair; at least one way to log in must be given.
const SshConfig = Type.Object(
  {
    host,
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'SSH port (22 when left out).' })),
    user: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.Optional(Type.String({ maxLength: 256, description: 'Stored sealed; never shown.' })),
    publicKey: Type.Optional(Type.String({ minLength: 1, maxLength: 16384, description: 'The public half of the key pair (OpenSSH format).' })),
    privateKey: Type.Optional(Type.String({ minLength: 1, maxLength: 16384, description: 'PEM/OpenSSH private key. Stored sealed; never shown.' })),
  },
  { ...closed, anyOf: [{ required: ['password'] }, { required: ['privateKey'] }] },
);

const definition = (service: IbmServiceName, config: TSchema, description: string) =>
  Type.Object({ service: Type.Literal(service), config }, { ...closed, title: service, description });

export const ibmDefinitions: Readonly<Record<IbmServiceName, TSchema>> = {
  'snmp-ibm-service': definition('snmp-ibm-service', SnmpConfig, 'An SNMP agent on the node (switches, PDUs).'),
  'ssh-ibm-service': definition('ssh-ibm-service', SshConfig, 'An SSH login on the node.'),
};

export const IbmServiceSchema = stringEnum(ibmServiceNames, { description: `The IBM service: ${ibmServiceNames.join(', ')}.` });

export function asIbmService(service: string, where: string): IbmServiceName {
  if (!(ibmServiceNames as readonly string[]).includes(service)) {
    throw new ValidationError(`unknown IBM service ${JSON.stringify(service)}`, [{ path: where, message: `must be one of ${ibmServiceNames.join(', ')}` }]);
  }
  return service as IbmServiceName;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<IbmServiceName, ValidateFunction>(ibmServiceNames.map((s) => [s, ajv.compile(ibmDefinitions[s])]));

/**
 * Checks `config` against the service's definition; `where` names it in errors (`body.config`). Secret
 * fields already sealed (kept from the stored record by a PATCH) count as present.
 */
export function checkIbmConfig(service: IbmServiceName, config: Readonly<Record<string, unknown>>, where: string): void {
  const probe = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, isSealed(v) || isBoxSealed(v) ? 'sealed' : v]));
  const validate = validators.get(service);
  if (validate === undefined || validate({ service, config: probe })) return;
  const problems = (validate.errors ?? []).slice(0, 20).map((e) => {
    const params: Record<string, unknown> = e.params;
    const segments = e.instancePath.split('/').slice(2);
    if (e.keyword === 'required') segments.push(String(params['missingProperty']));
    if (e.keyword === 'additionalProperties') segments.push(String(params['additionalProperty']));
    const path = [where, ...segments].join('.');
    const message = e.keyword === 'additionalProperties' ? 'is not a known field' : e.keyword === 'required' ? 'is required' : e.keyword === 'anyOf' ? 'needs a password or a privateKey' : (e.message ?? 'is invalid');
    return { path, message: `${path} ${message}` };
  });
  throw new ValidationError(`invalid IBM settings: ${problems.map((p) => p.message).join('; ')}`, problems);
}
