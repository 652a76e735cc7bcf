import { afterEach, describe, expect, it } from 'vitest';
import { MonorailError } from '../../../src/errors.ts';
import type { Job } from '../../../src/actors/workflow/job.ts';
import type { JobServices } from '../../../src/actors/workflow/job-services.ts';
import type { GraphDefinition } from '../../../src/actors/workflow/definition-types.ts';
import { startWorkflowHarness, type WorkflowHarness } from '../../support/workflow-harness.ts';

let harnesses: WorkflowHarness[] = [];
afterEach(async () => {
  for (const h of harnesses) await h.stop();
  harnesses = [];
});

/** Jobs whose behaviour a test controls. */
const attempts = new Map<string, number>();
const aborted: string[] = [];
const flakyJob: Job<JobServices> = {
  name: 'Job.Test.Flaky',
  onResume: 'rerun',
  async run(ctx) {
    const n = (attempts.get(ctx.taskId) ?? 0) + 1;
    attempts.set(ctx.taskId, n);
    if (n < Number(ctx.options['succeedOn'])) throw new Error(`attempt ${n} fails`);
    return { context: { flakyAttempts: n } };
  },
};
/** Runs until aborted, then records why. */
const blockJob = (name: string, onResume: 'rerun' | 'fail'): Job<JobServices> => ({
  name,
  onResume,
  run: (ctx) =>
    new Promise((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => {
        aborted.push(`${ctx.label}:${(ctx.signal.reason as Error).message}`);
        reject(ctx.signal.reason as Error);
      });
    }),
});
const echoJob: Job<JobServices> = {
  name: 'Job.Test.Echo',
  onResume: 'rerun',
  async run(ctx) {
    return { context: { echoed: { [ctx.label]: ctx.options } } };
  },
};

async function start(options: Parameters<typeof startWorkflowHarness>[0] = {}): Promise<WorkflowHarness> {
  const h = await startWorkflowHarness({ ...options, jobs: [flakyJob, blockJob('Job.Test.Block', 'rerun'), blockJob('Job.Test.Unsafe', 'fail'), echoJob, ...(options.jobs ?? [])] });
  harnesses.push(h);
  const lib = h.engine.library;
  lib.register('baseTask', { injectableName: 'Task.Base.Test.Flaky', runJob: 'Job.Test.Flaky', requiredOptions: ['succeedOn'] });
  lib.register('baseTask', { injectableName: 'Task.Base.Test.Block', runJob: 'Job.Test.Block', requiredOptions: [] });
  lib.register('baseTask', { injectableName: 'Task.Base.Test.Unsafe', runJob: 'Job.Test.Unsafe', requiredOptions: [] });
  lib.register('baseTask', { injectableName: 'Task.Base.Test.Echo', runJob: 'Job.Test.Echo', requiredOptions: [], optionsSchema: { type: 'object' } });
  lib.register('task', { friendlyName: 'Flaky', injectableName: 'Task.Test.Flaky', implementsTask: 'Task.Base.Test.Flaky', options: { succeedOn: 1 } });
  lib.register('task', { friendlyName: 'Block', injectableName: 'Task.Test.Block', implementsTask: 'Task.Base.Test.Block', options: {} });
  lib.register('task', { friendlyName: 'Unsafe', injectableName: 'Task.Test.Unsafe', implementsTask: 'Task.Base.Test.Unsafe', options: {} });
  lib.register('task', { friendlyName: 'Echo', injectableName: 'Task.Test.Echo', implementsTask: 'Task.Base.Test.Echo', options: {} });
  return h;
}

const graph = (name: string, tasks: GraphDefinition['tasks'], options?: GraphDefinition['options']): GraphDefinition => ({
  friendlyName: name,
  injectableName: `Graph.Test.${name}`,
  tasks,
  ...(options === undefined ? {} : { options }),
});

