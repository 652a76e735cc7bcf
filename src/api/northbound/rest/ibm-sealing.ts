/**
 * The port the IBM routes store credentials through, the twin of obm-sealing.ts: every secret field of a
 * config (password, community, privateKey — the logger's own list of secret names) is sealed with the
 * member's SecretBox before the record is written, bound to its service and field (`ibm:<service>:config.<field>`)
 * so a sealed SSH password cannot be replayed as another field or another service's secret. Values already
 * sealed (kept from the stored record by a PATCH) pass unchanged.
 */
import { isSecretField } from '../../../logging/logger.ts';
import type { SecretBox } from '../../../secrets/secret-box.ts';
import type { IbmServiceName } from './ibm-definitions.ts';

export interface IbmConfigSealer {
  seal(service: IbmServiceName, config: Readonly<Record<string, unknown>>): Record<string, unknown>;
}

export const ibmSecretContext = (service: string, field: string): string => `ibm:${service}:config.${field}`;

/** The production sealer, on the member's SecretBox. */
export function secretBoxIbmSealer(box: SecretBox): IbmConfigSealer {
  return {
    seal(service, config) {
      const out: Record<string, unknown> = {};
      for (const [field, value] of Object.entries(config)) {
        out[field] = isSecretField(field) && typeof value === 'string' ? box.seal(value, ibmSecretContext(service, field)) : value;
      }
      return out;
    },
  };
}
