/**
 * Applies MongoDB update operators to a document with mingo's updater, after the checks the MongoDB
 * server makes and mingo does not. mingo silently skips `$inc` on a string or `$push` onto a number;
 * the server rejects both, and a read model must not quietly diverge between adapters. The id is the
 * document's key (MongoDB's immutable `_id`), so no operator may touch it.
 */
import { update } from 'mingo';
import type { AnyObject } from 'mingo/types';
import { ValidationError } from '../../errors.ts';
import type { UpdateOperators } from '../document-store.ts';

const supportedOperators: ReadonlySet<string> = new Set(['$set', '$unset', '$inc', '$push', '$addToSet', '$pull']);

/** Mutates `doc` by `ops`. Throws `ValidationError` for an update the MongoDB server would refuse. */
export function applyUpdate(doc: AnyObject, ops: UpdateOperators, where: string): void {
  const operators = Object.entries(ops).filter(([, fields]) => fields !== undefined);
  if (operators.length === 0) throw new ValidationError(`${where}: the update has no operators`);
  for (const [operator, fields] of operators) {
    if (!supportedOperators.has(operator)) throw new ValidationError(`${where}: unsupported update operator ${operator}`);
    if (typeof fields !== 'object' || fields === null) throw new ValidationError(`${where}: ${operator} needs an object of paths`);
    for (const [path, argument] of Object.entries(fields as Readonly<Record<string, unknown>>)) {
      if (path === 'id' || path.startsWith('id.')) throw new ValidationError(`${where}: ${operator} would modify the immutable id`);
      checkTarget(operator, path, argument, resolvePlainPath(doc, path), where);
    }
  }
  // UpdateOperators is the contract's subset of mingo's Modifier; mingo types paths against the document
  // shape, which a generic store cannot know, hence the widening to its untyped form.
  update(doc, ops as Parameters<typeof update<AnyObject>>[1]);
}

function checkTarget(operator: string, path: string, argument: unknown, current: unknown, where: string): void {
  const refuse = (problem: string): never => {
    throw new ValidationError(`${where}: cannot apply ${operator} to ${path}: ${problem}`);
  };
  switch (operator) {
    case '$inc':
      if (typeof argument !== 'number' || !Number.isFinite(argument)) refuse('the increment is not a number');
      if (current !== undefined && typeof current !== 'number') refuse(`it holds a non-numeric ${describeType(current)}`);
      break;
    case '$push':
    case '$addToSet':
    case '$pull':
      if (current !== undefined && !Array.isArray(current)) refuse(`it holds a non-array ${describeType(current)}`);
      break;
    default:
      break;
  }
}

/**
 * The value at a dotted path when the path runs through objects (and numeric positions of arrays) only,
 * otherwise undefined: the checks above only concern paths whose target is unambiguous.
 */
function resolvePlainPath(doc: unknown, path: string): unknown {
  let value: unknown = doc;
  for (const segment of path.split('.')) {
    if (Array.isArray(value) && /^\d+$/.test(segment)) value = value[Number(segment)];
    else if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, segment)) value = (value as AnyObject)[segment];
    else return undefined;
  }
  return value;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
