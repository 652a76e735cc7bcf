/**
 * The PollerSource adapter: picks the source by poller name, resolves its credentials (poller config or
 * the node's OBM), and runs the poll through the per-BMC gate, so a BMC never has two polls in flight
 * and a slow one holds up only its own pollers. Samples carry `host` (never credentials).
 */
import type { PollerSource } from '../actors/poller/poller-port.ts';
import type { Logger } from '../logging/logger.ts';
import { HostGate } from './host-gate.ts';
import { ipmiHostKey, pollIpmi } from './ipmi-poller.ts';
import { ipmiConfigFor, redfishConfigFor, snmpTargetFor, type CredentialDeps } from './poller-credentials.ts';
import { pollRedfish, redfishHostKey } from './redfish-poller.ts';
import { pollSnmp, snmpHostKey } from './snmp-poller.ts';

export interface PollerSourceOptions extends CredentialDeps {
  readonly log: Logger;
  /** The ipmitool binary; `ipmitool` on PATH when left out. */
  readonly ipmitool?: string;
  /** Polls in flight across all hosts; 64 by default. */
  readonly maxConcurrent?: number;
  /** Shared gate (tests watch it); one is made when left out. */
  readonly gate?: HostGate;
}

export function createPollerSource(o: PollerSourceOptions): PollerSource & { readonly gate: HostGate } {
  const gate = o.gate ?? new HostGate(o.maxConcurrent ?? 64);
  return {
    gate,
    async poll(request, { signal }) {
      const command = request.config.command;
      switch (request.name) {
        case 'Pollers.IPMI': {
          const config = await ipmiConfigFor(o, request);
          const data = await gate.run(ipmiHostKey(config), signal, () => pollIpmi(config, command, { log: o.log, signal, ...(o.ipmitool === undefined ? {} : { ipmitool: o.ipmitool }) }));
          return { host: config.host, ...data };
        }
        case 'Pollers.Redfish': {
          const config = await redfishConfigFor(o, request);
          const data = await gate.run(redfishHostKey(config), signal, () => pollRedfish(config, command, { signal }));
          return { host: new URL(config.uri).host, ...data };
        }
        case 'Pollers.SNMP': {
          const target = snmpTargetFor(o, request);
          const oids = Array.isArray(request.config['oids']) ? (request.config['oids'] as unknown[]).filter((x): x is string => typeof x === 'string') : [];
          const data = await gate.run(snmpHostKey(target), signal, () => pollSnmp(target, command, oids, signal));
          return { host: target.host, ...data };
        }
      }
    },
  };
}
