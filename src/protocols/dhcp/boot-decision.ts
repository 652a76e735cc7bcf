/**
 * Asking the node whether it boots from the network, with a deadline on the whole question (finding
 * the node by MAC, then its decision). A DHCP client retransmits after ~4 s, and RackHD's weakness was a
 * 1 s RPC that answered "no task" under load (rackhd.md §8), so when the node does not decide in time
 * the configured fallback answers instead of silence.
 */
import type { BootRequest, NodeDirectory } from '../node-directory.ts';

export type BootFallback = 'ipxe' | 'silent';

export interface BootVerdict {
  /** Hand out boot information. */
  readonly boot: boolean;
  /** `node`: the node decided; `fallback`: it did not in time (or failed) and `fallback` answered. */
  readonly source: 'node' | 'fallback';
  readonly reason: string;
}

export interface BootPolicy {
  readonly timeoutMs: number;
  readonly fallback: BootFallback;
}

const fallbackVerdict = (policy: BootPolicy, reason: string): BootVerdict => ({ boot: policy.fallback === 'ipxe', source: 'fallback', reason });

/**
 * `node` is the pending `resolveMac` of the request's sender (shared with the observation the caller
 * records), so the MAC is resolved once per packet.
 */
export async function decideBoot(
  directory: NodeDirectory,
  node: Promise<{ readonly nodeId: string }>,
  request: BootRequest,
  policy: BootPolicy,
): Promise<BootVerdict> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<BootVerdict>((resolve) => {
    timer = setTimeout(() => resolve(fallbackVerdict(policy, `no decision within ${policy.timeoutMs} ms`)), policy.timeoutMs);
  });
  const decision = (async (): Promise<BootVerdict> => {
    const { nodeId } = await node;
    const remaining = Math.max(1, policy.timeoutMs - (Date.now() - started));
    const d = await directory.bootDecision(nodeId, request, remaining);
    return { boot: d.kind === 'boot', source: 'node', reason: d.reason };
  })().catch((e: unknown) => fallbackVerdict(policy, `decision failed: ${e instanceof Error ? e.message : String(e)}`));
  try {
    return await Promise.race([decision, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
