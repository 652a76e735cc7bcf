/**
 * Behaviour of the DHCP lease-pool entity (see pool-protocol.ts). It keeps its leases in its own state
 * (journal and snapshots) rather than a read model: only DHCP reads them, and always through this actor.
 * Offer holds live beside the state, in memory, keyed by entity: the entity is their single writer too.
 */
import { NotFoundError } from '../../errors.ts';
import type { EntityBehavior } from '../runtime/entity.ts';
import { formatIpv4 } from './ipv4-address.ts';
import { allLeases, leaseAt, LeaseIndex, withLease } from './lease-table.ts';
import { checkRequest, chooseAddress, indexPool, type LeaseBook, type PoolIndex } from './pool-allocation.ts';
import {
  POOL_ENTITY_KIND,
  poolEntityId,
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
  return withLease(state, event.ip, record);
}

/** Live holds shadow the journaled record of their address; an expired hold is as good as none. */
function leaseBook(memory: PoolMemory, now: number): LeaseBook {
  const { index, holds } = memory;
  const state = index.state;
  const live = (ip: string): LeaseRecord | undefined => {
    const h = holds.get(ip);
    return h !== undefined && h.expiresAt > now ? h : undefined;
  };
  return {
    get: (ip) => live(ip) ?? leaseAt(state, ip),
    *entries() {
      for (const [ip, r] of allLeases(state)) yield [ip, live(ip) ?? r] as const;
      for (const [ip, h] of holds) if (leaseAt(state, ip) === undefined && h.expiresAt > now) yield [ip, h] as const;
    },
    *ipsOf(mac) {
      yield* index.ipsOf(mac);
      for (const [ip, h] of holds) if (h.mac === mac) yield ip;
    },
    get cursor() {
      return index.cursor;
    },
    set cursor(ip: number) {
      index.cursor = ip;
    },
  };
}

/** What a pool keeps in memory beside its state: offer holds, and the index of its leases. */
interface PoolMemory {
  readonly holds: Map<string, LeaseRecord>;
  index: LeaseIndex;
}

export interface PoolEntityDeps {
  /** The configured pools by subnet (entity id); the same on every member. */
  readonly pools: readonly PoolSpec[];
}

export function createPoolBehavior(deps: PoolEntityDeps): EntityBehavior<PoolState, PoolCommand, PoolEvent> {
  const indexes = new Map<string, PoolIndex>(
    deps.pools.flatMap((spec) => Array.from({ length: spec.shards }, (_, k) => [poolEntityId(spec.subnet, k), indexPool(spec, k)] as const)),
  );
  const memories = new Map<string, PoolMemory>();
  const memoryOf = (id: string, state: PoolState, now: number): PoolMemory => {
    let m = memories.get(id);
    if (m === undefined) memories.set(id, (m = { holds: new Map<string, LeaseRecord>(), index: LeaseIndex.of(undefined, state) }));
    m.index = LeaseIndex.of(m.index, state);
    for (const [ip, h] of m.holds) if (h.expiresAt <= now) m.holds.delete(ip);
    return m;
  };
  /** Commits one event and keeps the index in step with the state it produced. */
  const commitLease = async (ctx: Parameters<EntityBehavior<PoolState, PoolCommand, PoolEvent>['handle']>[2], memory: PoolMemory, event: PoolEvent): Promise<void> => {
    const before = leaseAt(memory.index.state, event.ip);
    const next = await ctx.commit([event]);
    const after = leaseAt(next, event.ip);
    if (after !== undefined) memory.index.follow(event.ip, before, after, next);
  };
  const dropHolds = (holds: Map<string, LeaseRecord>, mac: string): void => {
    for (const [ip, h] of holds) if (h.mac === mac) holds.delete(ip);
  };

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
      const memory = memoryOf(ctx.id, state, now);
      const { holds } = memory;
      const book = leaseBook(memory, now);
      const hostnameOf = (mac: string): { hostname?: string } => {
        const hostname = idx.reservedByMac.get(mac)?.hostname;
        return hostname === undefined ? {} : { hostname };
      };
      switch (command.type) {
        case 'pool.offer': {
          const ip = chooseAddress(book, idx, command.mac, command.requestedIp, now);
          if (ip === undefined) {
            ctx.log.warn({ macAddress: command.mac }, 'DHCP pool exhausted');
            ctx.reply(command.replyTo, { ok: false, reason: `no free address in ${spec.subnet}` });
            return;
          }
          const text = formatIpv4(ip);
          const r = book.get(text);
          const bound = r !== undefined && r.mac === command.mac && r.state === 'bound' && r.expiresAt > now;
          if (!bound) {
            dropHolds(holds, command.mac);
            holds.set(text, { mac: command.mac, state: 'offered', expiresAt: now + spec.offerHoldMs, updatedAt: now });
          }
          ctx.reply(command.replyTo, { ok: true, ip: text, leaseSeconds: spec.leaseSeconds, ...hostnameOf(command.mac) });
          return;
        }
        case 'pool.request': {
          const verdict = checkRequest(book, idx, command.mac, command.ip, command.kind, now);
          if (verdict.outcome !== 'ack') {
            ctx.reply(command.replyTo, verdict);
            return;
          }
          const expiresAt = now + spec.leaseSeconds * 1000;
          await commitLease(ctx, memory, { type: 'lease.bound', ip: command.ip, mac: command.mac, expiresAt, at: now });
          dropHolds(holds, command.mac);
          ctx.reply(command.replyTo, { outcome: 'ack', ip: command.ip, leaseSeconds: spec.leaseSeconds, expiresAt, ...hostnameOf(command.mac) });
          return;
        }
        case 'pool.decline': {
          // Only an address this client was given: otherwise any host could empty the pool with DECLINEs.
          const r = book.get(command.ip);
          if (r === undefined || r.mac !== command.mac || r.state === 'declined') {
            ctx.reply(command.replyTo, false);
            return;
          }
          await commitLease(ctx, memory, { type: 'lease.declined', ip: command.ip, mac: command.mac, until: now + spec.declineHoldMs, at: now });
          holds.delete(command.ip);
          ctx.log.warn({ macAddress: command.mac, ipAddress: command.ip }, 'DHCP address declined: in use by another host');
          ctx.reply(command.replyTo, true);
          return;
        }
        case 'pool.release': {
          const r = book.get(command.ip);
          if (r === undefined || r.mac !== command.mac || (r.state !== 'bound' && r.state !== 'offered')) {
            ctx.reply(command.replyTo, false);
            return;
          }
          // A released offer was never journaled, so forgetting the hold is all it takes.
          if (r.state === 'bound') await commitLease(ctx, memory, { type: 'lease.released', ip: command.ip, mac: command.mac, at: now });
          holds.delete(command.ip);
          ctx.reply(command.replyTo, true);
          return;
        }
        case 'pool.leases':
          ctx.reply(
            command.replyTo,
            [...book.entries()].map(([ip, r]) => ({ ip, ...r })),
          );
          return;
      }
    },
  };
}
