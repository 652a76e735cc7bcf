/**
 * The syslog server's counters (`ProtocolServer.stats()`). Every message that does not reach a node is
 * counted once under `dropped` and once under its reason; `malformed` counts messages that broke the
 * grammar they claimed (kept as raw records) and streams that could not be framed.
 */
export const SYSLOG_COUNTERS = [
  /** Messages received: datagrams plus TCP frames. */
  'received',
  'receivedUdp',
  'receivedTcp',
  /** Messages handed to their node (syslog never replies on the wire; this is its "answer"). */
  'answered',
  'dropped',
  'malformed',
  /** Longer than `maxMessageBytes`: cut and delivered. */
  'truncated',
  'records5424',
  'records3164',
  'recordsRaw',
  // Reasons for `dropped`:
  'empty',
  'unknownSource',
  'deliveryFailed',
  'overloaded',
  'incompleteFrame',
  // TCP connections and framing:
  'tcpAccepted',
  'tcpRejected',
  'framingErrors',
  'frameTimeouts',
  'idleTimeouts',
  'socketErrors',
] as const;

export type SyslogCounter = (typeof SYSLOG_COUNTERS)[number];

export type DropReason = 'empty' | 'unknownSource' | 'deliveryFailed' | 'overloaded' | 'incompleteFrame';

export class SyslogStats {
  private readonly counts: Record<SyslogCounter, number>;

  constructor() {
    this.counts = Object.fromEntries(SYSLOG_COUNTERS.map((name) => [name, 0])) as Record<SyslogCounter, number>;
  }

  add(counter: SyslogCounter, n = 1): void {
    this.counts[counter] += n;
  }

  drop(reason: DropReason, n = 1): void {
    this.counts.dropped += n;
    this.counts[reason] += n;
  }

  snapshot(): Record<SyslogCounter, number> {
    return { ...this.counts };
  }
}
