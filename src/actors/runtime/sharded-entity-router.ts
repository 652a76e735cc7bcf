/**
 * An entity router for a cluster: every message goes to the entity's shard through the transport, and the
 * member owning that shard hands it to its local router, which hosts the incarnation. Going through the
 * shard even when this member is the owner keeps one order of arrival per shard and means a hand-off
 * never races a message that took a shortcut.
 */
import { EntityUnavailableError, describe } from '../../errors.ts';
import type { Logger } from '../../logging/logger.ts';
import { formatTraceparent } from '../../tracing/trace-context.ts';
import { currentTrace } from '../../tracing/trace-scope.ts';
import type { Message } from './entity.ts';
import { replyAddressOf } from './entity-actor.ts';
import type { EntityRef, EntityRouterStats, HostedEntityRouter, RequestBody, RequestFor, RequestType } from './entity-router.ts';
import type { LocalEntityRouter } from './local-entity-router.ts';
import type { ReplyOf, ReplyRegistry } from './reply.ts';
import { shardOf, type ShardTransport } from './shard-transport.ts';

export interface ShardedEntityRouterOptions<S, C extends Message, E extends Message> {
  readonly local: LocalEntityRouter<S, C, E>;
  readonly transport: ShardTransport;
  readonly replies: ReplyRegistry;
  readonly askTimeoutMs: number;
  readonly log: Logger;
  readonly newMessageId: () => string;
}

export class ShardedEntityRouter<S, C extends Message, E extends Message> implements HostedEntityRouter<C> {
  readonly kind: string;
  private unsent = 0;

  constructor(private readonly o: ShardedEntityRouterOptions<S, C, E>) {
    this.kind = o.local.kind;
    // The transport validated the envelope's shape; the command's own fields are the behavior's to check.
    o.transport.onDelivery(this.kind, (id, command, receipt, trace) => o.local.deliver(id, command as C, receipt, trace));
  }

  get local(): LocalEntityRouter<S, C, E> {
    return this.o.local;
  }

  shardOf(id: string): number {
    return shardOf(this.kind, id, this.o.transport.shards);
  }

  ref(id: string): EntityRef<C> {
    return { id, tell: (command) => this.tell(id, command), ask: (request, timeoutMs) => this.ask(id, request, timeoutMs) };
  }

  tell(id: string, command: C): void {
    const trace = currentTrace();
    const envelope = { kind: this.kind, id, command, messageId: this.o.newMessageId(), ...(trace === undefined ? {} : { traceparent: formatTraceparent(trace) }) };
    this.o.transport.send(this.shardOf(id), envelope).catch((e: unknown) => {
      this.unsent++;
      const error = new EntityUnavailableError(`${this.kind} ${id}`, `could not reach its shard: ${describe(e)}`);
      const to = replyAddressOf(command);
      if (to) this.o.replies.deliver(to, { ok: false, error });
      else this.o.log.error({ entity: this.kind, entityId: id, command: command.type, err: error }, 'message not sent');
    });
  }

  ask<T extends RequestType<C>>(id: string, request: RequestBody<C, T>, timeoutMs = this.o.askTimeoutMs): Promise<ReplyOf<RequestFor<C, T>>> {
    const { address, reply } = this.o.replies.expect<ReplyOf<RequestFor<C, T>>>(timeoutMs, `${this.kind} ${id}`, request.type);
    // The union member for `T` is exactly the request plus its reply address.
    this.tell(id, { ...request, replyTo: address } as unknown as C);
    return reply;
  }

  stats(): EntityRouterStats & { unsent: number } {
    return { ...this.o.local.stats(), unsent: this.unsent };
  }

  activeIds(): string[] {
    return this.o.local.activeIds();
  }

  passivateIdle(): number {
    return this.o.local.passivateIdle();
  }

  /** Stops this member's incarnations of the shard's entities (the shard is being handed over). */
  releaseShard(shard: number, timeoutMs?: number): Promise<void> {
    return this.o.local.passivateWhere((id) => this.shardOf(id) === shard, timeoutMs);
  }
}
