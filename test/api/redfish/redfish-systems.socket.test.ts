/**
 * ComputerSystem actions and the task monitor over real HTTP, with the recording OBM factory of
 * workflow-harness.ts standing in for the BMC: each ResetType runs its power graph and the OBM call it
 * means; the reply is 202 with the Task as monitor, which answers 202 while the workflow runs and the Task
 * once it is done, and DELETE cancels it; a node busy with another workflow gets 409 ResourceInUse; the
 * boot override runs a set-boot graph and shows until a power-on uses it. Then bad input of every kind: the
 * Base registry message it must carry, and no workflow started by a refused request (REQ_DATA_MOD_ERRORS).
 */
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registryMessage } from '../../../src/api/redfish/message-registries.ts';
import { loadRedfishSchemas, type RedfishSchemaValidator } from '../../../src/api/redfish/json-schema-validator.ts';
import { recordingObmFactory, type ObmCall } from '../../support/workflow-harness.ts';
import { ADMIN, READER, basic, bodyOf, errorOf, giveObm, startRedfishService, workflowFinished, type RedfishService } from '../../support/redfish-service.ts';

let s: RedfishService;
let schemas: RedfishSchemaValidator;
const calls: ObmCall[] = [];
const nodeId = '5f00000000000000000c0001';
const busyNode = '5f00000000000000000c0002';
const admin = { Authorization: basic(ADMIN) };
const system = `/redfish/v1/Systems/${nodeId}`;
const reset = `${system}/Actions/ComputerSystem.Reset`;

async function waitIdle(id: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const node = await s.fixture.monorail.nodes.ask(id, { type: 'node.get' });
    if (node.activeWorkflow === undefined) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`node ${id} stayed busy`);
}

const workflowCount = async (): Promise<number> => s.fixture.monorail.store.documents.collection('workflows').count({ node: nodeId });

beforeAll(async () => {
  schemas = loadRedfishSchemas();
  s = await startRedfishService({ obmFactory: recordingObmFactory(calls) });
  const m = s.fixture.monorail;
  await m.nodes.ask(nodeId, { type: 'node.create', spec: { name: 'rack7-u12', identifiers: ['52:54:00:cc:00:01'], type: 'compute' } });
  await m.nodes.ask(busyNode, { type: 'node.create', spec: { name: 'rack7-u13', identifiers: ['52:54:00:cc:00:02'], type: 'compute' } });
  await giveObm(s, nodeId, { service: 'ipmi-obm-service', host: '10.9.0.1', user: 'root', password: 'calvin' });
  await giveObm(s, busyNode, { service: 'ipmi-obm-service', host: '10.9.0.2', user: 'root', password: 'calvin' });
  m.workflows.library.register('graph', { friendlyName: 'Wait long', injectableName: 'Graph.Test.WaitLong', options: { wait: { duration: 60_000 } }, tasks: [{ label: 'wait', taskName: 'Task.Wait' }] });
}, 60_000);
afterAll(async () => {
  await s?.stop();
});
beforeEach(async () => {
  await waitIdle(nodeId);
  calls.length = 0;
});

