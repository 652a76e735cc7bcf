/** The DHCP server's counters, as `ProtocolServer.stats()` reports them. */

export const counterNames = [
  'received',
  'answered',
  'dropped',
  'malformed',
  'refused',
  'silent',
  'overloaded',
  'errors',
  'sendErrors',
  'fallbacks',
  'offers',
  'acks',
  'naks',
  'declines',
  'releases',
  'informs',
] as const;
export type CounterName = (typeof counterNames)[number];

export class DhcpStats {
  private readonly counts = new Map<CounterName, number>(counterNames.map((n) => [n, 0]));

  add(name: CounterName, n = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }

  snapshot(): Readonly<Record<CounterName, number>> {
    return Object.fromEntries(this.counts) as Record<CounterName, number>;
  }
}