describe('workflow engine', () => {
  it('runs a graph by its dependencies to succeeded, publishing RackHD graph events and keeping the read model', async () => {
    const h = await start();
    const wf = await h.engine.run({ graphName: 'Graph.noop-example' });
    const done = await h.finished(wf.id);
    expect(done.status).toBe('succeeded');
    expect(Object.values(done.runs).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    const [first, second] = done.tasks;
    expect(Date.parse(done.runs[second!.taskId]!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(done.runs[first!.taskId]!.finishedAt!));
    const kinds = h.events.filter((e) => e.typeId === wf.id).map((e) => `${e.type}.${e.action}`);
    expect(kinds[0]).toBe('graph.started');
    expect(kinds.at(-1)).toBe('graph.finished');
    expect(kinds.filter((k) => k === 'graph.progress.updated').length).toBeGreaterThanOrEqual(4);
    const finished = h.events.find((e) => e.typeId === wf.id && e.action === 'finished');
    expect(finished?.data).toMatchObject({ graphId: wf.id, graphName: 'Graph.noop-example', status: 'succeeded' });
    const doc = await h.fixture.monorail.store.documents.collection('workflows').get(wf.id);
    expect(doc).toMatchObject({ id: wf.id, status: 'succeeded', injectableName: 'Graph.noop-example' });
  });

  it('branches on waitOn failed/succeeded: the branch not taken is skipped, and an ignored failure leaves the graph succeeded', async () => {
    const h = await start();
    h.engine.library.register(
      'graph',
      graph('Branch', [
        { label: 'check', taskName: 'Task.Evaluate.Condition', ignoreFailure: true },
        { label: 'when-false', taskName: 'Task.noop', waitOn: { check: 'failed' } },
        { label: 'when-true', taskName: 'Task.noop', waitOn: { check: 'succeeded' } },
        { label: 'after-true', taskName: 'Task.noop', waitOn: { 'when-true': 'finished' } },
        { label: 'join', taskName: 'Task.noop', waitOn: { anyOf: { 'when-false': 'succeeded', 'after-true': 'succeeded' } } },
      ], { check: { when: '{{ options.go }}' }, defaults: { go: false } }),
    );
    const done = await h.finished((await h.engine.run({ graphName: 'Graph.Test.Branch' })).id);
    const byLabel = Object.fromEntries(done.tasks.map((t) => [t.label, done.runs[t.taskId]?.status]));
    expect(byLabel).toEqual({ check: 'failed', 'when-false': 'succeeded', 'when-true': 'skipped', 'after-true': 'skipped', join: 'succeeded' });
    expect(done.status).toBe('succeeded');

    const other = await h.finished((await h.engine.run({ graphName: 'Graph.Test.Branch', options: { defaults: { go: true } } })).id);
    expect(Object.fromEntries(other.tasks.map((t) => [t.label, other.runs[t.taskId]?.status]))).toMatchObject({ check: 'succeeded', 'when-false': 'skipped', 'when-true': 'succeeded', join: 'succeeded' });
  });

  it('fails the graph on an unignored failure and cancels what runs beside it', async () => {
    const h = await start();
    aborted.length = 0;
    h.engine.library.register('graph', graph('HardFail', [
      { label: 'slow', taskName: 'Task.Test.Block' },
      { label: 'broken', taskName: 'Task.Test.Flaky' },
      { label: 'never', taskName: 'Task.noop', waitOn: { broken: 'succeeded', slow: 'succeeded' } },
    ], { broken: { succeedOn: 99 } }));
    const done = await h.finished((await h.engine.run({ graphName: 'Graph.Test.HardFail' })).id);
    expect(done.status).toBe('failed');
    const byLabel = Object.fromEntries(done.tasks.map((t) => [t.label, done.runs[t.taskId]]));
    expect(byLabel['broken']).toMatchObject({ status: 'failed', error: { code: 'TASK_FAILED', message: 'attempt 1 fails' } });
    expect(byLabel['slow']?.status).toBe('cancelled');
    expect(byLabel['never']?.status ?? 'pending').toBe('pending');
    expect(aborted).toEqual(['slow:task broken failed']);
  });

  it('retries a task where it says so and times a task out', async () => {
    const h = await start();
    h.engine.library.register('graph', graph('Retry', [{ label: 'flaky', taskName: 'Task.Test.Flaky' }], { flaky: { succeedOn: 3, _taskRetries: 2 } }));
    const ok = await h.finished((await h.engine.run({ graphName: 'Graph.Test.Retry' })).id);
    expect(ok.status).toBe('succeeded');
    expect(ok.runs[ok.tasks[0]!.taskId]).toMatchObject({ status: 'succeeded', attempt: 3 });
    expect(ok.context['flakyAttempts']).toBe(3);

    const notEnough = await h.finished((await h.engine.run({ graphName: 'Graph.Test.Retry', options: { flaky: { _taskRetries: 1 } } })).id);
    expect(notEnough.status).toBe('failed');
    expect(notEnough.runs[notEnough.tasks[0]!.taskId]).toMatchObject({ status: 'failed', attempt: 2 });

    h.engine.library.register('graph', graph('Timeout', [{ label: 'slow', taskName: 'Task.Test.Block' }], { slow: { _taskTimeout: 50 } }));
    const late = await h.finished((await h.engine.run({ graphName: 'Graph.Test.Timeout' })).id);
    expect(late.status).toBe('timeout');
    expect(late.runs[late.tasks[0]!.taskId]).toMatchObject({ status: 'timeout', error: { code: 'TASK_TIMEOUT' } });
  });

  it('cancellation reaches the running job; cancelling a finished workflow is a 400', async () => {
    const h = await start();
    aborted.length = 0;
    h.engine.library.register('graph', graph('Cancel', [{ label: 'slow', taskName: 'Task.Test.Block' }, { label: 'after', taskName: 'Task.noop', waitOn: { slow: 'finished' } }]));
    const nodeId = await h.node();
    const wf = await h.engine.run({ graphName: 'Graph.Test.Cancel', nodeId });
    await new Promise((r) => setTimeout(r, 50));
    const cancelled = await h.engine.cancelActive(nodeId, 'operator changed their mind');
    expect(cancelled.status).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 20));
    expect(aborted).toEqual(['slow:operator changed their mind']);
    expect(cancelled.runs[cancelled.tasks[0]!.taskId]?.status).toBe('cancelled');
    const again = await h.engine.cancel(wf.id).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(MonorailError);
    expect((again as MonorailError).code).toBe('WORKFLOW_NOT_ACTIVE');
    expect((again as MonorailError).httpStatus).toBe(400);
    // The node is free again once its workflow has ended.
    await new Promise((r) => setTimeout(r, 20));
    expect((await h.fixture.monorail.nodes.ask(nodeId, { type: 'node.get' })).activeWorkflow).toBeUndefined();
  });

  it('allows one active workflow per node (RackHD 400) however many ask at once', async () => {
    const h = await start();
    h.engine.library.register('graph', graph('Hold', [{ label: 'slow', taskName: 'Task.Test.Block' }]));
    const nodeId = await h.node();
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => h.engine.run({ graphName: 'Graph.Test.Hold', nodeId })));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(7);
    for (const l of lost) expect((l.reason as MonorailError).code).toBe('WORKFLOW_CONFLICT');
    expect((lost[0]!.reason as MonorailError).httpStatus).toBe(400);
    const active = await h.fixture.monorail.store.documents.collection('workflows').find({ node: nodeId });
    expect(active).toHaveLength(1);
    await h.engine.cancelActive(nodeId);
    await new Promise((r) => setTimeout(r, 20));
    const next = await h.engine.run({ graphName: 'Graph.noop-example', nodeId });
    expect((await h.finished(next.id)).status).toBe('succeeded');
  });

  it('renders options from the task, the graph context, the node and the API, and fails a task whose template names nothing', async () => {
    const h = await start();
    h.engine.library.register('graph', graph('Render', [
      { label: 'first', taskName: 'Task.Test.Echo' },
      { label: 'second', taskName: 'Task.Test.Echo', waitOn: { first: 'succeeded' } },
    ], {
      defaults: { repo: 'http://mirror/debian', version: 12 },
      first: { url: '{{ options.repo }}/dists/{{ options.version }}', node: '{{ task.nodeId }}', script: '{{ api.templates }}/preseed?nodeId={{ task.nodeId }}', v: '{{ options.version }}' },
      second: { fromFirst: '{{ context.echoed.first.url }}' },
    }));
    const nodeId = await h.node();
    const done = await h.finished((await h.engine.run({ graphName: 'Graph.Test.Render', nodeId })).id);
    expect(done.status).toBe('succeeded');
    const echoed = done.context['echoed'] as Record<string, Record<string, unknown>>;
    expect(echoed['first']).toMatchObject({
      url: 'http://mirror/debian/dists/12',
      node: nodeId,
      script: `http://10.1.1.1:8080/api/current/templates/preseed?nodeId=${nodeId}`,
      v: 12,
    });
    expect(echoed['second']).toMatchObject({ fromFirst: 'http://mirror/debian/dists/12' });

    h.engine.library.register('graph', graph('BadTemplate', [{ label: 'only', taskName: 'Task.Test.Echo' }], { only: { x: '{{ context.nothing.here }}' } }));
    const bad = await h.finished((await h.engine.run({ graphName: 'Graph.Test.BadTemplate' })).id);
    expect(bad.status).toBe('failed');
    expect(bad.runs[bad.tasks[0]!.taskId]?.error?.message).toBe('option x: {{ context.nothing.here }} has no value');
  });

  it('rejects a bad request before touching the node: unknown graph, unknown label, a required option left null', async () => {
    const h = await start();
    const nodeId = await h.node();
    const unknown = await h.engine.run({ graphName: 'Graph.Nope', nodeId }).then(() => { throw new Error('accepted'); }, (e: unknown) => e as MonorailError);
    expect(unknown).toMatchObject({ code: 'VALIDATION_FAILED', message: 'no graph named Graph.Nope' });
    const label = await h.engine.run({ graphName: 'Graph.noop-example', nodeId, options: { 'noop-9': { delay: 1 } } }).then(() => { throw new Error('accepted'); }, (e: unknown) => e as MonorailError);
    expect(label).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(label.message).toContain('options.noop-9');
    const missing = await h.engine.run({ graphName: 'Graph.Reboot.Node', nodeId, options: { reboot: { action: null } } }).then(() => { throw new Error('accepted'); }, (e: unknown) => e as MonorailError);
    expect(missing.code).toBe('VALIDATION_FAILED');
    expect(missing.message).toContain('required option "action"');
    expect((await h.fixture.monorail.nodes.ask(nodeId, { type: 'node.get' })).activeWorkflow).toBeUndefined();
    expect(await h.fixture.monorail.store.documents.collection('workflows').count({})).toBe(0);
  });

  it('runs a sub-graph and finishes when it does', async () => {
    const h = await start();
    h.engine.library.register('graph', graph('Parent', [{ label: 'child', taskName: 'Task.Graph.Run' }, { label: 'after', taskName: 'Task.noop', waitOn: { child: 'succeeded' } }], { child: { graphName: 'Graph.noop-example' } }));
    const nodeId = await h.node();
    const done = await h.finished((await h.engine.run({ graphName: 'Graph.Test.Parent', nodeId })).id);
    expect(done.status).toBe('succeeded');
    const childId = `${done.tasks[0]!.taskId}-graph`;
    const child = await h.engine.get(childId);
    expect(child).toMatchObject({ status: 'succeeded', nodeId, parent: { workflowId: done.id, taskId: done.tasks[0]!.taskId }, root: done.id });
  });

  it('drives the microkernel protocol: commands handed out once, results parsed into catalogs, a failed command fails its task', async () => {
    const { readFileSync } = await import('node:fs');
    const h = await start();
    h.engine.library.register('graph', graph('Catalog', [
      { label: 'bootstrap', taskName: 'Task.Linux.Bootstrap.Microkernel' },
      { label: 'dmi', taskName: 'Task.Catalog.dmi', waitOn: { bootstrap: 'succeeded' } },
      { label: 'lspci', taskName: 'Task.Catalog.lspci', waitOn: { dmi: 'finished' }, ignoreFailure: true },
    ]));
    const nodeId = await h.node();
    const wf = await h.engine.run({ graphName: 'Graph.Test.Catalog', nodeId });
    await new Promise((r) => setTimeout(r, 30));
    // The bootstrap asked the node to boot the microkernel.
    expect((await h.fixture.monorail.nodes.ask(nodeId, { type: 'node.get' })).activeWorkflow?.boot?.profile).toBe('microkernel.ipxe');
    // The agent's first poll ends the bootstrap; nothing to run yet.
    expect(await h.engine.requestCommands(nodeId)).toBeUndefined();
    let commands = await h.engine.requestCommands(nodeId);
    for (let i = 0; commands === undefined && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 10));
      commands = await h.engine.requestCommands(nodeId);
    }
    expect(commands).toEqual({ identifier: nodeId, tasks: [{ cmd: 'dmidecode', catalog: {} }] });
    expect(await h.engine.requestCommands(nodeId)).toBeUndefined();
    // The machine reboots before reporting (its agent starts again): catalog commands are offered again, once.
    h.engine.agentStarted(nodeId);
    let again = await h.engine.requestCommands(nodeId);
    for (let i = 0; again === undefined && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 10));
      again = await h.engine.requestCommands(nodeId);
    }
    expect(again).toEqual(commands);
    expect(await h.engine.requestCommands(nodeId)).toBeUndefined();
    const dmi = readFileSync('test/fixtures/catalogs/dmidecode/qemu-q35.txt', 'utf8');
    expect(await h.engine.respondCommands(nodeId, { identifier: nodeId, tasks: [{ cmd: 'dmidecode', stdout: dmi, stderr: '', error: null }] })).toBe(true);
    let lspci = await h.engine.requestCommands(nodeId);
    for (let i = 0; lspci === undefined && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 10));
      lspci = await h.engine.requestCommands(nodeId);
    }
    expect(lspci?.tasks[0]?.cmd).toBe('lspci -nn -vmm');
    await h.engine.respondCommands(nodeId, { identifier: nodeId, tasks: [{ cmd: 'lspci -nn -vmm', stdout: '', stderr: 'lspci: not found', error: { code: 127, message: 'lspci: not found' } }] });
    const done = await h.finished(wf.id);
    expect(done.status).toBe('succeeded');
    const byLabel = Object.fromEntries(done.tasks.map((t) => [t.label, done.runs[t.taskId]]));
    expect(byLabel['lspci']).toMatchObject({ status: 'failed', error: { message: 'lspci -nn -vmm failed with exit code 127: lspci: not found' } });
    const catalogs = await h.fixture.monorail.store.documents.collection('catalogs').find({ node: nodeId });
    expect(catalogs.map((c) => c.source)).toEqual(['dmi']);
    expect(JSON.stringify(catalogs[0]?.data)).toContain('QEMU');
  });

  it('seals secrets in request options before the node or the workflow stores them', async () => {
    const h = await start();
    const nodeId = await h.node();
    const wf = await h.engine.run({ graphName: 'Graph.noop-example', nodeId, options: { defaults: { bmc: { user: 'admin', password: 'hunter2' } } } });
    await h.finished(wf.id);
    const journal = JSON.stringify(await h.fixture.monorail.store.documents.collection('workflows').get(wf.id));
    expect(journal).not.toContain('hunter2');
    expect(journal).toContain('$sealed');
  });
});

