/**
 * The protocol servers' metrics: their counters (`ProtocolServer.stats()`: received, answered, dropped,
 * malformed and each server's own) as `monorail_<server>_<counter>_total`, and the durations they report
 * through the `ProtocolTimings` port as histograms.
 */
import { Histogram, type Registry } from 'prom-client';
import type { ProtocolServer } from '../protocols/protocol-server.ts';
import type { ProtocolTimings } from '../protocols/protocol-timings.ts';
import { registerStatsFamilies } from './stats-families.ts';

/** Stats fields that are levels, not counts. */
const serverGauges: ReadonlySet<string> = new Set(['inFlight', 'activeTransfers', 'activeConnections', 'openConnections']);

const subjects: Readonly<Record<string, string>> = { dhcp: 'DHCP server', tftp: 'TFTP server', syslog: 'syslog server', http: 'HTTP server' };

export function registerProtocolServerMetrics(registry: Registry, servers: readonly ProtocolServer[]): void {
  for (const server of servers) {
    registerStatsFamilies(registry, {
      prefix: `monorail_${server.name.replace(/[^A-Za-z0-9_]/g, '_')}`,
      subject: subjects[server.name] ?? `${server.name} server`,
      read: () => server.stats(),
      gauges: serverGauges,
    });
  }
}

/**
 * A DHCP client retransmits after about 4 s (RFC 2131 §4.1) and the boot decision's deadline is below
 * that, so the buckets are fine below a second and stop at the retransmission.
 */
const dhcpBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4];
/** From a few blocks of an iPXE binary on a LAN to a large image over a slow link. */
const tftpBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export function protocolTimings(registry: Registry): ProtocolTimings {
  const dhcp = new Histogram({
    name: 'monorail_dhcp_request_duration_seconds',
    help: 'DHCP requests from decoding to the reply leaving the socket (boot decision and lease allocation included), by request and reply message type (reply "none": not answered).',
    labelNames: ['request', 'reply'] as const,
    buckets: dhcpBuckets,
    registers: [registry],
  });
  const tftp = new Histogram({
    name: 'monorail_tftp_transfer_duration_seconds',
    help: 'TFTP read transfers from start to end, by outcome (declined: the client ended it after the OACK, as EDK2 does to learn the size).',
    labelNames: ['outcome'] as const,
    buckets: tftpBuckets,
    registers: [registry],
  });
  return {
    dhcpRequest: (seconds, request, reply) => dhcp.observe({ request, reply }, seconds),
    tftpTransfer: (seconds, outcome) => tftp.observe({ outcome }, seconds),
  };
}
