/**
 * What makes a poller valid, checked by the entity before anything is journaled (the API checks the
 * body's shape with its JSON schema first; this is the part a schema cannot say: which commands each
 * kind has, and which config a source needs when no node OBM provides it). Every problem is named by
 * its field, as a ValidationError (HTTP 400).
 */
import { ValidationError } from '../../errors.ts';
import { isSealed } from '../secret-port.ts';
import { pollerCommands, pollerNames, type PollerConfig, type PollerName, type PollerPatch, type PollerSpec } from './poller-protocol.ts';

/** RackHD polled every 60 s by default; below a second a BMC is hammered, beyond a week a poller is forgotten. */
export const MIN_POLL_INTERVAL_MS = 1_000;
export const MAX_POLL_INTERVAL_MS = 7 * 24 * 3600 * 1000;
export const DEFAULT_POLL_INTERVAL_MS = 60_000;
const MAX_WALK_OIDS = 32;
const OID = /^\.?\d+(\.\d+){1,127}$/;

type Problem = { path: string; message: string };

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 1024;
/** A secret field: clear text from the API (sealed before the entity sees it) or already sealed. */
const isSecret = (v: unknown): boolean => isSealed(v) || (typeof v === 'string' && v.length <= 1024);

function checkInterval(v: unknown, path: string, problems: Problem[]): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < MIN_POLL_INTERVAL_MS || v > MAX_POLL_INTERVAL_MS) {
    problems.push({ path, message: `must be an integer number of milliseconds from ${MIN_POLL_INTERVAL_MS} to ${MAX_POLL_INTERVAL_MS}` });
  }
}

function checkConfig(name: PollerName, config: PollerConfig, hasNode: boolean, path: string, problems: Problem[]): void {
  const commands: readonly string[] = pollerCommands[name];
  if (!commands.includes(config.command)) {
    problems.push({ path: `${path}.command`, message: `must be one of ${commands.join(', ')} for ${name}` });
    return;
  }
  const c = config as Readonly<Record<string, unknown>>;
  const optionalPort = (key: string) => {
    const v = c[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535)) problems.push({ path: `${path}.${key}`, message: 'must be an integer 1-65535' });
  };
  switch (name) {
    case 'Pollers.IPMI':
      // RackHD's library: host/user/password, else the node's ipmi-obm-service settings.
      if (c['host'] !== undefined && !isText(c['host'])) problems.push({ path: `${path}.host`, message: 'must be a host name or address' });
      if (c['host'] === undefined && !hasNode) problems.push({ path: `${path}.host`, message: 'is required for a poller without a node (or give the node, whose OBM settings are used)' });
      if (c['user'] !== undefined && !isText(c['user'])) problems.push({ path: `${path}.user`, message: 'must be a non-empty string' });
      if (c['password'] !== undefined && !isSecret(c['password'])) problems.push({ path: `${path}.password`, message: 'must be a string' });
      optionalPort('port');
      break;
    case 'Pollers.Redfish':
      if (c['uri'] !== undefined && !isText(c['uri'])) problems.push({ path: `${path}.uri`, message: 'must be the BMC\'s Redfish URL' });
      if (c['uri'] === undefined && !hasNode) problems.push({ path: `${path}.uri`, message: 'is required for a poller without a node (or give the node, whose OBM settings are used)' });
      if (c['username'] !== undefined && !isText(c['username'])) problems.push({ path: `${path}.username`, message: 'must be a non-empty string' });
      if (c['password'] !== undefined && !isSecret(c['password'])) problems.push({ path: `${path}.password`, message: 'must be a string' });
      break;
    case 'Pollers.SNMP': {
      if (!isText(c['host'])) problems.push({ path: `${path}.host`, message: 'is required: the agent\'s host name or address' });
      const community = c['community'] ?? c['communityString'];
      if (community !== undefined && !isSecret(community)) problems.push({ path: `${path}.community`, message: 'must be a string' });
      if (c['version'] !== undefined && c['version'] !== '1' && c['version'] !== '2c') problems.push({ path: `${path}.version`, message: 'must be "1" or "2c"' });
      optionalPort('port');
      if (config.command === 'walk') {
        const oids = c['oids'];
        if (!Array.isArray(oids) || oids.length === 0 || oids.length > MAX_WALK_OIDS || !oids.every((o) => typeof o === 'string' && OID.test(o))) {
          problems.push({ path: `${path}.oids`, message: `must be 1-${MAX_WALK_OIDS} numeric OIDs such as 1.3.6.1.2.1.1` });
        }
      }
      break;
    }
  }
  const timeout = c['timeoutMs'];
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > 600_000)) problems.push({ path: `${path}.timeoutMs`, message: 'must be an integer 1-600000' });
}

export function validatePollerSpec(spec: PollerSpec, path = 'body'): void {
  const problems: Problem[] = [];
  if (!(pollerNames as readonly string[]).includes(spec.name)) problems.push({ path: `${path}.name`, message: `must be one of ${pollerNames.join(', ')}` });
  else if (typeof spec.config !== 'object' || spec.config === null || typeof spec.config.command !== 'string') problems.push({ path: `${path}.config.command`, message: 'is required' });
  else checkConfig(spec.name, spec.config, spec.node !== undefined, `${path}.config`, problems);
  checkInterval(spec.pollInterval, `${path}.pollInterval`, problems);
  if (spec.node !== undefined && !isText(spec.node)) problems.push({ path: `${path}.node`, message: 'must be a node id' });
  if (problems.length > 0) throw new ValidationError(`invalid poller: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, problems);
}

export function validatePollerPatch(name: PollerName, hasNode: boolean, patch: PollerPatch, path = 'body'): void {
  const problems: Problem[] = [];
  if (patch.pollInterval !== undefined) checkInterval(patch.pollInterval, `${path}.pollInterval`, problems);
  if (patch.config !== undefined) {
    if (typeof patch.config.command !== 'string') problems.push({ path: `${path}.config.command`, message: 'is required in a new config' });
    else checkConfig(name, patch.config, hasNode, `${path}.config`, problems);
  }
  if (problems.length > 0) throw new ValidationError(`invalid poller change: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, problems);
}
