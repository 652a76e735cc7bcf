/**
 * What a node boots when it asks, as a pure function of its record and the site's policy. RackHD's rule
 * (rackhd.md §3): an unknown machine boots the microkernel for discovery; a machine a workflow is driving
 * boots what the workflow's running task asked for (`activeWorkflow.boot`); a known
 * machine with nothing to do boots from its disk.
 */
import type { BootDecision, BootRequest } from './boot-protocol.ts';
import type { NodeRecord } from './node-protocol.ts';

export interface BootPolicy {
  /** Profile that boots the discovery microkernel. */
  readonly discoveryProfile: string;
  /** Whether a never-inventoried node is booted into discovery. */
  readonly unknownNodes: 'discover' | 'ignore';
  /** A known node with nothing to do: no PXE answer, or iPXE with a profile that exits to disk. */
  readonly idleNodes: 'local' | 'ipxe';
}

/** The profile whose script tells iPXE to give up and let the firmware boot the next device (disk). */
export const localBootProfile = 'boot-local.ipxe';
/** The profile whose script sleeps and asks again: a workflow owns the node but has not chosen what it boots. */
export const waitProfile = 'wait.ipxe';

export function decideBoot(node: NodeRecord, request: BootRequest, policy: BootPolicy): BootDecision {
  const state = node.lifecycle.state;
  // A node in maintenance is the operator's: never boot it into anything on our own.
  if (state === 'maintenance') return { kind: 'local', reason: 'node is in maintenance' };
  // The microkernel asking for an address must not be sent back into PXE (real-clients.md F8).
  if (request.firmware === 'microkernel') return { kind: 'local', reason: 'microkernel DHCP' };
  const workflow = node.activeWorkflow;
  if (workflow?.boot !== undefined) {
    return { kind: 'boot', profile: workflow.boot.profile, options: workflow.boot.options, reason: `workflow ${workflow.graphName} (${workflow.id})` };
  }
  if (workflow !== undefined) {
    // A workflow drives the node but no task has asked for a profile yet (it may be powering the node on):
    // iPXE waits and asks again rather than booting something else (RackHD answered 503 and iPXE retried).
    return { kind: 'boot', profile: waitProfile, options: {}, reason: `workflow ${workflow.graphName} has not chosen a profile yet` };
  }
  if (node.bootSettings) {
    return { kind: 'boot', profile: node.bootSettings.profile, options: node.bootSettings.options, reason: 'bootSettings' };
  }
  if (state === 'discovered' || state === 'inventorying') {
    if (policy.unknownNodes === 'ignore' && state === 'discovered') return { kind: 'local', reason: 'discovery of new nodes is disabled' };
    return { kind: 'boot', profile: policy.discoveryProfile, options: {}, reason: state === 'discovered' ? 'new node: discovery' : 'inventory in progress' };
  }
  return policy.idleNodes === 'ipxe'
    ? { kind: 'boot', profile: localBootProfile, options: {}, reason: `idle (${state}): iPXE exits to disk` }
    : { kind: 'local', reason: `idle (${state}): boot from disk` };
}
