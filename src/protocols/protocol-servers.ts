/**
 * The protocol servers a member runs, chosen by configuration. One line per server kind; `startMonorail`
 * starts what this returns after the actor system is up and stops it first on shutdown.
 */
import type { MonorailConfig } from '../config/schema.ts';
import type { Logger } from '../logging/logger.ts';
import type { EntityBehavior, Message } from '../actors/runtime/entity.ts';
import type { EntityRouter } from '../actors/runtime/entity-router.ts';
import type { NodeDirectory } from './node-directory.ts';
import type { ProtocolServer } from './protocol-server.ts';
import type { ProtocolTimings } from './protocol-timings.ts';
import { createSyslogServer } from './syslog/syslog-server.ts';
import { createDhcpServer } from './dhcp/dhcp-server.ts';
import { createTftpServer } from './tftp/tftp-server.ts';

export interface ProtocolServerDeps {
  readonly config: MonorailConfig;
  readonly directory: NodeDirectory;
  readonly log: Logger;
  /** A router for an entity kind a protocol owns (e.g. DHCP lease pools), on the member's actor system. */
  readonly entities: <S, C extends Message, E extends Message>(behavior: EntityBehavior<S, C, E>) => EntityRouter<C>;
  /** Where request and transfer durations go (metrics), when anyone listens. */
  readonly timings?: ProtocolTimings;
}

export function protocolServers(deps: ProtocolServerDeps): ProtocolServer[] {
  const servers: ProtocolServer[] = [];
  // Each server kind adds itself here when its configuration enables it, e.g.:
  // if (deps.config.syslog.enabled) servers.push(createSyslogServer(deps));
  if (deps.config.syslog.enabled) servers.push(createSyslogServer(deps));
  if (deps.config.dhcp.enabled) servers.push(createDhcpServer(deps));
  if (deps.config.tftp.enabled) servers.push(createTftpServer(deps));
  void deps;
  return servers;
}
