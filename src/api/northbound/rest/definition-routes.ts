/**
 * The workflow definition library over HTTP (RackHD's `/api/2.0/workflows/graphs` and `/workflows/tasks`):
 * PUT upserts (checked by the library: shape, references, required options), GET reads, DELETE forgets.
 * What is put or deleted is written through the definition store, so it survives a restart. A task that a
 * graph still uses cannot be deleted (409).
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { GraphSchema, TaskSchema, type GraphDefinition, type TaskDefinition } from '../../../actors/workflow/definition-types.ts';
import { ConflictError, isMonorailError, NotFoundError, ValidationError } from '../../../errors.ts';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { pagedArray } from './array-page.ts';
import { AnyObject, InjectableNameParams, pagedQuery } from './common-schemas.ts';
import type { DefinitionStore, StoredKind } from './definition-store.ts';

const GraphBody = Type.Object(GraphSchema.properties, { additionalProperties: false, title: 'workflowGraphs.2.0.put' });
const TaskBody = Type.Object(TaskSchema.properties, { additionalProperties: false, title: 'workflowTasks.2.0.put' });

/** The library's own paths (`tasks.0.taskName`) as the API names them (`body.tasks.0.taskName`). */
function inBody(e: unknown): unknown {
  if (!(e instanceof ValidationError)) return e;
  return new ValidationError(e.message, e.errors.map((p) => ({ path: `body.${p.path}`, message: p.message })));
}

function deleteResponses(kind: StoredKind): Record<number, { readonly description: string; readonly schema?: TSchema }> {
  const responses: Record<number, { readonly description: string; readonly schema?: TSchema }> = {
    204: { description: 'Deleted' },
    404: { description: 'No such definition', schema: ErrorBody },
  };
  if (kind === 'task') responses[409] = { description: 'A graph still uses the task', schema: ErrorBody };
  return responses;
}

export function definitionRoutes(ports: NorthboundPorts, store: DefinitionStore): ApiRoute[] {
  const library = ports.workflows.library;
  // Another member may have stored or deleted definitions since this one last looked.
  const sync = async (): Promise<void> => {
    await ports.workflows.definitions?.loadAll();
  };
  const label: Record<StoredKind, string> = { graph: 'graph', task: 'task' };

  const upsert = async (kind: StoredKind, def: { readonly injectableName: string }): Promise<unknown> => {
    await sync();
    const previous = kind === 'graph' ? library.graph(def.injectableName) : library.task(def.injectableName);
    let stored: GraphDefinition | TaskDefinition;
    try {
      stored = kind === 'graph' ? library.register('graph', def) : library.register('task', def);
    } catch (e) {
      throw inBody(e);
    }
    try {
      await store.save(kind, stored);
    } catch (e) {
      // Not stored: the library must not promise what a restart (or another member) would not see.
      if (previous === undefined) library.remove(kind, def.injectableName);
      else library.register(kind, previous);
      throw e;
    }
    return stored;
  };

  const pair = (kind: StoredKind, base: string, body: typeof GraphBody | typeof TaskBody): ApiRoute[] => {
    const tag = 'workflows';
    const get = (name: string): unknown => {
      const def = kind === 'graph' ? library.graph(name) : library.task(name);
      if (def === undefined) throw new NotFoundError(`workflow ${label[kind]}`, name);
      return def;
    };
    return [
      route({
        method: 'get',
        path: base,
        summary: `List workflow ${label[kind]} definitions, paged`,
        tag,
        access: 'ReadOnly',
        query: pagedQuery({}),
        responses: { 200: { description: 'Definitions', schema: Type.Array(AnyObject) } },
        handler: async ({ query, req }) => {
          await sync();
          return pagedArray(library.list(kind), query, req);
        },
      }),
      route({
        method: 'put',
        path: base,
        summary: `Create or replace a workflow ${label[kind]} definition (kept across restarts)`,
        tag,
        access: 'Operator',
        body,
        maxBodyBytes: 2 * 1024 * 1024,
        responses: { 201: { description: 'The stored definition', schema: AnyObject }, 400: { description: 'Invalid definition, naming the field', schema: ErrorBody } },
        handler: async ({ body: def }) => ({ status: 201, body: await upsert(kind, def), headers: { Location: `/api/2.0${base}/${encodeURIComponent(def.injectableName)}` } }),
      }),
      route({
        method: 'get',
        path: `${base}/{injectableName}`,
        summary: `One workflow ${label[kind]} definition`,
        tag,
        access: 'ReadOnly',
        params: InjectableNameParams,
        responses: { 200: { description: 'The definition', schema: AnyObject }, 404: { description: 'No such definition', schema: ErrorBody } },
        handler: async ({ params }) => {
          await sync();
          return { status: 200, body: get(params.injectableName) };
        },
      }),
      route({
        method: 'delete',
        path: `${base}/{injectableName}`,
        summary: `Delete a workflow ${label[kind]} definition${kind === 'task' ? ' (refused while a graph uses it)' : ''}`,
        tag,
        access: 'Operator',
        params: InjectableNameParams,
        responses: deleteResponses(kind),
        async handler({ params }) {
          await sync();
          const def = get(params.injectableName);
          try {
            library.remove(kind, params.injectableName);
          } catch (e) {
            if (isMonorailError(e, 'VALIDATION_FAILED')) throw new ConflictError(e.message, { injectableName: params.injectableName });
            throw e;
          }
          try {
            await store.remove(kind, params.injectableName);
          } catch (e) {
            library.register(kind, def);
            throw e;
          }
          return { status: 204 };
        },
      }),
    ];
  };

  return [...pair('graph', '/workflows/graphs', GraphBody), ...pair('task', '/workflows/tasks', TaskBody)];
}
