/**
 * A BMC call that failed: ipmitool exited non-zero or timed out, the Redfish service answered an error
 * or could not be reached. The message names the operation and the BMC, and carries the tool's or the
 * service's own words (stderr, the Redfish error message) with any secret scrubbed out: it reaches logs
 * and API responses.
 */
import { MonorailError } from '../../errors.ts';

export interface ObmErrorDetails {
  readonly service: string;
  /** host[:port] or base URL: never credentials. */
  readonly target: string;
  readonly operation: string;
  readonly exitCode?: number | null;
  readonly httpStatus?: number;
  readonly timedOut?: boolean;
  /** What the tool or service said, secrets removed, bounded. */
  readonly output?: string;
  /** The Redfish MessageIds of the error (`Base.1.22.ActionParameterValueNotInList`). */
  readonly messageIds?: readonly string[];
}

export class ObmError extends MonorailError {
  constructor(message: string, readonly obm: ObmErrorDetails, options?: { cause?: unknown }) {
    super('OBM_FAILED', message, { ...obm }, options);
  }
}

/** Longest tool output kept in an error: the end, where ipmitool says what finally failed. */
const MAX_OUTPUT = 2000;

/**
 * `text` with every occurrence of each secret replaced, trimmed to its last MAX_OUTPUT characters.
 * Empty secrets are skipped (replacing '' would insert the marker between every character).
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret !== '') out = out.split(secret).join('[redacted]');
  }
  out = out.trim();
  return out.length > MAX_OUTPUT ? `…${out.slice(-MAX_OUTPUT)}` : out;
}

/**
 * What a cancelled call rejects with: the signal's own reason (AbortController.abort(reason)), or the
 * DOMException AbortError it defaults to, so the caller recognises its own cancellation.
 */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException(typeof reason === 'string' ? reason : 'The operation was aborted', 'AbortError');
}
