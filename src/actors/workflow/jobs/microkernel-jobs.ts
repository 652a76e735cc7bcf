/**
 * Jobs that work through the microkernel agent (RackHD's microkernel protocol, rackhd.md §3.4): boot the
 * node into the microkernel, hand the agent commands and collect their results, turn results into catalogs,
 * and end the agent with an exit code.
 */
import { TaskError, ValidationError } from '../../../errors.ts';
import type { Job, JobContext } from '../job.ts';
import type { JobServices } from '../job-services.ts';
import type { AgentCommand, AgentCommands, AgentReport, AgentResult, TaskInput } from '../task-input.ts';
import { requireNode, stringOption } from './job-options.ts';

type Ctx = JobContext<JobServices>;

/** RackHD's command entry: a plain string, or an object naming the command and how its output is kept. */
interface CommandSpec {
  readonly command: string;
  readonly catalog?: { readonly source?: string; readonly format?: string };
  readonly acceptedResponseCodes?: readonly number[];
  readonly downloadUrl?: string;
  readonly timeout?: number;
  readonly retries?: number;
}

function commandsOf(ctx: Ctx, catalogAll: boolean): CommandSpec[] {
  const raw = ctx.options['commands'] ?? [];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((c: unknown, i): CommandSpec => {
    const field = `options.commands.${i}`;
    if (typeof c === 'string') return catalogAll ? { command: c, catalog: {} } : { command: c };
    if (typeof c === 'object' && c !== null && typeof (c as { command?: unknown }).command === 'string') {
      const spec = c as CommandSpec;
      return catalogAll && spec.catalog === undefined ? { ...spec, catalog: {} } : spec;
    }
    throw new ValidationError(`task ${ctx.label}: ${field} must be a command string or {command, ...}`, [{ path: field, message: 'must be a string or {command}' }]);
  });
}

function toAgent(spec: CommandSpec): AgentCommand {
  return {
    cmd: spec.command,
    ...(spec.catalog === undefined ? {} : { catalog: spec.catalog }),
    ...(spec.catalog?.source === undefined ? {} : { source: spec.catalog.source }),
    ...(spec.catalog?.format === undefined ? {} : { format: spec.catalog.format }),
    ...(spec.acceptedResponseCodes === undefined ? {} : { acceptedResponseCodes: spec.acceptedResponseCodes }),
    ...(spec.downloadUrl === undefined ? {} : { downloadUrl: spec.downloadUrl }),
    ...(spec.timeout === undefined ? {} : { timeout: spec.timeout }),
    ...(spec.retries === undefined ? {} : { retries: spec.retries }),
  };
}

/** A result counts as failed when the agent reports an error whose exit code the command did not accept. */
function failedResult(result: AgentResult, spec: CommandSpec): string | undefined {
  const error = result.error;
  if (error === undefined || error === null) return undefined;
  const code = typeof error.code === 'number' || typeof error.code === 'string' ? error.code : undefined;
  if (typeof code === 'number' && (spec.acceptedResponseCodes ?? []).includes(code)) return undefined;
  return `${spec.command} failed${code === undefined ? '' : ` with exit code ${code}`}${typeof error.message === 'string' ? `: ${error.message.slice(0, 500)}` : ''}`;
}

const isResults = (nodeId: string, commands: readonly CommandSpec[]) =>
  (input: TaskInput): input is Extract<TaskInput, { type: 'microkernel.results' }> =>
    input.type === 'microkernel.results' &&
    input.nodeId === nodeId &&
    // A report from an earlier task (or from before a restart) is not ours unless it answers our commands.
    commands.every((c) => input.report.tasks.some((r) => r.cmd === c.command));

const isStarted = (nodeId: string) => (input: TaskInput): input is Extract<TaskInput, { type: 'microkernel.started' }> =>
  input.type === 'microkernel.started' && input.nodeId === nodeId;

const isPoll = (nodeId: string) => (input: TaskInput): input is Extract<TaskInput, { type: 'microkernel.polled' }> =>
  input.type === 'microkernel.polled' && input.nodeId === nodeId;

async function storeCatalog(ctx: Ctx, nodeId: string, spec: CommandSpec, stdout: string): Promise<string> {
  const format = spec.catalog?.format;
  let parsed: { source: string; data: unknown };
  if (format === 'json' || format === 'raw') {
    const source = spec.catalog?.source;
    if (source === undefined) throw new ValidationError(`task ${ctx.label}: ${spec.command} needs catalog.source with format ${format}`, [{ path: 'options.commands', message: 'catalog.source required' }]);
    let data: unknown = stdout;
    if (format === 'json') {
      try {
        data = JSON.parse(stdout) as unknown;
      } catch {
        throw new TaskError('TASK_FAILED', `${spec.command}: output is not JSON`);
      }
    }
    parsed = { source, data };
  } else {
    const p = ctx.services.parseCatalog(spec.command, stdout);
    parsed = { source: spec.catalog?.source ?? p.source, data: p.data };
  }
  await ctx.services.catalogs.insert({ id: ctx.services.newId(), node: nodeId, source: parsed.source, data: parsed.data, createdAt: new Date(ctx.services.now()).toISOString() });
  return parsed.source;
}

/**
 * Hands the agent the task's commands once, waits for its report, stores catalogs for commands that have a
 * catalog, and fails when a command failed. `exit` ends the agent after these commands. When `repeatable`
 * (catalog commands: reading inventory twice is harmless) and a new agent starts before the report came (the
 * machine rebooted, or its member died and it booted from another), the commands are offered again; the old
 * agent's report can no longer come. RackHD handed them out once and waited for the task's timeout.
 */
