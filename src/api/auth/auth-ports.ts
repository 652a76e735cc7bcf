/**
 * The account and session services the northbound APIs share: RackHD's `/api/2.0/users`, `/roles` and
 * `/login`, and Redfish's AccountService and SessionService are two faces of the same users, roles and
 * sessions. Implemented in src/api/auth/ (auth-service.ts builds them all); route groups depend only on
 * these interfaces.
 */
import type { Principal, Role } from '../northbound/api-route.ts';

export interface UserView {
  readonly username: string;
  /** The role's name: a built-in one (Administrator, Operator, ReadOnly) or a custom one. */
  readonly role: string;
  /** The role's privileges (Redfish and RackHD names). */
  readonly privileges: readonly string[];
  /** The access level routes grant this user; null when the role lacks the Login privilege. */
  readonly access: Role | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Opaque; changes on every update. Redfish serves it as the account's ETag. */
  readonly version: string;
  /**
   * The user must set a new password before doing anything else (Redfish ManagerAccount
   * PasswordChangeRequired; password-change.ts). Cleared by a new password. Absent means false.
   */
  readonly passwordChangeRequired?: boolean;
}

export interface UserDirectory {
  list(): Promise<UserView[]>;
  get(username: string): Promise<UserView | undefined>;
  /** Rejects with ConflictError when the name is taken, ValidationError for a weak password or unknown role. */
  create(user: { readonly username: string; readonly password: string; readonly role: string; readonly passwordChangeRequired?: boolean }): Promise<UserView>;
  /**
   * `ifMatch`: the version the caller saw (Redfish If-Match); a mismatch rejects with a PRECONDITION_FAILED
   * (412) error. Rejects with NotFoundError for an unknown user, ConflictError when it would leave no
   * Administrator. A new password revokes the user's tokens and Redfish sessions and clears
   * passwordChangeRequired (unless the same change sets it, as an Administrator resetting a password may);
   * while the flag is set, the new password must differ from the current one.
   */
  update(username: string, change: { readonly password?: string; readonly role?: string; readonly passwordChangeRequired?: boolean }, ifMatch?: string): Promise<UserView>;
  /** Also ends the user's sessions. Rejects with ConflictError for the last Administrator. */
  delete(username: string): Promise<boolean>;
  /**
   * The principal when the password is right; undefined otherwise (never says which part was wrong). Not
   * throttled: what answers a client uses PasswordLogin instead.
   */
  verify(username: string, password: string): Promise<Principal | undefined>;
}

export interface RoleView {
  readonly name: string;
  readonly privileges: readonly string[];
  /** RackHD's Administrator, Operator and ReadOnly (Redfish IsPredefined): never changed or deleted. */
  readonly builtIn: boolean;
  /** The access level the role grants; null without the Login privilege. */
  readonly access: Role | null;
}

export interface RoleDirectory {
  list(): Promise<RoleView[]>;
  get(name: string): Promise<RoleView | undefined>;
  /** Rejects with ConflictError when the name is taken. */
  create(role: { readonly name: string; readonly privileges: readonly string[] }): Promise<RoleView>;
  /** Rejects with NotFoundError, or ConflictError for a built-in role. */
  update(name: string, change: { readonly privileges: readonly string[] }): Promise<RoleView>;
  /** Rejects with ConflictError for a built-in role or one some user holds. */
  delete(name: string): Promise<boolean>;
}

/**
 * A password login as a client makes it (POST /login, Redfish session creation, Basic credentials):
 * throttled per username and per client address. Resolves the principal; rejects with UnauthorizedError
 * for wrong credentials (never saying which part) or LoginThrottledError (429, `retryAfterSeconds`) while
 * the username or the address is locked out.
 */
export interface PasswordLogin {
  login(username: string, password: string, address: string): Promise<Principal>;
}

/** RackHD's login token: a JWT naming the user, sent back as `Authorization: JWT <token>`. */
export interface TokenIssuer {
  issue(principal: Principal): Promise<{ readonly token: string; readonly expiresAt: string }>;
}

export interface SessionView {
  readonly id: string;
  readonly username: string;
  readonly createdAt: string;
  /** Sliding: each use moves it to now + auth.sessionTtlSeconds. */
  readonly expiresAt: string;
}

export interface SessionService {
  /** A new session for a verified user: its id (for `/Sessions/{id}`) and the token to send back once. */
  create(principal: Principal): Promise<{ readonly session: SessionView; readonly token: string }>;
  /** The principal a session token stands for, if the session exists and has not expired. */
  resolve(token: string): Promise<(Principal & { readonly sessionId: string }) | undefined>;
  list(): Promise<SessionView[]>;
  get(id: string): Promise<SessionView | undefined>;
  delete(id: string): Promise<boolean>;
}
