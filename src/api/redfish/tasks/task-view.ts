/**
 * A workflow run as a Redfish Task (Task.v1), as RackHD showed its graph objects: TaskState from the
 * workflow's status (pending/running → Running, succeeded → Completed, cancelled → Killed, failed and
 * timeout → Exception), TaskStatus from how it ended, PercentComplete from its tasks, and the TaskEvent
 * message of its state. The Task's own URI is its task monitor (rackhd.md §2).
 */
import { registryMessage } from '../message-registries.ts';
import type { Json } from '../odata.ts';
import { systemPath, taskPath } from '../paths.ts';
import { odataType } from '../schema-files.ts';

/** The fields of a workflow record or its read-model document that a Task needs. */
export interface WorkflowLike {
  readonly id: string;
  readonly injectableName: string;
  readonly status: string;
  readonly createdAt: string;
  readonly [field: string]: unknown;
}

export type TaskState = 'Running' | 'Completed' | 'Killed' | 'Exception';

export function taskStateOf(status: string): TaskState {
  switch (status) {
    case 'succeeded':
      return 'Completed';
    case 'cancelled':
      return 'Killed';
    case 'failed':
    case 'timeout':
      return 'Exception';
    default:
      return 'Running';
  }
}

export const isFinished = (status: string): boolean => taskStateOf(status) !== 'Running';

function percentComplete(wf: WorkflowLike): number {
  if (wf.status === 'succeeded') return 100;
  const tasks = Array.isArray(wf['tasks']) ? (wf['tasks'] as { taskId?: unknown }[]) : [];
  const runs = typeof wf['runs'] === 'object' && wf['runs'] !== null ? (wf['runs'] as Record<string, { status?: unknown }>) : {};
  if (tasks.length === 0) return 0;
  const done = tasks.filter((t) => {
    const status = runs[String(t.taskId)]?.status;
    return status === 'succeeded' || status === 'failed' || status === 'cancelled' || status === 'timeout' || status === 'skipped';
  }).length;
  return Math.floor((done / tasks.length) * 100);
}

export function taskResource(wf: WorkflowLike): Json {
  const state = taskStateOf(wf.status);
  const nodeId = typeof wf['nodeId'] === 'string' ? wf['nodeId'] : typeof wf['node'] === 'string' ? wf['node'] : undefined;
  const friendly = typeof wf['friendlyName'] === 'string' && wf['friendlyName'] !== '' ? wf['friendlyName'] : wf.injectableName;
  const finishedAt = typeof wf['finishedAt'] === 'string' ? wf['finishedAt'] : undefined;
  const reason = typeof wf['reason'] === 'string' ? wf['reason'] : undefined;
  const key = state === 'Completed' ? 'TaskCompletedOK' : state === 'Killed' ? 'TaskCancelled' : state === 'Exception' ? 'TaskAborted' : 'TaskStarted';
  const path = taskPath(wf.id);
  return {
    '@odata.id': path,
    '@odata.type': odataType('Task'),
    Id: wf.id,
    Name: `${friendly}${nodeId === undefined ? '' : ` on ${nodeId}`}`,
    TaskState: state,
    TaskStatus: state === 'Completed' || state === 'Running' ? 'OK' : state === 'Killed' ? 'Warning' : 'Critical',
    StartTime: wf.createdAt,
    ...(finishedAt === undefined || state === 'Running' ? {} : { EndTime: finishedAt }),
    PercentComplete: percentComplete(wf),
    TaskMonitor: path,
    Messages: [registryMessage('TaskEvent', key, [wf.id])],
    Oem: {
      Monorail: {
        GraphName: wf.injectableName,
        Status: wf.status,
        ...(nodeId === undefined ? {} : { NodeId: nodeId, System: systemPath(nodeId) }),
        ...(reason === undefined ? {} : { Reason: reason }),
        WorkflowUri: `/api/2.0/workflows/${wf.id}`,
      },
    },
  };
}
