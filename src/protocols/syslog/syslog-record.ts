/**
 * What the parser makes of one syslog message, whichever dialect it came in. Field names follow
 * RFC 5424 §6; an RFC 3164 message fills the subset it has (its TAG becomes `appName`, the `[pid]` after
 * it `procId`).
 */

/** RFC 5424 §6.3.3: one SD-PARAM. A name may repeat within an element, so params are a list, not a map. */
export interface SdParam {
  readonly name: string;
  readonly value: string;
}

/** RFC 5424 §6.3.1: one SD-ELEMENT, `[id name="value" ...]`. */
export interface SdElement {
  readonly id: string;
  readonly params: readonly SdParam[];
}

/** `raw`: a valid PRI (or none, meaning <13>) followed by text that is neither RFC 5424 nor RFC 3164. */
export type SyslogFormat = '5424' | '3164' | 'raw';

export interface SyslogRecord {
  /** RFC 5424 §6.2.1 facility, 0–23. */
  readonly facility: number;
  /** RFC 5424 §6.2.1 severity, 0 (emergency) – 7 (debug). */
  readonly severity: number;
  /**
   * ISO 8601. RFC 5424: the sender's RFC 3339 timestamp as sent (fractions and offset kept). RFC 3164:
   * `YYYY-MM-DDThh:mm:ss` with the year inferred and no offset, because the sender's zone is unknown.
   */
  readonly timestamp?: string;
  readonly hostname?: string;
  readonly appName?: string;
  readonly procId?: string;
  readonly msgId?: string;
  readonly structuredData?: readonly SdElement[];
  readonly message: string;
  readonly format: SyslogFormat;
}

/** RFC 3164 §4.3.3: a message without a (valid) PRI is treated as user.notice, i.e. <13>. */
export const DEFAULT_FACILITY = 1;
export const DEFAULT_SEVERITY = 5;
