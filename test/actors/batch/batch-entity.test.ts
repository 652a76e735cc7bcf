/**
 * The batch entity on a real actor system and embedded store, driven by a ManualClock (one `advance(TICK)`
 * is one tick): the concurrency limit, the failure threshold, refusals by the engine, cancel (with and
 * without cancelling the running workflows), a restart of the member mid-batch (a new incarnation from
 * the journal neither loses nor re-runs an item: a start journaled but never received by the engine is
 * re-issued under the same workflow id), and wake/release as a shard handover uses them.
 *
 * The engine is a scripted implementation of the BatchPort over an in-memory workflow table that outlives
 * the members, as the real workflow instances outlive a batch's owner (the port over the real engine is
 * exercised in test/api/northbound/rest/batch-routes.socket.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startBatches, type BatchMember } from '../../../src/actors/batch/batch-member.ts';
import type { BatchPort, BatchStartRequest, BatchWorkflowState, BatchWorkflowStatus } from '../../../src/actors/batch/batch-port.ts';
import type { BatchSelector, BatchSpec, BatchView } from '../../../src/actors/batch/batch-protocol.ts';
import type { DomainEvent } from '../../../src/actors/events/event-bus.ts';
import { EventBus } from '../../../src/actors/events/event-bus.ts';
import { ActorSystem } from '../../../src/actors/runtime/actor-system.ts';
import { ManualClock } from '../../../src/actors/runtime/clock.ts';
import { AskTimeoutError, MonorailError, NotFoundError, ValidationError, WorkflowConflictError } from '../../../src/errors.ts';
import type { Store } from '../../../src/persistence/store.ts';
import { openSecretBox } from '../../../src/secrets/secret-key.ts';
import { secretSealer } from '../../../src/secrets/secret-sealer.ts';
import { tempStore, type TempStore } from '../../support/temp-store.ts';
import { captureLog } from '../../support/test-logger.ts';

const TICK = 1000;
const GRAPH = 'Graph.Test.Reboot';

interface FakeWorkflow {
  readonly nodeId: string;
  status: BatchWorkflowStatus;
  reason?: string;
}

/** The workflow engine as a table the test scripts: which nodes exist, which workflows run, how they end. */
class FakeEngine implements BatchPort {
  readonly nodes = new Map<string, { readonly tags: readonly string[] }>();
  readonly workflows = new Map<string, FakeWorkflow>();
  readonly starts: BatchStartRequest[] = [];
  readonly cancels: string[] = [];
  readonly events: DomainEvent[] = [];
  /** Nodes running a workflow of someone else's: a start on them is refused, as the node entity refuses it. */
  readonly busy = new Set<string>();
  /** Nodes whose next start is lost before the engine acts on it (a dying member, a timeout). */
  readonly lose = new Set<string>();
  /** Nodes whose every start is lost. */
  readonly loseAlways = new Set<string>();
  maxRunning = 0;

