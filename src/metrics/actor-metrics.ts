/**
 * The actor runtime's metrics, read from `ActorRuntimeProbe.runtimeStats()` at scrape time: entities per
 * kind by status (active, passivating, broken), their lifecycle counters (spawned, passivated, restarted),
 * mailbox depths, and the asks waiting for replies. The runtime only counts; this adapter is the only
 * place that knows about Prometheus.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ActorRuntimeProbe, ActorRuntimeStats } from '../actors/runtime/actor-system.ts';

export function registerActorMetrics(registry: Registry, probe: ActorRuntimeProbe): void {
  // One read per scrape for every family below (prom-client collects them all in one synchronous pass).
  let cached: ActorRuntimeStats | undefined;
  const read = (): ActorRuntimeStats => {
    if (cached === undefined) {
      cached = probe.runtimeStats();
      queueMicrotask(() => {
        cached = undefined;
      });
    }
    return cached;
  };

  new Gauge({
    name: 'monorail_actor_entities',
    help: 'Entity incarnations in memory, by kind and status: active, passivating (snapshotting before it stops), broken (refusing messages until recovery is retried). A passivated entity has none: it lives in the journal.',
    labelNames: ['kind', 'status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const e of read().entities) {
        this.set({ kind: e.kind, status: 'active' }, e.active);
        this.set({ kind: e.kind, status: 'passivating' }, e.passivating);
        this.set({ kind: e.kind, status: 'broken' }, e.broken);
      }
    },
  });

  const lifecycle: readonly { field: 'spawned' | 'passivated' | 'restarted' | 'recoveryFailures' | 'staleRequestsDropped' | 'droppedTells'; name: string; help: string }[] = [
    { field: 'spawned', name: 'spawned', help: 'Entity incarnations started (first message, or after passivation or a fault), by kind.' },
    { field: 'passivated', name: 'passivated', help: 'Entities passivated (idle: snapshotted and stopped, recovered from the journal on their next message), by kind.' },
    { field: 'restarted', name: 'restarted', help: 'Incarnations restarted from the journal after a failed write, by kind.' },
    { field: 'recoveryFailures', name: 'recovery_failures', help: 'Entities whose recovery from the journal failed, by kind.' },
    { field: 'staleRequestsDropped', name: 'stale_requests_dropped', help: 'Requests dropped because their asker had already timed out, by kind.' },
    { field: 'droppedTells', name: 'dropped_tells', help: 'Told (fire-and-forget) messages refused (system stopping, entity broken), by kind.' },
  ];
  for (const l of lifecycle) {
    new Counter({
      name: `monorail_actor_${l.name}_total`,
      help: l.help,
      labelNames: ['kind'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const e of read().entities) this.inc({ kind: e.kind }, e[l.field]);
      },
    });
  }

  new Gauge({
    name: 'monorail_actor_mailbox_messages',
    help: 'Messages queued in actor mailboxes, by top-level actor (an entity kind counts all its incarnations).',
    labelNames: ['actor'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const m of read().mailboxes) this.set({ actor: m.kind ?? m.actor }, m.queued);
    },
  });
  new Gauge({
    name: 'monorail_actor_mailbox_max_depth',
    help: 'The longest single mailbox, by top-level actor (for an entity kind: its busiest entity).',
    labelNames: ['actor'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const m of read().mailboxes) this.set({ actor: m.kind ?? m.actor }, m.deepest);
    },
  });

  new Gauge({
    name: 'monorail_actor_asks_pending',
    help: 'Requests to actors waiting for their reply.',
    registers: [registry],
    collect() {
      this.set(read().asks.pending);
    },
  });
  new Counter({
    name: 'monorail_actor_ask_timeouts_total',
    help: 'Requests to actors that got no reply before their deadline.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read().asks.timedOut);
    },
  });
  new Counter({
    name: 'monorail_actor_late_replies_total',
    help: 'Replies that arrived after their asker had timed out.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read().asks.late);
    },
  });
}
