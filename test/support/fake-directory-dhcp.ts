/**
 * A NodeDirectory for DHCP tests: one node per MAC, a boot decision chosen per test (or per MAC), with
 * an optional delay or failure, and every resolution, decision request and observation recorded.
 */
import { AskTimeoutError } from '../../src/errors.ts';
import type { BootDecision, BootRequest, NodeDirectory, ProtocolObservation } from '../../src/protocols/node-directory.ts';

export type FakeDecision = BootDecision | 'hang' | 'fail';

export interface FakeDhcpDirectory extends NodeDirectory {
  readonly resolved: { mac: string; ipAddress?: string }[];
  readonly asked: { nodeId: string; request: BootRequest }[];
  readonly observed: { nodeId: string; observation: ProtocolObservation }[];
  /** The decision for every node (default: boot discovery). */
  decide(decision: FakeDecision): void;
  /** The decision for one MAC's node. */
  decideFor(mac: string, decision: FakeDecision): void;
  /** Makes resolveMac reject. */
  failResolve(fail: boolean): void;
  nodeIdOf(mac: string): string;
}

export const bootDiscovery: BootDecision = { kind: 'boot', profile: 'redirect.ipxe', options: {}, reason: 'new node: discovery' };
export const bootLocal: BootDecision = { kind: 'local', reason: 'idle: boot from disk' };

export function fakeDhcpDirectory(): FakeDhcpDirectory {
  const resolved: { mac: string; ipAddress?: string }[] = [];
  const asked: { nodeId: string; request: BootRequest }[] = [];
  const observed: { nodeId: string; observation: ProtocolObservation }[] = [];
  const perMac = new Map<string, FakeDecision>();
  let decision: FakeDecision = bootDiscovery;
  let resolveFails = false;
  const nodeIdOf = (mac: string): string => `node-${mac.replace(/:/g, '')}`;
  const macOf = (nodeId: string): string => nodeId.slice(5).match(/../g)!.join(':');
  return {
    resolved,
    asked,
    observed,
    decide: (d) => {
      decision = d;
    },
    decideFor: (mac, d) => perMac.set(mac, d),
    failResolve: (fail) => {
      resolveFails = fail;
    },
    nodeIdOf,
    async resolveMac(mac, ipAddress) {
      resolved.push({ mac, ...(ipAddress === undefined ? {} : { ipAddress }) });
      if (resolveFails) throw new Error('lookup actor unavailable');
      return { nodeId: nodeIdOf(mac), created: false };
    },
    async resolveMachine() {
      throw new Error('not used by DHCP');
    },
    async nodeOfMac() {
      return undefined;
    },
    async nodeAtAddress() {
      return undefined;
    },
    async bootDecision(nodeId, request, timeoutMs) {
      asked.push({ nodeId, request });
      const d = perMac.get(macOf(nodeId)) ?? decision;
      if (d === 'fail') throw new Error('node actor failed');
      if (d === 'hang') {
        await new Promise((r) => setTimeout(r, timeoutMs + 50));
        throw new AskTimeoutError(`node ${nodeId}`, 'node.bootDecision', timeoutMs);
      }
      return d;
    },
    observe(nodeId, observation) {
      observed.push({ nodeId, observation });
    },
  };
}
