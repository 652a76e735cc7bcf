/** A responder context for DHCP table tests: fake directory, boot settings of the namespace tests, quiet log. */
import type { BootPolicy } from '../../src/protocols/dhcp/boot-decision.ts';
import type { BootSettings } from '../../src/protocols/dhcp/boot-target.ts';
import { readClientRequest, type ClientRequest } from '../../src/protocols/dhcp/client-request.ts';
import { DhcpStats } from '../../src/protocols/dhcp/dhcp-stats.ts';
import { decodePacket, type DhcpPacket } from '../../src/protocols/dhcp/packet-codec.ts';
import type { ResponderContext } from '../../src/protocols/dhcp/responder-context.ts';
import type { Outcome } from '../../src/protocols/dhcp/responder-outcome.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { fakeDhcpDirectory, type FakeDhcpDirectory } from './fake-directory-dhcp.ts';

export const bootSettings: BootSettings = {
  serverAddress: '10.99.0.1',
  httpBaseUrl: 'http://10.99.0.1:8080',
  files: { bios: 'undionly.kpxe', uefiX64: 'snponly.efi', uefiIa32: 'ipxe-ia32.efi', uefiArm64: 'ipxe-arm64.efi' },
};

export function responderContext(policy: Partial<BootPolicy> = {}): ResponderContext & { directory: FakeDhcpDirectory; stats: DhcpStats } {
  return {
    directory: fakeDhcpDirectory(),
    log: createLogger({ level: 'silent', memberId: 'test' }),
    boot: bootSettings,
    policy: { timeoutMs: 100, fallback: 'ipxe', ...policy },
    ports: { clientPort: 68, relayPort: 67, broadcastAddress: '255.255.255.255' },
    stats: new DhcpStats(),
  };
}

export function requestOf(wire: Buffer): ClientRequest {
  const d = decodePacket(wire);
  if (!d.ok) throw new Error(d.error.message);
  const r = readClientRequest(d.packet);
  if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
  return r.request;
}

/** The reply of an outcome, decoded; fails the test when the outcome is silence. */
export function replyOf(outcome: Outcome): { packet: DhcpPacket; to: { address: string; port: number }; text: (code: number) => string | undefined } {
  if (outcome.kind !== 'reply') throw new Error(`expected a reply, got silence: ${outcome.reason}`);
  const d = decodePacket(outcome.packet);
  if (!d.ok) throw new Error(d.error.message);
  const packet = d.packet;
  return { packet, to: outcome.to, text: (code) => packet.options.get(code)?.toString('latin1') };
}
