/**
 * Poller health (issue 7 point 5): how many pollers are polling, paused, failing or have declared their
 * node inaccessible, the worst run of failures, the staleness of the least recently successful poller, and
 * how long polls take. Labels are the poller's kind (`Pollers.IPMI`, `Pollers.SNMP`, `Pollers.Redfish`) and
 * its command, never its node: a rack of thousands of nodes must not become thousands of series.
 *
 * The pollers are built elsewhere; they hand this a small read interface (`PollerHealthSource`, e.g. over
 * their read model) and report each poll through the returned `observePoll`.
 */
import { Gauge, Histogram, type Registry } from 'prom-client';

export interface PollerHealth {
  /** RackHD's poller name: `Pollers.IPMI`, `Pollers.SNMP`, `Pollers.Redfish`. */
  readonly name: string;
  /** `config.command` (sdr, sel, chassis, …), when the poller has one. */
  readonly command?: string;
  readonly paused: boolean;
  /** RackHD's `state`: false once the poller has declared its node inaccessible. */
  readonly accessible: boolean;
  /** Consecutive failures (RackHD's `failureCount`); 0 after a success. */
  readonly failureCount: number;
  /** When the last poll succeeded (ms since the epoch); null or absent before the first success. */
  readonly lastSucceededAt?: number | null;
}

export interface PollerHealthSource {
  pollerHealth(): readonly PollerHealth[] | Promise<readonly PollerHealth[]>;
}

export interface PollerMetrics {
  /** One poll ended: its kind and command as in `PollerHealth`, its duration, and whether it succeeded. */
  observePoll(poll: { readonly name: string; readonly command?: string; readonly seconds: number; readonly ok: boolean }): void;
}

export type PollerState = 'polling' | 'failing' | 'inaccessible' | 'paused';

export function pollerState(p: PollerHealth): PollerState {
  if (p.paused) return 'paused';
  if (!p.accessible) return 'inaccessible';
  return p.failureCount > 0 ? 'failing' : 'polling';
}

/** A BMC answers ipmitool in well under a second when healthy; a dead one costs the command's whole timeout. */
const buckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60];

export function registerPollerMetrics(registry: Registry, source: PollerHealthSource, now: () => number = Date.now): PollerMetrics {
  // One read of the source per scrape, shared by the families below.
  let pending: Promise<readonly PollerHealth[]> | undefined;
  const read = (): Promise<readonly PollerHealth[]> => {
    if (pending === undefined) {
      pending = Promise.resolve(source.pollerHealth());
      const clear = (): void => {
        pending = undefined;
      };
      void pending.then(clear, clear);
    }
    return pending;
  };
  const safely = async (): Promise<readonly PollerHealth[] | undefined> => {
    try {
      return await read();
    } catch {
      // A source that cannot answer leaves the families empty for this scrape instead of failing it.
      return undefined;
    }
  };
  const labelsOf = (p: { readonly name: string; readonly command?: string }) => ({ poller: p.name, command: p.command ?? '' });

  new Gauge({
    name: 'monorail_pollers',
    help: 'Pollers by kind, command and state: polling, failing (failed since its last success), inaccessible (node declared inaccessible), paused.',
    labelNames: ['poller', 'command', 'state'] as const,
    registers: [registry],
    async collect() {
      const all = await safely();
      this.reset();
      if (all === undefined) return;
      const counts = new Map<string, { labels: ReturnType<typeof labelsOf>; state: PollerState; n: number }>();
      for (const p of all) {
        const labels = labelsOf(p);
        const state = pollerState(p);
        const key = `${labels.poller}\u0000${labels.command}\u0000${state}`;
        const c = counts.get(key);
        if (c === undefined) counts.set(key, { labels, state, n: 1 });
        else c.n++;
      }
      for (const c of counts.values()) this.set({ ...c.labels, state: c.state }, c.n);
    },
  });
  new Gauge({
    name: 'monorail_poller_consecutive_failures_max',
    help: 'The longest current run of failures among the pollers of a kind and command (not paused).',
    labelNames: ['poller', 'command'] as const,
    registers: [registry],
    async collect() {
      const all = await safely();
      this.reset();
      const worst = new Map<string, { labels: ReturnType<typeof labelsOf>; failures: number }>();
      for (const p of all ?? []) {
        if (p.paused) continue;
        const labels = labelsOf(p);
        const key = `${labels.poller}\u0000${labels.command}`;
        const w = worst.get(key);
        if (w === undefined || p.failureCount > w.failures) worst.set(key, { labels, failures: p.failureCount });
      }
      for (const w of worst.values()) this.set(w.labels, w.failures);
    },
  });
  new Gauge({
    name: 'monorail_poller_last_success_age_max_seconds',
    help: 'Seconds since the last success of the least recently successful poller of a kind and command (not paused, succeeded at least once).',
    labelNames: ['poller', 'command'] as const,
    registers: [registry],
    async collect() {
      const all = await safely();
      this.reset();
      const oldest = new Map<string, { labels: ReturnType<typeof labelsOf>; age: number }>();
      const t = now();
      for (const p of all ?? []) {
        if (p.paused || p.lastSucceededAt === undefined || p.lastSucceededAt === null) continue;
        const labels = labelsOf(p);
        const key = `${labels.poller}\u0000${labels.command}`;
        const age = Math.max(0, (t - p.lastSucceededAt) / 1000);
        const o = oldest.get(key);
        if (o === undefined || age > o.age) oldest.set(key, { labels, age });
      }
      for (const o of oldest.values()) this.set(o.labels, o.age);
    },
  });
  const polls = new Histogram({
    name: 'monorail_poller_poll_duration_seconds',
    help: 'Polls by kind, command and outcome (ok, failed).',
    labelNames: ['poller', 'command', 'outcome'] as const,
    buckets,
    registers: [registry],
  });
  return {
    observePoll: (poll) => polls.observe({ ...labelsOf(poll), outcome: poll.ok ? 'ok' : 'failed' }, poll.seconds),
  };
}
