/**
 * `NodeDirectory` over entity routers: every call is a typed message to a lookup, address or node
 * entity, wherever that entity lives (in process now, on its shard's owner in a cluster).
 */
import type { AddressCommand } from '../actors/address/address-entity.ts';
import { normalizeMac } from '../actors/lookup/mac-address.ts';
import type { LookupCommand } from '../actors/lookup/lookup-protocol.ts';
import type { NodeCommand } from '../actors/node/node-protocol.ts';
import type { Clock } from '../actors/runtime/clock.ts';
import type { EntityRouter } from '../actors/runtime/entity-router.ts';
import { ValidationError } from '../errors.ts';
import type { NodeDirectory } from './node-directory.ts';

export interface ActorNodeDirectoryDeps {
  readonly lookups: EntityRouter<LookupCommand>;
  readonly addresses: EntityRouter<AddressCommand>;
  readonly nodes: EntityRouter<NodeCommand>;
  readonly clock: Clock;
}

export function createActorNodeDirectory(deps: ActorNodeDirectoryDeps): NodeDirectory {
  const resolveMac = async (mac: string, ipAddress?: string): Promise<{ nodeId: string; created: boolean }> => {
    const r = await deps.lookups.ask(normalizeMac(mac), { type: 'lookup.resolve', ...(ipAddress === undefined ? {} : { ipAddress }) });
    return { nodeId: r.nodeId, created: r.created };
  };
  return {
    resolveMac,
    async resolveMachine(macs, ipAddress) {
      const all = [...new Set(macs.map(normalizeMac))];
      const first = all[0];
      if (first === undefined) throw new ValidationError('no MAC address given', [{ path: 'macs', message: 'at least one MAC address is required' }]);
      const bound = await Promise.all(all.map(async (mac) => ({ mac, nodeId: (await deps.lookups.ask(mac, { type: 'lookup.get' })).nodeId })));
      const known = bound.find((b) => b.nodeId !== undefined);
      const { nodeId, created } = known?.nodeId !== undefined ? { nodeId: known.nodeId, created: false } : await resolveMac(first, ipAddress);
      const unbound = bound.filter((b) => b.nodeId === undefined && (known !== undefined || b.mac !== first)).map((b) => b.mac);
      // A MAC bound to another node stays there (moving NICs between machines is an operator's call).
      const claimed = await Promise.all(
        unbound.map((mac) => deps.lookups.ask(mac, { type: 'lookup.claim', nodeId }).then(() => mac, () => undefined)),
      );
      const added = claimed.filter((m): m is string => m !== undefined);
      if (added.length > 0) await deps.nodes.ask(nodeId, { type: 'node.addIdentifiers', identifiers: added });
      if (known && ipAddress !== undefined) await resolveMac(known.mac, ipAddress);
      return { nodeId, created };
    },
    async nodeAtAddress(ipAddress) {
      return (await deps.addresses.ask(ipAddress, { type: 'address.get' })).nodeId;
    },
    bootDecision(nodeId, request, timeoutMs) {
      return deps.nodes.ask(nodeId, { type: 'node.bootDecision', request }, timeoutMs);
    },
    observe(nodeId, observation) {
      deps.nodes.tell(nodeId, { type: 'node.observe', observation, at: new Date(deps.clock.now()).toISOString() });
    },
  };
}
