/**
 * RackHD 2.0 workflows API on a real member: instances (run with or without a node, RackHD's 400 for a second
 * graph on a node, cancel 202, delete 204 / 403 while active, secrets shown as REDACTED), and the definition
 * library (graphs and tasks upserted, read, deleted, kept across a restart).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadStoredDefinitions, storedDefinitionsDir } from '../../../../src/api/northbound/rest/definition-store.ts';
import { tempStore } from '../../../support/temp-store.ts';
import { errorPaths, holdGraph, startRest, type RestHarness } from './rest-harness.ts';

const SECRET = 'bmc-password-that-must-not-leak';

let h: RestHarness;
let node = '';
const temp = tempStore();
beforeAll(async () => {
  h = await startRest({ temp });
  expect((await h.as().put('/api/2.0/workflows/graphs').send(holdGraph)).status).toBe(201);
  node = ((await h.as().post('/api/2.0/nodes').send({ name: 'w', type: 'compute' })).body as { id: string }).id;
});
afterAll(async () => {
  await h.stop();
  temp.cleanup();
});

interface WorkflowAnswer {
  id: string;
  status: string;
  node?: string;
  injectableName: string;
  options: Record<string, Record<string, unknown>>;
  tasks: { label: string; state: string; options: Record<string, unknown> }[];
}

const statusOf = async (id: string) => ((await h.as().get(`/api/2.0/workflows/${id}`)).body as WorkflowAnswer).status;

describe('workflow instances', () => {
  it('runs a graph without a node (201) and lists it, paged and filtered', async () => {
    const res = await h.as('Operator').post('/api/2.0/workflows').send({ name: 'Graph.noop-example' });
    expect(res.status).toBe(201);
    const wf = res.body as WorkflowAnswer;
    expect(wf.node).toBeUndefined();
    expect(res.headers['location']).toBe(`/api/2.0/workflows/${wf.id}`);
    await vi.waitFor(async () => expect(await statusOf(wf.id)).toBe('succeeded'));
    const second = await h.as().post('/api/2.0/workflows?name=Graph.noop-example');
    expect(second.status).toBe(201);
    const list = await h.as('ReadOnly').get('/api/2.0/workflows?injectableName=Graph.noop-example&$top=1');
    expect(list.headers['x-total-count']).toBe('2');
    expect(list.headers['link']).toContain('rel="next"');
    await vi.waitFor(async () => expect((await h.as().get('/api/2.0/workflows?active=false&injectableName=Graph.noop-example')).headers['x-total-count']).toBe('2'));
    expect((await h.as().get('/api/2.0/workflows?active=maybe')).status).toBe(400);
  });

  it('runs on the target node, refuses a second graph there (400), and shows secrets as REDACTED', async () => {
    const res = await h.as().post('/api/2.0/workflows').send({ name: 'Graph.Test.Hold', options: { defaults: { graphOptions: { target: node } }, hold: { password: SECRET, community: SECRET } } });
    expect(res.status).toBe(201);
    expect(res.text).not.toContain(SECRET);
    const wf = res.body as WorkflowAnswer;
    expect(wf).toMatchObject({ node, options: { hold: { password: 'REDACTED', community: 'REDACTED' } } });
    expect(wf.tasks[0]?.options).toMatchObject({ password: 'REDACTED' });
    const read = await h.as('ReadOnly').get(`/api/2.0/workflows/${wf.id}`);
    expect(read.text).not.toContain(SECRET);
    expect((await h.as('ReadOnly').get('/api/2.0/workflows?active=true')).text).not.toContain(SECRET);
    // Sealed in the store too, not only hidden in answers.
    expect(JSON.stringify(await h.ports.documents.collection('workflows').get(wf.id))).not.toContain(SECRET);

    const again = await h.as().post('/api/2.0/workflows').send({ name: 'Graph.noop-example', options: { defaults: { nodeId: node } } });
    expect(again.status).toBe(400);
    expect((again.body as { message: string }).message).toContain('active workflow');

    expect((await h.as().delete(`/api/2.0/workflows/${wf.id}`)).status).toBe(403);
    const cancelled = await h.as().put(`/api/2.0/workflows/${wf.id}/action`).send({ command: 'cancel' });
    expect(cancelled.status).toBe(202);
    expect(cancelled.body).toMatchObject({ id: wf.id, status: 'cancelled' });
    expect((await h.as().put(`/api/2.0/workflows/${wf.id}/action`).send({ command: 'cancel' })).status).toBe(404);
    expect((await h.as('Operator').delete(`/api/2.0/workflows/${wf.id}`)).status).toBe(204);
    expect((await h.as().get(`/api/2.0/workflows/${wf.id}`)).status).toBe(404);
    expect((await h.as().delete(`/api/2.0/workflows/${wf.id}`)).status).toBe(404);
  });

  it('answers bad requests with 400 naming the field, unknown instances with 404', async () => {
    expect(errorPaths((await h.as().post('/api/2.0/workflows').send({ name: 'Graph.Nope' })).body)).toEqual(['body.name']);
    expect(errorPaths((await h.as().post('/api/2.0/workflows').send({})).body)).toEqual(['body.name']);
    expect(errorPaths((await h.as().post('/api/2.0/workflows').send({ name: 'Graph.noop-example', options: { defaults: { graphOptions: { target: '5f000000000000000000dead' } } } })).body)).toEqual(['body.options.defaults.graphOptions.target']);
    expect(errorPaths((await h.as().post('/api/2.0/workflows').send({ name: 'Graph.noop-example', options: { defaults: { nodeId: 7 } } })).body)).toEqual(['body.options.defaults.nodeId']);
    expect(errorPaths((await h.as().post('/api/2.0/workflows').send({ name: 'Graph.noop-example', options: { defaults: 'x' } })).body)).toEqual(['body.options.defaults']);
    expect((await h.as().post('/api/2.0/workflows').set('content-type', 'application/xml').send('<name/>')).status).toBe(415);
    expect((await h.as().get('/api/2.0/workflows/5f000000000000000000dead')).status).toBe(404);
    expect((await h.as().put('/api/2.0/workflows/5f000000000000000000dead/action').send({ command: 'cancel' })).status).toBe(404);
    expect(errorPaths((await h.as().put('/api/2.0/workflows/5f000000000000000000dead/action').send({ command: 'cancel', extra: true })).body)).toEqual(['body.extra']);
    expect((await h.as('ReadOnly').post('/api/2.0/workflows').send({ name: 'Graph.noop-example' })).status).toBe(403);
  });
});

const myTask = { friendlyName: 'Short wait', injectableName: 'Task.Test.ShortWait', implementsTask: 'Task.Base.Wait', options: { duration: 10 } };
const myGraph = { friendlyName: 'Two waits', injectableName: 'Graph.Test.TwoWaits', tasks: [{ label: 'a', taskName: 'Task.Test.ShortWait' }, { label: 'b', taskName: 'Task.Test.ShortWait', waitOn: { a: 'succeeded' } }] };

describe('workflow definitions', () => {
  it('lists the library, paged, with the built-in graphs', async () => {
    const graphs = await h.as('ReadOnly').get('/api/2.0/workflows/graphs');
    expect((graphs.body as { injectableName: string }[]).map((g) => g.injectableName)).toEqual(expect.arrayContaining(['Graph.Discovery', 'Graph.noop-example', 'Graph.GenerateSku', 'Graph.Test.Hold']));
    const page = await h.as('ReadOnly').get('/api/2.0/workflows/tasks?$top=2');
    expect(page.body).toHaveLength(2);
    expect(Number(page.headers['x-total-count'])).toBeGreaterThan(2);
    expect(page.headers['link']).toContain('rel="next"');
  });

  it('upserts a task and a graph (201), runs the graph, and refuses to delete a task a graph uses (409)', async () => {
    const task = await h.as('Operator').put('/api/2.0/workflows/tasks').send(myTask);
    expect(task.status).toBe(201);
    expect((await h.as().get('/api/2.0/workflows/tasks/Task.Test.ShortWait')).body).toMatchObject(myTask);
    const graph = await h.as('Operator').put('/api/2.0/workflows/graphs').send(myGraph);
    expect(graph.status).toBe(201);
    expect(graph.headers['location']).toBe('/api/2.0/workflows/graphs/Graph.Test.TwoWaits');
    const run = await h.as().post('/api/2.0/workflows').send({ name: 'Graph.Test.TwoWaits' });
    await vi.waitFor(async () => expect(await statusOf((run.body as WorkflowAnswer).id)).toBe('succeeded'));
    const inUse = await h.as().delete('/api/2.0/workflows/tasks/Task.Test.ShortWait');
    expect(inUse.status).toBe(409);
    expect((inUse.body as { message: string }).message).toContain('Graph.Test.TwoWaits');
  });

  it('answers invalid definitions with 400 naming the field', async () => {
    const unknownTask = await h.as().put('/api/2.0/workflows/graphs').send({ friendlyName: 'x', injectableName: 'Graph.Bad', tasks: [{ label: 'a', taskName: 'Task.Nope' }] });
    expect(unknownTask.status).toBe(400);
    expect(errorPaths(unknownTask.body)).toEqual(['body.tasks.0.taskName']);
    const cycle = await h.as().put('/api/2.0/workflows/graphs').send({ friendlyName: 'x', injectableName: 'Graph.Bad', tasks: [{ label: 'a', taskName: 'Task.noop', waitOn: { b: 'finished' } }, { label: 'b', taskName: 'Task.noop', waitOn: { a: 'finished' } }] });
    expect(errorPaths(cycle.body)).toEqual(['body.tasks']);
    const shape = await h.as().put('/api/2.0/workflows/graphs').send({ friendlyName: 'x', injectableName: 'Graph.Bad', tasks: [{ label: 'a', taskName: 'Task.noop', waitOnn: {} }] });
    expect(errorPaths(shape.body)).toEqual(['body.tasks.0.waitOnn']);
    expect(errorPaths((await h.as().put('/api/2.0/workflows/tasks').send({ friendlyName: 'x', injectableName: 'Task.Bad', implementsTask: 'Task.Base.Nope' })).body)).toEqual(['body.implementsTask']);
    expect((await h.as().get('/api/2.0/workflows/graphs/Graph.Bad')).status).toBe(404);
  });

  it('keeps put definitions across a restart and forgets deleted ones', async () => {
    const dir = storedDefinitionsDir(h.ports.config.dataDir);
    expect((await h.as().put('/api/2.0/workflows/graphs').send({ ...myGraph, injectableName: 'Graph.Test.Doomed' })).status).toBe(201);
    expect((await h.as('Operator').delete('/api/2.0/workflows/graphs/Graph.Test.Doomed')).status).toBe(204);
    expect((await h.as().delete('/api/2.0/workflows/graphs/Graph.Test.Doomed')).status).toBe(404);
    await h.stop();
    h = await startRest({ temp });
    // The member loaded them at start (src/monorail.ts), after its built-in and configured definitions.
    expect(h.ports.workflows.library.graph('Graph.Test.TwoWaits')).toBeDefined();
    expect((await h.as().get('/api/2.0/workflows/graphs/Graph.Test.TwoWaits')).body).toMatchObject(myGraph);
    expect((await h.as().get('/api/2.0/workflows/tasks/Task.Test.ShortWait')).status).toBe(200);
    expect((await h.as().get('/api/2.0/workflows/graphs/Graph.Test.Doomed')).status).toBe(404);
    expect((await h.as('Operator').delete('/api/2.0/workflows/graphs/Graph.Test.TwoWaits')).status).toBe(204);
    expect((await h.as('Operator').delete('/api/2.0/workflows/tasks/Task.Test.ShortWait')).status).toBe(204);
    // Definitions live in the shared store now; the directory earlier versions wrote is only read.
    expect(await loadStoredDefinitions(dir, h.ports.workflows.library)).toBe(0);
    expect((await h.ports.documents.collection('definitions').find({})).map((d) => d.id)).toEqual(['graph:Graph.Test.Hold']);
  });

  it('shares stored definitions between members of one store: put on one, listed, run and deleted from another', async () => {
    const other = await startRest({ temp });
    try {
      const task = { friendlyName: 'Shared wait', injectableName: 'Task.Test.SharedWait', implementsTask: 'Task.Base.Wait', options: { duration: 10 } };
      const graph = { friendlyName: 'Shared', injectableName: 'Graph.Test.Shared', tasks: [{ label: 'wait', taskName: 'Task.Test.SharedWait' }] };
      expect((await h.as().put('/api/2.0/workflows/tasks').send(task)).status).toBe(201);
      expect((await h.as().put('/api/2.0/workflows/graphs').send(graph)).status).toBe(201);
      // The other member has never seen them: it reads the store before planning, and before listing.
      const wf = await other.ports.workflows.run({ graphName: 'Graph.Test.Shared' });
      expect(wf.tasks.map((t) => t.label)).toEqual(['wait']);
      expect(((await other.as().get('/api/2.0/workflows/graphs')).body as { injectableName: string }[]).map((g) => g.injectableName)).toContain('Graph.Test.Shared');
      // A new version put on the other member is what this one plans next.
      expect((await other.as().put('/api/2.0/workflows/graphs').send({ ...graph, tasks: [...graph.tasks, { label: 'again', taskName: 'Task.Test.SharedWait', waitOn: { wait: 'finished' } }] })).status).toBe(201);
      expect((await h.ports.workflows.run({ graphName: 'Graph.Test.Shared' })).tasks.map((t) => t.label)).toEqual(['wait', 'again']);
      expect((await other.as('Operator').delete('/api/2.0/workflows/graphs/Graph.Test.Shared')).status).toBe(204);
      await expect(h.ports.workflows.run({ graphName: 'Graph.Test.Shared' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      expect((await h.as().get('/api/2.0/workflows/graphs/Graph.Test.Shared')).status).toBe(404);
    } finally {
      await other.stop();
    }
  });
});
