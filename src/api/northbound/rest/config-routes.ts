/**
 * `/api/2.0/config`: the member's configuration, without secrets — secret fields (the credentials key, the
 * broker and database URLs, any password or token) are redacted by name as in the logs, and any other URL that
 * carries credentials loses them. RackHD's PATCH changed on-http's copy in memory only, which other processes
 * never saw and a restart forgot; a member's configuration is validated once and frozen, so PATCH and PUT
 * answer 405 saying where configuration is changed.
 */
import { redactSecrets } from '../../../logging/logger.ts';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { AnyObject } from './common-schemas.ts';

/** `scheme://user:pass@host` → `scheme://[redacted]@host`, in every string at any depth. */
function withoutUrlCredentials(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1[redacted]@');
  if (Array.isArray(value)) return value.map(withoutUrlCredentials);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutUrlCredentials(v)]));
  return value;
}

export function shownConfig(config: unknown): unknown {
  return withoutUrlCredentials(redactSecrets(config));
}

const readOnly = (method: 'patch' | 'put') =>
  route({
    method,
    path: '/config',
    summary: 'Refused (405): configuration is read at start from the config file and MONORAIL_* environment variables',
    tag: 'config',
    access: 'Administrator',
    responses: { 405: { description: 'The configuration is read-only at run time', schema: ErrorBody } },
    handler: () => ({
      status: 405,
      headers: { Allow: 'GET' },
      body: {
        message: 'the configuration is read-only while the member runs: change the configuration file or MONORAIL_* environment variables and restart the member',
        status: 405,
      },
    }),
  });

export function configRoutes(ports: NorthboundPorts): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/config',
      summary: 'The member\'s configuration, secrets redacted',
      tag: 'config',
      access: 'ReadOnly',
      responses: { 200: { description: 'The configuration', schema: AnyObject } },
      handler: () => ({ status: 200, body: shownConfig(ports.config) }),
    }),
    readOnly('patch'),
    readOnly('put'),
  ];
}
