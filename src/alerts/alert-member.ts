/**
 * The alert engine of one member, wired: its active alerts in the `alerts` collection, the event bus it
 * listens to and publishes on, the SKU packs' SEL rules (a node's SKU `skuConfig.alerts`, RackHD's
 * shape), and a PollerSource decorator through which every poll's result reaches the engine (the
 * poller entity publishes only changes, `polleralert.*`; thresholds with hysteresis need every reading).
 */
import { parseAlertsConfig, type AlertsConfig, type MatchRule } from '../actors/alert/alert-config-schema.ts';
import { AlertEngine } from '../actors/alert/alert-engine.ts';
import type { EventBus } from '../actors/events/event-bus.ts';
import type { PollerSource } from '../actors/poller/poller-port.ts';
import type { Logger } from '../logging/logger.ts';
import type { DocumentStore } from '../persistence/document-store.ts';

export interface AlertMemberOptions {
  readonly documents: DocumentStore;
  readonly events: EventBus;
  readonly log: Logger;
  readonly now: () => number;
  /** The `alerts` configuration section as given (validated here); defaults when left out. */
  readonly config?: unknown;
}

export interface AlertMember {
  readonly engine: AlertEngine;
  readonly config: AlertsConfig;
  /** `source` with every successful poll also handed to the engine. */
  observe(source: PollerSource): PollerSource;
  close(): Promise<void>;
}

/** RackHD match objects in `value`: objects whose values are all strings; anything else is skipped. */
export function matchRulesOf(value: unknown): MatchRule[] {
  if (!Array.isArray(value)) return [];
  const isRule = (r: unknown): r is MatchRule =>
    typeof r === 'object' && r !== null && !Array.isArray(r) && Object.keys(r).length > 0 && Object.values(r as Record<string, unknown>).every((v) => typeof v === 'string');
  return (value as unknown[]).filter(isRule);
}

export async function startAlerts(o: AlertMemberOptions): Promise<AlertMember> {
  const config = parseAlertsConfig(o.config);
  const log = o.log.child({ component: 'alerts' });
  const nodes = o.documents.collection('nodes');
  const skus = o.documents.collection('skus');
  const engine = new AlertEngine({
    alerts: o.documents.collection('alerts'),
    events: o.events,
    config,
    now: o.now,
    log,
    async skuSelRules(nodeId) {
      const sku = (await nodes.get(nodeId))?.sku;
      if (typeof sku !== 'string') return [];
      const skuConfig = (await skus.get(sku))?.['skuConfig'];
      return typeof skuConfig === 'object' && skuConfig !== null ? matchRulesOf((skuConfig as Record<string, unknown>)['alerts']) : [];
    },
  });
  const loaded = await engine.load();
  if (loaded > 0) log.info({ active: loaded }, 'active alerts loaded');
  const unsubscribe = config.enabled ? o.events.subscribe(engine.onEvent) : () => undefined;
  return {
    engine,
    config,
    observe: (source) =>
      !config.enabled
        ? source
        : {
            async poll(request, options) {
              const sample = await source.poll(request, options);
              if (!options.signal.aborted) {
                const pollerAlerts = matchRulesOf(request.config['alerts']);
                engine.observeSample({ pollerId: request.pollerId, ...(request.node === undefined ? {} : { nodeId: request.node }), command: request.config.command, sample, ...(pollerAlerts.length === 0 ? {} : { pollerAlerts }) });
              }
              return sample;
            },
          },
    async close() {
      unsubscribe();
      await engine.whenIdle();
    },
  };
}
