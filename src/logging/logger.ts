/**
 * Structured JSON logging on pino. Every line carries the member id; lines about a managed node, a
 * workflow or a task carry nodeId / workflowId / taskId so one machine's story can be filtered out of
 * a cluster's logs. Secrets (BMC passwords, tokens, the credentials key, URLs with credentials) are
 * censored by field name at any depth, in logged objects and in child bindings. Redaction works on
 * fields only: never interpolate a secret into the message string. A line written inside a trace
 * (src/tracing) carries its traceId and spanId, so one request or one boot can be followed across members.
 */
import os from 'node:os';
import { pino } from 'pino';
import type { DestinationStream, Logger as PinoLogger } from 'pino';
import { ConfigError } from '../errors.ts';
import type { LogRecords } from './log-records.ts';
import { logTee } from './log-tee.ts';
import { traceLogFields } from '../tracing/trace-scope.ts';

export type Logger = PinoLogger;

export interface LoggerOptions {
  /** fatal, error, warn, info, debug, trace or silent. */
  readonly level: string;
  readonly memberId: string;
  /** Where lines go; stdout when omitted. Tests pass an in-memory stream. */
  readonly destination?: DestinationStream;
  /**
   * Also keep the records about nodes and workflows here, for the API (log-records.ts). They are taken
   * after redaction, from the line as written. The logger then runs at the lower of `level` and the
   * store's level; the destination still gets only lines at `level` and above.
   */
  readonly records?: LogRecords;
}

/** Where createLogger leaves the store on the root logger; children inherit it (pino children are Object.create(parent)). */
const recordsKey = Symbol('monorail.logRecords');

/** The records store the logger (or its root) was created with, if any. */
export function recordsOf(log: Logger): LogRecords | undefined {
  const found: unknown = (log as unknown as Record<symbol, unknown>)[recordsKey];
  return found === undefined ? undefined : (found as LogRecords);
}

/**
 * Field names whose values are secret wherever they appear, compared case-insensitively (Redfish clients
 * send `X-Auth-Token`, Node lower-cases it). The broker and database URLs are here because operators put
 * credentials in them. Names containing "password", "passphrase", "secret", "token" or "credential",
 * or ending in an api/private/ssh/encryption key, are secret too (`bmcPassword`, `sessionToken`,
 * `sshKey`); over-redacting a harmless field is the cheaper mistake.
 */
export const secretFieldNames: readonly string[] = Object.freeze([
  'password',
  'passwd',
  'secret',
  'secrets',
  'token',
  'apiKey',
  'privateKey',
  'credentials',
  'authorization',
  'cookie',
  'set-cookie',
  'x-auth-token',
  'community',
  'amqpUrl',
  'mongodbUrl',
]);

const secretNameSet = new Set(secretFieldNames.map((name) => name.toLowerCase()));
const secretNamePattern = /passw(or)?d|passphrase|secret|token|credential|(api|private|ssh|encryption)[-_]?key$/i;

export const REDACTED = '[redacted]';

/** Objects nested deeper than this are left alone: it bounds the cost of logging a pathological object. */
const MAX_DEPTH = 10;

/** Decisions per field name; names repeat on every line, so this saves the regex. Bounded against dynamic keys. */
const decisions = new Map<string, boolean>();
const MAX_DECISIONS = 10_000;

export function isSecretField(name: string): boolean {
  let secret = decisions.get(name);
  if (secret === undefined) {
    secret = secretNameSet.has(name.toLowerCase()) || secretNamePattern.test(name);
    if (decisions.size < MAX_DECISIONS) decisions.set(name, secret);
  }
  return secret;
}

/**
 * `value` with every secret field, at any depth up to MAX_DEPTH, replaced by '[redacted]'. Copy on
 * write: objects without secrets are returned as they are, and the caller's objects are never changed.
 * Only plain objects and arrays are entered (class instances such as Errors go to pino's serializers).
 * A reference back to an object still being censored becomes '[Circular]' (as pino would print it),
 * so a cycle cannot lead back to the uncensored original.
 */
export function redactSecrets<T>(value: T): T {
  return censor(value, 0, new Map()) as T;
}

/** Marks an object whose censoring is in progress, i.e. one reached again through a cycle. */
const inProgress = Symbol('in progress');

function censor(value: unknown, depth: number, done: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  const isArray = Array.isArray(value);
  if (!isArray) {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
  }
  // Shared references are censored once; cycles are cut.
  const earlier = done.get(value);
  if (earlier === inProgress) return '[Circular]';
  if (earlier !== undefined) return earlier;
  done.set(value, inProgress);
  let copy: Record<string, unknown> | unknown[] | undefined;
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const child = source[key];
    const next = !isArray && child !== undefined && isSecretField(key) ? REDACTED : censor(child, depth + 1, done);
    if (next !== child) {
      copy ??= isArray ? [...(value as unknown[])] : { ...source };
      (copy as Record<string, unknown>)[key] = next;
    }
  }
  const result = copy ?? value;
  done.set(value, result);
  return result;
}

