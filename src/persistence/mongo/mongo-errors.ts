/**
 * Recognising MongoDB server errors and translating them into the port's errors. Pure functions over the
 * error objects, duck-typed on their fields (`code`, `writeErrors`, `keyPattern`, ...) rather than
 * `instanceof`, so they also work on errors from a second copy of the driver and can be tested without a
 * server.
 *
 * Error codes are the server's (https://www.mongodb.com/docs/manual/reference/error-codes/).
 */
import { DuplicateKeyError, ValidationError } from '../../errors.ts';

/**
 * DuplicateKey is 11000. Servers before 2.6 used 11001 for the same condition on updates; accepting it
 * costs nothing.
 */
const duplicateKeyCodes: ReadonlySet<number> = new Set([11000, 11001]);

/**
 * Codes with which the server refuses a write that the port's caller got wrong (rather than a failure
 * of the server): BadValue (e.g. `$push` onto a non-array), FailedToParse, TypeMismatch (`$inc` on a
 * string), PathNotViable, ConflictingUpdateOperators, DollarPrefixedFieldName, EmptyFieldName,
 * DottedFieldName, ImmutableField (`_id`).
 */
const invalidUpdateCodes: ReadonlySet<number> = new Set([2, 9, 14, 28, 40, 52, 56, 57, 66]);

export function isDuplicateKeyError(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && duplicateKeyCodes.has(code);
}

/**
 * Translates a duplicate-key error of a single-document write (insertOne, replaceOne, findOneAndUpdate)
 * into the port's `DuplicateKeyError`, or undefined when `error` is something else.
 *
 * The driver copies the server's write error onto `MongoServerError` (lib/operations/insert.js:
 * `throw new MongoServerError(res.writeErrors[0])`), so since MongoDB 4.4 it carries `keyPattern`
 * (e.g. `{ macAddress: 1 }`) and `keyValue` (e.g. `{ macAddress: 'aa:bb:...' }`). Older servers only
 * name the index and key in the message (`... index: name_1 dup key: { : "rack" }`), parsed as a fallback.
 * The primary key `_id` is reported as the port's `id`.
 */
export function toDuplicateKeyError(collection: string, error: unknown): DuplicateKeyError | undefined {
  if (!isRecord(error) || !isDuplicateKeyError(error)) return undefined;
  const { field, value } = fromKeyPattern(error) ?? fromErrorMessage(error) ?? { field: 'unknown', value: undefined };
  return new DuplicateKeyError(collection, field === '_id' ? 'id' : field, value);
}

/** Which record of a batch insert hit a duplicate key, as precisely as the error tells. */
export interface DuplicateKeyLocation {
  /** The record's position in the submitted batch, when the server reported per-operation write errors. */
  readonly index?: number;
  /** The colliding key, e.g. `{ persistenceKey, sequenceNumber }`, when the whole command failed instead. */
  readonly keyValue?: Readonly<Record<string, unknown>>;
}

/**
 * Locates the duplicate key of a failed insertOne/insertMany, or answers undefined when `error` is not a
 * duplicate-key error. The driver reports it in one of two shapes:
 * - `insertMany` outside a transaction: the server answers ok with per-operation write errors, and
 *   `MongoBulkWriteError.writeErrors` (one `WriteError` or a list) carries each failing operation's
 *   `index` in the original batch (lib/bulk/common.js, mergeBatchResults).
 * - `insertOne`, or `insertMany` inside a transaction (where the server fails the whole command rather
 *   than reporting per-operation errors): the code, `keyPattern` and `keyValue` sit on the error itself
 *   and `writeErrors` is empty, since the driver's bulk path wraps the command error without an index.
 *   The location is then the key (servers since 4.4), or nothing more precise than "a duplicate".
 */
export function locateDuplicateKey(error: unknown): DuplicateKeyLocation | undefined {
  if (!isRecord(error)) return undefined;
  const writeErrors = error['writeErrors'];
  const list: readonly unknown[] = Array.isArray(writeErrors) ? writeErrors : writeErrors === undefined ? [] : [writeErrors];
  for (const writeError of list) {
    const index = isRecord(writeError) ? writeError['index'] : undefined;
    if (isDuplicateKeyError(writeError) && typeof index === 'number') return { index };
  }
  if (list.length > 0 || !isDuplicateKeyError(error)) return undefined;
  const keyValue = error['keyValue'];
  return isRecord(keyValue) ? { keyValue } : {};
}

/**
 * The server's refusal of an invalid write (mostly updates: `$inc` on a string, `$push` onto a non-array)
 * as the port's `ValidationError` (HTTP 400 rather than 500), or undefined for any other error. The
 * embedded adapter raises the same error for the same updates.
 */
export function toUpdateValidationError(where: string, error: unknown): ValidationError | undefined {
  const code = codeOf(error);
  if (code === undefined || !invalidUpdateCodes.has(code)) return undefined;
  return new ValidationError(`${where}: ${messageOf(error)}`);
}

function codeOf(error: unknown): number | undefined {
  // A property read, not an own-key check: WriteError exposes `code` and `index` as prototype getters.
  const code = isRecord(error) ? error['code'] : undefined;
  return typeof code === 'number' ? code : undefined;
}

function messageOf(error: unknown): string {
  if (!isRecord(error)) return String(error);
  const { errmsg, message } = error;
  if (typeof errmsg === 'string') return errmsg;
  return typeof message === 'string' ? message : 'the server refused the update';
}

function fromKeyPattern(error: Readonly<Record<string, unknown>>): { field: string; value: unknown } | undefined {
  const { keyPattern, keyValue } = error;
  if (!isRecord(keyPattern)) return undefined;
  // Every index this adapter creates has one field, so the pattern's first (only) key is the field.
  const field = Object.keys(keyPattern)[0];
  if (field === undefined) return undefined;
  return { field, value: isRecord(keyValue) ? keyValue[field] : undefined };
}

const legacyMessage = /index: (\S+) dup key: \{ ?[^:]*: (.*?) ?\}$/;

function fromErrorMessage(error: unknown): { field: string; value: unknown } | undefined {
  const match = legacyMessage.exec(messageOf(error));
  const indexName = match?.[1];
  if (indexName === undefined) return undefined;
  // Index names are `<field>_<direction>` (ours are `<field>_1`); the primary key's is `_id_`.
  const field = indexName === '_id_' ? '_id' : indexName.replace(/_-?1$/, '');
  return { field, value: parseLegacyValue(match?.[2] ?? '') };
}

/** The message prints the key roughly as JSON: strings quoted, numbers bare. Anything else stays text. */
function parseLegacyValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
