/**
 * Time as a dependency. Ask deadlines, idle passivation and (later) lease and task timers read the clock
 * through this port so that tests can drive them with a manual clock instead of sleeping.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  setInterval(fn: () => void, ms: number): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
  setInterval(fn, ms) {
    const t = setInterval(fn, ms);
    // Housekeeping timers must never keep a process alive on their own.
    t.unref();
    return { cancel: () => clearInterval(t) };
  },
};

interface ManualTimer {
  at: number;
  every: number | undefined;
  fn: () => void;
}

/** A clock that moves only when told to; timers fire in due order during `advance`. */
export class ManualClock implements Clock {
  private current: number;
  // A set, so that cancelled and fired timers are released (asks cancel one timer per reply).
  private readonly timers = new Set<ManualTimer>();

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.schedule(fn, ms, undefined);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.schedule(fn, ms, Math.max(1, ms));
  }

  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let due: ManualTimer | undefined;
      for (const t of this.timers) if (t.at <= target && (!due || t.at < due.at)) due = t;
      if (!due) break;
      this.current = Math.max(this.current, due.at);
      if (due.every === undefined) this.timers.delete(due);
      else due.at += due.every;
      due.fn();
    }
    this.current = target;
  }

  private schedule(fn: () => void, ms: number, every: number | undefined): TimerHandle {
    const timer: ManualTimer = { at: this.current + Math.max(0, ms), every, fn };
    this.timers.add(timer);
    return {
      cancel: () => {
        this.timers.delete(timer);
      },
    };
  }
}
