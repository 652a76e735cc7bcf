/**
 * PasswordChangeRequired (DSP0266 §13.3.7, ManagerAccount.PasswordChangeRequired; the Base registry's
 * PasswordChangeRequired message): while a user's flag is set, logging in works — a session, a token or
 * Basic credentials — but the only requests served are the ones that lead to a new password: reading one's
 * own account, changing its password (which clears the flag), ending one's own session, and the documents
 * anyone may read (the Redfish service root, `/redfish`, `odata`, `$metadata`) and the logins themselves.
 * Everything else is refused with 403 and a message saying where to change the password, on the REST API
 * (`/api/2.0/users/<name>`) and on Redfish (`/redfish/v1/AccountService/Accounts/<name>`) alike.
 */
import { UnauthorizedError } from '../../errors.ts';

/**
 * Thrown by the authenticator for a request the flag does not allow. It is an UnauthorizedError so that a
 * public route treats such a caller as anonymous (the registry ignores failed credentials there) rather
 * than refusing what needs no credentials at all; everywhere else it answers 403, not 401: the credentials
 * are right, the account may just not do this yet.
 */
export class PasswordChangeRequiredError extends UnauthorizedError {
  constructor(
    readonly username: string,
    /** The account URI of the API the request came to, where the password is changed. */
    readonly accountUri: string,
  ) {
    super(`the password of ${username} must be changed before anything else: PATCH ${accountUri} with a new password`);
  }

  override get httpStatus(): number {
    return 403;
  }
}

const REST_BASE = '/api/(?:2\\.0|current|common)';
const REDFISH_ACCOUNTS = '/redfish/v1/AccountService/Accounts/';

/** Where `username` changes their password, on the API `path` belongs to. */
export function accountUriFor(path: string, username: string): string {
  const rest = new RegExp(`^(${REST_BASE})/`, 'i').exec(path);
  if (rest !== null) return `${rest[1] ?? '/api/2.0'}/users/${username}`;
  return path.toLowerCase().startsWith('/redfish') ? `${REDFISH_ACCOUNTS}${username}` : `/api/2.0/users/${username}`;
}

const PUBLIC_DOCUMENTS = /^\/redfish(\/v1(\/|\/odata\/?|\/\$metadata\/?)?)?$/i;
const LOGINS = new RegExp(`^(${REST_BASE})?/login/?$|^/redfish/v1/SessionService/Sessions(/Members)?/?$`, 'i');
const SESSION = /^\/redfish\/v1\/SessionService\/Sessions\/([^/]+)\/?$/i;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether a request of a user whose password must change is one the flag allows (see the file comment).
 * `path` is the request's full path without its query; `ownsSession` says whether a session id is theirs.
 * A PATCH of one's own account is let through here; the account routes refuse it when it changes anything
 * but the password.
 */
export async function allowedWhilePasswordChangeRequired(method: string, path: string, username: string, ownsSession: (id: string) => Promise<boolean>): Promise<boolean> {
  const m = method.toUpperCase();
  const read = m === 'GET' || m === 'HEAD';
  if (read && PUBLIC_DOCUMENTS.test(path)) return true;
  if (m === 'POST' && LOGINS.test(path)) return true;
  const own = new RegExp(`^(?:${REST_BASE}/users|/redfish/v1/AccountService/Accounts)/${escape(username)}/?$`, 'i');
  if ((read || m === 'PATCH') && own.test(path)) {
    // The name in the path is compared exactly: the directory looks users up by their exact name.
    return path.replace(/\/+$/, '').endsWith(`/${username}`);
  }
  const session = SESSION.exec(path);
  if (m === 'DELETE' && session !== null && session[1] !== undefined && session[1].toLowerCase() !== 'members') return ownsSession(session[1]);
  return false;
}
