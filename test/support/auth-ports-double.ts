/**
 * TEST DOUBLE of the auth ports (src/api/auth/auth-ports.ts): an in-memory UserDirectory, RoleDirectory,
 * SessionService and PasswordLogin with the contract's observable behaviour (conflicts, weak passwords,
 * the last Administrator kept, versions that change on every update, If-Match, expiring sessions), and an
 * Authenticator over them that takes HTTP Basic and `X-Auth-Token`. For tests of the route groups that depend on those ports; the real
 * implementations live in src/api/auth/.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { PasswordLogin, RoleDirectory, RoleView, SessionService, SessionView, UserDirectory, UserView } from '../../src/api/auth/auth-ports.ts';
import type { Authenticator } from '../../src/api/northbound/api-registry.ts';
import type { Principal, Role } from '../../src/api/northbound/api-route.ts';
import { ConflictError, MonorailError, NotFoundError, UnauthorizedError, ValidationError } from '../../src/errors.ts';

/** RackHD's built-in roles with their privileges (as src/api/auth/roles.ts has them). */
const builtIn: Readonly<Record<Role, readonly string[]>> = {
  Administrator: ['Read', 'Write', 'Login', 'ConfigureManager', 'ConfigureUsers', 'ConfigureComponents', 'ConfigureSelf'],
  Operator: ['Login', 'ConfigureComponents', 'ConfigureSelf'],
  ReadOnly: ['Read', 'Login', 'ConfigureSelf'],
};

export class InMemoryRoleDirectory implements RoleDirectory {
  private readonly roles = new Map<string, RoleView>(Object.entries(builtIn).map(([name, privileges]) => [name, { name, privileges, builtIn: true, access: name as Role }]));

  async list(): Promise<RoleView[]> {
    return [...this.roles.values()];
  }

  async get(name: string): Promise<RoleView | undefined> {
    return this.roles.get(name);
  }

  async create(role: { readonly name: string; readonly privileges: readonly string[] }): Promise<RoleView> {
    if (this.roles.has(role.name)) throw new ConflictError(`role ${role.name} exists`);
    const access: Role | null = !role.privileges.includes('Login') ? null : role.privileges.includes('ConfigureUsers') ? 'Administrator' : role.privileges.includes('ConfigureComponents') ? 'Operator' : 'ReadOnly';
    const view = { name: role.name, privileges: [...role.privileges], builtIn: false, access };
    this.roles.set(role.name, view);
    return view;
  }

  async update(name: string, change: { readonly privileges: readonly string[] }): Promise<RoleView> {
    const r = this.roles.get(name);
    if (r === undefined || r.builtIn) throw new ConflictError(`role ${name} cannot change`);
    const next = { ...r, privileges: [...change.privileges] };
    this.roles.set(name, next);
    return next;
  }

  async delete(name: string): Promise<boolean> {
    const r = this.roles.get(name);
    if (r?.builtIn === true) throw new ConflictError(`role ${name} is built in`);
    return this.roles.delete(name);
  }
}

/** The contract's "412-coded" If-Match failure. */
export class PreconditionFailedDouble extends MonorailError {
  constructor() {
    super('PRECONDITION_FAILED', 'the account changed since it was read');
  }
}

const hash = (s: string): Buffer => createHash('sha256').update(s).digest();

export class InMemoryUserDirectory implements UserDirectory {
  private readonly users = new Map<string, Omit<UserView, 'privileges' | 'access'> & { readonly hash: Buffer }>();
  private serial = 0;

  constructor(
    private readonly roles: InMemoryRoleDirectory,
    private readonly now: () => number = Date.now,
  ) {}

  async list(): Promise<UserView[]> {
    return Promise.all([...this.users.values()].map((u) => this.view(u)));
  }

  async get(username: string): Promise<UserView | undefined> {
    const u = this.users.get(username);
    return u === undefined ? undefined : this.view(u);
  }

  async create(user: { readonly username: string; readonly password: string; readonly role: string }): Promise<UserView> {
    if (this.users.has(user.username)) throw new ConflictError(`user ${user.username} exists`);
    await this.check(user.password, user.role);
    const at = new Date(this.now()).toISOString();
    const u = { username: user.username, role: user.role, createdAt: at, updatedAt: at, version: this.nextVersion(), hash: hash(user.password) };
    this.users.set(user.username, u);
    return this.view(u);
  }

  async update(username: string, change: { readonly password?: string; readonly role?: string }, ifMatch?: string): Promise<UserView> {
    const u = this.users.get(username);
    if (u === undefined) throw new NotFoundError('user', username);
    if (ifMatch !== undefined && ifMatch !== u.version) throw new PreconditionFailedDouble();
    await this.check(change.password, change.role);
    if (change.role !== undefined && change.role !== 'Administrator' && u.role === 'Administrator' && this.admins() === 1) throw new ConflictError('the last Administrator');
    const next = { ...u, ...(change.role === undefined ? {} : { role: change.role }), ...(change.password === undefined ? {} : { hash: hash(change.password) }), updatedAt: new Date(this.now()).toISOString(), version: this.nextVersion() };
    this.users.set(username, next);
    return this.view(next);
  }

