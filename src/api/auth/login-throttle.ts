/**
 * Login throttling, per username and per client address (OWASP Authentication Cheat Sheet, "Protect
 * against automated attacks"): after `maxFailures` failures for a username, or `maxFailuresPerAddress`
 * from an address, further attempts are refused for a lockout that doubles with every further failure up
 * to `maxLockoutSeconds`. A success clears the username's count, not the address's, or an attacker holding
 * one account could clear it between guesses at others. Attempts still being checked count against the
 * limit, so a burst of parallel guesses cannot slip past it. IPv6 clients are counted per /64, the block
 * one host usually holds.
 *
 * The counts live in this member's memory: a cluster throttles per member, and a restart forgets them.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { MonorailError } from '../../errors.ts';

/** 429: too many failed logins for this username or from this address; `retryAfterSeconds` for Retry-After. */
export class LoginThrottledError extends MonorailError {
  constructor(readonly retryAfterSeconds: number) {
    super('TOO_MANY_REQUESTS', `too many failed logins: try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}

export interface ThrottleSettings {
  readonly maxFailures: number;
  readonly maxFailuresPerAddress: number;
  readonly lockoutSeconds: number;
  readonly maxLockoutSeconds: number;
  readonly forgetAfterSeconds: number;
}

interface Entry {
  failures: number;
  pending: number;
  lockedUntil: number;
  last: number;
}

const MAX_ENTRIES = 100_000;

/** The key an address is counted under: IPv4 as is (also when IPv4-mapped), IPv6 by its /64. */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (isIPv4(address) || !isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly s: ThrottleSettings, private readonly now: () => number) {}

  private keys(username: string, address: string): [string, number][] {
    return [
      [`u:${username.slice(0, 128)}`, this.s.maxFailures],
      [`a:${addressKey(address)}`, this.s.maxFailuresPerAddress],
    ];
  }

  private entry(key: string, create: boolean): Entry | undefined {
    const now = this.now();
    let e = this.entries.get(key);
    if (e !== undefined && e.pending === 0 && now >= Math.max(e.lockedUntil, e.last) + this.s.forgetAfterSeconds * 1000) {
      this.entries.delete(key);
      e = undefined;
    }
    if (e === undefined && create) {
      if (this.entries.size >= MAX_ENTRIES) this.prune();
      e = { failures: 0, pending: 0, lockedUntil: 0, last: now };
      this.entries.set(key, e);
    }
    return e;
  }

  /**
   * Drops forgotten entries; if the table is still over 90 % full, the oldest entries that are not locked
   * out (then the oldest at all), so a flood of new names costs one sweep per MAX_ENTRIES / 10 of them and
   * does not free the flooding address.
   */
  private prune(): void {
    const now = this.now();
    const forgotten = (e: Entry) => e.pending === 0 && now >= Math.max(e.lockedUntil, e.last) + this.s.forgetAfterSeconds * 1000;
    for (const [key, e] of this.entries) if (forgotten(e)) this.entries.delete(key);
    const target = MAX_ENTRIES * 0.9;
    for (const [key, e] of this.entries) {
      if (this.entries.size < target) return;
      if (e.lockedUntil <= now && e.pending === 0) this.entries.delete(key);
    }
    for (const key of this.entries.keys()) {
      if (this.entries.size < target) return;
      this.entries.delete(key);
    }
  }

  /** Seconds to wait before this username may try from this address; 0 when it may try now. */
  wait(username: string, address: string): number {
    const now = this.now();
    let wait = 0;
    for (const [key, limit] of this.keys(username, address)) {
      const e = this.entry(key, false);
      if (e === undefined) continue;
      if (e.lockedUntil > now) wait = Math.max(wait, Math.ceil((e.lockedUntil - now) / 1000));
      // Below the limit, attempts in flight count as failures; past a lockout, one attempt at a time.
      else if (e.failures < limit ? e.failures + e.pending >= limit : e.pending > 0) wait = Math.max(wait, 1);
    }
    return wait;
  }

  /** An attempt is being checked: it counts against the limit until it ends. */
  begin(username: string, address: string): () => void {
    const held = this.keys(username, address).map(([key]) => this.entry(key, true)).filter((e): e is Entry => e !== undefined);
    for (const e of held) e.pending++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      for (const e of held) e.pending--;
    };
  }

  /** A failed attempt; returns the lockout it started, in seconds (0 for none). */
  fail(username: string, address: string): number {
    const now = this.now();
    let lockout = 0;
    for (const [key, limit] of this.keys(username, address)) {
      const e = this.entry(key, true);
      if (e === undefined) continue;
      e.failures++;
      e.last = now;
      if (e.failures >= limit) {
        const seconds = Math.min(this.s.maxLockoutSeconds, this.s.lockoutSeconds * 2 ** Math.min(30, e.failures - limit));
        e.lockedUntil = Math.max(e.lockedUntil, now + seconds * 1000);
        lockout = Math.max(lockout, seconds);
      }
    }
    return lockout;
  }

  /** A successful login clears the username's count. */
  succeed(username: string): void {
    const key = `u:${username.slice(0, 128)}`;
    const e = this.entries.get(key);
    if (e === undefined) return;
    if (e.pending > 0) Object.assign(e, { failures: 0, lockedUntil: 0 });
    else this.entries.delete(key);
  }
}
