/**
 * What both responders (proxy and server mode) work with, and the boot step they share: find the
 * loader for the client, ask its node, and put the answer in the reply.
 */
import type { Logger } from '../../logging/logger.ts';
import type { NodeDirectory } from '../node-directory.ts';
import { decideBoot, type BootPolicy, type BootVerdict } from './boot-decision.ts';
import { bootTargetFor, type BootSettings, type BootTarget } from './boot-target.ts';
import type { ClientRequest } from './client-request.ts';
import type { DhcpStats } from './dhcp-stats.ts';
import type { ReplyPorts } from './reply-destination.ts';

export interface ResponderContext {
  readonly directory: NodeDirectory;
  readonly log: Logger;
  readonly boot: BootSettings;
  readonly policy: BootPolicy;
  readonly ports: ReplyPorts;
  readonly stats: DhcpStats;
}

export interface BootPlan {
  readonly target: BootTarget;
  readonly verdict: BootVerdict;
}

/**
 * The loader to hand out, or undefined with why not: the client boots nothing Monorail serves, its
 * node wants the local disk, or the node did not decide and the fallback is silence.
 */
export async function planBoot(
  c: ResponderContext,
  request: ClientRequest,
  node: Promise<{ readonly nodeId: string }>,
  protocol: 'dhcp' | 'proxydhcp',
  ipAddress: string | undefined,
): Promise<{ readonly plan?: BootPlan; readonly reason: string }> {
  const target = bootTargetFor(request, c.boot);
  if (target === undefined) return { reason: `${request.firmware} client (arch ${request.arch}) is not booted by Monorail` };
  const verdict = await decideBoot(
    c.directory,
    node,
    { protocol, arch: request.arch, firmware: request.firmware, ...(ipAddress === undefined ? {} : { ipAddress }) },
    c.policy,
  );
  if (verdict.source === 'fallback') {
    c.stats.add('fallbacks');
    c.log.warn({ macAddress: request.mac, reason: verdict.reason, fallback: c.policy.fallback }, 'boot decision fell back');
  }
  if (!verdict.boot) return { reason: verdict.source === 'node' ? `node boots locally: ${verdict.reason}` : `fallback is silent: ${verdict.reason}` };
  return { plan: { target, verdict }, reason: verdict.reason };
}

export const bootName = (target: BootTarget): string => (target.via === 'tftp' ? target.file : target.url);
