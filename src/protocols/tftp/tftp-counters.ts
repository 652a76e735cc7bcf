/** The TFTP server's counters (`ProtocolServer.stats()`), shared by the listener and its transfers. */

export const tftpCounterNames = [
  /** Datagrams received, on the listening sockets and on transfer sockets. */
  'received',
  /** Requests answered, with an OACK, a first DATA block or an ERROR. */
  'answered',
  /** Datagrams ignored: strays at the listening port, unexpected opcodes on a transfer, packets after the end. */
  'dropped',
  /** Datagrams that are not TFTP, or requests that cannot be read (answered with ERROR 4 where they are requests). */
  'malformed',
  'requests',
  'writesRefused',
  /** Names refused by the path policy or resolving outside the served directories (ERROR 2). */
  'accessViolations',
  'notFound',
  /** Requests refused because `maxTransfers` transfers were running. */
  'busy',
  /** A retransmitted RRQ for a transfer already under way (answered by that transfer, not a new one). */
  'duplicateRequests',
  'optionsIgnored',
  /** Requests from an address no node is known at (the transfer is still served). */
  'unknownAddress',
  'directoryErrors',
  'providerErrors',
  'transfersStarted',
  'transfersCompleted',
  'transfersFailed',
  /** A client ERROR in answer to the OACK: EDK2's size probe (real-clients.md F5); not a failure. */
  'abortedAfterOack',
  'retransmissions',
  'timeouts',
  'duplicateAcks',
  /** ACKs for blocks never sent or long acknowledged. */
  'ignoredAcks',
  /** Packets at a transfer socket from another address or port (RFC 1350 §4: answered with ERROR 5). */
  'unknownTid',
  'sendErrors',
  'bytesSent',
  'activeTransfers',
] as const;

export type TftpCounterName = (typeof tftpCounterNames)[number];
export type TftpCounters = Record<TftpCounterName, number>;

export function newTftpCounters(): TftpCounters {
  return Object.fromEntries(tftpCounterNames.map((n) => [n, 0])) as TftpCounters;
}
