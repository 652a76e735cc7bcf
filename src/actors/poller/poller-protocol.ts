/**
 * The poller entity's messages and record. A poller is RackHD's `workitem` of name `Pollers.*`
 * (on-core lib/models/work-item.js; rackhd.md §1 pollers, §4.2): `{id, name, node, config: {command, …},
 * pollInterval (ms), paused, failureCount, lastStarted, lastFinished}`, plus whether its target answered
 * lately (`state`, which RackHD's IPMI requester kept to publish `node.accessible`/`node.inaccessible`).
 *
 * Only what changes the poller's meaning is journaled: creation, patches, deletion, and the failure and
 * accessibility transitions. A successful poll of a healthy poller writes nothing durable: its sample goes
 * to the bounded in-memory history (as RackHD's poller cache was in memory), so the journal does not grow
 * by one record per poll.
 */
import type { ReplyTo } from '../runtime/reply.ts';

export const pollerNames = ['Pollers.IPMI', 'Pollers.SNMP', 'Pollers.Redfish'] as const;
export type PollerName = (typeof pollerNames)[number];

/** RackHD's POST `type` (poller.2.0.json) and the workitem name it stands for. */
export const pollerTypes = { ipmi: 'Pollers.IPMI', snmp: 'Pollers.SNMP', redfish: 'Pollers.Redfish' } as const satisfies Record<string, PollerName>;
export type PollerType = keyof typeof pollerTypes;

export function pollerTypeOf(name: PollerName): PollerType {
  return (Object.keys(pollerTypes) as PollerType[]).find((t) => pollerTypes[t] === name) ?? 'ipmi';
}

/**
 * What each kind of poller can collect (`config.command`). IPMI: RackHD's ipmi requester commands (`sdr`,
 * `sel`, `chassis` status, `power`). Redfish: RackHD's redfish poller commands (Chassis Thermal/Power, the
 * System's and Manager's log services). SNMP: the MIB-II system group, the interfaces table, or a walk of
 * the OIDs in `config.oids`.
 */
export const pollerCommands = {
  'Pollers.IPMI': ['sdr', 'sel', 'chassis', 'power'],
  'Pollers.Redfish': ['chassis.thermal', 'chassis.power', 'systems.logservices', 'managers.logservices'],
  'Pollers.SNMP': ['sysinfo', 'interfaces', 'walk'],
} as const satisfies Record<PollerName, readonly string[]>;

export interface PollerConfig {
  readonly command: string;
  readonly [key: string]: unknown;
}

/** Whether the poller's target answered lately: `unknown` until the first poll ends. */
export type Accessibility = 'unknown' | 'accessible' | 'inaccessible';

export interface PollerRecord {
  readonly id: string;
  readonly name: PollerName;
  /** The node the poller watches; SNMP pollers of a bare address have none. */
  readonly node?: string;
  /** Secrets (password, community) sealed: the entity never holds them in clear. */
  readonly config: PollerConfig;
  readonly pollInterval: number;
  readonly paused: boolean;
  /** Consecutive failed polls; 0 after a success. */
  readonly failureCount: number;
  readonly state: Accessibility;
  /** What the last failed poll said (secrets scrubbed by the adapters). */
  readonly lastError?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface PollerSpec {
  readonly name: PollerName;
  readonly node?: string;
  readonly config: PollerConfig;
  readonly pollInterval: number;
  readonly paused?: boolean;
}

export interface PollerPatch {
  readonly pollInterval?: number;
  readonly paused?: boolean;
  readonly config?: PollerConfig;
}

/** One poll's result as the history keeps it: RackHD's cache entry `{host, <command data>, timestamp}`. */
export interface PollerSample {
  readonly timestamp: string;
  readonly host?: string;
  readonly [key: string]: unknown;
}

/** What only the member running the poller knows: not journaled. */
export interface PollerStatus {
  readonly lastStarted: string | null;
  readonly lastFinished: string | null;
  readonly nextScheduled: string | null;
  readonly inFlight: boolean;
}

export interface PollerView {
  readonly poller: PollerRecord;
  readonly status: PollerStatus;
}

export type PollOutcome = { readonly ok: true; readonly sample: PollerSample } | { readonly ok: false; readonly error: string };

export type PollerCommand =
  /** Idempotent: an existing poller is answered as it is (`created: false`). A deleted one may be created again. */
  | { readonly type: 'poller.create'; readonly spec: PollerSpec; readonly replyTo: ReplyTo<{ readonly poller: PollerRecord; readonly created: boolean }> }
  | { readonly type: 'poller.get'; readonly replyTo: ReplyTo<PollerView> }
  /** Pause/resume (`paused`), a new interval or config; reschedules accordingly. */
  | { readonly type: 'poller.update'; readonly patch: PollerPatch; readonly replyTo: ReplyTo<PollerView> }
  | { readonly type: 'poller.delete'; readonly replyTo: ReplyTo<PollerRecord> }
  /** The bounded history, newest first; only the newest with `latestOnly`. */
  | { readonly type: 'poller.data'; readonly latestOnly: boolean; readonly replyTo: ReplyTo<readonly PollerSample[]> }
  /** Member start (or a shard taken over): schedule the next poll unless paused or already scheduled. */
  | { readonly type: 'poller.wake' }
  /** The poller's timer fired. */
  | { readonly type: 'poller.tick' }
  /** A poll this poller started has ended. */
  | { readonly type: 'poller.finished'; readonly outcome: PollOutcome; readonly startedAt: number; readonly finishedAt: number };

export type PollerEvent =
  | { readonly type: 'poller.created'; readonly poller: PollerRecord }
  | { readonly type: 'poller.updated'; readonly patch: PollerPatch; readonly at: string }
  | { readonly type: 'poller.deleted'; readonly at: string }
  | { readonly type: 'poller.failed'; readonly error: string; readonly at: string }
  | { readonly type: 'poller.recovered'; readonly at: string }
  | { readonly type: 'poller.stateChanged'; readonly state: Accessibility; readonly at: string };

export const pollerEventTypes: readonly PollerEvent['type'][] = ['poller.created', 'poller.updated', 'poller.deleted', 'poller.failed', 'poller.recovered', 'poller.stateChanged'];

export type PollerState =
  | { readonly status: 'absent' }
  | { readonly status: 'present'; readonly poller: PollerRecord }
  | { readonly status: 'deleted'; readonly poller: PollerRecord };
