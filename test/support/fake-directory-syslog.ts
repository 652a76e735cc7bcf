/**
 * A `NodeDirectory` for syslog tests: addresses bound to node ids by the test, every `observe` recorded,
 * lookups counted and optionally delayed or failed.
 */
import type { BootDecision, NodeDirectory, ProtocolObservation } from '../../src/protocols/node-directory.ts';

export type SyslogObservation = Extract<ProtocolObservation, { type: 'syslog' }>;

export interface Observed {
  readonly nodeId: string;
  readonly observation: SyslogObservation;
}

export class FakeSyslogDirectory implements NodeDirectory {
  readonly bindings = new Map<string, string>();
  readonly observed: Observed[] = [];
  lookups = 0;
  /** Milliseconds each `nodeAtAddress` takes; `Infinity` never answers. */
  lookupDelayMs = 0;
  failLookups = false;
  private waiters: (() => void)[] = [];

  bind(ipAddress: string, nodeId: string): this {
    this.bindings.set(ipAddress, nodeId);
    return this;
  }

  async resolveMac(): Promise<{ nodeId: string; created: boolean }> {
    throw new Error('not used by syslog');
  }

  async resolveMachine(): Promise<{ nodeId: string; created: boolean }> {
    throw new Error('not used by syslog');
  }

  async nodeOfMac(): Promise<string | undefined> {
    return undefined;
  }

  async nodeAtAddress(ipAddress: string): Promise<string | undefined> {
    this.lookups++;
    if (this.lookupDelayMs === Infinity) return new Promise<never>(() => undefined);
    if (this.lookupDelayMs > 0) await new Promise((r) => setTimeout(r, this.lookupDelayMs));
    if (this.failLookups) throw new Error('directory down');
    return this.bindings.get(ipAddress);
  }

  async bootDecision(): Promise<BootDecision> {
    throw new Error('not used by syslog');
  }

  observe(nodeId: string, observation: ProtocolObservation): void {
    if (observation.type !== 'syslog') throw new Error(`unexpected observation ${observation.type}`);
    this.observed.push({ nodeId, observation });
    for (const w of this.waiters) w();
  }

  /** The observations of `nodeId` (all if omitted). */
  of(nodeId?: string): SyslogObservation[] {
    return this.observed.filter((o) => nodeId === undefined || o.nodeId === nodeId).map((o) => o.observation);
  }

  /** Resolves with the first observation matching `predicate`, seen now or later; rejects after `timeoutMs`. */
  waitFor(predicate: (o: Observed) => boolean, timeoutMs = 5_000): Promise<Observed> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = this.observed.find(predicate);
        if (hit === undefined) return false;
        this.waiters = this.waiters.filter((w) => w !== waiter);
        clearTimeout(timer);
        resolve(hit);
        return true;
      };
      const waiter = (): void => void check();
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching syslog observation within ${timeoutMs} ms; saw ${JSON.stringify(this.observed.slice(-5))}`));
      }, timeoutMs);
      if (!check()) this.waiters.push(waiter);
    });
  }
}
