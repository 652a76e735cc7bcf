/**
 * What every protocol server needs from the rest of Monorail, and nothing more (the consumer owns the
 * port, as smee's handlers own `BackendReader`). Servers turn packets into calls on this interface; the
 * implementation (`actor-node-directory.ts`) turns them into typed messages to lookup, address and node
 * entities, so a protocol server never touches storage and never decides on a node's behalf.
 */

import type { BootDecision, BootRequest, ProtocolObservation } from '../actors/node/boot-protocol.ts';

export type { BootDecision, BootRequest, ClientArch, ClientFirmware, ProtocolObservation } from '../actors/node/boot-protocol.ts';

export interface NodeDirectory {
  /** The node that owns this MAC, created on first contact (exactly once, however many packets race). */
  resolveMac(mac: string, ipAddress?: string): Promise<{ readonly nodeId: string; readonly created: boolean }>;
  /**
   * The node of a machine that reports several NICs at once (iPXE's profile request): the node that owns
   * any of the MACs, or a new one; every MAC not yet bound is bound to it and added to its identifiers.
   */
  resolveMachine(macs: readonly string[], ipAddress?: string): Promise<{ readonly nodeId: string; readonly created: boolean }>;
  /** The node that owns this MAC, without creating one (the microkernel's bootstrap asks this). */
  nodeOfMac(mac: string): Promise<string | undefined>;
  /** The node last seen at this IP address (DHCP, HTTP or an explicit binding), if any. */
  nodeAtAddress(ipAddress: string): Promise<string | undefined>;
  /** Asks the node what it wants to boot. Rejects with `AskTimeoutError` after `timeoutMs`; callers fall back. */
  bootDecision(nodeId: string, request: BootRequest, timeoutMs: number): Promise<BootDecision>;
  /** Tells the node what it did. Fire-and-forget: the wire never waits on it. */
  observe(nodeId: string, observation: ProtocolObservation): void;
}
