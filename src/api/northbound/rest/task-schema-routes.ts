/**
 * `GET /api/2.0/schemas/tasks[/{name}]` (RackHD's task option schemas, from on-core's TaskOption.Validator):
 * the JSON schema of each task definition's options. A task or its base task that declares an
 * `optionsSchema` object is served as declared; otherwise the schema is derived from what the engine checks —
 * the base task's `requiredOptions` and the option names the task and base task define (RackHD's own task
 * schemas mostly said no more). `optionsSchema` given as a name (RackHD's file reference) is reported as
 * `$ref`, since the file itself is RackHD's and not shipped.
 */
import { Type } from '@sinclair/typebox';
import type { BaseTaskDefinition, TaskDefinition } from '../../../actors/workflow/definition-types.ts';
import { NotFoundError } from '../../../errors.ts';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { pagedArray } from './array-page.ts';
import { AnyObject, NameParams, pagedQuery } from './common-schemas.ts';

const base = '/api/2.0/schemas/tasks';

/** The JSON schema of `task`'s options (draft-07), with `base` its base task when the library has it. */
export function taskOptionsSchema(task: TaskDefinition, baseTask: BaseTaskDefinition | undefined): Record<string, unknown> {
  const declared = typeof task.optionsSchema === 'object' && task.optionsSchema !== null ? task.optionsSchema : baseTask?.optionsSchema;
  const meta = { $schema: 'http://json-schema.org/draft-07/schema#', $id: `${base}/${encodeURIComponent(task.injectableName)}`, title: task.injectableName, description: task.friendlyName };
  if (typeof declared === 'object' && declared !== null) return { ...meta, ...(declared as Record<string, unknown>) };
  const ref = typeof task.optionsSchema === 'string' ? task.optionsSchema : typeof baseTask?.optionsSchema === 'string' ? baseTask.optionsSchema : undefined;
  const names = [...new Set([...(baseTask?.requiredOptions ?? []), ...Object.keys(task.options ?? {})])].sort();
  return {
    ...meta,
    type: 'object',
    ...(ref === undefined ? {} : { $comment: `RackHD schema ${ref}` }),
    properties: Object.fromEntries(names.map((n) => [n, { description: n in (task.options ?? {}) ? 'Has a default in the task definition.' : 'Required by the base task.' }])),
    required: [...(baseTask?.requiredOptions ?? [])],
  };
}

export function taskSchemaRoutes(ports: NorthboundPorts): ApiRoute[] {
  const library = ports.workflows.library;
  return [
    route({
      method: 'get',
      path: '/schemas/tasks',
      summary: 'Where the option schema of every task definition is, paged',
      tag: 'schemas',
      access: 'ReadOnly',
      query: pagedQuery({}),
      responses: { 200: { description: 'Schema locations', schema: Type.Array(Type.String()) } },
      handler: ({ query, req }) =>
        pagedArray(
          library
            .list('task')
            .map((t) => `${base}/${encodeURIComponent(t.injectableName)}`)
            .sort(),
          query,
          req,
        ),
    }),
    route({
      method: 'get',
      path: '/schemas/tasks/{name}',
      summary: 'The JSON schema of one task definition\'s options',
      tag: 'schemas',
      access: 'ReadOnly',
      params: NameParams,
      responses: { 200: { description: 'A JSON schema', schema: AnyObject }, 404: { description: 'No such task', schema: ErrorBody } },
      handler: ({ params }) => {
        const task = library.task(params.name);
        if (task === undefined) throw new NotFoundError('task definition', params.name);
        return { status: 200, body: taskOptionsSchema(task, library.baseTask(task.implementsTask)) };
      },
    }),
  ];
}
