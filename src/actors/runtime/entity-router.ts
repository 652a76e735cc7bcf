/**
 * Entities are addressed by id, never by actor reference: whoever holds an `EntityRouter` can reach an
 * entity wherever it lives. The in-process router spawns it on first use; a cluster router sends the
 * message to the member that owns the entity's shard. Actors and protocol servers depend on this
 * interface only, so swapping the transport touches neither.
 */
import type { Message, RequestOf } from './entity.ts';
import type { ReplyOf } from './reply.ts';

export type RequestType<C> = RequestOf<C> extends { readonly type: infer T } ? T : never;
export type RequestFor<C, T> = Extract<RequestOf<C>, { readonly type: T }>;
/** A request without its reply address, which the router fills in; `type` selects the union member. */
export type RequestBody<C, T> = Omit<RequestFor<C, T>, 'replyTo'> & { readonly type: T };

export interface EntityRef<C extends Message> {
  readonly id: string;
  tell(command: C): void;
  ask<T extends RequestType<C>>(request: RequestBody<C, T>, timeoutMs?: number): Promise<ReplyOf<RequestFor<C, T>>>;
}

export interface EntityRouter<C extends Message> {
  readonly kind: string;
  ref(id: string): EntityRef<C>;
  tell(id: string, command: C): void;
  ask<T extends RequestType<C>>(id: string, request: RequestBody<C, T>, timeoutMs?: number): Promise<ReplyOf<RequestFor<C, T>>>;
}

/** What a member's router for one kind reports, whatever the transport. */
export interface EntityRouterStats {
  active: number;
  passivating: number;
  broken: number;
  spawned: number;
  passivated: number;
  restarted: number;
  recoveryFailures: number;
  staleRequestsDropped: number;
  droppedTells: number;
}

/** A router that also hosts incarnations on this member: what the composition and status logs use. */
export interface HostedEntityRouter<C extends Message> extends EntityRouter<C> {
  stats(): EntityRouterStats;
  /** Ids of the entities with a live incarnation on this member. */
  activeIds(): string[];
  passivateIdle(): number;
}