describe('workflow engine across a restart', () => {
  it('resumes after the member stops mid-workflow: safe tasks run again, unsafe ones fail, the graph finishes', async () => {
    const { tempStore } = await import('../../support/temp-store.ts');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const temp = tempStore();
    // Both members load the same definitions from disk, as a site's own graphs would be.
    const dir = `${temp.dir}/definitions`;
    mkdirSync(`${dir}/graphs`, { recursive: true });
    writeFileSync(`${dir}/base-tasks.json`, JSON.stringify([
      { injectableName: 'Task.Base.Test.Block', runJob: 'Job.Test.Block', requiredOptions: [] },
      { injectableName: 'Task.Base.Test.Unsafe', runJob: 'Job.Test.Unsafe', requiredOptions: [] },
    ]));
    writeFileSync(`${dir}/tasks.json`, JSON.stringify([
      { friendlyName: 'Block', injectableName: 'Task.Test.Block', implementsTask: 'Task.Base.Test.Block', options: {} },
      { friendlyName: 'Unsafe', injectableName: 'Task.Test.Unsafe', implementsTask: 'Task.Base.Test.Unsafe', options: {} },
    ]));
    writeFileSync(`${dir}/graphs/resume.json`, JSON.stringify(graph('Resume', [
      { label: 'safe', taskName: 'Task.Test.Block' },
      { label: 'unsafe', taskName: 'Task.Test.Unsafe', ignoreFailure: true },
      { label: 'after', taskName: 'Task.noop', waitOn: { unsafe: 'finished' } },
    ], { safe: { _taskTimeout: 400 } })));
    const member = () => startWorkflowHarness({ temp, jobs: [blockJob('Job.Test.Block', 'rerun'), blockJob('Job.Test.Unsafe', 'fail')], layer: { workflows: { definitionsDir: dir } } });
    try {
      const first = await member();
      const nodeId = await first.node();
      const wf = await first.engine.run({ graphName: 'Graph.Test.Resume', nodeId });
      await new Promise((r) => setTimeout(r, 50));
      expect(Object.values((await first.engine.get(wf.id)).runs).map((r) => r.status)).toEqual(['running', 'running']);
      await first.stop();

      const second = await member();
      harnesses.push(second);
      const done = await second.finished(wf.id);
      const byLabel = Object.fromEntries(done.tasks.map((t) => [t.label, done.runs[t.taskId]]));
      // The safe task ran again (attempt 2) and kept its original deadline, so it timed out on schedule.
      expect(byLabel['safe']).toMatchObject({ status: 'timeout', attempt: 2 });
      expect(byLabel['unsafe']).toMatchObject({ status: 'failed', attempt: 1, reason: 'interrupted by a restart; Job.Test.Unsafe is not safe to run twice' });
      expect(byLabel['after']?.status).toBe('succeeded');
      expect(done.status).toBe('timeout');
      await new Promise((r) => setTimeout(r, 20));
      expect((await second.fixture.monorail.nodes.ask(nodeId, { type: 'node.get' })).activeWorkflow).toBeUndefined();
    } finally {
      temp.cleanup();
    }
  });
});
