/**
 * Which shards a member gives up so that ownership evens out. RabbitMQ's single active consumer does not
 * balance (the first subscriber owns every shard; measured in issue 6): a member holding more than its fair
 * share cancels its consumer on the surplus, the broker hands each of those shards to the next waiting
 * consumer, and the member subscribes again at the back of the line. Repeated by every member on every
 * tick, ownership converges to at most `ceil(shards / members)` each.
 */
export interface BalanceInput {
  readonly shards: number;
  /** Members seen alive recently, this one included. */
  readonly liveMembers: number;
  /** Shards this member owns now. */
  readonly owned: ReadonlySet<number>;
}

export function fairShare(shards: number, liveMembers: number): number {
  return Math.ceil(shards / Math.max(1, liveMembers));
}

/**
 * The shards to release now: the surplus above the fair share, highest numbers first (any stable choice
 * works; a stable one keeps members from trading the same shard back and forth). A member that just
 * joined owns nothing; the surplus of the others goes to the next waiting consumers, which include it.
 */
export function shardsToRelease(input: BalanceInput): number[] {
  const fair = fairShare(input.shards, input.liveMembers);
  const surplus = input.owned.size - fair;
  if (surplus <= 0 || input.liveMembers <= 1) return [];
  return [...input.owned].sort((a, b) => b - a).slice(0, surplus);
}