describe('ComputerSystem.Reset', () => {
  it.each([
    ['On', 'Graph.PowerOn.Node', ['power:on'], 'On'],
    ['ForceOn', 'Graph.PowerOn.Node', ['power:on'], 'On'],
    ['ForceOff', 'Graph.PowerOff.Node', ['power:off'], 'Off'],
    ['GracefulShutdown', 'Graph.PowerOff.Soft.Node', ['power:softOff'], 'Off'],
    ['ForceRestart', 'Graph.Reset.Node', ['power:reset'], 'On'],
    ['GracefulRestart', 'Graph.Reboot.Node', ['power:off', 'power:on'], 'On'],
    ['PowerCycle', 'Graph.Reboot.Node', ['power:off', 'power:on'], 'On'],
  ])('%s runs %s: 202 with the Task as task monitor, the OBM calls %j, then PowerState %s', async (resetType, graph, obm, after) => {
    const res = await request(s.app).post(reset).set(admin).send({ ResetType: resetType });
    expect(res.status).toBe(202);
    const location = res.headers['location'] ?? '';
    expect(location).toMatch(/^\/redfish\/v1\/TaskService\/Tasks\/[0-9a-f]{24}$/);
    expect(res.body).toMatchObject({ '@odata.id': location, TaskMonitor: location, Oem: { Monorail: { GraphName: graph, NodeId: nodeId } } });
    expect(schemas.validatorFor(String(bodyOf(res)['@odata.type']))(res.body)).toBe(true);
    const id = location.split('/').pop() ?? '';
    expect(await workflowFinished(s, id)).toBe('succeeded');
    const done = await request(s.app).get(location).set(admin);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ TaskState: 'Completed', TaskStatus: 'OK', PercentComplete: 100, Messages: [registryMessage('TaskEvent', 'TaskCompletedOK', [id])] });
    expect(calls.filter((c) => c.call !== 'powerState').map((c) => c.call)).toEqual(obm);
    expect(calls.every((c) => c.host === '10.9.0.1')).toBe(true);
    await waitIdle(nodeId);
    expect(bodyOf((await request(s.app).get(system).set(admin)))['PowerState']).toBe(after);
  });

  it('the task monitor answers 202 while the workflow runs, DELETE cancels it (Killed), and a busy node refuses a reset with 409 ResourceInUse', async () => {
    const wf = await s.fixture.monorail.workflows.run({ graphName: 'Graph.Test.WaitLong', nodeId: busyNode });
    const monitor = `/redfish/v1/TaskService/Tasks/${wf.id}`;
    const running = await request(s.app).get(monitor).set(admin);
    expect(running.status).toBe(202);
    expect(running.headers['location']).toBe(monitor);
    expect(running.body).toMatchObject({ TaskState: 'Running', TaskStatus: 'OK', Messages: [{ MessageId: 'TaskEvent.1.0.TaskStarted' }] });
    expect(bodyOf(running)['EndTime']).toBeUndefined();

    const busy = await request(s.app).post(`/redfish/v1/Systems/${busyNode}/Actions/ComputerSystem.Reset`).set(admin).send({ ResetType: 'ForceOff' });
    expect(busy.status).toBe(409);
    expect(busy.body).toEqual({ error: { code: 'Base.1.22.ResourceInUse', message: registryMessage('Base', 'ResourceInUse').Message, '@Message.ExtendedInfo': [registryMessage('Base', 'ResourceInUse')] } });

    expect((await request(s.app).delete(monitor).set({ Authorization: basic(READER) })).status).toBe(403);
    expect((await request(s.app).delete(monitor).set(admin)).status).toBe(204);
    expect(await workflowFinished(s, wf.id)).toBe('cancelled');
    const killed = await request(s.app).get(monitor).set(admin);
    expect(killed.status).toBe(200);
    expect(killed.body).toMatchObject({ TaskState: 'Killed', TaskStatus: 'Warning', Messages: [{ MessageId: 'TaskEvent.1.0.TaskCancelled' }] });
    expect(typeof bodyOf(killed)['EndTime']).toBe('string');
    const again = await request(s.app).delete(monitor).set(admin);
    expect(again.status).toBe(400);
    expect(errorOf(again).code).toBe('Base.1.22.ResourceCannotBeDeleted');
    await waitIdle(busyNode);
  });

  it('a reset whose OBM call fails ends its Task in Exception', async () => {
    const bare = '5f00000000000000000c0003';
    await s.fixture.monorail.nodes.ask(bare, { type: 'node.create', spec: { name: 'no-obm', identifiers: ['52:54:00:cc:00:03'], type: 'compute' } });
    const res = await request(s.app).post(`/redfish/v1/Systems/${bare}/Actions/ComputerSystem.Reset`).set(admin).send({ ResetType: 'On' });
    expect(res.status).toBe(202);
    const id = String(res.headers['location']).split('/').pop() ?? '';
    expect(await workflowFinished(s, id)).toBe('failed');
    expect((await request(s.app).get(String(res.headers['location'])).set(admin)).body).toMatchObject({ TaskState: 'Exception', TaskStatus: 'Critical', Messages: [{ MessageId: 'TaskEvent.1.0.TaskAborted' }] });
  });
});

