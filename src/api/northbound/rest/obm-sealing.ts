/**
 * The port the OBM routes store credentials through: every secret field of a config (password, community,
 * token, …) sealed for its service before the record is written (src/secrets/obm-credentials.ts). Values that
 * are already sealed — kept from the stored record by a PATCH — pass unchanged.
 */
import type { ObmServiceName, ObmSettings } from '../../../actors/obm/obm-port.ts';
import { sealObmSettings } from '../../../secrets/obm-credentials.ts';
import type { SecretBox } from '../../../secrets/secret-box.ts';

export interface ObmConfigSealer {
  seal(service: ObmServiceName, config: Readonly<Record<string, unknown>>): Record<string, unknown>;
}

/** The production sealer, on the member's SecretBox (the one `obmControl` opens records with). */
export function secretBoxObmSealer(box: SecretBox): ObmConfigSealer {
  return {
    // The record is shaped by the definitions' schema before it gets here; the cast only names the union member.
    seal: (service, config) => ({ ...sealObmSettings({ service, config } as unknown as ObmSettings, box).config }),
  };
}
