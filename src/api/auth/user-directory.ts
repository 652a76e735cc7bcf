/**
 * Users in the `users` collection: the password only as a salted scrypt hash (password-hash.ts), the role
 * by name, an opaque `version` that changes on every update (the Redfish ETag), and a `tokenGeneration`
 * that changes with the password so tokens issued before stop working. Changes on this member are
 * serialised, which makes If-Match and the "keep one Administrator" rule exact here; across members they
 * are as exact as the store's last write.
 */
import { randomBytes } from 'node:crypto';
import { ConflictError, isMonorailError, MonorailError, NotFoundError, ValidationError } from '../../errors.ts';
import type { Logger } from '../../logging/logger.ts';
import type { UserDoc } from '../../persistence/collections.ts';
import type { DocumentStore } from '../../persistence/document-store.ts';
import { newEntityId } from '../../actors/ids.ts';
import type { Principal, Role } from '../northbound/api-route.ts';
import type { RoleView, UserDirectory, UserView } from './auth-ports.ts';
import { costOf, hashPassword, verifyPassword } from './password-hash.ts';
import { checkPassword } from './password-policy.ts';
import type { StoredRoleDirectory } from './role-directory.ts';
import { TtlCache } from './ttl-cache.ts';

/** Usernames: a letter or digit, then letters, digits, `.`, `_`, `@` or `-`; at most 64. */
export const usernamePattern = '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$';
const usernameRe = new RegExp(usernamePattern);

/** What authenticating a token needs of a user, read on every request (cached briefly). */
export interface UserAccess {
  readonly username: string;
  readonly role: string;
  readonly access: Role | null;
  readonly tokenGeneration: string;
  /** password-change.ts: only the way to a new password is open. */
  readonly passwordChangeRequired: boolean;
}

interface StoredUser extends UserDoc {
  readonly version?: string;
  readonly tokenGeneration?: string;
  readonly passwordChangeRequired?: boolean;
}

const opaque = (): string => randomBytes(8).toString('hex');

type NewUser = { readonly username: string; readonly password: string; readonly role: string; readonly passwordChangeRequired?: boolean };

export interface UserDirectoryOptions {
  /** scrypt cost (log2 N) for new hashes. */
  readonly hashCost: number;
  readonly cacheMs: number;
  readonly now: () => number;
  readonly log: Logger;
}

