/**
 * cluster.config.ts: what this deployment sets. Edit `deployment` below; every field, its default and
 * its meaning is in src/config/schema.ts.
 *
 * Precedence, later wins:
 *   schema defaults  ←  `deployment` (this file)  ←  the JSON file given to clusterConfig({ file })
 *   ←  MONORAIL_* environment variables (one per field: actors.askTimeoutMs is MONORAIL_ACTORS_ASK_TIMEOUT_MS).
 * Objects merge field by field; arrays such as cluster.members replace whole. Per-host values (memberId,
 * secrets.key, URLs with credentials) belong in the environment, not in this shared file.
 */
import { loadConfig } from './src/config/load-config.ts';
import type { ConfigLayer, MonorailConfig } from './src/config/schema.ts';

export const deployment: ConfigLayer = {
  cluster: {
    // A single host needs no members. For three management hosts sharing MongoDB and RabbitMQ, set
    // store.kind 'mongodb' and cluster.transport 'amqp', list the members, and give each host
    // MONORAIL_MEMBER_ID=<its id>:
    //   members: [
    //     { id: 'mgmt-a', host: '10.0.0.11' },
    //     { id: 'mgmt-b', host: '10.0.0.12' },
    //     { id: 'mgmt-c', host: '10.0.0.13' },
    //   ],
    members: [],
  },
};

/** The configuration of this member: defaults ← deployment ← file (JSON) ← env (process.env unless given). */
export function clusterConfig(opts: { file?: string; env?: NodeJS.ProcessEnv } = {}): Readonly<MonorailConfig> {
  return loadConfig({ layers: [deployment], file: opts.file, env: opts.env ?? process.env });
}
