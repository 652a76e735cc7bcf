/**
 * Behaviour of the per-MAC lookup entity (see lookup-protocol.ts). The MAC's node id is committed before
 * the node is asked to exist, so a crash between the two steps resumes with the same id instead of
 * minting a second node; node creation is idempotent, so retrying it is safe.
 */
import { DuplicateKeyError } from '../../errors.ts';
import type { LookupDoc } from '../../persistence/collections.ts';
import type { DocumentCollection } from '../../persistence/document-store.ts';
import { newEntityId } from '../ids.ts';
import type { AddressCommand } from '../address/address-entity.ts';
import type { NodeCommand } from '../node/node-protocol.ts';
import type { EntityBehavior, EntityContext } from '../runtime/entity.ts';
import type { EntityRouter } from '../runtime/entity-router.ts';
import { lookupEventTypes, type LookupCommand, type LookupEvent, type LookupState, type Resolution } from './lookup-protocol.ts';

export interface LookupEntityDeps {
  readonly lookups: DocumentCollection<LookupDoc>;
  readonly nodes: EntityRouter<NodeCommand>;
  readonly addresses: EntityRouter<AddressCommand>;
}

export function applyLookupEvent(state: LookupState, event: LookupEvent): LookupState {
  switch (event.type) {
    case 'lookup.assigned':
      return { macAddress: event.macAddress, nodeId: event.nodeId, confirmed: false };
    case 'lookup.confirmed':
      return { ...state, confirmed: true };
    case 'lookup.addressed': {
      const { proxy: _previous, ...rest } = state;
      return { ...rest, ipAddress: event.ipAddress, ...(event.proxy === undefined ? {} : { proxy: event.proxy }) };
    }
    case 'lookup.released':
      return { confirmed: false };
  }
}

export function createLookupBehavior(deps: LookupEntityDeps): EntityBehavior<LookupState, LookupCommand, LookupEvent> {
  const project = async (ctx: EntityContext<LookupState, LookupEvent>): Promise<void> => {
    const s = ctx.state();
    try {
      if (s.nodeId === undefined) await deps.lookups.delete(ctx.id);
      else {
        await deps.lookups.put({
          id: ctx.id,
          macAddress: ctx.id,
          node: s.nodeId,
          ...(s.ipAddress === undefined ? {} : { ipAddress: s.ipAddress }),
          ...(s.proxy === undefined ? {} : { proxy: s.proxy }),
          updatedAt: new Date(ctx.now()).toISOString(),
        });
      }
    } catch (e) {
      ctx.log.error({ err: e }, 'lookups read model not updated');
    }
  };

  const resolution = (s: LookupState, mac: string, created: boolean): Resolution => ({
    nodeId: s.nodeId ?? '',
    macAddress: mac,
    ...(s.ipAddress === undefined ? {} : { ipAddress: s.ipAddress }),
    created,
  });

  return {
    kind: 'lookup',
    eventTypes: lookupEventTypes,
    initialState: () => ({ confirmed: false }),
    logBindings: (id) => ({ macAddress: id }),
    apply: applyLookupEvent,
    async handle(state, command, ctx) {
      const at = new Date(ctx.now()).toISOString();
      const mac = ctx.id;
      switch (command.type) {
        case 'lookup.get':
          ctx.reply(command.replyTo, state);
          return;
        case 'lookup.resolve': {
          let s = state;
          let created = false;
          const before = s.nodeId;
          if (s.nodeId === undefined) {
            s = await ctx.commit([{ type: 'lookup.assigned', nodeId: newEntityId(ctx.now()), macAddress: mac, at }]);
          }
          if (!s.confirmed && s.nodeId !== undefined) {
            const r = await deps.nodes.ask(s.nodeId, { type: 'node.create', spec: { identifiers: [mac], autoDiscover: true } });
            created = r.created || before === undefined;
            s = await ctx.commit([{ type: 'lookup.confirmed', at }]);
          }
          if (command.ipAddress !== undefined && (command.ipAddress !== s.ipAddress || command.proxy !== s.proxy)) {
            s = await ctx.commit([
              { type: 'lookup.addressed', ipAddress: command.ipAddress, ...(command.proxy === undefined ? {} : { proxy: command.proxy }), at },
            ]);
          }
          if (s !== state) await project(ctx);
          // Every sighting rebinds the address (the address entity ignores no-op binds): a lease that moved
          // to another machine and back must point at this node again.
          if (command.ipAddress !== undefined && s.nodeId !== undefined) {
            deps.addresses.tell(command.ipAddress, { type: 'address.bind', nodeId: s.nodeId, macAddress: mac });
          }
          ctx.reply(command.replyTo, resolution(s, mac, created));
          return;
        }
        case 'lookup.claim': {
          if (state.nodeId !== undefined && state.nodeId !== command.nodeId) throw new DuplicateKeyError('lookups', 'macAddress', mac);
          let s = state;
          if (s.nodeId === undefined) {
            s = await ctx.commit([
              { type: 'lookup.assigned', nodeId: command.nodeId, macAddress: mac, at },
              { type: 'lookup.confirmed', at },
            ]);
            await project(ctx);
          }
          ctx.reply(command.replyTo, resolution(s, mac, false));
          return;
        }
        case 'lookup.release':
        case 'lookup.forget': {
          const released = state.nodeId === command.nodeId;
          if (released) {
            await ctx.commit([{ type: 'lookup.released', at }]);
            await project(ctx);
          }
          if (command.type === 'lookup.release') ctx.reply(command.replyTo, released);
          return;
        }
      }
    },
  };
}