  addNodes(prefix: string, n: number, tags: readonly string[]): string[] {
    const ids = Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);
    for (const id of ids) this.nodes.set(id, { tags });
    return ids;
  }

  publish(event: DomainEvent): void {
    this.events.push(event);
  }

  checkGraph(graphName: string): void {
    if (graphName !== GRAPH) throw new ValidationError(`no graph named ${graphName}`, [{ path: 'body.graphName', message: 'unknown graph' }]);
  }

  async selectNodes(selector: BatchSelector, limit: number): Promise<readonly string[]> {
    const missing = (selector.nodeIds ?? []).filter((id) => !this.nodes.has(id));
    if (missing.length > 0) throw new ValidationError(`no node ${missing.join(', ')}`, [{ path: 'body.selector.nodeIds', message: 'unknown' }]);
    const ids = selector.nodeIds ?? [...this.nodes.keys()].sort();
    return ids.filter((id) => (selector.tags ?? []).every((t) => this.nodes.get(id)?.tags.includes(t))).slice(0, limit);
  }

  async startWorkflow(r: BatchStartRequest): Promise<void> {
    this.starts.push(r);
    if (!this.nodes.has(r.nodeId)) throw new NotFoundError('node', r.nodeId);
    if (this.workflows.has(r.id)) return;
    if (this.busy.has(r.nodeId)) throw new WorkflowConflictError(r.nodeId, 'someone-elses');
    const active = [...this.workflows.entries()].find(([, w]) => w.nodeId === r.nodeId && w.status === 'running');
    if (active !== undefined) throw new WorkflowConflictError(r.nodeId, active[0]);
    if (this.lose.delete(r.nodeId) || this.loseAlways.has(r.nodeId)) throw new AskTimeoutError(`node:${r.nodeId}`, 'node.claimWorkflow', 5000);
    this.workflows.set(r.id, { nodeId: r.nodeId, status: 'running' });
    this.maxRunning = Math.max(this.maxRunning, this.running().length);
  }

  async workflowStatus(id: string): Promise<BatchWorkflowState | undefined> {
    const w = this.workflows.get(id);
    return w === undefined ? undefined : { status: w.status, ...(w.reason === undefined ? {} : { reason: w.reason }) };
  }

  async cancelWorkflow(id: string, reason: string): Promise<void> {
    this.cancels.push(id);
    const w = this.workflows.get(id);
    if (w?.status === 'running') Object.assign(w, { status: 'cancelled', reason });
  }

  running(): string[] {
    return [...this.workflows.entries()].filter(([, w]) => w.status === 'running').map(([id]) => id);
  }

  end(id: string, status: BatchWorkflowStatus, reason?: string): void {
    const w = this.workflows.get(id);
    if (w === undefined) throw new Error(`no workflow ${id}`);
    w.status = status;
    if (reason !== undefined) w.reason = reason;
  }

  endAllRunning(status: BatchWorkflowStatus = 'succeeded'): void {
    for (const id of this.running()) this.end(id, status);
  }

  /** Workflow ids per node: one each when nothing ran twice. */
  perNode(): Map<string, string[]> {
    const m = new Map<string, string[]>();
    for (const [id, w] of this.workflows) m.set(w.nodeId, [...(m.get(w.nodeId) ?? []), id]);
    return m;
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Member {
  readonly store: Store;
  readonly system: ActorSystem;
  readonly batches: BatchMember;
  stop(): Promise<void>;
}

async function member(temp: TempStore, clock: ManualClock, engine: FakeEngine): Promise<Member> {
  const store = await temp.open();
  const captured = captureLog();
  // Snapshots every few records, so a restart recovers from a snapshot plus the journal after it.
  const system = new ActorSystem({ journal: store.journal, log: captured.log, clock, askTimeoutMs: 600_000, passivateAfterMs: 0, snapshotEvery: 3 });
  const sealer = secretSealer(openSecretBox(null, temp.dir, captured.log));
  const batches = startBatches({ system, documents: store.documents, events: new EventBus(captured.log), sealer, log: captured.log, port: engine, tickMs: TICK, maxStartAttempts: 3 });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    batches.close();
    await system.stop();
    await store.close();
  };
  cleanups.push(stop);
  return { store, system, batches, stop };
}

async function setup() {
  const temp = tempStore();
  cleanups.push(() => temp.cleanup());
  const clock = new ManualClock();
  const engine = new FakeEngine();
  const m = await member(temp, clock, engine);
  /** One tick: the timer fires, and the get queued behind the tick answers once it is handled. */
  const tick = async (id: string, b: BatchMember = m.batches): Promise<BatchView> => {
    clock.advance(TICK);
    return b.service.get(id);
  };
  return { temp, clock, engine, m, tick };
}

const spec = (extra: Partial<BatchSpec> = {}): BatchSpec => ({ selector: { tags: ['rack-7'] }, graphName: GRAPH, ...extra });
const statuses = (v: BatchView) => v.batch.items.map((i) => i.status);
const errorOf = async (p: Promise<unknown>): Promise<MonorailError> => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(MonorailError);
  return e as MonorailError;
};

