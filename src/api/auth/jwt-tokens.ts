/**
 * RackHD's login tokens: JWTs (RFC 7519) signed with HMAC-SHA256, as on-http's auth service made them
 * (`{user}` claim, HS256), with `sub`, `iat`, `exp`, `iss: monorail` and `gen`, the user's token
 * generation (a new password changes it, so tokens issued before stop working). The role is not trusted
 * from the token: the authenticator reads the user's current role on every request. Signing and
 * verification are jose's (algorithm pinned to HS256, so a token cannot choose `none` or another alg).
 */
import { randomBytes } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { UnauthorizedError } from '../../errors.ts';
import type { Principal } from '../northbound/api-route.ts';
import type { TokenIssuer } from './auth-ports.ts';

const ISSUER = 'monorail';

/** A compact JWS: three base64url parts. Anything else in a token header is a session token. */
export const jwtShape = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export interface JwtTokensOptions {
  readonly ttlSeconds: number;
  readonly now: () => number;
  /** The user's current token generation; undefined when the user does not exist. */
  readonly generationOf: (username: string) => Promise<string | undefined>;
}

export class JwtTokens implements TokenIssuer {
  constructor(private readonly key: Uint8Array, private readonly o: JwtTokensOptions) {}

  async issue(principal: Principal): Promise<{ token: string; expiresAt: string }> {
    const generation = await this.o.generationOf(principal.username);
    if (generation === undefined) throw new UnauthorizedError('no such user');
    const now = Math.floor(this.o.now() / 1000);
    const exp = now + this.o.ttlSeconds;
    const token = await new SignJWT({ user: principal.username, role: principal.role, gen: generation })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(principal.username)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .setJti(randomBytes(12).toString('base64url'))
      .sign(this.key);
    return { token, expiresAt: new Date(exp * 1000).toISOString() };
  }

  /** The username and generation a token names; UnauthorizedError when it is forged, malformed or expired. */
  async verify(token: string): Promise<{ readonly username: string; readonly generation: string }> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        currentDate: new Date(this.o.now()),
        requiredClaims: ['sub', 'exp', 'gen'],
      });
      if (typeof payload.sub !== 'string' || typeof payload['gen'] !== 'string') throw new UnauthorizedError('invalid token');
      return { username: payload.sub, generation: payload['gen'] };
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw new UnauthorizedError('token expired');
      if (e instanceof UnauthorizedError) throw e;
      // Which check failed (signature, claim, format) is not the caller's business.
      throw new UnauthorizedError('invalid token');
    }
  }
}
