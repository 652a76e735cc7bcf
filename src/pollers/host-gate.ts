/**
 * At most one request in flight per BMC (RackHD's IPMI requester allowed one per host and command; a BMC
 * answers one session at a time badly enough that one per host is the safe rule), and a cap on polls in
 * flight across all hosts so a restarted member does not spawn thousands of ipmitool processes at once.
 * Requests for one host wait in order; requests for other hosts never wait behind them, so a slow or
 * unreachable BMC delays only its own pollers. A caller whose signal aborts while waiting leaves the
 * queue at once.
 */
import { abortReason } from '../actors/obm/obm-error.ts';

export class HostGate {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly busyHosts = new Map<string, number>();
  private running = 0;
  private readonly slotWaiters: { resolve: () => void; reject: (e: Error) => void; signal: AbortSignal; onAbort: () => void }[] = [];

  constructor(readonly maxConcurrent = 64) {
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) throw new RangeError(`maxConcurrent must be a positive integer, not ${maxConcurrent}`);
  }

  async run<T>(host: string, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(host) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(host, tail);
    try {
      await untilOrAbort(previous, signal);
      await this.acquireSlot(signal);
      this.busyHosts.set(host, (this.busyHosts.get(host) ?? 0) + 1);
      try {
        return await fn();
      } finally {
        const n = (this.busyHosts.get(host) ?? 1) - 1;
        if (n <= 0) this.busyHosts.delete(host);
        else this.busyHosts.set(host, n);
        this.releaseSlot();
      }
    } finally {
      release();
      if (this.tails.get(host) === tail) this.tails.delete(host);
    }
  }

  /** Requests running now for `host` (never more than 1) and overall. */
  inFlight(host?: string): number {
    return host === undefined ? this.running : (this.busyHosts.get(host) ?? 0);
  }

  private acquireSlot(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    if (this.running < this.maxConcurrent) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.slotWaiters.indexOf(waiter);
          if (i >= 0) this.slotWaiters.splice(i, 1);
          reject(abortReason(signal));
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.slotWaiters.push(waiter);
    });
  }

  private releaseSlot(): void {
    const next = this.slotWaiters.shift();
    if (next === undefined) {
      this.running--;
      return;
    }
    next.signal.removeEventListener('abort', next.onAbort);
    next.resolve();
  }
}

function untilOrAbort(p: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    void p.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