  async delete(username: string): Promise<boolean> {
    if (this.users.get(username)?.role === 'Administrator' && this.admins() === 1) throw new ConflictError('the last Administrator');
    return this.users.delete(username);
  }

  async verify(username: string, password: string): Promise<Principal | undefined> {
    const u = this.users.get(username);
    const given = hash(password);
    // Compare against something even for an unknown user: no timing hint of which part was wrong.
    const ok = timingSafeEqual(given, u?.hash ?? hash(`\u0000${password}`)) && u !== undefined;
    const access = u === undefined ? undefined : (await this.roles.get(u.role))?.access;
    return ok && u !== undefined && access !== undefined && access !== null ? { username: u.username, role: access, via: 'basic' } : undefined;
  }

  private admins(): number {
    return [...this.users.values()].filter((u) => u.role === 'Administrator').length;
  }

  private async check(password: string | undefined, role: string | undefined): Promise<void> {
    if (password !== undefined && password.length < 8) throw new ValidationError('password too weak', [{ path: 'password', message: 'at least 8 characters' }]);
    if (role !== undefined && (await this.roles.get(role)) === undefined) throw new ValidationError(`unknown role ${role}`, [{ path: 'role', message: 'unknown role' }]);
  }

  private async view(u: Omit<UserView, 'privileges' | 'access'>): Promise<UserView> {
    const role = await this.roles.get(u.role);
    return { username: u.username, role: u.role, privileges: role?.privileges ?? [], access: role?.access ?? null, createdAt: u.createdAt, updatedAt: u.updatedAt, version: u.version };
  }

  private nextVersion(): string {
    this.serial += 1;
    return `v${this.serial}`;
  }
}

/** The PasswordLogin port without its throttle (what a test needs: the right answer and the refusal). */
export function plainPasswordLogin(users: UserDirectory): PasswordLogin {
  return {
    async login(username, password) {
      const p = await users.verify(username, password);
      if (p === undefined) throw new UnauthorizedError('wrong user name or password');
      return p;
    },
  };
}

export class InMemorySessionService implements SessionService {
  private readonly sessions = new Map<string, SessionView & { readonly principal: Principal; readonly tokenHash: string }>();

  constructor(
    private readonly timeoutSeconds = 1800,
    private readonly now: () => number = Date.now,
  ) {}

  async create(principal: Principal): Promise<{ session: SessionView; token: string }> {
    const id = randomBytes(12).toString('hex');
    const token = randomBytes(32).toString('base64url');
    const at = this.now();
    const session = { id, username: principal.username, createdAt: new Date(at).toISOString(), expiresAt: new Date(at + this.timeoutSeconds * 1000).toISOString() };
    this.sessions.set(id, { ...session, principal: { ...principal, via: 'session' }, tokenHash: createHash('sha256').update(token).digest('hex') });
    return { session, token };
  }

  async resolve(token: string): Promise<(Principal & { readonly sessionId: string }) | undefined> {
    const h = createHash('sha256').update(token).digest('hex');
    for (const s of this.sessions.values()) {
      if (s.tokenHash === h && Date.parse(s.expiresAt) > this.now()) return { ...s.principal, sessionId: s.id };
    }
    return undefined;
  }

  async list(): Promise<SessionView[]> {
    return [...this.sessions.values()].map(sessionView);
  }

  async get(id: string): Promise<SessionView | undefined> {
    const s = this.sessions.get(id);
    return s === undefined ? undefined : sessionView(s);
  }

  async delete(id: string): Promise<boolean> {
    return this.sessions.delete(id);
  }
}

function sessionView(s: SessionView): SessionView {
  return { id: s.id, username: s.username, createdAt: s.createdAt, expiresAt: s.expiresAt };
}

/** Basic and X-Auth-Token over the doubles (the real authenticator adds JWT, throttling, HTTPS rules). */
export function doubleAuthenticator(users: UserDirectory, sessions: SessionService): Authenticator {
  return {
    async authenticate(req: Request) {
      const token = req.headers['x-auth-token'];
      if (typeof token === 'string' && token !== '') {
        const p = await sessions.resolve(token);
        if (p === undefined) throw new UnauthorizedError('invalid or expired session');
        return { username: p.username, role: p.role, via: 'session' };
      }
      const header = req.headers.authorization;
      if (header?.startsWith('Basic ') === true) {
        const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        const p = colon < 0 ? undefined : await users.verify(decoded.slice(0, colon), decoded.slice(colon + 1));
        if (p === undefined) throw new UnauthorizedError('bad credentials');
        return p;
      }
      return undefined;
    },
  };
}
