/**
 * `/redfish/v1/TaskService`: every workflow run is a Task (newest first). A Task's URI is also its task
 * monitor (DSP0266 §12.2): GET answers 202 with the Task while the workflow runs and 200 once it is done;
 * DELETE cancels a running workflow.
 */
import { entityIdPattern } from '../../../actors/ids.ts';
import { route, type ApiRoute } from '../../northbound/api-route.ts';
import type { NorthboundPorts } from '../../northbound/northbound-ports.ts';
import { collection, okStatus, ref } from '../odata.ts';
import { taskPath, taskServicePath, tasksPath } from '../paths.ts';
import { fail } from '../redfish-error.ts';
import { IdParam, pageParams } from '../route-kit.ts';
import { odataType } from '../schema-files.ts';
import { isFinished, taskResource } from './task-view.ts';

const tag = 'Redfish Tasks';
const TaskParam = IdParam('taskId', 'The workflow (graph instance) id.');

export function taskRoutes(ports: NorthboundPorts): ApiRoute[] {
  const workflows = ports.documents.collection('workflows');
  const find = async (id: string) => {
    const wf = entityIdPattern.test(id) || /^[0-9a-f]{24}-graph$/.test(id) ? await workflows.get(id) : undefined;
    if (wf === undefined) throw fail(404, 'ResourceMissingAtURI', [taskPath(id)]);
    return wf;
  };
  return [
    route({
      method: 'get',
      path: '/TaskService',
      summary: 'The task service',
      tag,
      access: 'ReadOnly',
      responses: { 200: { description: 'TaskService' } },
      handler: () => ({
        status: 200,
        body: {
          '@odata.id': taskServicePath,
          '@odata.type': odataType('TaskService'),
          Id: 'TaskService',
          Name: 'Task Service',
          Description: 'Workflow runs as Redfish Tasks',
          ServiceEnabled: true,
          DateTime: new Date(ports.now()).toISOString(),
          CompletedTaskOverWritePolicy: 'Manual',
          LifeCycleEventOnTaskStateChange: true,
          Status: okStatus(),
          Tasks: ref(tasksPath),
        },
      }),
    }),
    route({
      method: 'get',
      path: '/TaskService/Tasks',
      summary: 'Every workflow run, newest first',
      tag,
      access: 'ReadOnly',
      responses: { 200: { description: 'TaskCollection' } },
      async handler({ req }) {
        const page = pageParams(req);
        const [items, total] = await Promise.all([workflows.find({}, { skip: page.skip, limit: page.top, sort: { createdAt: -1 } }), workflows.count({})]);
        const next = page.skip + page.top;
        return { status: 200, body: collection(tasksPath, 'TaskCollection', 'Task Collection', { members: items.map((w) => taskPath(w.id)), total, top: page.top, ...(next < total ? { nextSkip: next } : {}) }) };
      },
    }),
    route({
      method: 'get',
      path: '/TaskService/Tasks/{taskId}',
      summary: 'A Task, and its task monitor: 202 while the workflow runs, 200 when it is done',
      tag,
      access: 'ReadOnly',
      params: TaskParam,
      responses: { 200: { description: 'The finished Task' }, 202: { description: 'The Task, still running' }, 404: { description: 'No such task' } },
      async handler({ params }) {
        const wf = await find(params.taskId);
        const body = taskResource(wf);
        return isFinished(wf.status) ? { status: 200, body } : { status: 202, body, headers: { Location: taskPath(wf.id), 'Retry-After': '1' } };
      },
    }),
    route({
      method: 'delete',
      path: '/TaskService/Tasks/{taskId}',
      summary: 'Cancel the running workflow behind a Task',
      tag,
      access: 'Operator',
      params: TaskParam,
      responses: { 204: { description: 'Cancelled' }, 400: { description: 'The workflow has already finished' }, 404: { description: 'No such task' } },
      async handler({ params }) {
        const wf = await find(params.taskId);
        if (isFinished(wf.status)) throw fail(400, 'ResourceCannotBeDeleted');
        await ports.workflows.cancel(wf.id, 'cancelled through the Redfish task monitor');
        return { status: 204 };
      },
    }),
  ];
}