describe('batch entity', () => {
  it('runs the graph on every selected node, never more than `concurrency` at once, and completes', async () => {
    const { engine, m, tick } = await setup();
    const nodes = engine.addNodes('n', 12, ['rack-7']);
    engine.addNodes('other', 3, ['rack-8']);
    const { batch: created, created: isNew } = await m.batches.service.create(spec({ concurrency: 5, name: 'reboot rack 7' }), 'b1');
    expect(isNew).toBe(true);
    expect(created.progress).toEqual({ total: 12, pending: 12, running: 0, succeeded: 0, failed: 0, skipped: 0, cancelled: 0 });
    expect(created.batch.items.map((i) => i.nodeId)).toEqual(nodes);
    // A node added after creation does not join the batch.
    engine.addNodes('late', 1, ['rack-7']);

    let view = await tick('b1');
    expect(view.progress).toMatchObject({ running: 5, pending: 7 });
    let ticks = 0;
    while (view.batch.finishedAt === undefined && ticks++ < 20) {
      // Some end each tick, some keep running: the limit is checked against a mixed picture.
      engine.running().slice(0, 3).forEach((id) => engine.end(id, 'succeeded'));
      view = await tick('b1');
      expect(view.progress.running).toBeLessThanOrEqual(5);
    }
    expect(engine.maxRunning).toBe(5);
    expect(view.batch).toMatchObject({ status: 'completed', name: 'reboot rack 7', finishedAt: expect.any(String) as unknown });
    expect(view.progress).toMatchObject({ total: 12, succeeded: 12, failed: 0 });
    // Every node ran exactly one workflow, each started once, under the id its item holds.
    expect(engine.starts).toHaveLength(12);
    expect([...engine.perNode().values()].every((ids) => ids.length === 1)).toBe(true);
    expect(view.batch.items.map((i) => i.workflowId)).toEqual(nodes.map((n) => engine.perNode().get(n)?.[0]));
    expect(await m.store.documents.collection('batches').get('b1')).toMatchObject({ id: 'b1', status: 'completed', active: false, progress: { succeeded: 12 } });
    expect(engine.events.map((e) => `${e.type}.${e.action}`)).toContain('batch.started');
    expect(engine.events.at(-1)).toMatchObject({ type: 'batch', action: 'finished', severity: 'information', typeId: 'b1', data: { batchId: 'b1', status: 'completed', progress: { succeeded: 12 } } });
    expect(engine.events.some((e) => e.action === 'progress')).toBe(true);
    // Creating again under the id answers the batch as it is.
    expect((await m.batches.service.create(spec(), 'b1')).created).toBe(false);
    // Nothing is left ticking.
    expect(m.batches.runtime.isScheduled('b1')).toBe(false);
  });

  it('stops at the failure threshold: 10 nodes, 10 %, the first failure skips every pending node', async () => {
    const { engine, m, tick } = await setup();
    engine.addNodes('n', 10, ['rack-7']);
    await m.batches.service.create(spec({ concurrency: 2, failureThreshold: { percent: 10 } }), 'b2');
    await tick('b2');
    const [first, second] = engine.running();
    engine.end(first ?? '', 'failed', 'ipmitool: BMC unreachable');
    let view = await tick('b2');
    expect(view.batch).toMatchObject({ status: 'stopped', reason: 'failure threshold reached: 1 of 10 failed' });
    expect(view.batch.finishedAt).toBeUndefined();
    expect(view.progress).toMatchObject({ failed: 1, running: 1, skipped: 8, pending: 0 });
    expect(view.batch.items[0]?.error).toContain('BMC unreachable');
    // The running one is followed to its end; nothing new starts.
    view = await tick('b2');
    expect(view.batch.finishedAt).toBeUndefined();
    engine.end(second ?? '', 'succeeded');
    view = await tick('b2');
    expect(view.batch).toMatchObject({ status: 'stopped', finishedAt: expect.any(String) as unknown });
    expect(view.progress).toMatchObject({ succeeded: 1, failed: 1, skipped: 8 });
    expect(engine.starts).toHaveLength(2);
    expect(engine.events.at(-1)).toMatchObject({ action: 'finished', severity: 'warning', data: { status: 'stopped' } });
  });

  it('fails an item whose start the engine refuses (node busy, node gone), counting it toward the threshold', async () => {
    const { engine, m, tick } = await setup();
    const [a, b, c, d] = engine.addNodes('n', 4, ['rack-7']);
    engine.busy.add(b ?? '');
    await m.batches.service.create(spec({ concurrency: 4 }), 'b3');
    engine.nodes.delete(c ?? '');
    let view = await tick('b3');
    expect(statuses(view)).toEqual(['running', 'failed', 'failed', 'running']);
    expect(view.batch.items[1]?.error).toMatch(/already has an active workflow/);
    expect(view.batch.items[2]?.error).toMatch(/not found/);
    engine.endAllRunning();
    view = await tick('b3');
    expect(view.batch.status).toBe('completed');
    expect(view.progress).toMatchObject({ succeeded: 2, failed: 2 });
    expect([a, d].map((n) => engine.perNode().get(n ?? '')?.length)).toEqual([1, 1]);

    // With a count threshold of 1, the first refusal stops the batch within the same tick.
    const e2 = engine.addNodes('m', 5, ['rack-9']);
    engine.busy.add(e2[0] ?? '');
    await m.batches.service.create(spec({ selector: { tags: ['rack-9'] }, concurrency: 2, failureThreshold: { count: 1 } }), 'b4');
    view = await tick('b4');
    expect(view.batch.status).toBe('stopped');
    expect(statuses(view)).toEqual(['failed', 'running', 'skipped', 'skipped', 'skipped']);
  });

  it('re-issues a start whose answer was lost under the same workflow id, and fails the item after maxStartAttempts', async () => {
    const { engine, m, tick } = await setup();
    const [a] = engine.addNodes('n', 2, ['rack-7']);
    engine.lose.add(a ?? '');
    let view = await tick((await m.batches.service.create(spec(), 'b5')).batch.batch.id);
    expect(statuses(view)).toEqual(['running', 'running']);
    const wa = view.batch.items[0]?.workflowId;
    view = await tick('b5');
    expect(engine.starts.filter((s) => s.nodeId === a).map((s) => s.id)).toEqual([wa, wa]);
    expect(engine.perNode().get(a ?? '')).toEqual([wa]);

    // A node whose starts keep timing out fails after three attempts rather than holding the batch for ever.
    engine.addNodes('z', 1, ['rack-z']);
    engine.loseAlways.add('z00');
    await m.batches.service.create(spec({ selector: { tags: ['rack-z'] } }), 'b6');
    for (let i = 0; i < 3; i++) view = await tick('b6');
    expect(view.batch.items[0]).toMatchObject({ status: 'failed', error: expect.stringContaining('after 3 attempts') as unknown });
    expect(engine.starts.filter((s) => s.nodeId === 'z00')).toHaveLength(3);
  });

  it('cancels: pending items at once, running workflows followed to their end or cancelled with cancelRunning', async () => {
    const { engine, m, tick } = await setup();
    engine.addNodes('n', 6, ['rack-7']);
    await m.batches.service.create(spec({ concurrency: 2 }), 'c1');
    await tick('c1');
    let view = await m.batches.service.cancel('c1', false);
    expect(view.batch).toMatchObject({ status: 'cancelled', reason: 'cancelled by request', cancelRunning: false });
    expect(view.progress).toMatchObject({ running: 2, cancelled: 4 });
    expect(engine.cancels).toEqual([]);
    view = await tick('c1');
    expect(view.batch.finishedAt).toBeUndefined();
    engine.endAllRunning();
    view = await tick('c1');
    expect(view.batch).toMatchObject({ status: 'cancelled', finishedAt: expect.any(String) as unknown });
    expect(view.progress).toMatchObject({ succeeded: 2, cancelled: 4 });
    expect(engine.starts).toHaveLength(2);
    // A finished batch cannot be cancelled again… unless it was cancelled: then it is answered as it is.
    expect((await m.batches.service.cancel('c1', false)).batch.status).toBe('cancelled');

    engine.addNodes('k', 3, ['rack-k']);
    await m.batches.service.create(spec({ selector: { tags: ['rack-k'] }, concurrency: 2 }), 'c2');
    await tick('c2');
    const running = engine.running();
    view = await m.batches.service.cancel('c2', true);
    expect(engine.cancels.sort()).toEqual([...running].sort());
    view = await tick('c2');
    expect(view.batch).toMatchObject({ status: 'cancelled', cancelRunning: true, finishedAt: expect.any(String) as unknown });
    expect(view.progress).toMatchObject({ cancelled: 3 });
    expect(view.batch.items.filter((i) => i.workflowId !== undefined).map((i) => i.error)).toEqual([`batch c2 cancelled`, `batch c2 cancelled`]);

    engine.addNodes('q', 1, ['rack-q']);
    await m.batches.service.create(spec({ selector: { tags: ['rack-q'] } }), 'c3');
    await tick('c3');
    engine.endAllRunning();
    await tick('c3');
    const conflict = await errorOf(m.batches.service.cancel('c3', true));
    expect(conflict).toMatchObject({ code: 'CONFLICT', httpStatus: 409 });
    expect((await errorOf(m.batches.service.cancel('nope', false))).code).toBe('NOT_FOUND');
    expect((await errorOf(m.batches.service.get('nope'))).code).toBe('NOT_FOUND');
  });

  it('completes a start journaled before a cancel (the node may hold its claim), then cancels it with cancelRunning', async () => {
    const { engine, m, tick } = await setup();
    const [a] = engine.addNodes('n', 2, ['rack-7']);
    engine.lose.add(a ?? '');
    await m.batches.service.create(spec({ concurrency: 1 }), 'c4');
    let view = await tick('c4');
    const wa = view.batch.items[0]?.workflowId ?? '';
    expect(engine.workflows.has(wa)).toBe(false);
    view = await m.batches.service.cancel('c4', true);
    expect(statuses(view)).toEqual(['running', 'cancelled']);
    view = await tick('c4');
    expect(engine.workflows.get(wa)).toMatchObject({ nodeId: a, status: 'running' });
    view = await tick('c4');
    // The cancel sent with the request found no workflow yet; the one after the start ends it.
    expect(engine.cancels).toEqual([wa, wa]);
    view = await tick('c4');
    expect(view.batch).toMatchObject({ status: 'cancelled', finishedAt: expect.any(String) as unknown });
    expect(statuses(view)).toEqual(['cancelled', 'cancelled']);
    expect(engine.starts.map((x) => x.id)).toEqual([wa, wa]);
  });

  it('a restarted member carries on from the journal: no item lost, none run twice, a lost start re-issued under its id', async () => {
    const temp = tempStore();
    cleanups.push(() => temp.cleanup());
    const clock = new ManualClock();
    const engine = new FakeEngine();
    const nodes = engine.addNodes('n', 8, ['rack-7']);
    const m1 = await member(temp, clock, engine);
    await m1.batches.service.create(spec({ concurrency: 3 }), 'r1');
    // The third start is journaled but never reaches the engine: the member dies between the two.
    engine.lose.add(nodes[2] ?? '');
    clock.advance(TICK);
    let view = await m1.batches.service.get('r1');
    expect(statuses(view).slice(0, 4)).toEqual(['running', 'running', 'running', 'pending']);
    const journaled = view.batch.items.map((i) => i.workflowId);
    engine.end(journaled[0] ?? '', 'succeeded');
    await m1.stop();

    const m2 = await member(temp, clock, engine);
    expect(m2.batches.runtime.isScheduled('r1')).toBe(false);
    expect(await m2.batches.wake()).toBe(1);
    for (let i = 0; i < 30; i++) {
      clock.advance(TICK);
      view = await m2.batches.service.get('r1');
      if (view.batch.finishedAt !== undefined) break;
      engine.running().slice(0, 2).forEach((id) => engine.end(id, 'succeeded'));
    }
    expect(view.batch.status).toBe('completed');
    expect(view.progress).toMatchObject({ total: 8, succeeded: 8 });
    // The items journaled before the restart kept their ids; the lost one was started under its journaled id.
    expect(view.batch.items.slice(0, 3).map((i) => i.workflowId)).toEqual(journaled.slice(0, 3));
    expect(engine.starts.filter((s) => s.nodeId === nodes[2]).map((s) => s.id)).toEqual([journaled[2], journaled[2]]);
    expect([...engine.perNode().entries()].map(([n, ids]) => [n, ids.length])).toEqual(nodes.map((n) => [n, 1]));
    expect(engine.maxRunning).toBeLessThanOrEqual(3);
  });

  it('release stops the ticks of the batches a handed-over shard holds; wake(owns) resumes only those it is given', async () => {
    const { engine, m, tick, clock } = await setup();
    engine.addNodes('a', 4, ['rack-a']);
    engine.addNodes('b', 4, ['rack-b']);
    await m.batches.service.create(spec({ selector: { tags: ['rack-a'] }, concurrency: 1 }), 'sa');
    await m.batches.service.create(spec({ selector: { tags: ['rack-b'] }, concurrency: 1 }), 'sb');
    await tick('sa');
    expect(m.batches.runtime.isScheduled('sa') && m.batches.runtime.isScheduled('sb')).toBe(true);

    m.batches.release((id) => id === 'sa');
    expect(m.batches.runtime.isScheduled('sa')).toBe(false);
    expect(m.batches.runtime.isScheduled('sb')).toBe(true);
    engine.endAllRunning();
    await tick('sb');
    const sa = await m.batches.service.get('sa');
    expect(sa.progress).toMatchObject({ succeeded: 0, running: 1 });
    expect((await m.batches.service.get('sb')).progress).toMatchObject({ succeeded: 1, running: 1 });

    // Both are unfinished in the read model; only the one this member now owns is woken.
    expect(await m.store.documents.collection('batches').count({ active: true })).toBe(2);
    expect(await m.batches.wake((id) => id === 'sa')).toBe(1);
    // The wake is a message: once a request queued behind it is answered, the tick is scheduled.
    await m.batches.service.get('sa');
    expect(m.batches.runtime.isScheduled('sa')).toBe(true);
    clock.advance(0);
    expect((await m.batches.service.get('sa')).progress).toMatchObject({ succeeded: 1, running: 1 });
    // Waking a batch that already ticks changes nothing.
    expect(await m.batches.wake()).toBe(2);
    expect(m.batches.runtime.scheduled()).toBe(2);
  });

  it('refuses a batch that cannot run, naming the field, and journals nothing', async () => {
    const { engine, m } = await setup();
    engine.addNodes('n', 2, ['rack-7']);
    const paths = async (s: BatchSpec) => {
      const e = await errorOf(m.batches.service.create(s));
      expect(e.code).toBe('VALIDATION_FAILED');
      return (e.details as { errors: { path: string }[] }).errors.map((x) => x.path);
    };
    expect(await paths(spec({ selector: {} }))).toEqual(['body.selector']);
    expect(await paths(spec({ selector: { tags: ['rack-none'] } }))).toEqual(['body.selector']);
    expect(await paths(spec({ selector: { nodeIds: ['n00', 'ghost'] } }))).toEqual(['body.selector.nodeIds']);
    expect(await paths(spec({ graphName: 'Graph.Nope' }))).toEqual(['body.graphName']);
    expect(await paths(spec({ concurrency: 0 }))).toEqual(['body.concurrency']);
    expect(await paths(spec({ concurrency: 1001 }))).toEqual(['body.concurrency']);
    expect(await paths(spec({ failureThreshold: { percent: 101, count: 0 } }))).toEqual(['body.failureThreshold.percent', 'body.failureThreshold.count']);
    expect(await m.store.documents.collection('batches').count({})).toBe(0);
  });

  it('seals secrets in the graph options before any message carries them', async () => {
    const { engine, m, tick } = await setup();
    engine.addNodes('n', 1, ['rack-7']);
    await m.batches.service.create(spec({ graphOptions: { defaults: { rootPassword: 'batch-secret-pw-9' } } }), 's1');
    await tick('s1');
    expect(JSON.stringify(await m.store.journal.read('batch:s1', 0))).not.toContain('batch-secret-pw-9');
    expect(JSON.stringify(await m.store.documents.collection('batches').get('s1'))).not.toContain('batch-secret-pw-9');
    expect(JSON.stringify(engine.starts)).not.toContain('batch-secret-pw-9');
    expect(engine.starts[0]?.options?.['defaults']?.['rootPassword']).toMatchObject({ $sealed: expect.any(String) as unknown });
  });
});
