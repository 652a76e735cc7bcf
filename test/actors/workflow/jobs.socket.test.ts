/**
 * Jobs that reach outside the engine, each against the real thing: Job.Rest against an HTTP server the
 * test runs, Job.Wait.Protocol against observations arriving through the node directory (as the DHCP,
 * TFTP, HTTP and syslog servers deliver them), Job.Template.Render against a stored template, and the
 * decommission graph against a simulated microkernel agent.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimAgent } from '../../../src/sim/sim-agent.ts';
import { startWorkflowHarness, type WorkflowHarness } from '../../support/workflow-harness.ts';

let h: WorkflowHarness;
let cmdb: Server;
let cmdbUrl: string;
const received: { method: string; url: string; body: string; type: string }[] = [];
const body = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
  });

beforeAll(async () => {
  h = await startWorkflowHarness();
  cmdb = createServer((req, res) => {
    void body(req).then((text) => {
      received.push({ method: req.method ?? '', url: req.url ?? '', body: text, type: req.headers['content-type'] ?? '' });
      if (req.url === '/broken') {
        res.writeHead(503).end('down for maintenance');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, asset: 'A-1234' }));
    });
  });
  await new Promise<void>((resolve) => cmdb.listen(0, '127.0.0.1', resolve));
  const address = cmdb.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  cmdbUrl = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await h.stop();
  await new Promise<void>((resolve) => cmdb.close(() => resolve()));
});

describe('jobs that reach outside', () => {
  it('Job.Rest posts rendered JSON, keeps the answer in the context, and fails on an unexpected status', async () => {
    h.engine.library.register('graph', {
      friendlyName: 'Tell the CMDB',
      injectableName: 'Graph.Test.Cmdb',
      tasks: [{ label: 'register', taskName: 'Task.Rest' }, { label: 'check', taskName: 'Task.Rest', waitOn: { register: 'succeeded' } }],
      options: {
        register: { url: `${cmdbUrl}/nodes/{{ task.nodeId }}`, method: 'POST', data: { node: '{{ task.nodeId }}', state: 'ready' }, headers: { 'x-source': 'monorail' } },
        check: { url: `${cmdbUrl}/broken` },
      },
    });
    const nodeId = await h.node();
    const wf = await h.finished((await h.engine.run({ graphName: 'Graph.Test.Cmdb', nodeId })).id);
    expect(received[0]).toEqual({ method: 'POST', url: `/nodes/${nodeId}`, body: JSON.stringify({ node: nodeId, state: 'ready' }), type: 'application/json' });
    expect((wf.context['rest'] as Record<string, { status: number; body: string }>)['register']).toEqual({ status: 200, body: '{"ok":true,"asset":"A-1234"}' });
    expect(wf.status).toBe('failed');
    expect(wf.runs[wf.tasks[1]!.taskId]?.error?.message).toBe(`GET ${cmdbUrl}/broken answered 503`);
  });

  it('Job.Wait.Protocol ends when the node does what it waits for, not before', async () => {
    h.engine.library.register('graph', {
      friendlyName: 'Wait for syslog',
      injectableName: 'Graph.Test.WaitSyslog',
      tasks: [{ label: 'wait', taskName: 'Task.Wait.Protocol' }],
      options: { wait: { protocol: 'syslog', pattern: 'cloud-init.*finished' } },
    });
    const nodeId = await h.node();
    const wf = await h.engine.run({ graphName: 'Graph.Test.WaitSyslog', nodeId });
    await new Promise((r) => setTimeout(r, 50));
    const directory = h.fixture.monorail.directory;
    directory.observe(nodeId, { type: 'syslog', ipAddress: '10.0.0.5', facility: 1, severity: 6, message: 'cloud-init started' });
    directory.observe(nodeId, { type: 'tftp.request', file: 'cloud-init finished', ipAddress: '10.0.0.5' });
    await new Promise((r) => setTimeout(r, 100));
    expect((await h.engine.get(wf.id)).status).toBe('running');
    directory.observe(nodeId, { type: 'syslog', ipAddress: '10.0.0.5', facility: 1, severity: 6, message: 'Cloud-init v. 23.1 finished at Wed' });
    await new Promise((r) => setTimeout(r, 100));
    expect((await h.engine.get(wf.id)).status).toBe('running');
    directory.observe(nodeId, { type: 'syslog', ipAddress: '10.0.0.5', facility: 1, severity: 6, message: 'cloud-init[812]: modules-final finished' });
    const done = await h.finished(wf.id);
    expect(done.status).toBe('succeeded');
    expect(done.context['observed']).toEqual({ syslog: 'cloud-init[812]: modules-final finished' });
  });

  it('Job.Template.Render renders a stored template for the node into the context', async () => {
    await h.fixture.monorail.store.documents.collection('templates').put({ id: 'global:motd', name: 'motd', scope: 'global', contents: 'node <%= nodeId %> in <%= rack %> via <%- api.base %>' });
    h.engine.library.register('graph', {
      friendlyName: 'Render',
      injectableName: 'Graph.Test.Render',
      tasks: [{ label: 'motd', taskName: 'Task.Template.Render' }, { label: 'missing', taskName: 'Task.Template.Render', waitOn: { motd: 'succeeded' } }],
      options: { motd: { template: 'motd', rack: 'R7' }, missing: { template: 'no-such-template' } },
    });
    const nodeId = await h.node();
    const wf = await h.finished((await h.engine.run({ graphName: 'Graph.Test.Render', nodeId })).id);
    expect((wf.context['rendered'] as Record<string, string>)['motd']).toBe(`node ${nodeId} in R7 via http://10.1.1.1:8080/api/current`);
    expect(wf.runs[wf.tasks[1]!.taskId]?.error?.message).toContain('no-such-template');
  });

  it('Graph.Bootstrap.Decommission.Node wipes the disks through the agent, then powers the node off', async () => {
    const http = h.fixture.monorail.servers.find((s) => s.name === 'http')?.addresses()[0];
    const server = `http://127.0.0.1:${http?.port ?? 0}`;
    const mac = '52:54:00:de:c0:01';
    const nodeId = '5f00000000000000000000d1';
    const nodes = h.fixture.monorail.nodes;
    await nodes.ask(nodeId, { type: 'node.create', spec: { identifiers: [mac] } });
    await h.fixture.monorail.lookups.ask(mac, { type: 'lookup.claim', nodeId });
    await nodes.ask(nodeId, { type: 'node.lifecycle', event: { type: 'discovery.started' } });
    await nodes.ask(nodeId, { type: 'node.lifecycle', event: { type: 'inventory.completed' } });
    h.engine.library.register('graph', { friendlyName: 'Set OBM', injectableName: 'Graph.Test.SetObm', tasks: [{ label: 'obm', taskName: 'Task.Obm.Create' }] });
    await h.finished((await h.engine.run({ graphName: 'Graph.Test.SetObm', nodeId, options: { obm: { host: '10.0.9.9', user: 'u', password: 'p-secret' } } })).id);
    for (let i = 0; i < 50 && (await nodes.ask(nodeId, { type: 'node.get' })).activeWorkflow !== undefined; i++) await new Promise((r) => setTimeout(r, 20));
    const calls = h.obmCalls.length;
    const wf = await h.engine.run({ graphName: 'Graph.Bootstrap.Decommission.Node', nodeId });
    const ran: string[] = [];
    const code = await runSimAgent({
      server,
      mac,
      signal: AbortSignal.timeout(20_000),
      pollMinMs: 20,
      pollMaxMs: 100,
      inventory: (cmd) => {
        ran.push(cmd);
        return { stdout: 'wiped' };
      },
    });
    expect(code).toBe(0);
    expect(ran).toHaveLength(1);
    expect(ran[0]).toContain('wipefs -a');
    const done = await h.finished(wf.id);
    expect(done.status).toBe('succeeded');
    expect(h.obmCalls.slice(calls).map((c) => c.call)).toEqual(['nextBoot:pxe', 'power:off', 'power:on', 'power:off']);
    for (let i = 0; i < 50 && (await nodes.ask(nodeId, { type: 'node.get' })).lifecycle.state !== 'discovered'; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await nodes.ask(nodeId, { type: 'node.get' })).lifecycle.state).toBe('discovered');
  });
});
