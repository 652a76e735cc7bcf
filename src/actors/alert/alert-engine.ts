/**
 * The alert engine: keeps the active alerts, feeds what it observes (poller samples, domain events) to
 * the pure rules (alert-rules.ts), and for every transition writes the `alerts` read model first and then
 * publishes one event. Because the active set is persisted before anything is published and loaded again
 * at start (`load`), a restarted member neither raises again an alert that is still active nor forgets
 * one: the next sample that still shows the condition is a no-op, the one that shows it ended clears it.
 *
 * Observations are handled one at a time, in arrival order (a promise chain), so two samples of one
 * sensor cannot race each other's raise and clear. Before each, the active alerts of its scope (node) are
 * read again from the store, the truth: on a cluster, where a node's pollers and workflows move between
 * members with their shards, the member that sees a condition end clears the alert another member raised.
 *
 * Alerts are published as RackHD's `node.alerts` events (rackhd.md §6: `{type: 'node', action: 'alerts',
 * severity, typeId: <node>, nodeId, data}`, routing key `node.alerts.<severity>.<node>.<node>`), with
 * `data.alertId`, `data.key` and `data.state` (`raised` | `cleared`); a cleared event keeps the alert's
 * severity so that a filter on severity routes the clear with the raise. See README.md here.
 */
import type { Logger } from '../../logging/logger.ts';
import type { AlertDoc } from '../../persistence/collections.ts';
import type { DocumentCollection } from '../../persistence/document-store.ts';
import type { DomainEvent, EventPublisher } from '../events/event-bus.ts';
import type { AlertsConfig, MatchRule } from './alert-config-schema.ts';
import { alertIdOf, evaluateEvent, evaluateSample, type ActiveAlert, type AlertTransition, type SampleObservation } from './alert-rules.ts';

export interface AlertEngineDeps {
  readonly alerts: DocumentCollection<AlertDoc>;
  readonly events: EventPublisher;
  readonly config: AlertsConfig;
  readonly now: () => number;
  readonly log: Logger;
  /** RackHD-shaped SEL rules of a node's SKU (`skuConfig.alerts`); none when left out. */
  readonly skuSelRules?: (nodeId: string) => Promise<readonly MatchRule[]>;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The node, or `poller:<id>` for alerts of a poller without a node: the first segment of the key. */
const scopeOfKey = (key: string): string => key.slice(0, key.indexOf('/'));

export function toAlertDoc(a: ActiveAlert, updatedAt: string): AlertDoc {
  const { nodeId, ...rest } = a;
  return { ...rest, scope: scopeOfKey(a.key), ...(nodeId === undefined ? {} : { node: nodeId }), state: 'active', updatedAt };
}

export function fromAlertDoc(d: AlertDoc): ActiveAlert {
  const { node, scope: _scope, state: _state, updatedAt: _updated, ...rest } = d;
  return { ...(rest as unknown as Omit<ActiveAlert, 'nodeId'>), ...(node === undefined ? {} : { nodeId: node }) };
}

export class AlertEngine {
  private readonly active = new Map<string, ActiveAlert>();
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly deps: AlertEngineDeps) {}

  /** Loads the active alerts persisted by an earlier run; resolves to how many. */
  async load(): Promise<number> {
    const docs = await this.deps.alerts.find({});
    for (const d of docs) this.active.set(d.key, fromAlertDoc(d));
    return docs.length;
  }

  /** The active alerts, oldest first. */
  list(): ActiveAlert[] {
    return [...this.active.values()].sort((a, b) => a.raisedAt.localeCompare(b.raisedAt));
  }

  /** A subscriber for the event bus. Never throws; work is queued. */
  readonly onEvent = (e: DomainEvent): void => {
    // Our own alerts and the poller's change notices are no input (samples come through observeSample).
    if ((e.type === 'node' && e.action === 'alerts') || e.type === 'polleralert') return;
    const at = this.deps.now();
    const nodeId = e.nodeId ?? (typeof e.data['nodeId'] === 'string' ? e.data['nodeId'] : undefined);
    if (nodeId === undefined) return;
    this.enqueue(async () => this.apply(evaluateEvent(this.deps.config, e, await this.scoped(nodeId)), at));
  };