export class StoredUserDirectory implements UserDirectory {
  private readonly cache: TtlCache<Omit<UserAccess, 'access'> | null>;
  private queue: Promise<unknown> = Promise.resolve();
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly documents: DocumentStore,
    private readonly roles: StoredRoleDirectory,
    private readonly o: UserDirectoryOptions,
  ) {
    this.cache = new TtlCache(o.cacheMs, 10_000, o.now);
  }

  private get users() {
    return this.documents.collection('users');
  }

  /** Runs changes one after another on this member. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async find(username: string): Promise<StoredUser | undefined> {
    return this.users.findOne({ username });
  }

  private async view(doc: StoredUser, role?: RoleView): Promise<UserView> {
    const r = role ?? (await this.roles.get(doc.role));
    return {
      username: doc.username,
      role: doc.role,
      privileges: r?.privileges ?? [],
      access: r?.access ?? null,
      createdAt: doc.createdAt,
      updatedAt: doc.updatedAt,
      version: doc.version ?? doc.updatedAt,
      passwordChangeRequired: doc.passwordChangeRequired === true,
    };
  }

  async list(): Promise<UserView[]> {
    const [docs, roles] = await Promise.all([this.users.find({}, { sort: { username: 1 } }), this.roles.list()]);
    const byName = new Map(roles.map((r) => [r.name, r]));
    return Promise.all(docs.map((d: StoredUser) => this.view(d, byName.get(d.role))));
  }

  async get(username: string): Promise<UserView | undefined> {
    const doc = await this.find(username);
    return doc === undefined ? undefined : this.view(doc);
  }

  async isEmpty(): Promise<boolean> {
    return (await this.users.count({})) === 0;
  }

  async create(user: NewUser): Promise<UserView> {
    return this.serial(() => this.insert(user));
  }

  /** RackHD's localhost exception and auth.initialAdmin: an Administrator, only while no user exists. */
  async createFirst(user: { readonly username: string; readonly password: string; readonly passwordChangeRequired?: boolean }): Promise<UserView> {
    return this.serial(async () => {
      if (!(await this.isEmpty())) throw new ConflictError('a user already exists: log in as an Administrator to add users');
      return this.insert({ ...user, role: 'Administrator' });
    });
  }

  private async insert(user: NewUser): Promise<UserView> {
    if (!usernameRe.test(user.username)) {
      throw new ValidationError('username must be 1–64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit', [{ path: 'username', message: 'username is invalid' }]);
    }
    checkPassword(user.username, user.password);
    const role = await this.requireRole(user.role);
    const now = new Date(this.o.now()).toISOString();
    const doc: StoredUser = {
      id: newEntityId(this.o.now()),
      username: user.username,
      role: role.name,
      passwordHash: await hashPassword(user.password, this.o.hashCost),
      createdAt: now,
      updatedAt: now,
      version: opaque(),
      tokenGeneration: opaque(),
      ...(user.passwordChangeRequired === true ? { passwordChangeRequired: true } : {}),
    };
    try {
      await this.users.insert(doc);
    } catch (e) {
      if (isMonorailError(e, 'DUPLICATE_KEY')) throw new ConflictError(`user ${user.username} already exists`, { username: user.username });
      throw e;
    }
    this.cache.delete(user.username);
    this.o.log.info({ username: doc.username, role: doc.role, ...(doc.passwordChangeRequired === true ? { passwordChangeRequired: true } : {}) }, 'user created');
    return this.view(doc, role);
  }

  private async requireRole(name: string): Promise<RoleView> {
    const role = await this.roles.get(name);
    if (role === undefined) throw new ValidationError(`unknown role ${JSON.stringify(name)}`, [{ path: 'role', message: 'role is not a known role' }]);
    return role;
  }

  private async administrators(): Promise<number> {
    const adminRoles = (await this.roles.list()).filter((r) => r.access === 'Administrator').map((r) => r.name);
    return this.users.count({ role: { $in: adminRoles } });
  }

  async update(username: string, change: { readonly password?: string; readonly role?: string; readonly passwordChangeRequired?: boolean }, ifMatch?: string): Promise<UserView> {
    return this.serial(async () => {
      const doc = await this.find(username);
      if (doc === undefined) throw new NotFoundError('user', username);
      if (ifMatch !== undefined && ifMatch !== (doc.version ?? doc.updatedAt)) {
        throw new MonorailError('PRECONDITION_FAILED', `user ${username} has changed since version ${JSON.stringify(ifMatch)}`, { username });
      }
      const set: Record<string, unknown> = {};
      let role: RoleView | undefined;
      if (change.role !== undefined && change.role !== doc.role) {
        role = await this.requireRole(change.role);
        const wasAdmin = (await this.roles.get(doc.role))?.access === 'Administrator';
        if (wasAdmin && role.access !== 'Administrator' && (await this.administrators()) <= 1) {
          throw new ConflictError(`${username} is the last Administrator; make another user an Administrator first`, { username });
        }
        set['role'] = role.name;
      }
      if (change.password !== undefined) {
        checkPassword(username, change.password);
        // DSP0266 §13.3.7: the password must be *changed*; the one that had to go cannot come back as the new one.
        if (doc.passwordChangeRequired === true && (await verifyPassword(change.password, doc.passwordHash))) {
          throw new ValidationError('password must differ from the current one', [{ path: 'password', message: 'password is the current password' }]);
        }
        set['passwordHash'] = await hashPassword(change.password, this.o.hashCost);
        set['tokenGeneration'] = opaque();
        // ManagerAccount.PasswordChangeRequired: a new password clears the flag.
        set['passwordChangeRequired'] = false;
      }
      if (change.passwordChangeRequired !== undefined) set['passwordChangeRequired'] = change.passwordChangeRequired;
      set['updatedAt'] = new Date(this.o.now()).toISOString();
      set['version'] = opaque();
      const updated = await this.users.update(doc.id, { $set: set });
      this.cache.delete(username);
      if (updated === undefined) throw new NotFoundError('user', username);
      if (change.password !== undefined) await this.endSessions(username);
      this.o.log.info({ username, role: updated.role, passwordChanged: change.password !== undefined, passwordChangeRequired: updated.passwordChangeRequired === true }, 'user updated');
      return this.view(updated, role);
    });
  }

  async delete(username: string): Promise<boolean> {
    return this.serial(async () => {
      const doc = await this.find(username);
      if (doc === undefined) return false;
      if ((await this.roles.get(doc.role))?.access === 'Administrator' && (await this.administrators()) <= 1) {
        throw new ConflictError(`${username} is the last Administrator and cannot be deleted`, { username });
      }
      const deleted = await this.users.delete(doc.id);
      this.cache.delete(username);
      await this.endSessions(username);
      this.o.log.info({ username }, 'user deleted');
      return deleted;
    });
  }

  private async endSessions(username: string): Promise<void> {
    await this.documents.collection('sessions').deleteMany({ username });
  }

  async verify(username: string, password: string): Promise<Principal | undefined> {
    const doc = usernameRe.test(username) ? await this.find(username) : undefined;
    // An unknown user costs one hash too, so timing does not tell which names exist.
    this.dummyHash ??= hashPassword(opaque(), this.o.hashCost);
    const ok = await verifyPassword(password, doc?.passwordHash ?? (await this.dummyHash));
    if (doc === undefined || !ok) return undefined;
    const access = (await this.roles.get(doc.role))?.access ?? undefined;
    if (access === undefined) return undefined;
    if ((costOf(doc.passwordHash) ?? 0) < this.o.hashCost) await this.rehash(doc, password);
    return { username: doc.username, role: access, via: 'basic' };
  }

  /** A hash made at a lower cost than configured is replaced at the next successful login. */
  private async rehash(doc: StoredUser, password: string): Promise<void> {
    const passwordHash = await hashPassword(password, this.o.hashCost);
    await this.users.update(doc.id, { $set: { passwordHash } });
  }

  /** The user behind a token or session, as of at most cacheMs ago; undefined once deleted. */
  async accessFor(username: string): Promise<UserAccess | undefined> {
    let entry = this.cache.get(username);
    if (entry === undefined) {
      const doc = await this.find(username);
      entry = doc === undefined ? null : { username: doc.username, role: doc.role, tokenGeneration: doc.tokenGeneration ?? '', passwordChangeRequired: doc.passwordChangeRequired === true };
      this.cache.set(username, entry);
    }
    if (entry === null) return undefined;
    // The role is looked up (and cached) on its own, so a change to a custom role's privileges applies too.
    return { ...entry, access: (await this.roles.get(entry.role))?.access ?? null };
  }
}
