import { describe, expect, it } from 'vitest';
import { DefinitionLibrary, resolveTaskOptions, validateGraph } from '../../../src/actors/workflow/definition-library.ts';
import { waitOnEntries } from '../../../src/actors/workflow/definition-types.ts';
import type { GraphDefinition, GraphTask } from '../../../src/actors/workflow/definition-types.ts';
import { ValidationError } from '../../../src/errors.ts';

/** A small RackHD-shaped library: base tasks, then tasks, in RackHD's load order. */
function library(): DefinitionLibrary {
  const lib = new DefinitionLibrary();
  lib.register('baseTask', {
    friendlyName: 'Bootstrap Linux',
    injectableName: 'Task.Base.Linux.Bootstrap',
    runJob: 'Job.Linux.Bootstrap',
    requiredOptions: ['kernelFile', 'initrdFile'],
    requiredProperties: {},
    properties: { os: { linux: { type: 'microkernel' } } },
  });
  lib.register('baseTask', {
    injectableName: 'Task.Base.Linux.Catalog',
    runJob: 'Job.Linux.Catalog',
    requiredOptions: ['commands'],
    requiredProperties: { 'os.linux.type': 'microkernel' },
    properties: { catalog: {} },
  });
  lib.register('baseTask', { injectableName: 'Task.Base.Noop', runJob: 'Job.noop', requiredOptions: [], properties: {} });
  lib.register('baseTask', {
    injectableName: 'Task.Base.Obm.Node',
    runJob: 'Job.Obm.Node',
    requiredOptions: ['action', 'obmServiceName'],
    optionsSchema: { type: 'object' },
  });
  lib.register('task', {
    friendlyName: 'Bootstrap Microkernel',
    injectableName: 'Task.Linux.Bootstrap.Microkernel',
    implementsTask: 'Task.Base.Linux.Bootstrap',
    options: { kernelFile: 'vmlinuz', initrdFile: 'initrd', triggerGroup: 'bootstrap' },
    properties: { os: { linux: { distribution: 'debian' } } },
  });
  lib.register('task', {
    friendlyName: 'Catalog dmi',
    injectableName: 'Task.Catalog.dmi',
    implementsTask: 'Task.Base.Linux.Catalog',
    options: { commands: ['sudo dmidecode'] },
    properties: { catalog: { type: 'dmi' } },
  });
  lib.register('task', { friendlyName: 'Noop', injectableName: 'Task.noop', implementsTask: 'Task.Base.Noop', options: { delay: 0 } });
  lib.register('task', {
    friendlyName: 'Reboot',
    injectableName: 'Task.Obm.Node.Reboot',
    implementsTask: 'Task.Base.Obm.Node',
    options: { action: 'reboot', obmServiceName: null },
  });
  return lib;
}

const discovery: GraphDefinition = {
  friendlyName: 'Discovery',
  injectableName: 'Graph.Discovery',
  options: { defaults: { obmServiceName: 'ipmi-obm-service' }, 'bootstrap-ubuntu': { triggerGroup: 'discovery' } },
  tasks: [
    { label: 'reboot', taskName: 'Task.Obm.Node.Reboot' },
    { label: 'bootstrap-ubuntu', taskName: 'Task.Linux.Bootstrap.Microkernel', waitOn: { reboot: 'succeeded' } },
    { label: 'catalog-dmi', taskName: 'Task.Catalog.dmi', waitOn: { 'bootstrap-ubuntu': 'succeeded' } },
    {
      label: 'finish',
      taskDefinition: { friendlyName: 'Finish', injectableName: 'Task.Inline.Finish', implementsTask: 'Task.Base.Noop', options: {} },
      waitOn: { 'catalog-dmi': 'finished' },
      ignoreFailure: true,
    },
  ],
};

function graphWith(tasks: GraphTask[], options?: GraphDefinition['options']): GraphDefinition {
  return { friendlyName: 'Test', injectableName: 'Graph.Test', tasks, ...(options === undefined ? {} : { options }) };
}

