/**
 * The HTTP rules every Redfish URI follows, around the routes the registry mounts:
 *
 * - `before` (mounted at `/redfish` ahead of the routes): `OData-Version: 4.0` and `Cache-Control` on every
 *   response (DSP0266 §8.2), a request `OData-Version` other than 4.0 refused with 412 (§7.1), an `Accept`
 *   that allows no JSON (or XML for `$metadata`) refused with 406, and the query rules of §7.3
 *   (query/query-options.ts: 400 for a value outside a parameter's grammar, 501 for an unsupported `$`
 *   parameter); the query itself is answered around each GET (query/resource-query.ts).
 * - `notFound` (after the routes): a URI some route serves but not with this method gets 405 with `Allow`;
 *   any other URI 404 ResourceMissingAtURI — after authentication, so a stranger learns nothing (§13).
 * - `errors` (before the general error handler): every error on a Redfish URI as the §8.6 error body.
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { ForbiddenError, MonorailError, UnauthorizedError, ValidationError } from '../../errors.ts';
import type { Logger } from '../../logging/logger.ts';
import { PasswordChangeRequiredError } from '../auth/password-change.ts';
import type { Authenticator } from '../northbound/api-registry.ts';
import { baseMessage, type RedfishMessage } from './message-registries.ts';
import { errorBody, fail, RedfishError } from './redfish-error.ts';
import { parseQueryOptions } from './query/query-options.ts';
import type { RouteTable } from './route-table.ts';

export { TOP_SKIP_MAX } from './query/query-options.ts';
const REFUSAL = 'redfishRefusal';

/** A header or query refusal `before` found, for the route to raise once the caller is authenticated. */
export function refusalOf(res: Response): RedfishError | undefined {
  const r: unknown = res.locals[REFUSAL];
  return r instanceof RedfishError ? r : undefined;
}
/** RFC 7235 §4.1; sessions (X-Auth-Token) have no challenge scheme of their own. */
const CHALLENGE = 'Basic realm="Redfish"';

export interface RedfishHttp {
  readonly before: RequestHandler;
  readonly notFound: RequestHandler;
  readonly errors: ErrorRequestHandler;
}

export function redfishHttp(o: { readonly table: RouteTable; readonly log: Logger; readonly authenticator?: Authenticator }): RedfishHttp {
  return {
    before: (req, res, next) => {
      res.setHeader('OData-Version', '4.0');
      res.setHeader('Cache-Control', 'no-cache');
      try {
        const odataVersion = req.headers['odata-version'];
        if (typeof odataVersion === 'string' && odataVersion.trim() !== '4.0') throw fail(412, 'HeaderInvalid', ['OData-Version']);
        const accept = req.headers.accept;
        if (accept !== undefined && !acceptsAny(accept, req.path.endsWith('/$metadata') ? ['application/xml', 'application/json'] : ['application/json'])) {
          throw fail(406, 'HeaderInvalid', ['Accept']);
        }
        parseQueryOptions(req.query);
      } catch (e) {
        // Authentication comes first (DSP0266 §13.2.1, SEC_HEADERS_FIRST): the refusal waits until the route
        // (or notFound) has authenticated the caller; see `refusalOf`.
        if (!(e instanceof RedfishError)) throw e;
        res.locals[REFUSAL] = e;
      }
      next();
    },

    notFound: async (req, res) => {
      if (o.authenticator !== undefined) {
        const principal = await o.authenticator.authenticate(req).catch((e: unknown) => {
          if (e instanceof UnauthorizedError && !(e instanceof PasswordChangeRequiredError)) return undefined;
          throw e;
        });
        const anonymousRoot = req.path === '/' || req.path === '' || /^\/v1\/?$/.test(req.path);
        if (principal === undefined && !anonymousRoot) throw fail(401, 'NoValidSession', [], undefined, { 'WWW-Authenticate': CHALLENGE });
      }
      const refusal = refusalOf(res);
      if (refusal !== undefined) throw refusal;
      const uri = `${req.baseUrl}${req.path}`;
      const allow = o.table.allowOf(uri);
      if (allow !== undefined) {
        res.setHeader('Allow', allow.join(', '));
        throw fail(405, 'OperationNotAllowed', [], undefined, { Allow: allow.join(', ') });
      }
      throw fail(404, 'ResourceMissingAtURI', [uri]);
    },

    errors: (err: unknown, req, res, next) => {
      if (!req.originalUrl.startsWith('/redfish')) {
        next(err);
        return;
      }
      const { status, messages, headers } = redfishErrorOf(err, req);
      if (status >= 500) o.log.error({ err, method: req.method, url: req.originalUrl }, 'redfish request failed');
      else o.log.debug({ status, messageIds: messages.map((m) => m.MessageId), method: req.method, url: req.originalUrl }, 'redfish request refused');
      if (res.headersSent) return;
      // The credentials were right (the registry's challenge came from the error being an UnauthorizedError).
      if (err instanceof PasswordChangeRequiredError) res.removeHeader('WWW-Authenticate');
      res.setHeader('OData-Version', '4.0');
      res.setHeader('Cache-Control', 'no-cache');
      for (const [k, v] of Object.entries(headers)) {
        // The registry's challenge (naming every scheme the authenticator takes) is kept when it set one.
        if (k === 'WWW-Authenticate' && res.hasHeader(k)) continue;
        res.setHeader(k, v);
      }
      writeJson(res, status, errorBody(messages));
    },
  };
}

