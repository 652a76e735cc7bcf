/**
 * Reading a job's rendered options with errors that name the task and the option, so a bad graph fails
 * with "task reboot: option action must be one of …" rather than a TypeError deep inside a job.
 */
import { ValidationError } from '../../../errors.ts';
import type { JobContext } from '../job.ts';
import type { JobServices } from '../job-services.ts';

const bad = (ctx: JobContext, name: string, expected: string): ValidationError =>
  new ValidationError(`task ${ctx.label}: option ${name} must be ${expected}`, [{ path: `options.${name}`, message: `must be ${expected}` }]);

export function stringOption(ctx: JobContext, name: string): string;
export function stringOption(ctx: JobContext, name: string, fallback: string | undefined): string | undefined;
export function stringOption(ctx: JobContext, name: string, ...fallback: [] | [string | undefined]): string | undefined {
  const v = ctx.options[name];
  if (v === undefined || v === null) {
    if (fallback.length > 0) return fallback[0];
    throw bad(ctx, name, 'set');
  }
  if (typeof v !== 'string') throw bad(ctx, name, 'a string');
  return v;
}

export function numberOption(ctx: JobContext, name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
  const v = ctx.options[name];
  if (v === undefined || v === null) return fallback;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw bad(ctx, name, 'a number');
  if ((range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)) {
    throw bad(ctx, name, `between ${range.min ?? '-∞'} and ${range.max ?? '∞'}`);
  }
  return n;
}

export function oneOf<T extends string>(ctx: JobContext, name: string, allowed: readonly T[], fallback?: T): T {
  const v = ctx.options[name] ?? fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw bad(ctx, name, `one of ${allowed.join(', ')}`);
  return v as T;
}

export function recordOption(ctx: JobContext, name: string): Readonly<Record<string, unknown>> {
  const v = ctx.options[name];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw bad(ctx, name, 'an object');
  return v as Record<string, unknown>;
}

export function requireNode(ctx: JobContext): string {
  if (ctx.nodeId === undefined) {
    throw new ValidationError(`task ${ctx.label}: ${ctx.injectableName} needs a node (run the graph against one)`, [{ path: 'nodeId', message: 'required' }]);
  }
  return ctx.nodeId;
}

/** Resolves after `ms`, or rejects with the abort reason when the task is cancelled first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Publishes one of RackHD's `node.*` events (`node.sku.assigned`, `node.obms.assigned`, …) about the task's node. */
export function publishNodeEvent(ctx: JobContext<JobServices>, nodeId: string, action: string, data: Readonly<Record<string, unknown>>): void {
  ctx.services.events.publish({
    version: '1.0',
    type: 'node',
    action,
    severity: 'information',
    typeId: nodeId,
    nodeId,
    createdAt: new Date(ctx.services.now()).toISOString(),
    data,
  });
}
