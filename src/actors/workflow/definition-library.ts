/**
 * The in-memory library of workflow definitions and the checks a graph must pass before it can run.
 *
 * Registration checks the JSON shape (ajv) and that what a definition points at already exists, so the load
 * order is RackHD's own: base tasks, then tasks, then graphs. Re-registering a name replaces it, as RackHD's
 * PUT upserts do. Every rejection is a `ValidationError` whose message names the offending field, and which
 * lists every problem found rather than only the first, so one edit fixes a definition.
 */
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { ValidationError } from '../../errors.ts';
import { ANY_OF, BaseTaskSchema, DEFAULTS, GraphSchema, TaskSchema, waitOnEntries } from './definition-types.ts';
import type {
  BaseTaskDefinition,
  DefinitionKind,
  DefinitionOf,
  GraphDefinition,
  GraphTask,
  Options,
  TaskDefinition,
} from './definition-types.ts';

interface Problem {
  path: string;
  message: string;
}

const ajv = new Ajv({ allErrors: true, strict: true });
let validators: { [K in DefinitionKind]: ValidateFunction<DefinitionOf[K]> } | undefined;

/** Compiled on first use so importing the module stays cheap. */
function validatorFor<K extends DefinitionKind>(kind: K): ValidateFunction<DefinitionOf[K]> {
  validators ??= {
    graph: ajv.compile<GraphDefinition>(GraphSchema),
    task: ajv.compile<TaskDefinition>(TaskSchema),
    baseTask: ajv.compile<BaseTaskDefinition>(BaseTaskSchema),
  };
  return validators[kind];
}

/** ajv's JSON pointer as the dotted path users write (`tasks.2.waitOn.foo`). */
function fieldOf(error: ErrorObject): string {
  const segments = error.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params: Record<string, unknown> = error.params;
  if (error.keyword === 'required') segments.push(String(params['missingProperty']));
  if (error.keyword === 'additionalProperties') segments.push(String(params['additionalProperty']));
  return segments.length === 0 ? '(root)' : segments.join('.');
}

function schemaProblems(errors: readonly ErrorObject[]): Problem[] {
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const error of errors) {
    const path = fieldOf(error);
    // A bad waitOn state fails every branch of the union; report the field once.
    if (seen.has(path)) continue;
    seen.add(path);
    const message =
      error.keyword === 'additionalProperties' ? 'is not a known field' : error.keyword === 'required' ? 'is required' : (error.message ?? 'is invalid');
    problems.push({ path, message: `${path} ${message}` });
  }
  return problems;
}

function reject(what: string, problems: readonly Problem[]): never {
  throw new ValidationError(`${what}: ${problems.map((p) => p.message).join('; ')}`, problems);
}

function nameOf(def: unknown): string {
  if (typeof def === 'object' && def !== null && 'injectableName' in def && typeof def.injectableName === 'string') return def.injectableName;
  return '(unnamed)';
}

const kindLabel: Record<DefinitionKind, string> = { graph: 'graph', task: 'task', baseTask: 'base task' };

export class DefinitionLibrary {
  private readonly graphs = new Map<string, GraphDefinition>();
  private readonly tasks = new Map<string, TaskDefinition>();
  private readonly baseTasks = new Map<string, BaseTaskDefinition>();

  /** Checks `def` and stores it under its `injectableName`, replacing any earlier definition of that name. */
  register<K extends DefinitionKind>(kind: K, def: unknown): DefinitionOf[K] {
    const validate = validatorFor(kind);
    if (!validate(def)) reject(`${kindLabel[kind]} ${nameOf(def)}`, schemaProblems(validate.errors ?? []));
    const checked: DefinitionOf[K] = def;
    this.store(kind, checked);
    return checked;
  }

  private store<K extends DefinitionKind>(kind: K, def: DefinitionOf[K]): void {
    // A switch on `kind` cannot narrow `def` through the generic, so each branch re-checks by schema type.
    const k: DefinitionKind = kind;
    switch (k) {
      case 'baseTask':
        this.baseTasks.set(def.injectableName, def as BaseTaskDefinition);
        return;
      case 'task': {
        const task = def as TaskDefinition;
        if (!this.baseTasks.has(task.implementsTask)) {
          reject(`task ${task.injectableName}`, [{ path: 'implementsTask', message: `implementsTask names unknown base task "${task.implementsTask}"` }]);
        }
        this.tasks.set(task.injectableName, task);
        return;
      }
      case 'graph': {
        const graph = def as GraphDefinition;
        // RackHD graphs leave values the caller must give (an OS version, a repo) as `null`; they are
        // checked when the graph is run with its request options, not when it is stored.
        validateGraph(graph, this, { nullPlaceholders: true });
        this.graphs.set(graph.injectableName, graph);
        return;
      }
    }
  }

