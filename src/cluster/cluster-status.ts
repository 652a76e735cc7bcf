/**
 * What a member can say about the cluster (GET /api/2.0/cluster): which shards it owns, which members it
 * hears and what they announce they own. Each member answers from its own view: the shard queues' single
 * active consumers are the truth, and member beats (every `cluster.memberBeatMs`) report them, so two members'
 * views can differ for a beat's length while a shard moves.
 */
export interface ClusterMemberView {
  readonly id: string;
  /** Shards the member said it owned in its last beat. */
  readonly owned: readonly number[];
  /** Milliseconds since its last beat was heard. */
  readonly lastHeardMs: number;
}

export interface ClusterStatus {
  readonly memberId: string;
  readonly transport: 'local' | 'amqp';
  readonly shards: number;
  /** Whether this member has a channel to the broker (always true for `local`). */
  readonly connected: boolean;
  /** The shards this member owns now. */
  readonly owned: readonly number[];
  /** Live members, this one included, by id. */
  readonly members: readonly ClusterMemberView[];
  /** Shard messages published, delivered, malformed, ownership changes, reconnects, replies (amqp only). */
  readonly counters?: Readonly<Record<string, number>>;
}

/** A member on the local transport: a cluster of one that owns its only shard. */
export function localClusterStatus(memberId: string): ClusterStatus {
  return { memberId, transport: 'local', shards: 1, connected: true, owned: [0], members: [{ id: memberId, owned: [0], lastHeardMs: 0 }] };
}