  /** One poll's result; queued. `pollerAlerts` are the RackHD-shaped SEL rules of the poller's own config. */
  observeSample(obs: Omit<SampleObservation, 'extraSelRules'> & { readonly pollerAlerts?: readonly MatchRule[] }): void {
    // Alerts are stamped with when the condition was seen, not when the queue got to it.
    const at = this.deps.now();
    this.enqueue(async () => {
      const sku = obs.nodeId !== undefined && this.deps.skuSelRules !== undefined && isSelCommand(obs.command) ? await this.deps.skuSelRules(obs.nodeId) : [];
      const extraSelRules = [...(obs.pollerAlerts ?? []), ...sku];
      const scope = obs.nodeId ?? `poller:${obs.pollerId}`;
      await this.apply(evaluateSample(this.deps.config, { ...obs, extraSelRules }, await this.scoped(scope)), at);
    });
  }

  /** Resolves once everything observed so far has been handled (tests, orderly stop). */
  whenIdle(): Promise<void> {
    return this.chain;
  }

  private enqueue(work: () => Promise<void>): void {
    this.chain = this.chain.then(work).catch((e: unknown) => this.deps.log.error({ err: e }, 'alert evaluation failed'));
  }

  /** The active alerts of a scope as the store has them; the in-memory set follows. */
  private async scoped(scope: string): Promise<ReadonlyMap<string, ActiveAlert>> {
    const stored = new Map((await this.deps.alerts.find({ scope })).map((d) => [d.key, fromAlertDoc(d)] as const));
    const prefix = `${scope}/`;
    for (const key of [...this.active.keys()]) if (key.startsWith(prefix) && !stored.has(key)) this.active.delete(key);
    for (const [key, alert] of stored) this.active.set(key, alert);
    return stored;
  }

  private async apply(transitions: readonly AlertTransition[], seenAt: number): Promise<void> {
    const at = iso(seenAt);
    for (const t of transitions) {
      if (t.type === 'raise') {
        if (this.active.has(t.condition.key)) continue;
        const alert: ActiveAlert = { ...t.condition, id: alertIdOf(t.condition.key), raisedAt: at };
        // Durable before anyone hears of it: a restart finds it active and does not raise it again.
        await this.deps.alerts.put(toAlertDoc(alert, at));
        this.active.set(alert.key, alert);
        this.deps.log.info({ alertId: alert.id, key: alert.key, severity: alert.severity }, 'alert raised');
        this.publish(alert, 'raised', at, {});
      } else {
        const alert = this.active.get(t.key);
        if (alert === undefined) continue;
        await this.deps.alerts.delete(alert.id);
        this.active.delete(t.key);
        this.deps.log.info({ alertId: alert.id, key: alert.key, reason: t.reason }, 'alert cleared');
        this.publish(alert, 'cleared', at, { clearedAt: at, reason: t.reason, ...(t.data === undefined ? {} : { clearData: t.data }) });
      }
    }
  }

  private publish(a: ActiveAlert, state: 'raised' | 'cleared', at: string, extra: Readonly<Record<string, unknown>>): void {
    const typeId = a.nodeId ?? a.key.slice(0, a.key.indexOf('/'));
    const event: DomainEvent = {
      version: '1.0',
      type: 'node',
      action: 'alerts',
      severity: a.severity,
      typeId,
      ...(a.nodeId === undefined ? {} : { nodeId: a.nodeId }),
      createdAt: at,
      data: {
        alertId: a.id,
        key: a.key,
        state,
        rule: a.rule,
        kind: a.kind,
        subject: a.subject,
        severity: a.severity,
        message: a.message,
        ...(a.nodeId === undefined ? {} : { nodeId: a.nodeId }),
        ...(a.source === undefined ? {} : { pollerId: a.source.pollerId, command: a.source.command }),
        raisedAt: a.raisedAt,
        details: a.data,
        ...extra,
      },
    };
    try {
      this.deps.events.publish(event);
    } catch (e) {
      this.deps.log.error({ err: e, alertId: a.id }, 'alert event not published');
    }
  }
}

const isSelCommand = (command: string): boolean => command === 'sel' || command === 'systems.logservices' || command === 'managers.logservices';
