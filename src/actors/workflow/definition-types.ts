/**
 * RackHD's workflow definition format (reference rackhd.md §4.1), kept field for field so that graphs and
 * tasks written for RackHD load unchanged. Three kinds:
 *  - a base task names the job that does the work and what every task built on it must supply;
 *  - a task specialises a base task with option values and properties;
 *  - a graph wires labelled tasks together with `waitOn` dependencies and supplies options.
 *
 * The TypeBox schemas check the JSON shape (ajv, on register); the hand-written interfaces are what the rest
 * of the engine reads. They are written out by hand because `waitOn` mixes label keys with the reserved
 * `anyOf` key, which TypeBox's static types cannot express.
 */
import { Type } from '@sinclair/typebox';

/** Objects are closed so a misspelt field (e.g. `waitOnn`) is an error naming it, not a silently ignored key. */
const closed = { additionalProperties: false } as const;

/** The states a dependency can be waited for; `finished` means any terminal state. */
export const waitStates = ['succeeded', 'failed', 'finished', 'timeout', 'cancelled'] as const;
export type WaitState = (typeof waitStates)[number];

/** The `waitOn` key RackHD reserves for "any one of these": it can never be a label. */
export const ANY_OF = 'anyOf';
/** The graph `options` key holding defaults for every task: it can never be a label either. */
export const DEFAULTS = 'defaults';

export type Options = Readonly<Record<string, unknown>>;

export interface BaseTaskDefinition {
  readonly friendlyName?: string;
  readonly injectableName: string;
  readonly runJob: string;
  readonly requiredOptions?: readonly string[];
  /** Dotted path → expected value, e.g. `{ 'os.linux.type': 'microkernel' }`. */
  readonly requiredProperties?: Options;
  readonly properties?: Options;
  readonly optionsSchema?: unknown;
  readonly schemaRef?: string;
}

export interface TaskDefinition {
  readonly friendlyName: string;
  readonly injectableName: string;
  readonly implementsTask: string;
  readonly options?: Options;
  readonly properties?: Options;
  readonly optionsSchema?: unknown;
  readonly schemaRef?: string;
}

/**
 * `{ <label>: state, anyOf?: { <label>: state } }`: every plain entry must be reached, and at least one of the
 * `anyOf` entries. The index signature has to admit the `anyOf` object too; use `waitOnEntries` to read it.
 */
export type WaitOn = Readonly<Record<string, WaitState | Readonly<Record<string, WaitState>>>>;

export interface GraphTask {
  readonly label: string;
  readonly taskName?: string;
  readonly taskDefinition?: TaskDefinition;
  readonly waitOn?: WaitOn;
  readonly ignoreFailure?: boolean;
}

export interface GraphDefinition {
  readonly friendlyName: string;
  readonly injectableName: string;
  /** `defaults` applies to every task; any other key is a label whose task alone receives it. */
  readonly options?: Readonly<Record<string, Options>>;
  readonly tasks: readonly GraphTask[];
  readonly serviceGraph?: boolean;
}

export type DefinitionKind = 'graph' | 'task' | 'baseTask';

export interface DefinitionOf {
  graph: GraphDefinition;
  task: TaskDefinition;
  baseTask: BaseTaskDefinition;
}

export interface WaitOnEntries {
  readonly all: readonly (readonly [label: string, state: WaitState])[];
  readonly anyOf: readonly (readonly [label: string, state: WaitState])[];
}

/** Splits a validated `waitOn` into its all-of and any-of parts. */
export function waitOnEntries(waitOn: WaitOn | undefined): WaitOnEntries {
  const all: (readonly [string, WaitState])[] = [];
  const anyOf: (readonly [string, WaitState])[] = [];
  for (const [key, value] of Object.entries(waitOn ?? {})) {
    if (typeof value === 'string') all.push([key, value]);
    else for (const [label, state] of Object.entries(value)) anyOf.push([label, state]);
  }
  return { all, anyOf };
}

// ---------------------------------------------------------------------------------------------------
// JSON schemas (shape only; cross-references are checked by the library)

const name = Type.String({ minLength: 1 });
const optionBag = Type.Record(Type.String(), Type.Unknown());
const waitState = Type.Union(waitStates.map((s) => Type.Literal(s)));

export const BaseTaskSchema = Type.Object(
  {
    friendlyName: Type.Optional(name),
    injectableName: name,
    runJob: name,
    requiredOptions: Type.Optional(Type.Array(name)),
    requiredProperties: Type.Optional(optionBag),
    properties: Type.Optional(optionBag),
    // A JSON schema of its own (or a reference to a shared one); ajv compiles it separately.
    optionsSchema: Type.Optional(Type.Union([Type.Object({}), Type.String()])),
    schemaRef: Type.Optional(name),
  },
  closed,
);

export const TaskSchema = Type.Object(
  {
    friendlyName: name,
    injectableName: name,
    implementsTask: name,
    options: Type.Optional(optionBag),
    properties: Type.Optional(optionBag),
    optionsSchema: Type.Optional(Type.Union([Type.Object({}), Type.String()])),
    schemaRef: Type.Optional(name),
  },
  closed,
);

const WaitOnSchema = Type.Object(
  { [ANY_OF]: Type.Optional(Type.Record(Type.String(), waitState, { minProperties: 1 })) },
  { additionalProperties: waitState },
);

export const GraphSchema = Type.Object(
  {
    friendlyName: name,
    injectableName: name,
    options: Type.Optional(Type.Record(Type.String(), optionBag)),
    tasks: Type.Array(
      Type.Object(
        {
          label: name,
          taskName: Type.Optional(name),
          taskDefinition: Type.Optional(TaskSchema),
          waitOn: Type.Optional(WaitOnSchema),
          ignoreFailure: Type.Optional(Type.Boolean()),
        },
        closed,
      ),
      { minItems: 1 },
    ),
    serviceGraph: Type.Optional(Type.Boolean()),
  },
  closed,
);
