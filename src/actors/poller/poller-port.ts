/**
 * The pollers' port to the outside: one poll of one source (ipmitool against a BMC, a Redfish service,
 * an SNMP agent). Adapters live in src/pollers/; they resolve credentials (the poller's own sealed
 * config, else the node's OBM record), keep at most one request in flight per BMC, and parse what the
 * source answered into a sample. The entity only decides when to poll and what the result means.
 *
 * A poll obeys its AbortSignal (a deleted poller, a stopping member) and rejects with an Error whose
 * message is safe to store and show: no credentials.
 */
import type { PollerConfig, PollerName, PollerSample } from './poller-protocol.ts';

export interface PollRequest {
  readonly pollerId: string;
  readonly name: PollerName;
  readonly node?: string;
  /** As the entity holds it: secrets still sealed; the adapter opens them for the call only. */
  readonly config: PollerConfig;
}

export interface PollerSource {
  /** The sample without its timestamp, which the entity stamps with its clock. */
  poll(request: PollRequest, options: { readonly signal: AbortSignal }): Promise<Omit<PollerSample, 'timestamp'>>;
}
