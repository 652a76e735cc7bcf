/**
 * `GET /api/current/profiles` (also `/api/2.0/` and `/api/common/`): the iPXE script a machine runs next,
 * RackHD's southbound contract (rackhd.md §3.3). iPXE sends `macs` (one per NIC, any notation) and `ips`:
 *
 * - no MACs → `redirect.ipxe`, which collects them and asks again;
 * - otherwise the machine's node (found by any MAC, created on first contact) decides: `boot` renders the
 *   profile it names, `local` renders `boot-local.ipxe` (exit to the next boot device).
 *
 * The answer is always a script iPXE can run: when the node does not decide in time or a profile cannot
 * be produced, a script that waits and asks again, so a booting machine never falls over because
 * Monorail was briefly busy (RackHD answered 503s under load, RackHD#164).
 */
import type { Request, RequestHandler } from 'express';
import { isMac, normalizeMac } from '../../actors/lookup/mac-address.ts';
import { isMonorailError, ValidationError } from '../../errors.ts';
import type { Logger } from '../../logging/logger.ts';
import type { NodeDirectory } from '../../protocols/node-directory.ts';
import { localBootProfile } from '../../actors/node/boot-policy.ts';
import type { ProfileLibrary } from './profile-library.ts';
import { renderProfile, type ProfileContext } from './render-profile.ts';

export interface ProfilesRouteDeps {
  readonly directory: NodeDirectory;
  readonly library: ProfileLibrary;
  readonly log: Logger;
  /** Configured base URL of the southbound API; null derives it from the request's Host. */
  readonly baseUrl: string | null;
  readonly decisionTimeoutMs: number;
  /** `host:port` for the microkernel's syslog (`mk.syslog=`), or null when syslog is not served. */
  readonly syslogTarget?: string | null;
}

const MAX_MACS = 32;
const hostPattern = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;
const ipv4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

function list(value: unknown): string[] {
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  // `?macs=a,b` is accepted as well as repeated parameters.
  return items.flatMap((v) => (typeof v === 'string' ? v.split(',') : [])).map((v) => v.trim()).filter((v) => v !== '');
}

export function baseUrlOf(req: Request, configured: string | null): string {
  if (configured !== null) return configured.replace(/\/+$/, '');
  const host = req.headers.host ?? '';
  // The base URL is written into a script; a Host that is not a plain host[:port] could inject commands.
  if (!hostPattern.test(host)) throw new ValidationError('the Host header is not a host name or address', [{ path: 'Host', message: 'expected host[:port]' }]);
  return `${req.protocol}://${host}`;
}

const retryScript = (reason: string, url: string, seconds: number): string =>
  `#!ipxe\necho Monorail: ${reason.replace(/[^\w .:()-]/g, '')}; asking again in ${seconds} s\nsleep ${seconds}\nchain --replace ${url}\n`;

export function profilesRoute(deps: ProfilesRouteDeps): RequestHandler {
  return async (req, res) => {
    const base = baseUrlOf(req, deps.baseUrl);
    const api = { server: base, base: `${base}/api/current`, profiles: `${base}/api/current/profiles`, templates: `${base}/api/current/templates` };
    const rawMacs = list(req.query.macs);
    const rawIps = list(req.query.ips);
    if (rawMacs.length > MAX_MACS) throw new ValidationError(`at most ${MAX_MACS} MAC addresses`, [{ path: 'macs', message: 'too many' }]);
    const badMac = rawMacs.find((m) => !isMac(m));
    if (badMac !== undefined) throw new ValidationError(`"${badMac.slice(0, 40)}" is not a MAC address`, [{ path: 'macs', message: 'expected a MAC address' }]);
    const badIp = rawIps.find((ip) => !ipv4.test(ip));
    if (badIp !== undefined) throw new ValidationError(`"${badIp.slice(0, 40)}" is not an IPv4 address`, [{ path: 'ips', message: 'expected an IPv4 address' }]);
    const macs = rawMacs.map(normalizeMac);
    const ipAddress = rawIps[0];

    res.type('text/plain; charset=utf-8');
    if (macs.length === 0) {
      res.send(await render('redirect.ipxe', { nodeId: '', macaddress: '', macaddresses: [], options: {}, api }));
      return;
    }
    const self = `${api.profiles}?${[...macs.map((m) => `macs=${m}`), ...rawIps.map((ip) => `ips=${ip}`)].join('&')}`;
    let nodeId: string;
    try {
      ({ nodeId } = await deps.directory.resolveMachine(macs, ipAddress));
    } catch (e) {
      if (!isMonorailError(e) || !e.retryable) throw e;
      deps.log.warn({ err: e, macs }, 'profile request: node not resolved in time');
      res.setHeader('X-Monorail-Retry', e.code).send(retryScript('busy', self, 5));
      return;
    }
    const context: Omit<ProfileContext, 'options'> = {
      nodeId,
      macaddress: macs[0] ?? '',
      macaddresses: macs,
      ...(ipAddress === undefined ? {} : { ipaddress: ipAddress }),
      ...(deps.syslogTarget ? { syslog: deps.syslogTarget } : {}),
      api,
    };
    let profile: string;
    let options: Readonly<Record<string, unknown>> = {};
    try {
      const decision = await deps.directory.bootDecision(nodeId, { protocol: 'http', arch: 'unknown', firmware: 'ipxe', ...(ipAddress === undefined ? {} : { ipAddress }) }, deps.decisionTimeoutMs);
      if (decision.kind === 'local') profile = localBootProfile;
      else ({ profile, options } = decision);
    } catch (e) {
      if (!isMonorailError(e) || !e.retryable) throw e;
      deps.log.warn({ err: e, nodeId }, 'profile request: no boot decision in time');
      res.setHeader('X-Monorail-Retry', e.code).send(retryScript('node busy', self, 5));
      return;
    }
    deps.directory.observe(nodeId, { type: 'http.profile', profile, ...(ipAddress === undefined ? {} : { ipAddress }) });
    try {
      res.send(await render(profile, { ...context, options }));
    } catch (e) {
      deps.log.error({ err: e, nodeId, profile }, 'profile could not be produced');
      res.setHeader('X-Monorail-Retry', isMonorailError(e) ? e.code : 'ERROR').send(retryScript(`profile ${profile} unavailable`, self, 30));
    }
  };

  async function render(name: string, context: ProfileContext): Promise<string> {
    const doc = await deps.library.get(name);
    if (!doc) throw new ValidationError(`profile ${name} does not exist`, [{ path: 'profile', message: 'unknown profile' }]);
    return renderProfile(name, doc.contents, context);
  }
}
