/**
 * A Monorail member (real store, real actors, its own workflow engine) with extra jobs a test defines
 * and a recording OBM factory, so engine tests need no BMC.
 */
import type { DomainEvent } from '../../src/actors/events/event-bus.ts';
import type { ObmServiceFactory, PowerAction } from '../../src/actors/obm/obm-port.ts';
import type { Job } from '../../src/actors/workflow/job.ts';
import type { JobServices } from '../../src/actors/workflow/job-services.ts';
import type { WorkflowEngine } from '../../src/actors/workflow/workflow-engine.ts';
import type { WorkflowRecord } from '../../src/actors/workflow/workflow-protocol.ts';
import type { ConfigLayer } from '../../src/config/schema.ts';
import { startFixture, type MonorailFixture } from './monorail-fixture.ts';
import type { TempStore } from './temp-store.ts';

export interface ObmCall {
  readonly host: string;
  readonly call: string;
}

export interface WorkflowHarness {
  readonly fixture: MonorailFixture;
  readonly engine: WorkflowEngine;
  readonly events: DomainEvent[];
  readonly obmCalls: ObmCall[];
  /** Resolves when the instance reaches a terminal status (polls the entity; for tests only). */
  finished(id: string, timeoutMs?: number): Promise<WorkflowRecord>;
  node(id?: string): Promise<string>;
  stop(): Promise<void>;
}

/** Records every call it is asked to make, per BMC host, and reports the power state that follows. */
export function recordingObmFactory(calls: ObmCall[]): ObmServiceFactory {
  const power = new Map<string, 'on' | 'off'>();
  return {
    async open(settings) {
      const host = String((settings.config as { host?: unknown }).host);
      const record = (call: string): void => {
        calls.push({ host, call });
      };
      return {
        service: settings.service,
        async powerState() {
          record('powerState');
          return power.get(host) ?? 'off';
        },
        async power(action: PowerAction) {
          record(`power:${action}`);
          power.set(host, action === 'off' || action === 'softOff' ? 'off' : 'on');
        },
        async setNextBoot(device) {
          record(`nextBoot:${device}`);
        },
        async identify(on) {
          record(`identify:${on}`);
        },
        async close() {},
      };
    },
  };
}

export async function startWorkflowHarness(
  options: { temp?: TempStore; jobs?: readonly Job<JobServices>[]; layer?: ConfigLayer } = {},
): Promise<WorkflowHarness> {
  const obmCalls: ObmCall[] = [];
  const fixture = await startFixture({
    ...(options.temp === undefined ? {} : { temp: options.temp }),
    // Rendered URLs need a fixed base; the member's own port is ephemeral in tests.
    layer: { boot: { httpBaseUrl: 'http://10.1.1.1:8080' }, ...options.layer },
    start: { jobs: options.jobs ?? [], obmFactory: recordingObmFactory(obmCalls) },
  });
  const { monorail } = fixture;
  const events: DomainEvent[] = [];
  monorail.events.subscribe((e) => events.push(e));
  const engine = monorail.workflows;
  let n = 0;
  return {
    fixture,
    engine,
    events,
    obmCalls,
    async finished(id, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const wf = await engine.get(id);
        if (wf.status !== 'pending' && wf.status !== 'running') return wf;
        if (Date.now() > until) throw new Error(`workflow ${id} still ${wf.status} after ${timeoutMs} ms: ${JSON.stringify(wf.runs)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async node(id) {
      n++;
      const nodeId = id ?? `5f00000000000000000${n.toString(16).padStart(5, '0')}`;
      await monorail.nodes.ask(nodeId, { type: 'node.create', spec: { identifiers: [`52:54:00:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`] } });
      return nodeId;
    },
    async stop() {
      await fixture.stop();
    },
  };
}
