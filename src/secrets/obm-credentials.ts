/**
 * OBM records at rest and on display. RackHD encrypted an OBM config's `password` and `community`
 * (on-tasks obm-service.js revealSecrets); here every config field whose name the logger treats as
 * secret (password, community, token, …) is sealed with the SecretBox, bound to its field name and
 * service, and opened again just before a service is opened. `redactObm` is the form for API answers
 * and logs: secret fields replaced, whether sealed or not.
 */
import type { ObmServiceName, ObmSettings } from '../actors/obm/obm-port.ts';
import { ValidationError } from '../errors.ts';
import { REDACTED, isSecretField } from '../logging/logger.ts';
import { isSealed } from './secret-box.ts';
import type { SecretBox } from './secret-box.ts';

/** An OBM config as stored: secret fields are Sealed, the rest as given. */
export interface StoredObmSettings {
  readonly service: ObmServiceName;
  readonly config: Readonly<Record<string, unknown>>;
}

const SERVICES: readonly ObmServiceName[] = ['ipmi-obm-service', 'redfish-obm-service'];

const contextOf = (service: string, field: string) => `obm:${service}:config.${field}`;

export function sealObmSettings(settings: ObmSettings, box: SecretBox): StoredObmSettings {
  const config: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(settings.config)) {
    if (isSecretField(field) && typeof value === 'string') config[field] = box.seal(value, contextOf(settings.service, field));
    else config[field] = value;
  }
  return { service: settings.service, config };
}

/**
 * The usable settings. A secret field that is not sealed is refused rather than used: a plaintext
 * password in storage is a bug to surface, not to carry on with.
 */
export function openObmSettings(stored: StoredObmSettings, box: SecretBox): ObmSettings {
  if (!SERVICES.includes(stored.service)) {
    throw new ValidationError(`unknown OBM service ${JSON.stringify(stored.service)}`, [{ path: 'service', message: `must be one of ${SERVICES.join(', ')}` }]);
  }
  const config: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(stored.config)) {
    if (!isSecretField(field) || value === undefined) {
      config[field] = value;
      continue;
    }
    if (!isSealed(value)) throw new ValidationError(`OBM config.${field} is stored unsealed`, [{ path: `config.${field}`, message: 'secret fields must be sealed at rest' }]);
    config[field] = box.open(value, contextOf(stored.service, field));
  }
  // The adapters validate the shape of the config when they are opened.
  return { service: stored.service, config } as unknown as ObmSettings;
}

/** The record with every secret field of its config (at any depth) replaced by '[redacted]'. */
export function redactObm<T extends { readonly config: object }>(record: T): T {
  return { ...record, config: redactFields(record.config as Readonly<Record<string, unknown>>) };
}

function redactFields(value: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (isSecretField(key)) out[key] = REDACTED;
    else if (typeof child === 'object' && child !== null && !Array.isArray(child)) out[key] = redactFields(child as Record<string, unknown>);
    else out[key] = child;
  }
  return out;
}
