/**
 * A FIFO with a capacity that never blocks its producer: when full, the oldest item makes room and is
 * handed back so the caller can count it. Delivery paths (webhooks, AMQP while the broker is away) use it
 * so that a receiver that is down for long costs bounded memory, and the newest events — the ones that
 * describe the current state — are the ones kept.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** Appends `item`; returns the item dropped to make room, if one was. */
  push(item: T): T | undefined {
    const dropped = this.length >= this.capacity ? this.shift() : undefined;
    this.items.push(item);
    return dropped;
  }

  /**
   * Puts items back at the front in their order (a publish that was not confirmed goes out again first).
   * Returns how many had to be dropped to stay within capacity: the oldest, i.e. these first.
   */
  unshiftAll(front: readonly T[]): number {
    const room = this.capacity - this.length;
    const kept = front.length <= room ? front : front.slice(front.length - Math.max(0, room));
    this.items = [...kept, ...this.items.slice(this.head)];
    this.head = 0;
    return front.length - kept.length;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined as T;
    this.head++;
    // Compact now and then, so shifting stays amortised O(1) without growing the array for ever.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  clear(): T[] {
    const all = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return all;
  }
}
