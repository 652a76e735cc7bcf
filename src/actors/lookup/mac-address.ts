/**
 * MAC addresses arrive in every notation (DHCP chaddr bytes, `AA-BB-…` from Windows tools, Cisco's
 * `aabb.ccdd.eeff`, iPXE's `${net0/mac}` with colons). Lookups key on one canonical form: lower-case,
 * colon-separated EUI-48.
 */
import { ValidationError } from '../../errors.ts';

const hex12 = /^[0-9a-f]{12}$/;
/** aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff, aabb.ccdd.eeff or aabbccddeeff; no mixing of separators. */
const notations = /^(?:[0-9a-f]{2}(?::[0-9a-f]{2}){5}|[0-9a-f]{2}(?:-[0-9a-f]{2}){5}|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}|[0-9a-f]{12})$/;

export function normalizeMac(input: string): string {
  const compact = input.trim().toLowerCase().replace(/[:\-.]/g, '');
  if (!hex12.test(compact) || !notations.test(input.trim().toLowerCase())) {
    throw new ValidationError(`"${input}" is not a MAC address`, [{ path: 'macAddress', message: 'expected six hex octets' }]);
  }
  return compact.match(/../g)!.join(':');
}

export function isMac(input: string): boolean {
  try {
    normalizeMac(input);
    return true;
  } catch {
    return false;
  }
}
