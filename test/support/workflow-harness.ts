/**
 * A workflow engine on a real Monorail member (real store, real actors), with job services a test can
 * replace: OBM and HTTP default to recorders, catalogs are parsed by the real parsers.
 */
import type { DomainEvent } from '../../src/actors/events/event-bus.ts';
import { parseCommandOutput } from '../../src/actors/catalog/command-parsers.ts';
import type { Sealed, SecretSealer } from '../../src/actors/secret-port.ts';
import type { Job } from '../../src/actors/workflow/job.ts';
import { jobLibrary } from '../../src/actors/workflow/job-library.ts';
import type { JobServices, ObmAction } from '../../src/actors/workflow/job-services.ts';
import { WorkflowEngine } from '../../src/actors/workflow/workflow-engine.ts';
import type { WorkflowRecord } from '../../src/actors/workflow/workflow-protocol.ts';
import { newEntityId } from '../../src/actors/ids.ts';
import { startFixture, type MonorailFixture } from './monorail-fixture.ts';
import type { TempStore } from './temp-store.ts';

/** Reversible and obviously not secure: the port's contract, not its cipher, is under test here. */
export const testSealer: SecretSealer = {
  seal: (plain) => ({ $sealed: `test:${Buffer.from(plain).toString('base64')}` }),
  open: (s: Sealed) => {
    if (!s.$sealed.startsWith('test:')) throw new Error('not sealed by the test sealer');
    return Buffer.from(s.$sealed.slice(5), 'base64').toString();
  },
};

export interface ObmCall {
  readonly nodeId: string;
  readonly action: ObmAction;
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

export async function startWorkflowHarness(options: { temp?: TempStore; jobs?: readonly Job<JobServices>[]; services?: Partial<JobServices> } = {}): Promise<WorkflowHarness> {
  const fixture = await startFixture(options.temp === undefined ? {} : { temp: options.temp });
  const { monorail } = fixture;
  const events: DomainEvent[] = [];
  monorail.events.subscribe((e) => events.push(e));
  const obmCalls: ObmCall[] = [];
  const jobs = new Map(jobLibrary());
  for (const j of options.jobs ?? []) jobs.set(j.name, j);
  const docs = monorail.store.documents;
  const engine = new WorkflowEngine({
    system: monorail.system,
    nodes: monorail.nodes,
    workflows: docs.collection('workflows'),
    events: monorail.events,
    jobs,
    services: {
      catalogs: docs.collection('catalogs'),
      obmDocs: docs.collection('obms'),
      skus: docs.collection('skus'),
      tags: docs.collection('tags'),
      obm: {
        run: async (nodeId, action) => {
          obmCalls.push({ nodeId, action });
          return action === 'powerStatus' ? { power: 'on' } : {};
        },
        save: async (_nodeId, service) => ({ service, obmId: newEntityId() }),
      },
      http: {
        request: async () => ({ status: 200, headers: {}, body: '' }),
      },
      events: monorail.events,
      parseCatalog: (cmd, stdout) => parseCommandOutput(cmd, stdout),
      newId: () => newEntityId(),
      now: () => Date.now(),
      ...options.services,
    },
    scope: async () => ({ api: { server: 'http://10.1.1.1:8080', base: 'http://10.1.1.1:8080/api/current', templates: 'http://10.1.1.1:8080/api/current/templates', profiles: 'http://10.1.1.1:8080/api/current/profiles' }, file: { server: 'http://10.1.1.1:8080' }, sku: {} }),
    sealer: testSealer,
    clock: monorail.system.clock,
    log: monorail.log,
  });
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
      const nodeId = id ?? `5f00000000000000000${(++n).toString(16).padStart(5, '0')}`;
      await monorail.nodes.ask(nodeId, { type: 'node.create', spec: { identifiers: [`52:54:00:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`] } });
      return nodeId;
    },
    async stop() {
      engine.close();
      await fixture.stop();
    },
  };
}