function writeJson(res: Response, status: number, body: unknown): void {
  res.status(status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

/**
 * Whether an Accept header (RFC 9110 §12.5.1) admits one of `types`: media ranges with q > 0, their
 * parameters (`charset=utf-8`) ignored, as every representation here is UTF-8. An empty header admits all.
 */
export function acceptsAny(header: string, types: readonly string[]): boolean {
  const ranges = header.split(',').map((r) => r.trim()).filter((r) => r !== '');
  if (ranges.length === 0) return true;
  return ranges.some((range) => {
    const [media = '', ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) return false;
    const [type, subtype] = media.split('/');
    return types.some((t) => {
      const [tt, ts] = t.split('/');
      return (type === '*' && subtype === '*') || (type === tt && (subtype === '*' || subtype === ts || (subtype !== undefined && subtype.endsWith('+json') && ts === 'json')));
    });
  });
}

interface Translated {
  readonly status: number;
  readonly messages: readonly RedfishMessage[];
  readonly headers: Readonly<Record<string, string>>;
}

/** Any error that reached a Redfish URI, as a status and Base registry messages. */
export function redfishErrorOf(err: unknown, req: Request): Translated {
  const uri = `${req.baseUrl}${req.path}`;
  if (err instanceof RedfishError) return { status: err.status, messages: err.messages, headers: err.headers };
  // SEC_PWD_CHANGE_REQ_DISALLOW_ALL_OTHERS: 403 with the Base registry's PasswordChangeRequired message.
  if (err instanceof PasswordChangeRequiredError) return { status: 403, messages: [baseMessage('PasswordChangeRequired', [err.accountUri])], headers: {} };
  if (err instanceof UnauthorizedError) return { status: 401, messages: [baseMessage('NoValidSession')], headers: { 'WWW-Authenticate': CHALLENGE } };
  if (err instanceof ForbiddenError) return { status: 403, messages: [baseMessage('InsufficientPrivilege')], headers: {} };
  if (err instanceof ValidationError) {
    // A path parameter the route's schema refuses (an id too long, say) names no resource there is.
    if (err.errors.length > 0 && err.errors.every((e) => e.path.startsWith('params'))) return { status: 404, messages: [baseMessage('ResourceMissingAtURI', [uri])], headers: {} };
    const fields = err.errors.map((e) => e.path.replace(/^body\.?/, '')).filter((p) => p !== '' && !p.startsWith('params') && !p.startsWith('query'));
    if (err.errors.some((e) => e.path === 'body')) return { status: 400, messages: [baseMessage('UnrecognizedRequestBody')], headers: {} };
    if (fields.length === 0) return { status: 400, messages: [baseMessage('GeneralError')], headers: {} };
    return { status: 400, messages: fields.map((f) => baseMessage('PropertyValueError', [f], [`/${f.split('.').join('/')}`])), headers: {} };
  }
  if (err instanceof MonorailError) {
    switch (err.code) {
      case 'NOT_FOUND':
        return { status: 404, messages: [baseMessage('ResourceMissingAtURI', [uri])], headers: {} };
      case 'WORKFLOW_CONFLICT':
      case 'CONFLICT':
      case 'DUPLICATE_KEY':
      case 'INVALID_TRANSITION':
        return { status: 409, messages: [baseMessage('ResourceInUse')], headers: {} };
      case 'UNSUPPORTED_MEDIA_TYPE':
        return { status: 415, messages: [baseMessage('HeaderInvalid', ['Content-Type'])], headers: {} };
      case 'PAYLOAD_TOO_LARGE':
        return { status: 413, messages: [baseMessage('PayloadTooLarge')], headers: {} };
      case 'TOO_MANY_REQUESTS': {
        const after = String(Number(err.details['retryAfterSeconds'] ?? 1) || 1);
        return { status: 429, messages: [baseMessage('ServiceTemporarilyUnavailable', [after])], headers: { 'Retry-After': after } };
      }
      default:
        if (err.httpStatus === 412) return { status: 412, messages: [baseMessage('PreconditionFailed')], headers: {} };
        if (err.httpStatus === 503) return { status: 503, messages: [baseMessage('ServiceTemporarilyUnavailable', ['1'])], headers: { 'Retry-After': '1' } };
        if (err.httpStatus < 500) return { status: err.httpStatus, messages: [baseMessage('GeneralError')], headers: {} };
        return { status: 500, messages: [baseMessage('InternalError')], headers: {} };
    }
  }
  // body-parser: a body that is not JSON, or is too large for the route.
  const e = (typeof err === 'object' && err !== null ? err : {}) as { status?: unknown; type?: unknown };
  if (e.type === 'entity.parse.failed') return { status: 400, messages: [baseMessage('MalformedJSON')], headers: {} };
  if (e.type === 'entity.too.large') return { status: 413, messages: [baseMessage('PayloadTooLarge')], headers: {} };
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return { status: e.status, messages: [e.status === 415 ? baseMessage('HeaderInvalid', ['Content-Type']) : baseMessage('UnrecognizedRequestBody')], headers: {} };
  }
  return { status: 500, messages: [baseMessage('InternalError')], headers: {} };
}