  graph(name: string): GraphDefinition | undefined {
    return this.graphs.get(name);
  }

  /** Every definition of `kind`, by injectableName. */
  list<K extends DefinitionKind>(kind: K): DefinitionOf[K][] {
    return [...this.mapOf(kind).values()].sort((a, b) => a.injectableName.localeCompare(b.injectableName)) as DefinitionOf[K][];
  }

  /**
   * Forgets a definition (RackHD's DELETE of a graph or task). A task that a registered graph still names, or
   * a base task that a task implements, is refused with a ValidationError naming the users, so the library
   * never holds a graph it could not run.
   */
  remove(kind: DefinitionKind, name: string): boolean {
    const users =
      kind === 'task'
        ? [...this.graphs.values()].filter((g) => g.tasks.some((t) => t.taskName === name)).map((g) => g.injectableName)
        : kind === 'baseTask'
          ? [...this.tasks.values(), ...[...this.graphs.values()].flatMap((g) => g.tasks.flatMap((t) => (t.taskDefinition === undefined ? [] : [t.taskDefinition])))]
              .filter((t) => t.implementsTask === name)
              .map((t) => t.injectableName)
          : [];
    if (users.length > 0) reject(`${kindLabel[kind]} ${name}`, [{ path: 'injectableName', message: `${name} is still used by ${users.join(', ')}` }]);
    return this.mapOf(kind).delete(name);
  }

  private mapOf(kind: DefinitionKind): Map<string, GraphDefinition | TaskDefinition | BaseTaskDefinition> {
    return kind === 'graph' ? this.graphs : kind === 'task' ? this.tasks : this.baseTasks;
  }

  task(name: string): TaskDefinition | undefined {
    return this.tasks.get(name);
  }

  baseTask(name: string): BaseTaskDefinition | undefined {
    return this.baseTasks.get(name);
  }
}

/** Read-only view of a library: what `validateGraph` and `resolveTaskOptions` need. */
export type DefinitionLookup = Pick<DefinitionLibrary, 'task' | 'baseTask'>;

// ---------------------------------------------------------------------------------------------------
// Graph validation

interface ResolvedTask {
  readonly index: number;
  readonly entry: GraphTask;
  readonly task: TaskDefinition;
  readonly base: BaseTaskDefinition;
}

/** The task and base task behind a graph entry, or the problem that prevents finding them. */
function resolveEntry(entry: GraphTask, index: number, library: DefinitionLookup): ResolvedTask | Problem {
  const at = `tasks.${index}`;
  const who = `${at} (${entry.label})`;
  if (entry.taskName !== undefined && entry.taskDefinition !== undefined) {
    return { path: at, message: `${who} has both taskName and taskDefinition; give exactly one` };
  }
  if (entry.taskName === undefined && entry.taskDefinition === undefined) {
    return { path: `${at}.taskName`, message: `${who} needs taskName or taskDefinition` };
  }
  const task = entry.taskDefinition ?? library.task(entry.taskName ?? '');
  if (task === undefined) return { path: `${at}.taskName`, message: `${at}.taskName names unknown task "${entry.taskName}"` };
  const base = library.baseTask(task.implementsTask);
  const field = entry.taskDefinition !== undefined ? `${at}.taskDefinition.implementsTask` : `${at}.taskName`;
  if (base === undefined) return { path: field, message: `${field}: ${task.injectableName} implements unknown base task "${task.implementsTask}"` };
  return { index, entry, task, base };
}

function isProblem(r: ResolvedTask | Problem): r is Problem {
  return 'message' in r;
}

/** Every label reachable backwards through `waitOn` (all-of and any-of alike). */
function ancestorsOf(label: string, deps: ReadonlyMap<string, readonly string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(deps.get(label) ?? [])];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(deps.get(next) ?? []));
  }
  return seen;
}