/** The ValidationError thrown by `fn`, failing the test if it throws anything else or nothing. */
function rejection(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('definition library', () => {
  it('loads a RackHD-shaped discovery graph and finds every definition by name', () => {
    const lib = library();
    lib.register('graph', discovery);
    expect(lib.graph('Graph.Discovery')?.tasks).toHaveLength(4);
    expect(lib.task('Task.Catalog.dmi')?.implementsTask).toBe('Task.Base.Linux.Catalog');
    expect(lib.baseTask('Task.Base.Linux.Catalog')?.runJob).toBe('Job.Linux.Catalog');
    expect(lib.graph('Graph.Nope')).toBeUndefined();
  });

  it('rejects a malformed shape naming the field', () => {
    const lib = library();
    expect(rejection(() => lib.register('task', { friendlyName: 'x', injectableName: 'Task.x' })).message).toMatch(/implementsTask is required/);
    expect(rejection(() => lib.register('graph', { ...discovery, tasks: [{ label: 'a', taskName: 'Task.noop', waitOnn: {} }] })).message).toMatch(/tasks\.0\.waitOnn is not a known field/);
    expect(rejection(() => lib.register('graph', graphWith([{ label: 'a', taskName: 'Task.noop', waitOn: { b: 'done' } as never }]))).message).toMatch(/tasks\.0\.waitOn\.b/);
    expect(rejection(() => lib.register('baseTask', { injectableName: 'Task.Base.X' })).message).toMatch(/runJob is required/);
  });

  it('rejects a task whose base task is unknown', () => {
    const err = rejection(() => library().register('task', { friendlyName: 'x', injectableName: 'Task.x', implementsTask: 'Task.Base.Missing' }));
    expect(err.message).toMatch(/implementsTask names unknown base task "Task.Base.Missing"/);
    expect(err.errors[0]?.path).toBe('implementsTask');
  });

  it('rejects duplicate and reserved labels', () => {
    const lib = library();
    expect(rejection(() => validateGraph(graphWith([{ label: 'a', taskName: 'Task.noop' }, { label: 'a', taskName: 'Task.noop' }]), lib)).message).toMatch(
      /tasks\.1\.label "a" is a duplicate/,
    );
    expect(rejection(() => validateGraph(graphWith([{ label: 'anyOf', taskName: 'Task.noop' }]), lib)).message).toMatch(/tasks\.0\.label "anyOf" is reserved/);
  });

  it('rejects waitOn and option sections on unknown labels', () => {
    const lib = library();
    expect(rejection(() => validateGraph(graphWith([{ label: 'a', taskName: 'Task.noop', waitOn: { ghost: 'succeeded' } }]), lib)).message).toMatch(
      /tasks\.0\.waitOn\.ghost: no task is labelled "ghost"/,
    );
    expect(
      rejection(() => validateGraph(graphWith([{ label: 'a', taskName: 'Task.noop', waitOn: { anyOf: { ghost: 'failed' } } }]), lib)).message,
    ).toMatch(/tasks\.0\.waitOn\.anyOf\.ghost/);
    expect(rejection(() => validateGraph(graphWith([{ label: 'a', taskName: 'Task.noop' }], { typo: { x: 1 } }), lib)).message).toMatch(
      /options\.typo: no task is labelled "typo"/,
    );
  });

  it('rejects cycles, naming the labels in the cycle', () => {
    const g = graphWith([
      { label: 'start', taskName: 'Task.noop' },
      { label: 'a', taskName: 'Task.noop', waitOn: { start: 'succeeded', c: 'succeeded' } },
      { label: 'b', taskName: 'Task.noop', waitOn: { a: 'succeeded' } },
      { label: 'c', taskName: 'Task.noop', waitOn: { anyOf: { b: 'finished' } } },
    ]);
    expect(rejection(() => validateGraph(g, library())).message).toMatch(/waitOn forms a cycle (a -> c -> b -> a|b -> a -> c -> b|c -> b -> a -> c)/);
    expect(rejection(() => validateGraph(graphWith([{ label: 'self', taskName: 'Task.noop', waitOn: { self: 'failed' } }]), library())).message).toMatch(
      /cycle self -> self/,
    );
  });

  it('rejects entries without exactly one of taskName and taskDefinition', () => {
    const lib = library();
    expect(rejection(() => validateGraph(graphWith([{ label: 'a' }]), lib)).message).toMatch(/tasks\.0 \(a\) needs taskName or taskDefinition/);
    const inline = { friendlyName: 'i', injectableName: 'Task.i', implementsTask: 'Task.Base.Noop' };
    expect(rejection(() => validateGraph(graphWith([{ label: 'a', taskName: 'Task.noop', taskDefinition: inline }]), lib)).message).toMatch(
      /tasks\.0 \(a\) has both taskName and taskDefinition/,
    );
  });

  it('rejects unknown tasks and unknown base tasks', () => {
    const lib = library();
    expect(rejection(() => validateGraph(graphWith([{ label: 'a', taskName: 'Task.Missing' }]), lib)).message).toMatch(/tasks\.0\.taskName names unknown task "Task.Missing"/);
    const inline = { friendlyName: 'i', injectableName: 'Task.i', implementsTask: 'Task.Base.Missing' };
    expect(rejection(() => validateGraph(graphWith([{ label: 'a', taskDefinition: inline }]), lib)).message).toMatch(
      /tasks\.0\.taskDefinition\.implementsTask: Task.i implements unknown base task "Task.Base.Missing"/,
    );
  });

  it('rejects required options that nothing sets after merging', () => {
    const g = graphWith([{ label: 'reboot', taskName: 'Task.Obm.Node.Reboot' }]);
    const err = rejection(() => validateGraph(g, library()));
    expect(err.message).toMatch(/tasks\.0 \(reboot\): required option "obmServiceName" of Task.Base.Obm.Node/);
    expect(err.errors.map((e) => e.path)).toEqual(['options.reboot.obmServiceName']);
    // The same graph passes once a default or the label's section supplies it.
    expect(() => validateGraph(graphWith(g.tasks.slice(), { defaults: { obmServiceName: 'ipmi' } }), library())).not.toThrow();
    expect(() => validateGraph(graphWith(g.tasks.slice(), { reboot: { obmServiceName: 'ipmi' } }), library())).not.toThrow();
  });

  it('rejects required properties that neither the task nor anything it waits on provides', () => {
    const lib = library();
    const err = rejection(() => validateGraph(graphWith([{ label: 'catalog', taskName: 'Task.Catalog.dmi' }]), lib));
    expect(err.message).toMatch(/tasks\.0 \(catalog\): required property os\.linux\.type = "microkernel" of Task.Base.Linux.Catalog/);
    expect(err.errors[0]?.path).toBe('tasks.0.properties.os.linux.type');
    // Running in parallel with the bootstrap is not enough: it must be upstream.
    expect(() =>
      validateGraph(graphWith([{ label: 'bootstrap', taskName: 'Task.Linux.Bootstrap.Microkernel' }, { label: 'catalog', taskName: 'Task.Catalog.dmi' }]), lib),
    ).toThrow(/required property os\.linux\.type/);
    // A task that provides the property itself satisfies its own base task.
    const own = { friendlyName: 'c', injectableName: 'Task.c', implementsTask: 'Task.Base.Linux.Catalog', properties: { os: { linux: { type: 'microkernel' } } } };
    expect(() => validateGraph(graphWith([{ label: 'catalog', taskDefinition: { ...own, options: { commands: [] } } }]), lib)).not.toThrow();
    // The wrong value does not.
    const wrong = { ...own, options: { commands: [] }, properties: { os: { linux: { type: 'installed' } } } };
    expect(() => validateGraph(graphWith([{ label: 'catalog', taskDefinition: wrong }]), lib)).toThrow(/required property os\.linux\.type/);
  });

  it('lists every problem, not only the first', () => {
    const err = rejection(() => validateGraph(graphWith([{ label: 'a', taskName: 'Task.Missing', waitOn: { ghost: 'succeeded' } }, { label: 'a' }]), library()));
    expect(err.errors.length).toBeGreaterThanOrEqual(3);
    expect(err.code).toBe('VALIDATION_FAILED');
  });
});

describe('option merging', () => {
  it('applies task options < graph defaults < graph label section', () => {
    const lib = library();
    const g = graphWith(
      [
        { label: 'boot', taskName: 'Task.Linux.Bootstrap.Microkernel' },
        { label: 'other', taskName: 'Task.Linux.Bootstrap.Microkernel' },
      ],
      { defaults: { kernelFile: 'from-defaults', initrdFile: 'initrd-defaults', unrelated: 1 }, boot: { kernelFile: 'from-label', extra: true } },
    );
    expect(resolveTaskOptions(g, 'boot', lib)).toEqual({ kernelFile: 'from-label', initrdFile: 'initrd-defaults', triggerGroup: 'bootstrap', extra: true });
    // Defaults reach only declared options when the task has no options schema.
    expect(resolveTaskOptions(g, 'other', lib)).toEqual({ kernelFile: 'from-defaults', initrdFile: 'initrd-defaults', triggerGroup: 'bootstrap' });
  });

  it('gives every default to a task with an options schema', () => {
    const g = graphWith([{ label: 'reboot', taskName: 'Task.Obm.Node.Reboot' }], { defaults: { obmServiceName: 'ipmi', nodeId: 'n1' } });
    expect(resolveTaskOptions(g, 'reboot', library())).toEqual({ action: 'reboot', obmServiceName: 'ipmi', nodeId: 'n1' });
  });

  it('resolves the discovery graph and rejects an unknown label', () => {
    const lib = library();
    expect(resolveTaskOptions(discovery, 'bootstrap-ubuntu', lib)['triggerGroup']).toBe('discovery');
    expect(resolveTaskOptions(discovery, 'finish', lib)).toEqual({});
    expect(rejection(() => resolveTaskOptions(discovery, 'ghost', lib)).message).toMatch(/label "ghost" is not a task of this graph/);
  });
});

describe('anyOf waitOn', () => {
  it('accepts an anyOf dependency and splits it from the all-of entries', () => {
    const g = graphWith([
      { label: 'a', taskName: 'Task.noop' },
      { label: 'b', taskName: 'Task.noop' },
      { label: 'c', taskName: 'Task.noop' },
      { label: 'join', taskName: 'Task.noop', waitOn: { c: 'succeeded', anyOf: { a: 'succeeded', b: 'failed' } } },
    ]);
    const lib = library();
    lib.register('graph', g);
    const join = lib.graph('Graph.Test')?.tasks[3];
    expect(waitOnEntries(join?.waitOn)).toEqual({ all: [['c', 'succeeded']], anyOf: [['a', 'succeeded'], ['b', 'failed']] });
  });

  it('rejects an empty anyOf', () => {
    expect(rejection(() => library().register('graph', graphWith([{ label: 'a', taskName: 'Task.noop', waitOn: { anyOf: {} } }]))).message).toMatch(
      /tasks\.0\.waitOn\.anyOf/,
    );
  });
});
