/**
 * Guards every catalog parser applies to a tool's raw output before reading it: text only, not empty,
 * bounded in size, and errors that name the tool and what was wrong. Tool output comes from the machine
 * being discovered, so it is untrusted input: keys taken from it are written as own properties (a key
 * named `__proto__` must not reach an object's prototype).
 */
import { ValidationError } from '../../../errors.ts';

/**
 * Largest output a parser reads. RackHD's agent buffers 5 MB per command; a full `lshw -json` of a large
 * server is about 1 MB. Anything bigger is a runaway tool, and refusing it keeps the parse work bounded.
 */
export const MAX_TOOL_OUTPUT_CHARS = 8 * 1024 * 1024;

/** A ValidationError whose message starts with the tool, whose one entry points at where it went wrong. */
export function toolError(tool: string, message: string, path: string = tool): ValidationError {
  return new ValidationError(`${tool}: ${message}`, [{ path, message }]);
}

/** The output as text once it is known to be non-empty, not binary and not oversized. */
export function checkedText(tool: string, stdout: unknown): string {
  if (typeof stdout !== 'string') throw toolError(tool, `output must be text, got ${typeof stdout}`);
  if (stdout.length > MAX_TOOL_OUTPUT_CHARS) {
    throw toolError(tool, `output is ${stdout.length} characters, more than the ${MAX_TOOL_OUTPUT_CHARS} accepted`);
  }
  if (stdout.trim() === '') throw toolError(tool, 'output is empty');
  if (stdout.includes('\u0000')) throw toolError(tool, 'output contains NUL characters: binary data, not tool output');
  return stdout;
}

/** JSON.parse behind the same guards; a syntax error usually means the output was cut short. */
export function parseJsonText(tool: string, stdout: unknown): unknown {
  const text = checkedText(tool, stdout);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw toolError(tool, `output is not valid JSON (truncated or not JSON output): ${reason}`);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Writes `key` as an own, enumerable property whatever its name (plain assignment of `__proto__` would not). */
export function setField<T>(target: Record<string, T>, key: string, value: NoInfer<T>): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The own property `key` of `target`, never one inherited from Object.prototype. */
export function ownField<T>(target: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(target, key) ? target[key] : undefined;
}

/** A short, single-line quote of untrusted text for an error message. */
export function excerpt(text: string, max = 60): string {
  const line = text.replace(/[\r\n\t]+/g, ' ');
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
