/**
 * The port between the actor runtime and a cluster transport. Entities are grouped into a fixed number of
 * shards by a hash of their persistence key; each shard has one owning member at a time, and every message
 * to an entity travels through its shard, so whichever member owns the shard hosts the entity. The AMQP
 * implementation lives in src/cluster/; the runtime sees only this.
 */
import type { Message } from './entity.ts';
import type { InboundReceipt } from './entity-actor.ts';
import type { TraceContext } from '../../tracing/trace-context.ts';

/** What travels to a shard: the entity's address, its command, and the id a redelivery is recognised by. */
export interface ShardEnvelope {
  readonly kind: string;
  readonly id: string;
  readonly command: Message;
  readonly messageId: string;
  /** W3C trace context of the sender (https://www.w3.org/TR/trace-context/ §3.2), when it had one. */
  readonly traceparent?: string;
}

/**
 * An inbound command for an entity of the handler's kind. `trace` is the sender's trace context, read
 * from the message (undefined when it had none, or an invalid one, which is ignored as §3.2.2 says).
 */
export type DeliveryHandler = (id: string, command: Message, receipt: InboundReceipt, trace: TraceContext | undefined) => void;

/** What the member does when it gains or gives up a shard. `released` resolves once the shard's actors stopped. */
export interface ShardLifecycle {
  acquired(shard: number): Promise<void>;
  released(shard: number): Promise<void>;
}

export interface ShardTransport {
  readonly shards: number;
  /** Resolves once the broker has taken responsibility for the message (publisher confirm). */
  send(shard: number, envelope: ShardEnvelope): Promise<void>;
  /** Inbound deliveries of one entity kind on the shards this member owns. */
  onDelivery(kind: string, handler: DeliveryHandler): void;
}

/**
 * FNV-1a (32 bit) of `kind:id`, modulo the shard count. Stable across processes, hosts and releases:
 * changing it would move every entity, so it must not change while data exists.
 */
export function shardOf(kind: string, id: string, shards: number): number {
  const key = `${kind}:${id}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % shards;
}
