/**
 * Sealing secrets before they are journaled or projected: BMC passwords arrive in workflow options and OBM
 * settings, and must never be stored or shown in clear (the non-negotiable "no secrets in logs", and RackHD's
 * encrypted OBM settings). Adapters implement this with an authenticated cipher (src/secrets/); actors only
 * decide what is a secret.
 */
import { isSecretField } from '../logging/logger.ts';

/** A sealed value as it is stored: opaque text only the adapter's key opens. */
export interface Sealed {
  readonly $sealed: string;
}

export function isSealed(v: unknown): v is Sealed {
  return typeof v === 'object' && v !== null && typeof (v as { $sealed?: unknown }).$sealed === 'string' && Object.keys(v).length === 1;
}

export interface SecretSealer {
  seal(plain: string): Sealed;
  /** Throws when the envelope was tampered with or sealed under another key. */
  open(sealed: Sealed): string;
}

/** `value` with every string under a secret key sealed, at any depth. */
export function sealSecrets<T>(value: T, sealer: SecretSealer): T {
  const walk = (v: unknown, key: string | undefined): unknown => {
    if (typeof v === 'string' && key !== undefined && isSecretField(key)) return sealer.seal(v);
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (typeof v === 'object' && v !== null && !isSealed(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, k);
      return out;
    }
    return v;
  };
  return walk(value, undefined) as T;
}

/** The clear text of a value that may be sealed. */
export function openSecret(v: unknown, sealer: SecretSealer): string | undefined {
  if (isSealed(v)) return sealer.open(v);
  return typeof v === 'string' ? v : undefined;
}

/** `value` with every sealed value opened, at any depth: for the one consumer that needs clear text. */
export function openSecrets<T>(value: T, sealer: SecretSealer): T {
  const walk = (v: unknown): unknown => {
    if (isSealed(v)) return sealer.open(v);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}
