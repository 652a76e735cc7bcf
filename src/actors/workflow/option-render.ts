/**
 * Renders a task's options the way RackHD's task.js does before a job runs: every string may hold
 * `{{ options.x }}`, `{{ context.x }}`, `{{ task.nodeId }}`, `{{ api.server }}`, `{{ file.server }}`,
 * `{{ sku.x }}`. A string that is exactly one expression takes the value itself (so a number or a list stays
 * one); otherwise values are spliced in as text. An expression that names nothing is an error naming the
 * option, because silently rendering "" into, say, a kernel URL produces a machine that cannot boot and no
 * clue why.
 */
import { ValidationError } from '../../errors.ts';
import type { Options } from './definition-types.ts';

export interface RenderScope {
  readonly options: Options;
  readonly context: Options;
  readonly task: Options;
  readonly api: Options;
  readonly file: Options;
  readonly sku: Options;
}

const expression = /\{\{\s*([A-Za-z_$][\w$-]*(?:\.[\w$-]+)*)\s*\}\}/g;
const whole = /^\{\{\s*([A-Za-z_$][\w$-]*(?:\.[\w$-]+)*)\s*\}\}$/;
/** Options may refer to options that refer to options; more than this is a loop. */
const maxDepth = 8;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function lookup(scope: RenderScope, path: string): { found: boolean; value?: unknown } {
  const [root, ...rest] = path.split('.');
  if (root === undefined || !(root in scope)) return { found: false };
  let cur: unknown = scope[root as keyof RenderScope];
  for (const segment of rest) {
    if (Array.isArray(cur) && /^\d+$/.test(segment)) cur = cur[Number(segment)];
    else if (isRecord(cur) && Object.hasOwn(cur, segment)) cur = cur[segment];
    else return { found: false };
  }
  return cur === undefined ? { found: false } : { found: true, value: cur };
}

function renderValue(value: unknown, scope: RenderScope, field: string, depth: number): unknown {
  if (typeof value === 'string') return renderString(value, scope, field, depth);
  if (Array.isArray(value)) return value.map((v, i) => renderValue(v, scope, `${field}.${i}`, depth));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderValue(v, scope, `${field}.${k}`, depth);
    return out;
  }
  return value;
}

function resolve(path: string, scope: RenderScope, field: string, depth: number): unknown {
  if (depth >= maxDepth) {
    throw new ValidationError(`option ${field}: {{ ${path} }} refers back to itself`, [{ path: field, message: 'template refers back to itself' }]);
  }
  const { found, value } = lookup(scope, path);
  if (!found) {
    throw new ValidationError(`option ${field}: {{ ${path} }} has no value`, [{ path: field, message: `{{ ${path} }} has no value` }]);
  }
  // An option naming another option is rendered in turn (RackHD renders until no template is left).
  return path.startsWith('options.') ? renderValue(value, scope, field, depth + 1) : value;
}

function renderString(text: string, scope: RenderScope, field: string, depth: number): unknown {
  const only = whole.exec(text);
  if (only?.[1] !== undefined) return resolve(only[1], scope, field, depth);
  return text.replace(expression, (_m, path: string) => {
    const v = resolve(path, scope, field, depth);
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

/** The options with every template resolved; throws a `ValidationError` naming the first option that cannot be. */
export function renderOptions(options: Options, scope: Omit<RenderScope, 'options'>): Record<string, unknown> {
  const full: RenderScope = { ...scope, options };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) out[k] = renderValue(v, full, k, 0);
  return out;
}
