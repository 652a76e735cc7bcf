/**
 * Behaviour of the DHCP lease-pool entity (see pool-protocol.ts). It keeps its leases in its own state
 * (journal and snapshots) rather than a read model: only DHCP reads them, and always through this actor.
 * Offers are journaled like leases, so a hold survives a restart or a shard move just as a lease does.
 */
import { NotFoundError } from '../../errors.ts';
import type { EntityBehavior } from '../runtime/entity.ts';
import { formatIpv4 } from './ipv4-address.ts';
import { checkRequest, chooseAddress, indexPool, type PoolIndex } from './pool-allocation.ts';
import {
  POOL_ENTITY_KIND,
  poolEventTypes,
  type LeaseRecord,
  type PoolCommand,
  type PoolEvent,
  type PoolSpec,
  type PoolState,
} from './pool-protocol.ts';

export function applyPoolEvent(state: PoolState, event: PoolEvent): PoolState {
  let record: LeaseRecord;
  switch (event.type) {
    case 'lease.offered':
      record = { mac: event.mac, state: 'offered', expiresAt: event.expiresAt, updatedAt: event.at };
      break;
    case 'lease.bound':
      record = { mac: event.mac, state: 'bound', expiresAt: event.expiresAt, updatedAt: event.at };
      break;
    case 'lease.released':
      record = { mac: event.mac, state: 'released', expiresAt: event.at, updatedAt: event.at };
      break;
    case 'lease.declined':
      record = { mac: event.mac, state: 'declined', expiresAt: event.until, updatedAt: event.at };
      break;
  }
  return { leases: { ...state.leases, [event.ip]: record } };
}

export interface PoolEntityDeps {
  /** The configured pools by subnet (entity id); the same on every member. */
  readonly pools: readonly PoolSpec[];
}

export function createPoolBehavior(deps: PoolEntityDeps): EntityBehavior<PoolState, PoolCommand, PoolEvent> {
  const indexes = new Map<string, PoolIndex>(deps.pools.map((spec) => [spec.subnet, indexPool(spec)]));

  return {
    kind: POOL_ENTITY_KIND,
    eventTypes: poolEventTypes,
    initialState: () => ({ leases: {} }),
    logBindings: (id) => ({ subnet: id }),
    apply: applyPoolEvent,
    async handle(state, command, ctx) {
      const idx = indexes.get(ctx.id);
      // The runtime answers the requester with a thrown domain error.
      if (idx === undefined) throw new NotFoundError('DHCP pool', ctx.id);
      const now = ctx.now();
      const { spec } = idx;
      switch (command.type) {
        case 'pool.offer': {
          const ip = chooseAddress(state, idx, command.mac, command.requestedIp, now);
          if (ip === undefined) {
            ctx.log.warn({ macAddress: command.mac }, 'DHCP pool exhausted');
            ctx.reply(command.replyTo, { ok: false, reason: `no free address in ${spec.subnet}` });
            return;
          }
          const text = formatIpv4(ip);
          const r = state.leases[text];
          const stillHeld =
            r !== undefined && r.mac === command.mac && (r.state === 'bound' || r.state === 'offered') && r.expiresAt - now > spec.offerHoldMs / 2;
          if (!stillHeld) await ctx.commit([{ type: 'lease.offered', ip: text, mac: command.mac, expiresAt: now + spec.offerHoldMs, at: now }]);
          const hostname = idx.reservedByMac.get(command.mac)?.hostname;
          ctx.reply(command.replyTo, { ok: true, ip: text, leaseSeconds: spec.leaseSeconds, ...(hostname === undefined ? {} : { hostname }) });
          return;
        }
        case 'pool.request': {
          const verdict = checkRequest(state, idx, command.mac, command.ip, command.kind, now);
          if (verdict.outcome !== 'ack') {
            ctx.reply(command.replyTo, verdict);
            return;
          }
          const expiresAt = now + spec.leaseSeconds * 1000;
          // Other addresses still held for this client are given back with the lease.
          const others: PoolEvent[] = Object.entries(state.leases)
            .filter(([ip, r]) => ip !== command.ip && r.mac === command.mac && r.state === 'offered' && r.expiresAt > now)
            .map(([ip]) => ({ type: 'lease.released', ip, mac: command.mac, at: now }));
          await ctx.commit([...others, { type: 'lease.bound', ip: command.ip, mac: command.mac, expiresAt, at: now }]);
          const hostname = idx.reservedByMac.get(command.mac)?.hostname;
          ctx.reply(command.replyTo, { outcome: 'ack', ip: command.ip, leaseSeconds: spec.leaseSeconds, expiresAt, ...(hostname === undefined ? {} : { hostname }) });
          return;
        }
        case 'pool.decline': {
          // Only an address this client was given: otherwise any host could empty the pool with DECLINEs.
          const r = state.leases[command.ip];
          if (r === undefined || r.mac !== command.mac || r.state === 'declined') {
            ctx.reply(command.replyTo, false);
            return;
          }
          await ctx.commit([{ type: 'lease.declined', ip: command.ip, mac: command.mac, until: now + spec.declineHoldMs, at: now }]);
          ctx.log.warn({ macAddress: command.mac, ipAddress: command.ip }, 'DHCP address declined: in use by another host');
          ctx.reply(command.replyTo, true);
          return;
        }
        case 'pool.release': {
          const r = state.leases[command.ip];
          if (r === undefined || r.mac !== command.mac || (r.state !== 'bound' && r.state !== 'offered')) {
            ctx.reply(command.replyTo, false);
            return;
          }
          await ctx.commit([{ type: 'lease.released', ip: command.ip, mac: command.mac, at: now }]);
          ctx.reply(command.replyTo, true);
          return;
        }
        case 'pool.leases':
          ctx.reply(
            command.replyTo,
            Object.entries(state.leases).map(([ip, r]) => ({ ip, ...r })),
          );
          return;
      }
    },
  };
}
