/**
 * Durations the protocol servers report as they happen, for latency histograms. The servers own this
 * port and never learn who listens (src/metrics implements it over prom-client); leaving it out of
 * `ProtocolServerDeps` costs nothing.
 */
export interface ProtocolTimings {
  /**
   * One DHCP request from its decoding to its reply leaving the socket (or to the decision not to answer):
   * what a client waits for, boot decision and lease allocation included. `reply` is the reply's message
   * type (OFFER, ACK, NAK, …), or `none` when the request was left unanswered.
   */
  dhcpRequest(seconds: number, request: string, reply: string): void;
  /** One TFTP read transfer from its first DATA or OACK to its end. */
  tftpTransfer(seconds: number, outcome: 'completed' | 'declined' | 'failed'): void;
}
