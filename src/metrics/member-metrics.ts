/**
 * One member's metrics: its own prom-client registry (never the library's global one, so several members
 * in one process — tests, the simulator — keep apart), the adapters that fill it, and the `/metrics` route.
 * `startMonorail` creates it first, wraps the journal and the node directory with it, hands its timing
 * hooks to the protocol servers and the HTTP app, and tells it what to watch once everything exists.
 * Nothing here runs between scrapes except the histograms' observations and Node's process metrics.
 */
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { ActorRuntimeProbe } from '../actors/runtime/actor-system.ts';
import type { RouteGroup } from '../api/northbound/api-registry.ts';
import type { Access } from '../api/northbound/api-route.ts';
import type { EventJournal } from '../persistence/journal.ts';
import type { NodeDirectory } from '../protocols/node-directory.ts';
import type { ProtocolServer } from '../protocols/protocol-server.ts';
import type { ProtocolTimings } from '../protocols/protocol-timings.ts';
import { registerActorMetrics } from './actor-metrics.ts';
import { registerAmqpMetrics, type AmqpPublisherProbe } from './amqp-metrics.ts';
import { timedDirectory } from './directory-metrics.ts';
import { httpRequestMetrics } from './http-metrics.ts';
import { timedJournal } from './journal-metrics.ts';
import { metricsRoutes } from './metrics-route.ts';
import { registerPollerMetrics, type PollerHealthSource, type PollerMetrics } from './poller-metrics.ts';
import { protocolTimings, registerProtocolServerMetrics } from './protocol-metrics.ts';
import { registerWorkflowMetrics, type WorkflowCounts } from './workflow-metrics.ts';

/**
 * Node's process metrics (CPU, memory, heap spaces, GC, handles, event-loop lag from
 * perf_hooks.monitorEventLoopDelay) belong to the process, not to a member: one collector per process,
 * created on first use, merged into every member's page. prom-client cannot stop these collectors (the
 * event-loop monitor samples every 10 ms for ever), so one per member would pile up in a process that
 * starts many members (tests, the simulator). It is still not prom-client's global registry.
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** The `metrics` configuration section. */
export interface MetricsSettings {
  readonly enabled: boolean;
  readonly access: Access;
  readonly processMetrics: boolean;
}

/** What a member's metrics read once it is assembled; each part is optional (a member may run without HTTP or AMQP). */
export interface WatchedParts {
  readonly actors?: ActorRuntimeProbe;
  readonly servers?: readonly ProtocolServer[];
  readonly workflows?: WorkflowCounts;
  readonly amqp?: AmqpPublisherProbe | undefined;
}

export class MemberMetrics {
  readonly registry = new Registry();
  /** For `ProtocolServerDeps.timings`. */
  readonly timings: ProtocolTimings;
  /** For `AppDeps.instrument`: times every HTTP request. */
  readonly httpRequests: RequestHandler;
  private amqp: AmqpPublisherProbe | undefined;

  constructor(private readonly settings: MetricsSettings) {
    this.timings = protocolTimings(this.registry);
    this.httpRequests = httpRequestMetrics(this.registry);
  }

  /** The page /metrics serves: this member's families, and the process's (under prom-client's standard names, so stock dashboards work). */
  async exposition(): Promise<{ readonly contentType: string; readonly text: string }> {
    const registry = this.settings.processMetrics ? Registry.merge([this.registry, processMetrics()]) : this.registry;
    return { contentType: registry.contentType, text: await registry.metrics() };
  }

  /** The journal, timed (append latency is what every command waits for). */
  journal(journal: EventJournal): EventJournal {
    return timedJournal(this.registry, journal);
  }

  /** The node directory, with boot decisions and first contacts timed by protocol. */
  directory(directory: NodeDirectory): NodeDirectory {
    return timedDirectory(this.registry, directory);
  }

  watch(parts: WatchedParts): void {
    if (parts.actors !== undefined) registerActorMetrics(this.registry, parts.actors);
    if (parts.servers !== undefined) registerProtocolServerMetrics(this.registry, parts.servers);
    if (parts.workflows !== undefined) registerWorkflowMetrics(this.registry, parts.workflows);
    if (parts.amqp !== undefined) {
      this.amqp = parts.amqp;
      registerAmqpMetrics(this.registry, parts.amqp);
    }
  }

  /** For the pollers: their health families, and the hook each poll reports its duration through. */
  pollers(source: PollerHealthSource): PollerMetrics {
    return registerPollerMetrics(this.registry, source);
  }

  /** The `/metrics` route group, or undefined when metrics are not served. */
  routes(): RouteGroup | undefined {
    return this.settings.enabled ? metricsRoutes(() => this.exposition(), this.settings.access) : undefined;
  }

  stop(): void {
    this.amqp?.observe(undefined);
    this.amqp = undefined;
  }
}