async function runCommands(ctx: Ctx, catalogAll: boolean, commands: readonly CommandSpec[] = commandsOf(ctx, catalogAll), repeatable = catalogAll): Promise<void> {
  const nodeId = requireNode(ctx);
  const exitOpt = ctx.options['exit'];
  const exit = typeof exitOpt === 'number' ? exitOpt : undefined;
  let handedOut = false;
  const reply: AgentCommands = { identifier: nodeId, tasks: commands.map(toAgent), ...(exit === undefined ? {} : { exit }) };
  const withdraw = ctx.offerCommands(() => {
    // RackHD's runOnlyOnce: the agent gets the commands once; later polls wait for the next task.
    if (handedOut) return undefined;
    handedOut = true;
    ctx.log.debug({ commands: commands.length }, 'commands handed to the agent');
    return reply;
  });
  try {
    if (commands.length === 0) {
      // Nothing to run and nothing will be reported: done once the agent has taken its exit code.
      while (!handedOut) await ctx.next(isPoll(nodeId));
      // The agent is ending and the machine will reboot: it must boot its disk now, not the microkernel again.
      if (ctx.options['releaseBoot'] === true) {
        await ctx.services.nodes.ask(nodeId, { type: 'node.setWorkflowBoot', workflowId: ctx.claimId, boot: null });
      }
      return;
    }
    const results = isResults(nodeId, commands);
    const started = isStarted(nodeId);
    let report: AgentReport | undefined;
    while (report === undefined) {
      const input = await ctx.next((i: TaskInput): i is Extract<TaskInput, { type: 'microkernel.results' | 'microkernel.started' }> => results(i) || (repeatable && started(i)));
      if (input.type === 'microkernel.results') report = input.report;
      else if (handedOut) {
        handedOut = false;
        ctx.log.info({ commands: commands.length }, 'a new agent started before the report came: commands offered again');
      }
    }
    const failures: string[] = [];
    const stored: string[] = [];
    for (const spec of commands) {
      const result = report.tasks.find((r) => r.cmd === spec.command);
      if (result === undefined) continue;
      const failure = failedResult(result, spec);
      if (failure !== undefined) {
        failures.push(failure);
        continue;
      }
      if (spec.catalog !== undefined) stored.push(await storeCatalog(ctx, nodeId, spec, result.stdout ?? ''));
    }
    if (stored.length > 0) ctx.progress(`catalogued ${stored.join(', ')}`);
    if (failures.length > 0) throw new TaskError('TASK_FAILED', failures.join('; '), { failures });
  } finally {
    withdraw();
  }
}

/** RackHD's `Job.Linux.Commands`: arbitrary commands; running them twice may not be safe. */
export const linuxCommandsJob: Job<JobServices> = {
  name: 'Job.Linux.Commands',
  onResume: 'fail',
  run: (ctx) => runCommands(ctx, false),
};

/**
 * Ends the agent with the task's `exit` code (RackHD's Task.ProcShellReboot) and, with `releaseBoot`, hands
 * the node's boot back so the reboot boots its disk. Unlike arbitrary commands this is safe to run again when
 * its member died mid-task: if the boot was not released yet, the machine either still runs its agent or
 * reboots into the microkernel again (the boot still says so), and either way an agent polls and takes the exit
 * code; if the boot was released, the machine is booting its disk, no agent will poll again, and the task
 * had done its work.
 */
export const linuxExitJob: Job<JobServices> = {
  name: 'Job.Linux.Exit',
  onResume: 'rerun',
  async run(ctx) {
    const nodeId = requireNode(ctx);
    if (ctx.resumed && ctx.options['releaseBoot'] === true) {
      const active = (await ctx.services.nodes.ask(nodeId, { type: 'node.get' })).activeWorkflow;
      if (active?.id === ctx.claimId && active.boot === undefined) {
        ctx.progress('the boot was released before the restart: the agent had its exit code');
        return;
      }
    }
    await runCommands(ctx, false, []);
  },
};

/** RackHD's `Job.Linux.Catalog`: inventory commands, each parsed into a catalog; harmless to repeat. */
export const linuxCatalogJob: Job<JobServices> = {
  name: 'Job.Linux.Catalog',
  onResume: 'rerun',
  run: (ctx) => runCommands(ctx, true),
};

/**
 * Boots the node into the microkernel (the task's `profile`, RackHD's requestProfile) and succeeds once the
 * agent asks for work, which proves the microkernel is up. The boot choice stays with the workflow until it
 * ends, so a reboot mid-discovery boots the microkernel again.
 */
export const bootstrapJob: Job<JobServices> = {
  name: 'Job.Linux.Bootstrap',
  onResume: 'rerun',
  async run(ctx) {
    const nodeId = requireNode(ctx);
    const profile = stringOption(ctx, 'profile', 'microkernel.ipxe') ?? 'microkernel.ipxe';
    const { profile: _p, commands: _c, ...profileOptions } = ctx.options;
    await ctx.services.nodes.ask(nodeId, { type: 'node.setWorkflowBoot', workflowId: ctx.claimId, boot: { profile, options: profileOptions } });
    ctx.progress(`waiting for the microkernel (${profile})`);
    await ctx.next(isPoll(nodeId));
    ctx.progress('microkernel agent is up');
  },
};
