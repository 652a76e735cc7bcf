/**
 * Roles in the `roles` collection: RackHD's three built-ins, written at start and never changed or
 * deleted (their access level is fixed by name, so their privileges must not drift from it), and custom
 * roles with their privileges, placed on an access level by `accessOf`.
 */
import { ConflictError, isMonorailError, NotFoundError, ValidationError } from '../../errors.ts';
import type { RoleDoc } from '../../persistence/collections.ts';
import type { DocumentStore } from '../../persistence/document-store.ts';
import type { RoleDirectory, RoleView } from './auth-ports.ts';
import { accessOf, builtInRoles, isBuiltInRole, privilegeNames } from './roles.ts';
import { TtlCache } from './ttl-cache.ts';

const known = new Set<string>(privilegeNames);

function view(doc: RoleDoc): RoleView {
  return { name: doc.name, privileges: [...doc.privileges], builtIn: isBuiltInRole(doc.name), access: accessOf(doc.name, doc.privileges) ?? null };
}

function checkPrivileges(privileges: readonly string[]): string[] {
  const unknown = privileges.filter((p) => !known.has(p));
  if (unknown.length > 0) {
    throw new ValidationError(`unknown privileges ${unknown.map((p) => JSON.stringify(p)).join(', ')} (known: ${privilegeNames.join(', ')})`, [
      { path: 'privileges', message: 'privileges has unknown values' },
    ]);
  }
  return [...new Set(privileges)];
}

export class StoredRoleDirectory implements RoleDirectory {
  private readonly cache: TtlCache<RoleView | null>;

  constructor(private readonly documents: DocumentStore, options: { readonly cacheMs: number; readonly now: () => number }) {
    this.cache = new TtlCache(options.cacheMs, 1000, options.now);
  }

  private get roles() {
    return this.documents.collection('roles');
  }

  /** Writes the built-in roles (idempotent; a member starting later rewrites the same documents). */
  async ensureBuiltIns(): Promise<void> {
    for (const [name, privileges] of Object.entries(builtInRoles)) await this.roles.put({ id: name, name, privileges: [...privileges] });
    this.cache.clear();
  }

  async list(): Promise<RoleView[]> {
    return (await this.roles.find({}, { sort: { name: 1 } })).map(view);
  }

  async get(name: string): Promise<RoleView | undefined> {
    const cached = this.cache.get(name);
    if (cached !== undefined) return cached ?? undefined;
    const doc = await this.roles.findOne({ name });
    const found = doc === undefined ? undefined : view(doc);
    this.cache.set(name, found ?? null);
    return found;
  }

  async create(role: { readonly name: string; readonly privileges: readonly string[] }): Promise<RoleView> {
    const privileges = checkPrivileges(role.privileges);
    const doc: RoleDoc = { id: role.name, name: role.name, privileges };
    try {
      await this.roles.insert(doc);
    } catch (e) {
      if (isMonorailError(e, 'DUPLICATE_KEY')) throw new ConflictError(`role ${role.name} already exists`, { role: role.name });
      throw e;
    }
    this.cache.delete(role.name);
    return view(doc);
  }

  async update(name: string, change: { readonly privileges: readonly string[] }): Promise<RoleView> {
    if (isBuiltInRole(name)) throw new ConflictError(`${name} is a built-in role and cannot be changed`, { role: name });
    const existing = await this.roles.findOne({ name });
    if (existing === undefined) throw new NotFoundError('role', name);
    const updated = await this.roles.update(existing.id, { $set: { privileges: checkPrivileges(change.privileges) } });
    this.cache.delete(name);
    if (updated === undefined) throw new NotFoundError('role', name);
    return view(updated);
  }

  async delete(name: string): Promise<boolean> {
    if (isBuiltInRole(name)) throw new ConflictError(`${name} is a built-in role and cannot be deleted`, { role: name });
    const existing = await this.roles.findOne({ name });
    if (existing === undefined) return false;
    const holders = await this.documents.collection('users').count({ role: name });
    if (holders > 0) throw new ConflictError(`role ${name} is held by ${holders} user(s); give them another role first`, { role: name, users: holders });
    const deleted = await this.roles.delete(existing.id);
    this.cache.delete(name);
    return deleted;
  }
}