/** The first cycle found, as labels in dependency order with the first label repeated at the end. */
function findCycle(labels: readonly string[], deps: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (label: string): string[] | undefined => {
    const s = state.get(label);
    if (s === 'done') return undefined;
    if (s === 'visiting') return [...path.slice(path.indexOf(label)), label];
    state.set(label, 'visiting');
    path.push(label);
    for (const dep of deps.get(label) ?? []) {
      const cycle = visit(dep);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    state.set(label, 'done');
    return undefined;
  };
  for (const label of labels) {
    const cycle = visit(label);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merge key by key (later wins); anything else is replaced, as lodash `merge` does in RackHD. */
function deepMerge(lower: Options, higher: Options): Record<string, unknown> {
  const out: Record<string, unknown> = { ...lower };
  for (const [key, value] of Object.entries(higher)) {
    const prev = out[key];
    out[key] = isRecord(prev) && isRecord(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

function lookupPath(props: Options, dotted: string): { found: boolean; value?: unknown } {
  let cur: unknown = props;
  for (const segment of dotted.split('.')) {
    if (!isRecord(cur) || !(segment in cur)) return { found: false };
    cur = cur[segment];
  }
  return { found: true, value: cur };
}

/** A required value of null/undefined or `{}` only asks for presence; anything else must be equal. */
function satisfies(props: Options, dotted: string, expected: unknown): boolean {
  const { found, value } = lookupPath(props, dotted);
  if (!found) return false;
  if (expected === null || expected === undefined || (isRecord(expected) && Object.keys(expected).length === 0)) return true;
  return JSON.stringify(value) === JSON.stringify(expected);
}

/**
 * Checks a graph against the library and throws a `ValidationError` listing every problem: duplicate and
 * reserved labels, `waitOn` and option sections naming unknown labels, cycles, entries without exactly one of
 * `taskName`/`taskDefinition`, unknown tasks and base tasks, required options missing after merging, and
 * required properties no task on the way provides.
 */
export function validateGraph(graph: GraphDefinition, library: DefinitionLookup, mode: { readonly nullPlaceholders?: boolean } = {}): void {
  const problems: Problem[] = [];
  const labels = new Set<string>();

  graph.tasks.forEach((entry, i) => {
    if (entry.label === ANY_OF || entry.label === DEFAULTS) {
      problems.push({ path: `tasks.${i}.label`, message: `tasks.${i}.label "${entry.label}" is reserved` });
    } else if (labels.has(entry.label)) {
      problems.push({ path: `tasks.${i}.label`, message: `tasks.${i}.label "${entry.label}" is a duplicate` });
    }
    labels.add(entry.label);
  });

  const deps = new Map<string, string[]>();
  graph.tasks.forEach((entry, i) => {
    const { all, anyOf } = waitOnEntries(entry.waitOn);
    const known: string[] = [];
    for (const [label] of all) {
      if (labels.has(label)) known.push(label);
      else problems.push({ path: `tasks.${i}.waitOn.${label}`, message: `tasks.${i}.waitOn.${label}: no task is labelled "${label}"` });
    }
    for (const [label] of anyOf) {
      if (labels.has(label)) known.push(label);
      else problems.push({ path: `tasks.${i}.waitOn.anyOf.${label}`, message: `tasks.${i}.waitOn.anyOf.${label}: no task is labelled "${label}"` });
    }
    deps.set(entry.label, [...(deps.get(entry.label) ?? []), ...known]);
  });

  for (const key of Object.keys(graph.options ?? {})) {
    if (key !== DEFAULTS && !labels.has(key)) {
      problems.push({ path: `options.${key}`, message: `options.${key}: no task is labelled "${key}"` });
    }
  }

  const cycle = findCycle([...labels], deps);
  if (cycle !== undefined) problems.push({ path: 'tasks', message: `tasks: waitOn forms a cycle ${cycle.join(' -> ')}` });

  const resolved: ResolvedTask[] = [];
  graph.tasks.forEach((entry, i) => {
    const r = resolveEntry(entry, i, library);
    if (isProblem(r)) problems.push(r);
    else resolved.push(r);
  });

  const effectiveProps = new Map<string, Options>();
  for (const r of resolved) effectiveProps.set(r.entry.label, deepMerge(r.base.properties ?? {}, r.task.properties ?? {}));

  for (const r of resolved) {
    const at = `tasks.${r.index} (${r.entry.label})`;
    const options = mergeOptions(graph, r);
    for (const required of r.base.requiredOptions ?? []) {
      // RackHD task definitions write `null` as the placeholder for "the graph must supply this".
      if (options[required] === undefined || (options[required] === null && mode.nullPlaceholders !== true)) {
        problems.push({
          path: `options.${r.entry.label}.${required}`,
          message: `${at}: required option "${required}" of ${r.base.injectableName} is not set by ${r.task.injectableName}, options.${DEFAULTS} or options.${r.entry.label}`,
        });
      }
    }
    // RackHD lets a task's requirement be met by its own properties or by a task that runs before it (e.g.
    // the bootstrap task that puts a microkernel on the node), so upstream tasks count too.
    const sources = [r.entry.label, ...(cycle === undefined ? ancestorsOf(r.entry.label, deps) : [])];
    for (const [dotted, expected] of Object.entries(r.base.requiredProperties ?? {})) {
      if (!sources.some((label) => satisfies(effectiveProps.get(label) ?? {}, dotted, expected))) {
        problems.push({
          path: `tasks.${r.index}.properties.${dotted}`,
          message: `${at}: required property ${dotted}${expected === null || expected === undefined ? '' : ` = ${JSON.stringify(expected)}`} of ${r.base.injectableName} is not provided by ${r.task.injectableName} or any task it waits on`,
        });
      }
    }
  }

  if (problems.length > 0) reject(`graph ${graph.injectableName}`, problems);
}

/**
 * RackHD's precedence (on-tasks `_buildTaskDefinition`): the task definition's options, overridden by graph
 * `defaults`, overridden by the graph's section for this label. Defaults reach only the options a task
 * declares or requires, unless the task has an options schema, which then decides what is allowed; without
 * that rule a graph-wide default such as `file` would leak into every task.
 */
function mergeOptions(graph: GraphDefinition, r: ResolvedTask): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...(r.task.options ?? {}) };
  const takesAll = r.task.optionsSchema !== undefined || r.base.optionsSchema !== undefined;
  const required = new Set(r.base.requiredOptions ?? []);
  for (const [key, value] of Object.entries(graph.options?.[DEFAULTS] ?? {})) {
    if (takesAll || key in merged || required.has(key)) merged[key] = value;
  }
  return { ...merged, ...(graph.options?.[r.entry.label] ?? {}) };
}

/** The options the task at `label` runs with; throws a `ValidationError` naming the label if it cannot be resolved. */
export function resolveTaskOptions(graph: GraphDefinition, label: string, library: DefinitionLookup): Record<string, unknown> {
  const index = graph.tasks.findIndex((t) => t.label === label);
  const entry = graph.tasks[index];
  if (entry === undefined) {
    reject(`graph ${graph.injectableName}`, [{ path: 'label', message: `label "${label}" is not a task of this graph` }]);
  }
  const r = resolveEntry(entry, index, library);
  if (isProblem(r)) reject(`graph ${graph.injectableName}`, [r]);
  return mergeOptions(graph, r);
}

/** One graph entry with the definitions behind it and the options it runs with (before rendering). */
export interface ResolvedGraphTask {
  readonly label: string;
  readonly entry: GraphTask;
  readonly task: TaskDefinition;
  readonly base: BaseTaskDefinition;
  readonly options: Record<string, unknown>;
}

/** Every entry of a validated graph, resolved against the library; throws a `ValidationError` naming the entry otherwise. */
export function resolveGraphTasks(graph: GraphDefinition, library: DefinitionLookup): ResolvedGraphTask[] {
  return graph.tasks.map((entry, index) => {
    const r = resolveEntry(entry, index, library);
    if (isProblem(r)) reject(`graph ${graph.injectableName}`, [r]);
    return { label: entry.label, entry, task: r.task, base: r.base, options: mergeOptions(graph, r) };
  });
}

/** Request-time options (`{defaults: {...}, <label>: {...}}`) merged over the graph's own, as RackHD does before building tasks. */
export function withRequestOptions(graph: GraphDefinition, request: Readonly<Record<string, Options>> | undefined): GraphDefinition {
  if (request === undefined || Object.keys(request).length === 0) return graph;
  const options: Record<string, Options> = { ...(graph.options ?? {}) };
  for (const [key, section] of Object.entries(request)) options[key] = deepMerge(options[key] ?? {}, section);
  return { ...graph, options };
}
