/**
 * One entity per IPv4/IPv6 address: which node was last seen using it. TFTP and syslog know a machine
 * only by its source address; this entity answers "whose address is this?" without protocol servers
 * reading storage. Lookup entities rebind it whenever a MAC is seen with a new address; the newest
 * binding wins, as a DHCP lease moving between machines demands.
 */
import type { EntityBehavior } from '../runtime/entity.ts';
import type { ReplyTo } from '../runtime/reply.ts';

export interface AddressBinding {
  readonly nodeId?: string;
  readonly macAddress?: string;
  readonly since?: string;
}

export type AddressCommand =
  | { readonly type: 'address.bind'; readonly nodeId: string; readonly macAddress: string }
  | { readonly type: 'address.get'; readonly replyTo: ReplyTo<AddressBinding> };

export type AddressEvent = { readonly type: 'address.bound'; readonly nodeId: string; readonly macAddress: string; readonly at: string };

export const addressBehavior: EntityBehavior<AddressBinding, AddressCommand, AddressEvent> = {
  kind: 'address',
  eventTypes: ['address.bound'],
  initialState: () => ({}),
  logBindings: (id) => ({ ipAddress: id }),
  apply: (_state, event) => ({ nodeId: event.nodeId, macAddress: event.macAddress, since: event.at }),
  async handle(state, command, ctx) {
    switch (command.type) {
      case 'address.get':
        ctx.reply(command.replyTo, state);
        return;
      case 'address.bind':
        if (state.nodeId === command.nodeId && state.macAddress === command.macAddress) return;
        await ctx.commit([{ type: 'address.bound', nodeId: command.nodeId, macAddress: command.macAddress, at: new Date(ctx.now()).toISOString() }]);
        return;
    }
  },
};
