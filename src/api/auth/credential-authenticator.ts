/**
 * Who is calling, from whatever credential the request carries, in this order:
 *  - `Authorization: JWT <token>` (RackHD) or `Authorization: Bearer <token>` (RFC 6750);
 *  - `Authorization: Basic …` (RFC 7617; Redfish DSP0266 §13.2.3, HTTPS only unless configured);
 *  - `X-Auth-Token: <token>` (Redfish sessions, DSP0266 §13.3);
 *  - `?auth_token=<token>` and a JSON body's `auth_token` (RackHD).
 * A token shaped like a JWT is a login token (jwt-tokens.ts), anything else a Redfish session token, in
 * whichever place it came. The user behind it is read on every request (cached briefly), so a deleted
 * user's tokens stop working and a role change applies at once. `auth_token` is taken out of the query
 * string and body once read, so it reaches neither the route's schemas nor a log line.
 *
 * A user whose password must change (password-change.ts) is authenticated, then refused (403) everything
 * but the way to a new password.
 *
 * RackHD's localhost exception: while no user exists, a request from the loopback address that no proxy
 * forwarded, creating a user, is let through as a bootstrap principal (`isBootstrap`); the route then
 * creates the first Administrator.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { UnauthorizedError } from '../../errors.ts';
import type { Logger } from '../../logging/logger.ts';
import type { Authenticator } from '../northbound/api-registry.ts';
import type { Principal } from '../northbound/api-route.ts';
import type { PasswordLogin } from './auth-ports.ts';
import { jwtShape, type JwtTokens } from './jwt-tokens.ts';
import { accountUriFor, allowedWhilePasswordChangeRequired, PasswordChangeRequiredError } from './password-change.ts';
import { LoginThrottledError } from './login-throttle.ts';
import type { StoredSessionService } from './session-service.ts';
import { TtlCache } from './ttl-cache.ts';
import type { StoredUserDirectory } from './user-directory.ts';

type Credential =
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string };

const MAX_CREDENTIAL_LENGTH = 4096;
/** Verified Basic credentials are remembered this long (as a keyed hash), so a client sending them on every request does not pay scrypt every time. */
const BASIC_CACHE_MS = 30_000;

/** The one request the localhost exception lets through: RackHD's `POST /api/2.0/users` (its route makes an Administrator). */
const userCreationPath = /^\/api\/(2\.0|current|common)\/users\/?$/;

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/i.test(address);
}

/** The address a client connected from (req.ip honours express's `trust proxy` when the operator sets it). */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

export interface CredentialAuthenticatorOptions {
  readonly enabled: boolean;
  readonly allowBasicOverHttp: boolean;
  readonly localhostException: boolean;
  readonly tokens: JwtTokens;
  readonly sessions: StoredSessionService;
  readonly users: StoredUserDirectory;
  readonly logins: PasswordLogin;
  readonly now: () => number;
  readonly log: Logger;
}

export class CredentialAuthenticator implements Authenticator {
  private readonly bootstrap = new WeakSet<Principal>();
  private readonly basicCache: TtlCache<{ readonly username: string; readonly generation: string }>;
  private readonly basicCacheKey = randomBytes(32);

  constructor(private readonly o: CredentialAuthenticatorOptions) {
    this.basicCache = new TtlCache(BASIC_CACHE_MS, 1000, o.now);
  }

  /** Whether this principal is the localhost exception's (no user yet, loopback, creating a user). */
  isBootstrap(principal: Principal | undefined): boolean {
    return principal !== undefined && this.bootstrap.has(principal);
  }

  async authenticate(req: Request): Promise<Principal | undefined> {
    if (!this.o.enabled) {
      try {
        takeCredential(req);
      } catch {
        // With auth off a malformed credential is as good as none; it is still taken out of query and body.
      }
      return { username: 'anonymous', role: 'Administrator', via: 'token' };
    }
    const credential = takeCredential(req);
    if (credential === undefined) return this.localhostException(req);
    const principal = credential.kind === 'token' ? await this.fromToken(credential.token) : await this.fromBasic(req, credential.username, credential.password);
    await this.passwordChangeGate(req, principal);
    return principal;
  }

  /** password-change.ts: a user who must change their password gets only the way to a new one. */
  private async passwordChangeGate(req: Request, principal: Principal): Promise<void> {
    const user = await this.o.users.accessFor(principal.username);
    if (user?.passwordChangeRequired !== true) return;
    const path = req.originalUrl.split('?')[0] ?? '';
    const ownsSession = async (id: string): Promise<boolean> => (await this.o.sessions.get(id))?.username === principal.username;
    if (await allowedWhilePasswordChangeRequired(req.method, path, principal.username, ownsSession)) return;
    this.o.log.info({ username: principal.username, method: req.method, path }, 'request refused: the password must be changed first');
    throw new PasswordChangeRequiredError(principal.username, accountUriFor(path, principal.username));
  }

  private async localhostException(req: Request): Promise<Principal | undefined> {
    if (!this.o.localhostException || req.method !== 'POST' || !userCreationPath.test(req.path)) return undefined;
    // A proxy on the same host makes every client look local; a forwarded request never qualifies.
    if (!isLoopback(req.socket.remoteAddress) || req.headers['x-forwarded-for'] !== undefined || req.headers['forwarded'] !== undefined) return undefined;
    if (!(await this.o.users.isEmpty())) return undefined;
    const principal: Principal = { username: '(localhost exception)', role: 'Administrator', via: 'token' };
    this.bootstrap.add(principal);
    return principal;
  }

