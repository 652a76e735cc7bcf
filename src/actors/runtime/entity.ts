/**
 * What an entity (node, lookup, workflow, task) is: a behavior over typed commands and events. The
 * runtime turns a behavior into a persistent nact actor; the behavior never sees nact.
 *
 * Event sourcing contract: `apply` is pure and total over the entity's events, and it is the only way
 * state changes. `handle` decides, commits events through `ctx.commit` (durable before it resolves), and
 * replies. A reply sent before a commit resolves would promise something that might not survive a crash,
 * so handlers reply after committing.
 */
import type { MonorailError } from '../../errors.ts';
import type { Logger } from '../../logging/logger.ts';
import type { ReplyTo } from './reply.ts';

export interface Message {
  readonly type: string;
}

export interface EntityContext<S, E extends Message> {
  readonly id: string;
  readonly log: Logger;
  now(): number;
  /** The entity's state including every event committed so far in this handler. */
  state(): S;
  /** The journal sequence number of the last committed record (0 before the first). */
  sequenceNumber(): number;
  /**
   * Persists the events as one journal record (all or none), then applies them. Rejects when the journal
   * refuses; the runtime then answers the request with `PersistFailedError` and restarts the entity from
   * its journal, so the handler does not need to catch.
   */
  commit(events: readonly E[]): Promise<S>;
  reply<R>(to: ReplyTo<R>, value: R): void;
  fail(to: ReplyTo<unknown>, error: MonorailError): void;
}

export interface EntityBehavior<S, C extends Message, E extends Message> {
  /** Names the persistence keys (`${kind}:${id}`) and the logs. */
  readonly kind: string;
  /** Every event type `apply` understands; a journal record with any other type is reported as corrupt. */
  readonly eventTypes: readonly E['type'][];
  initialState(id: string): S;
  /** Fields every log line about this entity carries, e.g. `{ nodeId }`, so one machine's story can be filtered. */
  logBindings?(id: string): Readonly<Record<string, string>>;
  apply(state: S, event: E): S;
  handle(state: S, command: C, ctx: EntityContext<S, E>): void | Promise<void>;
  /**
   * The answer to a request whose events are already in the journal: a message redelivered because its first
   * owner died after committing but before acknowledging (or replying). The asker never saw the first answer,
   * so where it can be rebuilt from the state (commands that answer with the current record) return it;
   * undefined answers with DuplicateDeliveryError.
   */
  answerDuplicate?(state: S, command: RequestOf<C>): { readonly value: unknown } | undefined;
}

/** The commands of an entity that expect a reply. */
export type RequestOf<C> = Extract<C, { readonly replyTo: ReplyTo<never> }>;
