/**
 * The one error catalogue. Every error Monorail raises on purpose has a stable `code` that callers
 * match on, an HTTP status for the API layer, and a `retryable` flag for transports. `toJSON` gives the
 * wire form that crosses AMQP and HTTP; `fromJSON` rebuilds the typed error on the other side.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'ASK_TIMEOUT'
  | 'ENTITY_UNAVAILABLE'
  | 'DUPLICATE_DELIVERY'
  | 'ENTITY_RECOVERY_FAILED'
  | 'ENTITY_HANDLER_FAILED'
  | 'PERSIST_FAILED'
  | 'JOURNAL_CONFLICT'
  | 'JOURNAL_CORRUPT'
  | 'DUPLICATE_KEY'
  | 'NOT_FOUND'
  | 'INVALID_TRANSITION'
  | 'VALIDATION_FAILED'
  | 'SYSTEM_STOPPED'
  | 'TEMPLATE_FAILED'
  | 'WORKFLOW_CONFLICT'
  | 'WORKFLOW_NOT_ACTIVE'
  | 'TASK_FAILED'
  | 'TASK_TIMEOUT'
  | 'TASK_CANCELLED'
  | 'OBM_FAILED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'TOO_MANY_REQUESTS'
  | 'PRECONDITION_FAILED';

const httpStatusOf: Record<ErrorCode, number> = {
  CONFIG_INVALID: 500,
  ASK_TIMEOUT: 503,
  ENTITY_UNAVAILABLE: 503,
  // A redelivered request whose effect is already durable: its reply was lost with the member that handled it.
  DUPLICATE_DELIVERY: 409,
  ENTITY_RECOVERY_FAILED: 500,
  ENTITY_HANDLER_FAILED: 500,
  PERSIST_FAILED: 503,
  JOURNAL_CONFLICT: 409,
  JOURNAL_CORRUPT: 500,
  DUPLICATE_KEY: 409,
  NOT_FOUND: 404,
  INVALID_TRANSITION: 409,
  VALIDATION_FAILED: 400,
  SYSTEM_STOPPED: 503,
  TEMPLATE_FAILED: 500,
  // RackHD answers 400 when a node already runs a graph (on-http workflows API); kept for compatibility.
  WORKFLOW_CONFLICT: 400,
  WORKFLOW_NOT_ACTIVE: 400,
  TASK_FAILED: 500,
  TASK_TIMEOUT: 504,
  TASK_CANCELLED: 409,
  OBM_FAILED: 502,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  // RFC 9110 §15.5.13: an If-Match that names another version (Redfish ETags on accounts).
  PRECONDITION_FAILED: 412,
};

const retryableCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'ASK_TIMEOUT',
  'ENTITY_UNAVAILABLE',
  'DUPLICATE_DELIVERY',
  'PERSIST_FAILED',
  'JOURNAL_CONFLICT',
]);

export interface ErrorWire {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export class MonorailError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }

  get httpStatus(): number {
    return httpStatusOf[this.code];
  }

  get retryable(): boolean {
    return retryableCodes.has(this.code);
  }

  toJSON(): ErrorWire {
    return { code: this.code, message: this.message, details: this.details };
  }

  static fromJSON(wire: ErrorWire): MonorailError {
    return new MonorailError(wire.code, wire.message, { ...wire.details });
  }
}

export class ConfigError extends MonorailError {
  constructor(readonly problems: readonly { path: string; expected: string; actual: unknown }[]) {
    super(
      'CONFIG_INVALID',
      `invalid configuration: ${problems.map((p) => `${p.path}: expected ${p.expected}, got ${JSON.stringify(p.actual)}`).join('; ')}`,
      { problems },
    );
  }
}

export class AskTimeoutError extends MonorailError {
  constructor(target: string, messageType: string, timeoutMs: number) {
    super('ASK_TIMEOUT', `${target} did not answer ${messageType} within ${timeoutMs} ms`, { target, messageType, timeoutMs });
  }
}

export class EntityUnavailableError extends MonorailError {
  constructor(target: string, reason: string) {
    super('ENTITY_UNAVAILABLE', `${target} is unavailable: ${reason}`, { target, reason });
  }
}

export class DuplicateDeliveryError extends MonorailError {
  constructor(target: string, messageType: string, messageId: string) {
    super('DUPLICATE_DELIVERY', `${target}: ${messageType} (message ${messageId}) was already applied; ask again for the current state`, { target, messageType, messageId });
  }
}

export class EntityRecoveryError extends MonorailError {
  constructor(target: string, cause: unknown) {
    super('ENTITY_RECOVERY_FAILED', `${target} could not be recovered from its journal: ${describe(cause)}`, { target }, { cause });
  }
}

export class EntityHandlerError extends MonorailError {
  constructor(target: string, messageType: string, cause: unknown) {
    super('ENTITY_HANDLER_FAILED', `${target} failed while handling ${messageType}: ${describe(cause)}`, { target, messageType }, { cause });
  }
}

export class PersistFailedError extends MonorailError {
  constructor(target: string, messageType: string, cause: unknown) {
    super('PERSIST_FAILED', `${target} could not persist the events of ${messageType}: ${describe(cause)}`, { target, messageType }, { cause });
  }
}

export class JournalConflictError extends MonorailError {
  constructor(readonly persistenceKey: string, readonly sequenceNumber: number) {
    super(
      'JOURNAL_CONFLICT',
      `journal conflict on ${persistenceKey}: sequence number ${sequenceNumber} was already written by another writer`,
      { persistenceKey, sequenceNumber },
    );
  }
}

export class JournalCorruptError extends MonorailError {
  constructor(readonly persistenceKey: string, readonly sequenceNumber: number, problem: string) {
    super('JOURNAL_CORRUPT', `journal record ${persistenceKey}#${sequenceNumber} is unreadable: ${problem}`, { persistenceKey, sequenceNumber });
  }
}

export class DuplicateKeyError extends MonorailError {
  constructor(readonly collection: string, readonly field: string, readonly value: unknown) {
    super('DUPLICATE_KEY', `${collection}: another document already has ${field} = ${JSON.stringify(value)}`, { collection, field, value });
  }
}

export class NotFoundError extends MonorailError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} ${id} not found`, { what, id });
  }
}

export class ValidationError extends MonorailError {
  constructor(message: string, readonly errors: readonly { path: string; message: string }[] = []) {
    super('VALIDATION_FAILED', message, { errors });
  }
}

export class InvalidTransitionError extends MonorailError {
  constructor(readonly entity: string, readonly state: string, readonly event: string) {
    super('INVALID_TRANSITION', `${entity}: "${event}" is not allowed in state "${state}"`, { entity, state, event });
  }
}

export class SystemStoppedError extends MonorailError {
  constructor(what: string) {
    super('SYSTEM_STOPPED', `${what}: the actor system is stopping or stopped`);
  }
}

export function describe(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return String(cause);
}

export function isMonorailError(e: unknown, code?: ErrorCode): e is MonorailError {
  return e instanceof MonorailError && (code === undefined || e.code === code);
}

export class WorkflowConflictError extends MonorailError {
  constructor(readonly nodeId: string, readonly activeWorkflowId: string) {
    super('WORKFLOW_CONFLICT', `node ${nodeId} already has an active workflow (${activeWorkflowId})`, { nodeId, activeWorkflowId });
  }
}

export class WorkflowNotActiveError extends MonorailError {
  constructor(readonly workflowId: string, status: string) {
    super('WORKFLOW_NOT_ACTIVE', `workflow ${workflowId} is not active (${status})`, { workflowId, status });
  }
}

/** How a task ended other than succeeding; `code` says which. */
export class TaskError extends MonorailError {
  constructor(code: 'TASK_FAILED' | 'TASK_TIMEOUT' | 'TASK_CANCELLED', message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}

/** No or bad credentials. */
export class UnauthorizedError extends MonorailError {
  constructor(message = 'authentication required') {
    super('UNAUTHORIZED', message);
  }
}

/** Authenticated, but the role does not allow this. */
export class ForbiddenError extends MonorailError {
  constructor(readonly required: string, readonly role: string) {
    super('FORBIDDEN', `this needs the ${required} role or higher; you are ${role}`, { required, role });
  }
}

/** The request conflicts with the resource's current state (a name taken, a node busy). */
export class ConflictError extends MonorailError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('CONFLICT', message, details);
  }
}