/** pino's redaction has no "any depth" wildcard (`*.password` is exactly one level down): list depths 0 to this. */
const PATH_DEPTH = 4;

function pathAt(name: string, depth: number): string {
  const key = /^[A-Za-z_$][\w$]*$/.test(name) ? name : `["${name}"]`;
  const prefix = Array.from({ length: depth }, () => '*').join('.');
  if (depth === 0) return key;
  return key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`;
}

/**
 * The same rule in pino's `redact.paths` syntax (exact names, depths 0 to 4), for libraries that only
 * take paths, such as another pino instance or pino-http. createLogger does not use them: pino's
 * wildcard redaction with this many paths costs 70-170 µs per line, redactSecrets about a microsecond.
 */
export const redactedPaths: readonly string[] = Object.freeze(
  secretFieldNames.flatMap((name) => Array.from({ length: PATH_DEPTH + 1 }, (_, depth) => pathAt(name, depth))),
);

export function createLogger(options: LoggerOptions): Logger {
  // pino would throw a bare "unknown level" deep in a stack trace; say which setting is wrong instead.
  if (options.level !== 'silent' && !Object.hasOwn(pino.levels.values, options.level)) {
    throw new ConfigError([
      { path: 'log.level', expected: `one of ${[...Object.keys(pino.levels.values), 'silent'].map((l) => JSON.stringify(l)).join(', ')}`, actual: options.level },
    ]);
  }
  const records = options.records;
  const destinationLevel = options.level === 'silent' ? Infinity : (pino.levels.values[options.level] ?? Infinity);
  const level = records === undefined || records.levelValue >= destinationLevel ? options.level : records.options.level;
  const pinoOptions = {
    level,
    base: { memberId: options.memberId, pid: process.pid, hostname: os.hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Called only for lines that are written; fields the caller logs explicitly win over these.
    mixin: traceLogFields,
    formatters: {
      // Level names rather than numbers: log shippers and people filter on "error", not 50.
      level: (label: string) => ({ level: label }),
      // Secrets are censored here rather than with pino's `redact` option: see redactedPaths for why.
      log: (object: Record<string, unknown>) => redactSecrets(object),
      bindings: (bindings: Record<string, unknown>) => redactSecrets(bindings),
    },
  };
  // pino.destination() is what pino() writes to by default (stdout, asynchronous, flushed on exit).
  const destination = records === undefined ? options.destination : logTee(options.destination ?? pino.destination(), destinationLevel, records);
  const logger = destination === undefined ? pino(pinoOptions) : pino(pinoOptions, destination);
  censorChildBindings(logger);
  if (records !== undefined) Object.defineProperty(logger, recordsKey, { value: records, enumerable: false });
  return logger;
}

/**
 * pino runs `formatters.bindings` over the root's base bindings only; children get an identity
 * formatter, so `log.child({ password })` would print the password. A child is created as
 * Object.create(parent), so `child` and `setBindings` defined on the root are inherited by every
 * descendant: wrapping them here censors the bindings of all children at any depth.
 */
function censorChildBindings(root: Logger): void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- both are re-invoked with the caller's `this` below
  const { child, setBindings } = root;
  root.child = function censoredChild(this: Logger, bindings, childOptions) {
    return child.call(this, redactSecrets(bindings), childOptions);
  } as Logger['child'];
  root.setBindings = function censoredSetBindings(this: Logger, bindings) {
    setBindings.call(this, redactSecrets(bindings));
  };
}

/**
 * A child logger with the given ids bound. Ids the parent already carries with the same value are not
 * bound again (pino would print the key twice).
 */
function withIds(log: Logger, ids: Readonly<Record<string, string | undefined>>): Logger {
  const bound = log.bindings();
  const added: Record<string, string> = {};
  for (const [key, value] of Object.entries(ids)) {
    if (value !== undefined && bound[key] !== value) added[key] = value;
  }
  return Object.keys(added).length === 0 ? log : log.child(added);
}

export function forNode(log: Logger, nodeId: string): Logger {
  return withIds(log, { nodeId });
}

export function forWorkflow(log: Logger, workflowId: string, nodeId?: string): Logger {
  return withIds(log, { nodeId, workflowId });
}

export function forTask(log: Logger, taskId: string, workflowId?: string, nodeId?: string): Logger {
  return withIds(log, { nodeId, workflowId, taskId });
}
