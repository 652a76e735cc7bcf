/**
 * Where a poll's credentials come from: the poller's own config (RackHD's poller library: host, user,
 * password for IPMI; uri, username, password for Redfish; host and community for SNMP), its secrets
 * sealed by the poller service, else the node's OBM record for that service (sealed with the member's
 * SecretBox, src/secrets/obm-credentials.ts). Clear text exists only for the length of one poll.
 */
import type { IpmiObmConfig, ObmServiceName, RedfishObmConfig } from '../actors/obm/obm-port.ts';
import type { PollRequest } from '../actors/poller/poller-port.ts';
import { openSecret, type SecretSealer } from '../actors/secret-port.ts';
import { NotFoundError } from '../errors.ts';
import type { ObmDoc } from '../persistence/collections.ts';
import type { DocumentCollection } from '../persistence/document-store.ts';
import { openObmSettings } from '../secrets/obm-credentials.ts';
import type { SecretBox } from '../secrets/secret-box.ts';

export interface CredentialDeps {
  readonly obms: DocumentCollection<ObmDoc>;
  readonly box: SecretBox;
  readonly sealer: SecretSealer;
}

export interface SnmpTarget {
  readonly host: string;
  readonly port: number;
  readonly community: string;
  readonly version: '1' | '2c';
  readonly timeoutMs: number;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);

async function nodeObm(d: CredentialDeps, request: PollRequest, service: ObmServiceName): Promise<Readonly<Record<string, unknown>>> {
  if (request.node === undefined) throw new NotFoundError(`${service} settings for poller`, request.pollerId);
  const doc = await d.obms.findOne({ node: request.node, service });
  if (doc === undefined) throw new NotFoundError(`${service} settings of node`, request.node);
  return openObmSettings({ service, config: doc.config }, d.box).config as unknown as Readonly<Record<string, unknown>>;
}

export async function ipmiConfigFor(d: CredentialDeps, request: PollRequest): Promise<IpmiObmConfig> {
  const c = request.config as Readonly<Record<string, unknown>>;
  const timeoutMs = int(c['timeoutMs']);
  if (str(c['host']) === undefined) {
    const obm = (await nodeObm(d, request, 'ipmi-obm-service')) as unknown as IpmiObmConfig;
    return timeoutMs === undefined ? obm : { ...obm, timeoutMs };
  }
  const cipherSuite = int(c['cipherSuite']);
  const port = int(c['port']);
  return {
    host: c['host'] as string,
    // RackHD's poller library defaults user and password to admin.
    user: str(c['user']) ?? 'admin',
    password: openSecret(c['password'], d.sealer) ?? 'admin',
    ...(port === undefined ? {} : { port }),
    ...(cipherSuite === undefined ? {} : { cipherSuite }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
}

export async function redfishConfigFor(d: CredentialDeps, request: PollRequest): Promise<RedfishObmConfig> {
  const c = request.config as Readonly<Record<string, unknown>>;
  const timeoutMs = int(c['timeoutMs']);
  if (str(c['uri']) === undefined) {
    const obm = (await nodeObm(d, request, 'redfish-obm-service')) as unknown as RedfishObmConfig;
    return timeoutMs === undefined ? obm : { ...obm, timeoutMs };
  }
  return {
    uri: c['uri'] as string,
    username: str(c['username']) ?? str(c['user']) ?? 'admin',
    password: openSecret(c['password'], d.sealer) ?? 'admin',
    ...(typeof c['verifySSL'] === 'boolean' ? { verifySSL: c['verifySSL'] } : {}),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
}

export function snmpTargetFor(d: CredentialDeps, request: PollRequest): SnmpTarget {
  const c = request.config as Readonly<Record<string, unknown>>;
  return {
    host: String(c['host']),
    port: int(c['port']) ?? 161,
    // RackHD's ibm field is `community`, its poller library's `communityString`.
    community: openSecret(c['community'] ?? c['communityString'], d.sealer) ?? 'public',
    version: c['version'] === '1' ? '1' : '2c',
    timeoutMs: int(c['timeoutMs']) ?? 5_000,
  };
}
