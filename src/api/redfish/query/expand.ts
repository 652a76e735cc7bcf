/**
 * `$expand` (DSP0266 §7.3.3): each hyperlink — an object holding only `@odata.id` — in the chosen part of a
 * resource is replaced by the resource it names, as the caller would read it with GET. `*` expands every
 * hyperlink, `.` those outside any `Links` property (subordinate resources, collection Members), `~` only
 * those inside `Links`; `$levels` repeats the expansion in what was expanded. A reference the caller may
 * not read, or that names nothing, stays a reference. Fragments (`…/Thermal#/Fans/0`) point into a
 * resource already there and are never expanded.
 */
import { fail } from '../redfish-error.ts';
import type { ExpandScope } from './query-options.ts';

type Json = Record<string, unknown>;

/** GET of another URI as the caller; undefined when it is not readable or does not exist. */
export type Resolve = (uri: string) => Promise<Json | undefined>;

/** Resources one response may expand; past it the query is refused rather than answered half-expanded. */
export const MAX_EXPANDED_RESOURCES = 10_000;

const isReference = (v: unknown): v is { '@odata.id': string } => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  const id = (v as Json)['@odata.id'];
  return keys.length === 1 && typeof id === 'string' && !id.includes('#');
};

export async function expandResource(body: Json, expand: { readonly scope: ExpandScope; readonly levels: number }, resolve: Resolve): Promise<Json> {
  const budget = { left: MAX_EXPANDED_RESOURCES };
  return (await expandIn(body, false, expand.scope, expand.levels, resolve, budget)) as Json;
}

async function expandIn(value: unknown, inLinks: boolean, scope: ExpandScope, levels: number, resolve: Resolve, budget: { left: number }): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map((v) => expandIn(v, inLinks, scope, levels, resolve, budget)));
  if (typeof value !== 'object' || value === null) return value;
  if (isReference(value)) {
    if (!(scope === 'all' || (scope === 'links') === inLinks)) return value;
    if (--budget.left < 0) throw fail(400, 'QueryParameterOutOfRange', [`${levels}`, '$levels', `at most ${MAX_EXPANDED_RESOURCES} expanded resources per response`]);
    const target = await resolve(value['@odata.id']);
    if (target === undefined) return value;
    // The expanded resource's own `Links` are what `~` means below it; its place in this one does not carry over.
    return levels > 1 ? expandIn(target, false, scope, levels - 1, resolve, budget) : target;
  }
  const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await expandIn(v, inLinks || k === 'Links', scope, levels, resolve, budget)] as const));
  return Object.fromEntries(entries);
}
