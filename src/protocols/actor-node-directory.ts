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
import type { NodeDirectory } from './node-directory.ts';

export interface ActorNodeDirectoryDeps {
  readonly lookups: EntityRouter<LookupCommand>;
  readonly addresses: EntityRouter<AddressCommand>;
  readonly nodes: EntityRouter<NodeCommand>;
  readonly clock: Clock;
}

export function createActorNodeDirectory(deps: ActorNodeDirectoryDeps): NodeDirectory {
  return {
    async resolveMac(mac, ipAddress) {
      const r = await deps.lookups.ask(normalizeMac(mac), { type: 'lookup.resolve', ...(ipAddress === undefined ? {} : { ipAddress }) });
      return { nodeId: r.nodeId, created: r.created };
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
