/**
 * `$select` (DSP0266 §7.3.5): only the properties named (paths with `/` reach into objects, and into each
 * object of an array), plus what the specification keeps in every answer: `@odata.id`, `@odata.type`,
 * `@odata.context` and `@odata.etag`. On a collection the paging properties stay (`Members`,
 * `Members@odata.count`, `Members@odata.nextLink`, which §9.6 requires of every collection) and the paths
 * apply to each expanded member as well, so `?$expand=.&$select=Name` lists the members' names. A path naming
 * no property selects nothing; it is not an error (a member may lack an optional property).
 */
type Json = Record<string, unknown>;

const ALWAYS: readonly string[] = ['@odata.id', '@odata.type', '@odata.context', '@odata.etag'];
const COLLECTION: readonly string[] = ['Members', 'Members@odata.count', 'Members@odata.nextLink'];

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function selectResource(body: Json, paths: readonly (readonly string[])[]): Json {
  const always: Json = {};
  for (const key of ALWAYS) if (Object.hasOwn(body, key)) always[key] = body[key];
  const paging: Json = {};
  const members = body['Members'];
  if (Array.isArray(members)) {
    for (const key of COLLECTION) if (Object.hasOwn(body, key)) paging[key] = body[key];
    // Expanded members (more than a reference) are resources: the selection applies to each.
    paging['Members'] = (members as unknown[]).map((m) => (isObject(m) && Object.keys(m).length > 1 ? selectResource(m, paths) : m));
  }
  return { ...always, ...pick(body, paths), ...paging };
}

function pick(value: Json, paths: readonly (readonly string[])[]): Json {
  const byHead = new Map<string, (readonly string[])[]>();
  for (const p of paths) {
    const [head, ...rest] = p;
    if (head === undefined) continue;
    byHead.set(head, [...(byHead.get(head) ?? []), rest]);
  }
  const out: Json = {};
  for (const [head, rests] of byHead) {
    if (!Object.hasOwn(value, head)) continue;
    const v = value[head];
    // The property itself was named: all of it.
    if (rests.some((r) => r.length === 0)) {
      out[head] = v;
      continue;
    }
    if (isObject(v)) out[head] = pick(v, rests);
    else if (Array.isArray(v)) out[head] = (v as unknown[]).map((e) => (isObject(e) ? pick(e, rests) : e));
  }
  return out;
}
