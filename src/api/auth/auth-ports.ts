/**
 * The account and session services the northbound APIs share: RackHD's `/api/2.0/users`, `/roles` and
 * `/login`, and Redfish's AccountService and SessionService are two faces of the same users and sessions.
 * Implemented in src/api/auth/; the REST and Redfish route groups depend only on these interfaces.
 */
import type { Principal, Role } from '../northbound/api-route.ts';

export interface UserView {
  readonly username: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Changes on every update; Redfish serves it as the account's ETag. */
  readonly version: string;
}

export interface UserDirectory {
  list(): Promise<UserView[]>;
  get(username: string): Promise<UserView | undefined>;
  /** Rejects with ConflictError when the name is taken, ValidationError for a weak password or unknown role. */
  create(user: { readonly username: string; readonly password: string; readonly role: Role }): Promise<UserView>;
  /** `ifMatch`: the version the caller saw (Redfish If-Match); a mismatch rejects with a 412-coded error. */
  update(username: string, change: { readonly password?: string; readonly role?: Role }, ifMatch?: string): Promise<UserView>;
  delete(username: string): Promise<boolean>;
  /** The principal when the password is right; undefined otherwise (never says which part was wrong). */
  verify(username: string, password: string): Promise<Principal | undefined>;
}

export interface SessionView {
  readonly id: string;
  readonly username: string;
  readonly createdAt: string;
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
