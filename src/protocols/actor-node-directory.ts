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
import type { Logger } from '../logging/logger.ts';
import type { NodeDirectory } from './node-directory.ts';

export interface ActorNodeDirectoryDeps {
  readonly lookups: EntityRouter<LookupCommand>;
  readonly addresses: EntityRouter<AddressCommand>;
  readonly nodes: EntityRouter<NodeCommand>;
  readonly clock: Clock;
  readonly log?: Logger;
}

export function createActorNodeDirectory(deps: ActorNodeDirectoryDeps): NodeDirectory {
  const resolveMac = async (mac: string, ipAddress?: string): Promise<{ nodeId: string; created: boolean }> => {
    const r = await deps.lookups.ask(normalizeMac(mac), { type: 'lookup.resolve', ...(ipAddress === undefined ? {} : { ipAddress }) });
    return { nodeId: r.nodeId, created: r.created };
  };
  return {
    resolveMac,
    async resolveMachine(macs, ipAddress) {
      // Sorted, so two requests listing the same NICs in another order pick the same MAC to create from.
      const all = [...new Set(macs.map(normalizeMac))].sort();
      const first = all[0];
      if (first === undefined) throw new ValidationError('no MAC address given', [{ path: 'macs', message: 'at least one MAC address is required' }]);
      const bound = await Promise.all(all.map(async (mac) => ({ mac, state: await deps.lookups.ask(mac, { type: 'lookup.get' }) })));
      const known = bound.find((b) => b.state.nodeId !== undefined);
      // `lookup.resolve` (not the bare binding) for the MAC we go by: it creates the node, or confirms a
      // node whose creation an earlier request began but did not finish, and records the address.
      const { nodeId, created } = await resolveMac(known?.mac ?? first, ipAddress);
      const claims = await Promise.all(
        bound
          .filter((b) => b.state.nodeId === undefined && b.mac !== (known?.mac ?? first))
          .map((b) =>
            deps.lookups.ask(b.mac, { type: 'lookup.claim', nodeId }).then(
              () => undefined,
              (e: unknown) => ({ mac: b.mac, error: e }),
            ),
          ),
      );
      const refused = claims.filter((c) => c !== undefined);
      if (refused.length > 0) {
        // Another request bound one of this machine's NICs to a different node at the same moment; the
        // machine now has two nodes. Rare (DHCP and a profile request racing on first contact), visible.
        deps.log?.warn({ nodeId, refused: refused.map((r) => r.mac) }, 'a NIC of this machine belongs to another node');
      }
      const mine = bound.filter((b) => b.state.nodeId === nodeId || b.state.nodeId === undefined).map((b) => b.mac);
      const owned = mine.filter((m) => !refused.some((r) => r.mac === m));
      // Idempotent: retried until every NIC bound to the node is among its identifiers.
      await deps.nodes.ask(nodeId, { type: 'node.addIdentifiers', identifiers: owned });
      return { nodeId, created };
    },
    async nodeOfMac(mac) {
      const state = await deps.lookups.ask(normalizeMac(mac), { type: 'lookup.get' });
      return state.confirmed ? state.nodeId : undefined;
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
