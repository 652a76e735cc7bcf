/**
 * Messages from addresses no node is bound to, counted per address. Bounded: a spoofed-source flood must
 * not grow it without limit, so once `capacity` addresses are tracked the least recently seen one is
 * forgotten (its count moves to `evicted`).
 */
export class UnknownSources {
  private readonly counts = new Map<string, number>();
  private evictedMessages = 0;

  constructor(private readonly capacity: number) {}

  add(address: string, messages: number): void {
    const previous = this.counts.get(address);
    if (previous !== undefined) this.counts.delete(address);
    else if (this.counts.size >= this.capacity) {
      const oldest = this.counts.keys().next();
      if (!oldest.done) {
        this.evictedMessages += this.counts.get(oldest.value) ?? 0;
        this.counts.delete(oldest.value);
      }
    }
    if (this.capacity > 0) this.counts.set(address, (previous ?? 0) + messages);
    else this.evictedMessages += messages;
  }

  /** Tracked addresses, most recently seen last. */
  entries(): { readonly address: string; readonly messages: number }[] {
    return [...this.counts].map(([address, messages]) => ({ address, messages }));
  }

  get size(): number {
    return this.counts.size;
  }

  /** Messages counted for addresses that have since been forgotten. */
  get evicted(): number {
    return this.evictedMessages;
  }
}
