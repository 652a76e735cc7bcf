/**
 * Poller health for /metrics from what the pollers already keep: the `pollers` read model (paused, state,
 * failure count, last finished) for the gauges, and a wrapper around the poller source that times every poll
 * for the histogram. The poller entity itself knows nothing of metrics.
 */
import { performance } from 'node:perf_hooks';
import type { PollerSource } from '../actors/poller/poller-port.ts';
import type { PollerDoc } from '../persistence/collections.ts';
import type { DocumentCollection } from '../persistence/document-store.ts';
import type { PollerHealth, PollerHealthSource, PollerMetrics } from './poller-metrics.ts';

const commandOf = (config: unknown): string | undefined => {
  const command = typeof config === 'object' && config !== null ? (config as { command?: unknown }).command : undefined;
  return typeof command === 'string' ? command : undefined;
};

export function pollerHealthFromStore(pollers: DocumentCollection<PollerDoc>): PollerHealthSource {
  return {
    async pollerHealth(): Promise<readonly PollerHealth[]> {
      return (await pollers.find({})).map((p) => {
        const command = commandOf(p['config']);
        const failureCount = typeof p['failureCount'] === 'number' ? p['failureCount'] : 0;
        const finished = typeof p['lastFinished'] === 'string' ? Date.parse(p['lastFinished']) : Number.NaN;
        return {
          name: p.name,
          ...(command === undefined ? {} : { command }),
          paused: p.paused,
          accessible: p['state'] !== 'inaccessible',
          failureCount,
          // A poller whose last run failed has no recent success to report.
          lastSucceededAt: failureCount === 0 && Number.isFinite(finished) ? finished : null,
        };
      });
    },
  };
}

/** The source, each poll timed and counted by outcome. */
export function timedPollerSource(source: PollerSource, metrics: PollerMetrics): PollerSource {
  return {
    async poll(request, options) {
      const started = performance.now();
      const command = commandOf(request.config);
      const observe = (ok: boolean): void => metrics.observePoll({ name: request.name, ...(command === undefined ? {} : { command }), seconds: (performance.now() - started) / 1000, ok });
      try {
        const sample = await source.poll(request, options);
        observe(true);
        return sample;
      } catch (e) {
        observe(false);
        throw e;
      }
    },
  };
}
