/**
 * Both stores keep JSON only (the embedded one as text, MongoDB as BSON of JSON values). Serialising is where non-JSON values (undefined,
 * functions, BigInt, cycles) are caught, so they fail the write that carries them with a
 * `ValidationError` instead of being silently dropped or stored as something that reads back differently.
 */
import { ValidationError } from '../errors.ts';

export function toJsonText(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    // Answers undefined (not a string) for undefined, functions and symbols; throws on BigInt and cycles.
    text = JSON.stringify(value);
  } catch (error) {
    throw new ValidationError(`${what} is not JSON-serialisable: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (text === undefined) throw new ValidationError(`${what} is not JSON-serialisable`);
  return text;
}
