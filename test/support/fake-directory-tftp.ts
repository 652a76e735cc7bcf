/** A NodeDirectory for TFTP tests: nodes by address, every observation recorded. */
import type { NodeDirectory, ProtocolObservation } from '../../src/protocols/node-directory.ts';

export interface FakeTftpDirectory extends NodeDirectory {
  readonly observed: { nodeId: string; observation: ProtocolObservation }[];
  /** Binds an address to a node, as a DHCP lease would. */
  bind(ipAddress: string, nodeId: string): void;
  /** Makes nodeAtAddress reject (the actor did not answer). */
  failLookups(fail: boolean): void;
}

export function fakeTftpDirectory(): FakeTftpDirectory {
  const nodes = new Map<string, string>();
  const observed: { nodeId: string; observation: ProtocolObservation }[] = [];
  let failing = false;
  return {
    observed,
    bind: (ip, nodeId) => nodes.set(ip, nodeId),
    failLookups: (fail) => {
      failing = fail;
    },
    async resolveMac() {
      throw new Error('not used by TFTP');
    },
    async resolveMachine() {
      throw new Error('not used by TFTP');
    },
    async nodeOfMac() {
      return undefined;
    },
    async nodeAtAddress(ip) {
      if (failing) throw new Error('lookup failed');
      return nodes.get(ip);
    },
    async bootDecision() {
      throw new Error('not used by TFTP');
    },
    observe(nodeId, observation) {
      observed.push({ nodeId, observation });
    },
  };
}
