/**
 * What an operator can see of notification delivery, per channel: the read port an API route serves
 * (e.g. `GET /api/2.0/notifications`). Counters are since this member started; `lastError` and
 * `lastSuccess` say whether a channel works now, and `consecutiveFailures` how long it has not.
 */

export interface DeliveryAttemptInfo {
  readonly at: string;
  /** Routing key of the event the attempt carried. */
  readonly event: string;
  /** Attempt number within its delivery (1 is the first try). */
  readonly attempt: number;
}

export interface ChannelStatus {
  readonly name: string;
  readonly kind: string;
  /** Events waiting for their turn. */
  readonly queued: number;
  /** An event being delivered (attempting, or waiting between attempts). */
  readonly inFlight: boolean;
  readonly delivered: number;
  /** Events given up on (attempts exhausted, or refused for good). */
  readonly failed: number;
  /** Events dropped unsent because the channel's queue was full. */
  readonly dropped: number;
  /** Attempts made, successful or not. */
  readonly attempts: number;
  /** Failed attempts in a row, up to now (0 once an attempt succeeds). */
  readonly consecutiveFailures: number;
  readonly lastSuccess?: DeliveryAttemptInfo;
  readonly lastError?: DeliveryAttemptInfo & { readonly error: string };
}

export interface NotificationStatusPort {
  channels(): readonly ChannelStatus[];
  /** undefined when no channel has that name. */
  channel(name: string): ChannelStatus | undefined;
}
