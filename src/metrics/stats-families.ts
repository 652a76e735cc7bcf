/**
 * Metric families read from a `stats()` snapshot (a protocol server's, the AMQP publisher's): one family
 * per field, named `<prefix>_<field in snake case>` with `_total` for counters (Prometheus naming), so
 * `rate(monorail_dhcp_malformed_total[5m])` reads as it says. The components keep their own counters
 * (they log them too); the families only read them when Prometheus scrapes.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export type StatsSnapshot = Readonly<Record<string, number | boolean>>;

export interface StatsFamiliesOptions {
  /** e.g. `monorail_dhcp`. */
  readonly prefix: string;
  /** Who the numbers are about, for the help text: "DHCP server". */
  readonly subject: string;
  readonly read: () => StatsSnapshot;
  /** Fields that go up and down (in flight, buffered, connected); every other field is a counter. */
  readonly gauges: ReadonlySet<string>;
}

export const snakeCase = (name: string): string =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9_]/g, '_')
    .toLowerCase();

/**
 * Registers a family for every field the snapshot has now. The snapshot is read once per scrape, not once
 * per family: prom-client calls every family's `collect` in one synchronous pass, so the first read is
 * kept until the next microtask.
 */
export function registerStatsFamilies(registry: Registry, o: StatsFamiliesOptions): void {
  let cached: StatsSnapshot | undefined;
  const read = (): StatsSnapshot => {
    if (cached === undefined) {
      cached = o.read();
      queueMicrotask(() => {
        cached = undefined;
      });
    }
    return cached;
  };
  const value = (field: string): number => {
    const v = read()[field];
    return typeof v === 'boolean' ? Number(v) : typeof v === 'number' && Number.isFinite(v) ? v : 0;
  };
  for (const field of Object.keys(o.read())) {
    const name = `${o.prefix}_${snakeCase(field)}`;
    const help = `${o.subject}: ${field}.`;
    if (o.gauges.has(field)) {
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(value(field));
        },
      });
    } else {
      new Counter({
        name: `${name}_total`,
        help,
        registers: [registry],
        collect() {
          // The component's counter is the truth; the family mirrors it (it never goes down, so rate() holds).
          this.reset();
          this.inc(value(field));
        },
      });
    }
  }
}
