/**
 * Boot decisions timed where every protocol asks for them: a `NodeDirectory` that measures
 * `bootDecision` (the node actor's answer to "what do I boot?") and `resolveMac` (first contact: finding or
 * creating the node), and hands everything else through unchanged. DHCP, proxyDHCP and the iPXE profile
 * request are told apart by the request's `protocol`.
 */
import { Histogram, type Registry } from 'prom-client';
import { MonorailError } from '../errors.ts';
import type { NodeDirectory } from '../protocols/node-directory.ts';

/** Decisions have the DHCP client's retransmission (~4 s) as their horizon; see protocol-metrics.ts. */
const buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4];

const outcomeOf = (e: unknown): string => (e instanceof MonorailError ? e.code.toLowerCase() : 'error');

export function timedDirectory(registry: Registry, directory: NodeDirectory): NodeDirectory {
  const decisions = new Histogram({
    name: 'monorail_boot_decision_duration_seconds',
    help: "Boot decisions asked of node actors, by protocol (dhcp, proxydhcp, http) and outcome (boot, local, or the error's code).",
    labelNames: ['protocol', 'outcome'] as const,
    buckets,
    registers: [registry],
  });
  const resolutions = new Histogram({
    name: 'monorail_node_resolution_duration_seconds',
    help: 'Finding (or creating, on first contact) the node of a MAC, by outcome (found, created, or the error code).',
    labelNames: ['outcome'] as const,
    buckets,
    registers: [registry],
  });
  const seconds = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e9;
  return {
    resolveMachine: (macs, ip) => directory.resolveMachine(macs, ip),
    nodeOfMac: (mac) => directory.nodeOfMac(mac),
    nodeAtAddress: (ip) => directory.nodeAtAddress(ip),
    observe: (nodeId, observation) => directory.observe(nodeId, observation),
    async resolveMac(mac, ip) {
      const started = process.hrtime.bigint();
      try {
        const r = await directory.resolveMac(mac, ip);
        resolutions.observe({ outcome: r.created ? 'created' : 'found' }, seconds(started));
        return r;
      } catch (e) {
        resolutions.observe({ outcome: outcomeOf(e) }, seconds(started));
        throw e;
      }
    },
    async bootDecision(nodeId, request, timeoutMs) {
      const started = process.hrtime.bigint();
      try {
        const d = await directory.bootDecision(nodeId, request, timeoutMs);
        decisions.observe({ protocol: request.protocol, outcome: d.kind }, seconds(started));
        return d;
      } catch (e) {
        decisions.observe({ protocol: request.protocol, outcome: outcomeOf(e) }, seconds(started));
        throw e;
      }
    },
  };
}
