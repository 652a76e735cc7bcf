/**
 * The PRI part common to RFC 5424 (§6.2.1) and RFC 3164 (§4.1.1): `<` PRIVAL `>`, PRIVAL = facility × 8 +
 * severity, one to three digits, at most 191. Leading zeros are accepted (RFC 5424 forbids sending them,
 * RFC 3164 senders exist that do).
 */

export interface Priority {
  readonly facility: number;
  readonly severity: number;
  /** Index of the first character after `>`. */
  readonly end: number;
}

export type PriorityScan =
  | { readonly kind: 'valid'; readonly priority: Priority }
  /** Starts with `<` but is not a valid PRI: RFC 3164 §4.3.3 treats the whole text as content of a <13>. */
  | { readonly kind: 'invalid' }
  | { readonly kind: 'absent' };

const MAX_PRIVAL = 191;

export function scanPriority(text: string): PriorityScan {
  if (text.charCodeAt(0) !== 0x3c /* < */) return { kind: 'absent' };
  let value = 0;
  let i = 1;
  for (; i < text.length && i <= 4; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3e /* > */) break;
    if (c < 0x30 || c > 0x39) return { kind: 'invalid' };
    value = value * 10 + (c - 0x30);
  }
  const digits = i - 1;
  if (text.charCodeAt(i) !== 0x3e || digits < 1 || digits > 3 || value > MAX_PRIVAL) return { kind: 'invalid' };
  return { kind: 'valid', priority: { facility: value >> 3, severity: value & 7, end: i + 1 } };
}