describe('the boot override', () => {
  it('PATCH Boot {Pxe, Once} runs the set-boot graph; the System shows it until a power-on uses it', async () => {
    const before = await request(s.app).get(system).set(admin);
    expect(bodyOf(before)['Boot']).toMatchObject({ BootSourceOverrideTarget: 'None', BootSourceOverrideEnabled: 'Disabled' });
    const stale = await request(s.app).patch(system).set(admin).set('If-Match', 'W/"not-the-etag"').send({ Boot: { BootSourceOverrideTarget: 'Pxe' } });
    expect(stale.status).toBe(412);
    expect(errorOf(stale).code).toBe('Base.1.22.PreconditionFailed');

    const res = await request(s.app).patch(system).set(admin).set('If-Match', String(before.headers['etag'])).send({ Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ Oem: { Monorail: { GraphName: 'Graph.SetBoot.Pxe.Node' } } });
    expect(await workflowFinished(s, String(res.headers['location']).split('/').pop() ?? '')).toBe('succeeded');
    expect(calls.map((c) => c.call)).toEqual(['nextBoot:pxe']);
    await waitIdle(nodeId);
    expect(bodyOf((await request(s.app).get(system).set(admin)))['Boot']).toMatchObject({ BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' });
    // Asking for no override while one is pending cannot be honoured: the OBM services cannot clear it.
    const none = await request(s.app).patch(system).set(admin).send({ Boot: { BootSourceOverrideTarget: 'None' } });
    expect(none.status).toBe(400);
    expect(errorOf(none).code).toBe('Base.1.22.PropertyValueResourceConflict');

    const on = await request(s.app).post(reset).set(admin).send({ ResetType: 'On' });
    await workflowFinished(s, String(on.headers['location']).split('/').pop() ?? '');
    await waitIdle(nodeId);
    expect(bodyOf((await request(s.app).get(system).set(admin)))['Boot']).toMatchObject({ BootSourceOverrideTarget: 'None', BootSourceOverrideEnabled: 'Disabled' });
    const noop = await request(s.app).patch(system).set(admin).send({ Boot: { BootSourceOverrideEnabled: 'Disabled' } });
    expect(noop.status).toBe(200);
  });

  it('Hdd runs the disk-boot graph; a valid Boot with an unknown property still runs and names what it ignored', async () => {
    const res = await request(s.app).patch(system).set(admin).send({ Boot: { BootSourceOverrideTarget: 'Hdd' }, Colour: 'red' });
    expect(res.status).toBe(202);
    expect(bodyOf(res)['@Message.ExtendedInfo']).toEqual([registryMessage('Base', 'PropertyUnknown', ['Colour'], ['/Colour'])]);
    expect(await workflowFinished(s, String(res.headers['location']).split('/').pop() ?? '')).toBe('succeeded');
    expect(calls.map((c) => c.call)).toEqual(['nextBoot:disk']);
  });

  it('refuses values outside the allowable ones, read-only and unknown properties, and an empty patch, by name', async () => {
    const count = await workflowCount();
    const cases: [unknown, number, string[]][] = [
      [{ Boot: { BootSourceOverrideTarget: 'Floppy' } }, 400, ['PropertyValueNotInList']],
      [{ Boot: { BootSourceOverrideEnabled: 'Continuous' } }, 400, ['PropertyValueNotInList']],
      [{ Boot: { BootSourceOverrideTarget: 7 } }, 400, ['PropertyValueTypeError']],
      [{ Boot: { BootSourceOverrideMode: 'UEFI' } }, 400, ['PropertyUnknown']],
      [{ Boot: 'Pxe' }, 400, ['PropertyValueTypeError']],
      [{ PowerState: 'On', SerialNumber: 'x' }, 400, ['PropertyNotWritable', 'PropertyNotWritable']],
      [{ Nonsense: 1 }, 400, ['PropertyUnknown']],
      [{}, 400, ['NoOperation']],
      [{ '@odata.etag': 'W/"x"' }, 400, ['NoOperation']],
    ];
    for (const [body, status, keys] of cases) {
      const res = await request(s.app).patch(system).set(admin).send(body as object);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(errorOf(res)['@Message.ExtendedInfo'].map((m) => m.MessageId.split('.').pop()), JSON.stringify(body)).toEqual(keys);
    }
    expect(await workflowCount()).toBe(count);
  });
});

describe('bad input', () => {
  it('a ResetType outside the allowable values is 400 ActionParameterValueNotInList with the registry\u2019s message', async () => {
    const res = await request(s.app).post(reset).set(admin).send({ ResetType: 'Explode' });
    expect(res.status).toBe(400);
    const m = registryMessage('Base', 'ActionParameterValueNotInList', ['Explode', 'ResetType', 'ComputerSystem.Reset'], ['/ResetType']);
    expect(m.Message).toBe("The value 'Explode' for the parameter ResetType in the action ComputerSystem.Reset is not in the list of acceptable values.");
    expect(res.body).toEqual({ error: { code: m.MessageId, message: m.Message, '@Message.ExtendedInfo': [m] } });
    expect(schemas.definition('Message.v1_3_0.json', 'Message')(errorOf(res)['@Message.ExtendedInfo'][0])).toBe(true);
  });

  it('every malformed reset is refused by name and starts nothing', async () => {
    const count = await workflowCount();
    const cases: [string | object, string, string][] = [
      [{}, 'ActionParameterMissing', 'application/json'],
      [{ ResetType: 5 }, 'ActionParameterValueTypeError', 'application/json'],
      [{ ResetType: 'On', Force: true }, 'ActionParameterUnknown', 'application/json'],
      [{ ResetType: 'Nmi' }, 'ActionParameterValueNotInList', 'application/json'],
      ['{"ResetType": "On"', 'MalformedJSON', 'application/json'],
      ['not json at all', 'MalformedJSON', 'application/json'],
      ['[1,2,3]', 'UnrecognizedRequestBody', 'application/json'],
      ['"On"', 'UnrecognizedRequestBody', 'application/json'],
    ];
    for (const [body, key, type] of cases) {
      const res = await request(s.app).post(reset).set(admin).set('Content-Type', type).send(typeof body === 'string' ? body : JSON.stringify(body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(res)['@Message.ExtendedInfo'][0]?.MessageId, JSON.stringify(body)).toBe(`Base.1.22.${key}`);
    }
    const text = await request(s.app).post(reset).set(admin).set('Content-Type', 'text/plain').send('ResetType=On');
    expect(text.status).toBe(415);
    expect(errorOf(text).code).toBe('Base.1.22.HeaderInvalid');
    const huge = await request(s.app).post(reset).set(admin).send({ ResetType: 'On', pad: 'x'.repeat(2 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    expect(errorOf(huge).code).toBe('Base.1.22.PayloadTooLarge');
    expect(await workflowCount()).toBe(count);
  });

  it('unknown resources are 404 ResourceMissingAtURI naming the URI', async () => {
    for (const uri of [
      '/redfish/v1/Systems/5f000000000000000000ffff',
      '/redfish/v1/Systems/not-a-node-id',
      `${system}/Processors/CPU9`,
      `${system}/Storage/none/Drives/sdz`,
      `/redfish/v1/Managers/${nodeId}-BMC`,
      '/redfish/v1/Nope',
      '/redfish/v1/TaskService/Tasks/5f000000000000000000ffff',
      '/redfish/v1/AccountService/Accounts/nobody',
      '/redfish/v1/JsonSchemas/ComputerSystem/..%2F..%2Fpackage.json',
      `/redfish/v1/Systems/${'a'.repeat(300)}`,
    ]) {
      const res = await request(s.app).get(uri).set(admin);
      expect(res.status, uri).toBe(404);
      expect(errorOf(res).code, uri).toBe('Base.1.22.ResourceMissingAtURI');
      expect(errorOf(res)['@Message.ExtendedInfo'][0]?.MessageArgs[0], uri).toMatch(/^\/redfish\/v1\//);
    }
    const post = await request(s.app).post('/redfish/v1/Systems/5f000000000000000000ffff/Actions/ComputerSystem.Reset').set(admin).send({ ResetType: 'On' });
    expect(post.status).toBe(404);
  });

  it('a ReadOnly user may read but not reset (403 InsufficientPrivilege)', async () => {
    const reader = { Authorization: basic(READER) };
    expect((await request(s.app).get(system).set(reader)).status).toBe(200);
    const res = await request(s.app).post(reset).set(reader).send({ ResetType: 'On' });
    expect(res.status).toBe(403);
    expect(errorOf(res).code).toBe('Base.1.22.InsufficientPrivilege');
  });
});
