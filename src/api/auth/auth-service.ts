/**
 * Authentication assembled from configuration (`auth.*`): the built-in roles written, the token key
 * loaded or generated, the first Administrator created from `auth.initialAdmin` while no user exists, and
 * the directories, sessions, tokens, throttled logins and the authenticator handed to the API.
 */
import { isMonorailError, ValidationError } from '../../errors.ts';
import type { MonorailConfig } from '../../config/schema.ts';
import type { Logger } from '../../logging/logger.ts';
import type { DocumentStore } from '../../persistence/document-store.ts';
import type { PasswordLogin } from './auth-ports.ts';
import { CredentialAuthenticator } from './credential-authenticator.ts';
import { JwtTokens } from './jwt-tokens.ts';
import { LoginThrottle } from './login-throttle.ts';
import { ThrottledPasswordLogin } from './password-login.ts';
import { StoredRoleDirectory } from './role-directory.ts';
import { StoredSessionService } from './session-service.ts';
import { loadTokenSecret } from './token-secret.ts';
import { StoredUserDirectory } from './user-directory.ts';

export interface Auth {
  readonly users: StoredUserDirectory;
  readonly roles: StoredRoleDirectory;
  readonly sessions: StoredSessionService;
  readonly tokens: JwtTokens;
  readonly logins: PasswordLogin;
  readonly authenticator: CredentialAuthenticator;
  readonly settings: MonorailConfig['auth'];
}

export interface AuthDeps {
  readonly documents: DocumentStore;
  readonly config: Pick<MonorailConfig, 'auth' | 'dataDir'>;
  readonly log: Logger;
  /** The clock tokens, sessions and lockouts are measured by; Date.now unless a test moves time. */
  readonly now?: () => number;
  /** How long a user's or role's record read for a request may be reused (this member's own changes apply at once). */
  readonly cacheMs?: number;
}

export async function openAuth(deps: AuthDeps): Promise<Auth> {
  const settings = deps.config.auth;
  const now = deps.now ?? Date.now;
  const log = deps.log.child({ component: 'auth' });
  const cacheMs = deps.cacheMs ?? 1000;
  const roles = new StoredRoleDirectory(deps.documents, { cacheMs, now });
  await roles.ensureBuiltIns();
  const users = new StoredUserDirectory(deps.documents, roles, { hashCost: settings.passwordHashCost, cacheMs, now, log });
  const sessions = new StoredSessionService(deps.documents, users, { ttlSeconds: settings.sessionTtlSeconds, now, log });
  const tokens = new JwtTokens(loadTokenSecret(settings.tokenSecret, deps.config.dataDir, log), {
    ttlSeconds: settings.tokenTtlSeconds,
    now,
    generationOf: async (username) => (await users.accessFor(username))?.tokenGeneration,
  });
  const logins = new ThrottledPasswordLogin(users, new LoginThrottle(settings.throttle, now), log);
  const authenticator = new CredentialAuthenticator({
    enabled: settings.enabled,
    allowBasicOverHttp: settings.allowBasicOverHttp,
    localhostException: settings.localhostException,
    tokens,
    sessions,
    users,
    logins,
    now,
    log,
  });
  await createInitialAdmin(users, settings.initialAdmin, log);
  if (!settings.enabled) log.warn('auth.enabled is false: every northbound caller is treated as an Administrator');
  return { users, roles, sessions, tokens, logins, authenticator, settings };
}

async function createInitialAdmin(users: StoredUserDirectory, initial: MonorailConfig['auth']['initialAdmin'], log: Logger): Promise<void> {
  if (initial.password === null) {
    if (await users.isEmpty()) log.warn('no user exists and auth.initialAdmin.password is not set: create the first Administrator with POST /api/2.0/users from this host (localhost exception)');
    return;
  }
  if (!(await users.isEmpty())) return;
  try {
    await users.createFirst({ username: initial.username, password: initial.password });
    log.info({ username: initial.username }, 'created the initial Administrator from auth.initialAdmin');
  } catch (e) {
    // Another member created the first user at the same time.
    if (isMonorailError(e, 'CONFLICT')) return;
    if (e instanceof ValidationError) throw new ValidationError(`auth.initialAdmin: ${e.message}`, e.errors);
    throw e;
  }
}