  private async fromToken(token: string): Promise<Principal> {
    if (jwtShape.test(token)) {
      const claims = await this.o.tokens.verify(token);
      const user = await this.o.users.accessFor(claims.username);
      if (user === undefined || user.tokenGeneration !== claims.generation || user.access === null) throw new UnauthorizedError('invalid token');
      return { username: user.username, role: user.access, via: 'token' };
    }
    const session = await this.o.sessions.resolve(token);
    if (session === undefined) throw new UnauthorizedError('invalid or expired session');
    return session;
  }

  private async fromBasic(req: Request, username: string, password: string): Promise<Principal> {
    if (!req.secure && !this.o.allowBasicOverHttp) throw new UnauthorizedError('Basic credentials are accepted over HTTPS only');
    const key = createHmac('sha256', this.basicCacheKey).update(username).update('\0').update(password).digest('base64');
    const cached = this.basicCache.get(key);
    if (cached !== undefined) {
      const user = await this.o.users.accessFor(cached.username);
      if (user !== undefined && user.access !== null && user.tokenGeneration === cached.generation) return { username: user.username, role: user.access, via: 'basic' };
      this.basicCache.delete(key);
    }
    let principal: Principal;
    try {
      principal = await this.o.logins.login(username, password, clientAddress(req));
    } catch (e) {
      if (e instanceof LoginThrottledError) req.res?.setHeader('Retry-After', String(e.retryAfterSeconds));
      throw e;
    }
    const user = await this.o.users.accessFor(principal.username);
    if (user !== undefined) this.basicCache.set(key, { username: user.username, generation: user.tokenGeneration });
    return { ...principal, via: 'basic' };
  }
}

function malformed(what: string): UnauthorizedError {
  return new UnauthorizedError(`malformed ${what}`);
}

/** The credential a request carries (first by the order in the module comment); removes `auth_token` from query and body. */
function takeCredential(req: Request): Credential | undefined {
  const fromQuery = takeQueryToken(req);
  const fromBody = takeBodyToken(req);
  const authorization = req.headers.authorization;
  if (authorization !== undefined) return parseAuthorization(authorization);
  const xAuthToken = req.headers['x-auth-token'];
  if (xAuthToken !== undefined) {
    const token = Array.isArray(xAuthToken) ? undefined : xAuthToken.trim();
    if (token === undefined || token === '' || token.length > MAX_CREDENTIAL_LENGTH || /[\s,]/.test(token)) throw malformed('X-Auth-Token header');
    return { kind: 'token', token };
  }
  if (fromQuery !== undefined) return { kind: 'token', token: fromQuery };
  if (fromBody !== undefined) return { kind: 'token', token: fromBody };
  return undefined;
}

function parseAuthorization(header: string): Credential {
  if (header.length > MAX_CREDENTIAL_LENGTH) throw malformed('Authorization header');
  const m = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*) +([A-Za-z0-9._~+/-]+=*) *$/.exec(header);
  if (m === null) throw malformed('Authorization header');
  const [, scheme = '', value = ''] = m;
  switch (scheme.toLowerCase()) {
    case 'jwt':
    case 'bearer':
      return { kind: 'token', token: value };
    case 'basic': {
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) throw malformed('Basic credentials');
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      // RFC 7617 §2: the user-id cannot contain a colon; the password may.
      if (colon <= 0) throw malformed('Basic credentials');
      return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    default:
      throw new UnauthorizedError(`unsupported authorization scheme ${JSON.stringify(scheme.slice(0, 20))} (use JWT, Bearer or Basic)`);
  }
}

/** `?auth_token=`: read, then cut out of req.url and req.originalUrl so later query parsing and logs never see it. */
function takeQueryToken(req: Request): string | undefined {
  const question = req.url.indexOf('?');
  if (question < 0 || !req.url.includes('auth_token')) return undefined;
  const params = new URLSearchParams(req.url.slice(question + 1));
  const values = params.getAll('auth_token');
  if (values.length === 0) return undefined;
  params.delete('auth_token');
  const rest = params.toString();
  req.url = `${req.url.slice(0, question)}${rest === '' ? '' : `?${rest}`}`;
  const originalQuestion = req.originalUrl.indexOf('?');
  if (originalQuestion >= 0) {
    const original = new URLSearchParams(req.originalUrl.slice(originalQuestion + 1));
    original.delete('auth_token');
    const originalRest = original.toString();
    req.originalUrl = `${req.originalUrl.slice(0, originalQuestion)}${originalRest === '' ? '' : `?${originalRest}`}`;
  }
  const [token] = values;
  if (values.length > 1 || token === undefined || token === '' || token.length > MAX_CREDENTIAL_LENGTH) throw malformed('auth_token query parameter');
  return token;
}

function takeBodyToken(req: Request): string | undefined {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !Object.hasOwn(body, 'auth_token')) return undefined;
  const record = body as Record<string, unknown>;
  const token = record['auth_token'];
  delete record['auth_token'];
  if (typeof token !== 'string' || token === '' || token.length > MAX_CREDENTIAL_LENGTH) throw malformed('auth_token body field');
  return token;
}

