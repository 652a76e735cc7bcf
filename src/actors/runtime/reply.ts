/**
 * Reply addresses travel inside messages (nact issue #85: `sender` is not part of nact's typed API, and
 * a cluster transport must be able to carry the address across members). The address names where the
 * reply goes and until when anyone is waiting for it: a handler that receives a request after its
 * deadline drops it instead of acting for a caller that has already been told "timeout".
 */
import { AskTimeoutError, MonorailError, type ErrorWire } from '../../errors.ts';
import type { Clock } from './clock.ts';

/**
 * The phantom `R` ties the address to the type of the reply it accepts. A `local` address is answered in
 * this process; a `remote` one names the reply endpoint (a member's reply queue) it must travel to, so a
 * request can be handled on whichever member owns the entity. The deadline is wall-clock time (members
 * on several hosts need synchronised clocks, as any lease-based cluster does).
 */
export type ReplyTo<R> =
  | { readonly kind: 'local'; readonly id: number; readonly deadline: number; readonly __reply?: (r: R) => void }
  | { readonly kind: 'remote'; readonly endpoint: string; readonly id: number; readonly deadline: number; readonly __reply?: (r: R) => void };

/** How replies reach other members: the cluster transport implements it. */
export interface ReplyEndpoint {
  /** This member's endpoint name, written into the addresses it creates. */
  readonly name: string;
  /** Sends a reply to another member's endpoint; must not throw (failures are the asker's timeout). */
  sendReply(endpoint: string, id: number, reply: WireReply): void;
}

/** A reply as it crosses processes: errors in their wire form. */
export type WireReply = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: ErrorWire };

export type Reply<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: MonorailError | ErrorWire };

/** The type a request expects as its reply. */
export type ReplyOf<M> = M extends { readonly replyTo: ReplyTo<infer R> } ? R : never;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: { cancel(): void };
}

export interface ReplyStats {
  pending: number;
  timedOut: number;
  late: number;
  /** Replies sent to other members' endpoints. */
  sentRemote: number;
}

/** The in-process side of request/reply: pending asks by id, each with a deadline timer. */
export class ReplyRegistry {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private timedOut = 0;
  private late = 0;
  private sentRemote = 0;
  private endpoint: ReplyEndpoint | undefined;

  constructor(private readonly clock: Clock) {}

  /** From now on addresses are remote ones naming this endpoint, and replies to other endpoints go through it. */
  attach(endpoint: ReplyEndpoint): void {
    this.endpoint = endpoint;
  }

  /** Creates an address and the promise its reply settles. The promise rejects with `AskTimeoutError`. */
  expect<R>(timeoutMs: number, target: string, messageType: string): { address: ReplyTo<R>; reply: Promise<R> } {
    const id = this.nextId++;
    const deadline = this.clock.now() + timeoutMs;
    const address: ReplyTo<R> = this.endpoint === undefined ? { kind: 'local', id, deadline } : { kind: 'remote', endpoint: this.endpoint.name, id, deadline };
    const reply = new Promise<R>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        if (this.pending.delete(id)) {
          this.timedOut++;
          reject(new AskTimeoutError(target, messageType, timeoutMs));
        }
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve, reject, timer });
    });
    return { address, reply };
  }

  deliver<R>(to: ReplyTo<R>, reply: Reply<R>): boolean {
    if (to.kind === 'remote' && to.endpoint !== this.endpoint?.name) {
      if (this.endpoint === undefined) {
        this.late++;
        return false;
      }
      this.sentRemote++;
      this.endpoint.sendReply(to.endpoint, to.id, toWire(reply));
      return true;
    }
    return this.settle(to.id, reply);
  }

  /** A reply that arrived from another member for one of this member's asks. */
  receive(id: number, reply: WireReply): boolean {
    return this.settle(id, reply);
  }

  private settle<R>(id: number, reply: Reply<R>): boolean {
    const pending = this.pending.get(id);
    if (!pending) {
      this.late++;
      return false;
    }
    this.pending.delete(id);
    pending.timer.cancel();
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(reply.error instanceof MonorailError ? reply.error : MonorailError.fromJSON(reply.error));
    return true;
  }

  /** Rejects every pending ask, for shutdown. */
  failAll(error: Error): void {
    for (const [id, p] of this.pending) {
      p.timer.cancel();
      p.reject(error);
      this.pending.delete(id);
    }
  }

  stats(): ReplyStats {
    return { pending: this.pending.size, timedOut: this.timedOut, late: this.late, sentRemote: this.sentRemote };
  }
}

function toWire<R>(reply: Reply<R>): WireReply {
  if (reply.ok) return reply;
  const e = reply.error;
  return { ok: false, error: e instanceof MonorailError ? e.toJSON() : e };
}
