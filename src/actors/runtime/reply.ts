/**
 * Reply addresses travel inside messages (nact issue #85: `sender` is not part of nact's typed API, and
 * a cluster transport must be able to carry the address across members). The address names where the
 * reply goes and until when anyone is waiting for it: a handler that receives a request after its
 * deadline drops it instead of acting for a caller that has already been told "timeout".
 */
import { AskTimeoutError, MonorailError, type ErrorWire } from '../../errors.ts';
import type { Clock } from './clock.ts';

/** The phantom `R` ties the address to the type of the reply it accepts. */
export interface ReplyTo<R> {
  readonly kind: 'local';
  readonly id: number;
  readonly deadline: number;
  /** Never set; carries the reply type. */
  readonly __reply?: (r: R) => void;
}

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
}

/** The in-process side of request/reply: pending asks by id, each with a deadline timer. */
export class ReplyRegistry {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private timedOut = 0;
  private late = 0;

  constructor(private readonly clock: Clock) {}

  /** Creates an address and the promise its reply settles. The promise rejects with `AskTimeoutError`. */
  expect<R>(timeoutMs: number, target: string, messageType: string): { address: ReplyTo<R>; reply: Promise<R> } {
    const id = this.nextId++;
    const address: ReplyTo<R> = { kind: 'local', id, deadline: this.clock.now() + timeoutMs };
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
    const pending = this.pending.get(to.id);
    if (!pending) {
      this.late++;
      return false;
    }
    this.pending.delete(to.id);
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
    return { pending: this.pending.size, timedOut: this.timedOut, late: this.late };
  }
}
