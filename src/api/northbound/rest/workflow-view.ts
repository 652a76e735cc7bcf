/**
 * A workflow instance as RackHD 2.0 shows it (on-http `data/views/workflows.2.0.json`): its graph as a link,
 * `status`, `context`, and its tasks as an array with `label`, `instanceId`, `state`, `options`, `waitingOn`.
 * Secrets never appear: a sealed value, or any value under a secret field name, is shown as `REDACTED`
 * (on-core's sanitizer).
 */
import { isSealed } from '../../../actors/secret-port.ts';
import type { WorkflowRecord } from '../../../actors/workflow/workflow-protocol.ts';
import { isSecretField } from '../../../logging/logger.ts';
import type { WorkflowDoc } from '../../../persistence/collections.ts';
import { isSealed as isBoxSealed } from '../../../secrets/secret-box.ts';

export const WORKFLOW_REDACTED = 'REDACTED';

/** `value` with sealed values and secret-named fields replaced, at any depth. */
export function redactWorkflowValue(value: unknown, key?: string, depth = 0): unknown {
  if (isSealed(value) || isBoxSealed(value)) return WORKFLOW_REDACTED;
  if (key !== undefined && isSecretField(key) && value !== null && value !== undefined) return WORKFLOW_REDACTED;
  if (depth > 32) return value;
  if (Array.isArray(value)) return value.map((v) => redactWorkflowValue(v, undefined, depth + 1));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactWorkflowValue(v, k, depth + 1)]));
  }
  return value;
}

/** The read model holds the record as the workflow actor projected it (toWorkflowDoc: the record plus `node`, `instanceId`). */
export function recordOf(doc: WorkflowDoc): WorkflowRecord {
  return doc as unknown as WorkflowRecord;
}

export function workflowView(wf: WorkflowRecord, base = '/api/2.0'): Record<string, unknown> {
  return {
    id: wf.id,
    instanceId: wf.id,
    name: wf.friendlyName,
    injectableName: wf.injectableName,
    definition: `${base}/workflows/graphs/${encodeURIComponent(wf.injectableName)}`,
    ...(wf.nodeId === undefined ? {} : { node: wf.nodeId }),
    status: wf.status,
    options: redactWorkflowValue(wf.options),
    context: redactWorkflowValue(wf.context),
    tasks: wf.tasks.map((t) => {
      const run = wf.runs[t.taskId];
      return {
        label: t.label,
        instanceId: t.taskId,
        injectableName: t.injectableName,
        friendlyName: t.friendlyName,
        runJob: t.runJob,
        state: run?.status ?? 'pending',
        options: redactWorkflowValue(t.options),
        waitingOn: Object.fromEntries(t.waitOn.all.map(([label, state]) => [label, state])),
        ...(t.waitOn.anyOf.length === 0 ? {} : { waitingOnAnyOf: Object.fromEntries(t.waitOn.anyOf.map(([label, state]) => [label, state])) }),
        ignoreFailure: t.ignoreFailure,
        ...(run?.attempt === undefined || run.attempt === 0 ? {} : { attempt: run.attempt }),
        ...(run?.startedAt === undefined ? {} : { taskStartTime: run.startedAt }),
        ...(run?.finishedAt === undefined ? {} : { taskEndTime: run.finishedAt }),
        ...(run?.error === undefined ? {} : { error: redactWorkflowValue({ code: run.error.code, message: run.error.message }) }),
        ...(run?.reason === undefined ? {} : { reason: run.reason }),
      };
    }),
    ...(wf.parent === undefined ? {} : { parent: `${base}/workflows/${wf.parent.workflowId}` }),
    createdAt: wf.createdAt,
    updatedAt: wf.updatedAt,
    ...(wf.finishedAt === undefined ? {} : { finishedAt: wf.finishedAt }),
    ...(wf.reason === undefined ? {} : { reason: wf.reason }),
  };
}
