/**
 * A node's MAC identifiers and the lookup entities that own them. Every packet from a MAC resolves through
 * that MAC's lookup actor, so a node made through the API must claim its MACs there — otherwise the
 * machine's first DHCP request would create a second node. A MAC another node holds is a 409 naming it.
 */
import { isMac, normalizeMac } from '../../../actors/lookup/mac-address.ts';
import { ConflictError } from '../../../errors.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';

/** Identifiers as stored: MACs in canonical form (any notation accepted), each once, order kept. */
export function normalizeIdentifiers(identifiers: readonly string[]): string[] {
  return [...new Set(identifiers.map((i) => (isMac(i) ? normalizeMac(i) : i)))];
}

export const macsOf = (identifiers: readonly string[]): string[] => identifiers.filter((i) => isMac(i));

/**
 * Refuses MACs bound to another node. A binding to a node that no longer exists (its deletion did not
 * reach the lookup yet) is released first.
 */
export async function ensureMacsFree(ports: NorthboundPorts, macs: readonly string[], nodeId?: string): Promise<void> {
  for (const mac of macs) {
    const state = await ports.lookups.ask(mac, { type: 'lookup.get' });
    if (state.nodeId === undefined || state.nodeId === nodeId) continue;
    if ((await ports.documents.collection('nodes').get(state.nodeId)) === undefined) {
      await ports.lookups.ask(mac, { type: 'lookup.release', nodeId: state.nodeId });
      continue;
    }
    throw new ConflictError(`MAC address ${mac} already belongs to node ${state.nodeId}`, { macAddress: mac, node: state.nodeId });
  }
}

export async function claimMacs(ports: NorthboundPorts, nodeId: string, macs: readonly string[]): Promise<void> {
  for (const mac of macs) await ports.lookups.ask(mac, { type: 'lookup.claim', nodeId });
}

export async function releaseMacs(ports: NorthboundPorts, nodeId: string, macs: readonly string[]): Promise<void> {
  for (const mac of macs) await ports.lookups.ask(mac, { type: 'lookup.release', nodeId });
}
