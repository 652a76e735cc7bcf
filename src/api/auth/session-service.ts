/**
 * Redfish login sessions (DSP0266 §13.3) in the `sessions` collection. The token is 32 random bytes
 * (base64url, "indistinguishable from random" as RESP_HEADERS_X_AUTH_TOKEN asks) handed out once; the
 * store keeps only its SHA-256, so a copy of the store does not log anyone in. Expiry slides with use
 * (SessionService.SessionTimeout is an inactivity timeout); expired sessions are removed when met and
 * whenever a session is created. A user keeps at most MAX_PER_USER sessions: a script that never logs out
 * pushes out its own oldest, not the store.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from '../../logging/logger.ts';
import type { SessionDoc } from '../../persistence/collections.ts';
import type { DocumentStore } from '../../persistence/document-store.ts';
import { newEntityId } from '../../actors/ids.ts';
import type { Principal } from '../northbound/api-route.ts';
import type { SessionService, SessionView } from './auth-ports.ts';
import type { StoredUserDirectory } from './user-directory.ts';

export const MAX_PER_USER = 64;
/** Longer than any token we issue; a longer one is not looked up at all. */
const MAX_TOKEN_LENGTH = 256;

export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

const view = (d: SessionDoc): SessionView => ({ id: d.id, username: d.username, createdAt: d.createdAt, expiresAt: d.expiresAt });

export interface SessionServiceOptions {
  readonly ttlSeconds: number;
  readonly now: () => number;
  readonly log: Logger;
}

export class StoredSessionService implements SessionService {
  constructor(
    private readonly documents: DocumentStore,
    private readonly users: StoredUserDirectory,
    private readonly o: SessionServiceOptions,
  ) {}

  private get sessions() {
    return this.documents.collection('sessions');
  }

  private iso(ms: number): string {
    return new Date(ms).toISOString();
  }

  async create(principal: Principal): Promise<{ session: SessionView; token: string }> {
    const now = this.o.now();
    await this.sessions.deleteMany({ expiresAt: { $lte: this.iso(now) } });
    const existing = await this.sessions.find({ username: principal.username }, { sort: { createdAt: 1 } });
    for (const old of existing.slice(0, Math.max(0, existing.length - MAX_PER_USER + 1))) await this.sessions.delete(old.id);
    const token = randomBytes(32).toString('base64url');
    const doc: SessionDoc = { id: newEntityId(now), username: principal.username, tokenHash: tokenHash(token), createdAt: this.iso(now), expiresAt: this.iso(now + this.o.ttlSeconds * 1000) };
    await this.sessions.insert(doc);
    this.o.log.info({ username: doc.username, sessionId: doc.id }, 'session created');
    return { session: view(doc), token };
  }

  async resolve(token: string): Promise<(Principal & { sessionId: string }) | undefined> {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
    const doc = await this.sessions.findOne({ tokenHash: tokenHash(token) });
    if (doc === undefined) return undefined;
    const now = this.o.now();
    if (Date.parse(doc.expiresAt) <= now) {
      await this.sessions.delete(doc.id);
      return undefined;
    }
    const user = await this.users.accessFor(doc.username);
    if (user?.access == null) return undefined;
    // Slide the expiry, but write at most about once per twentieth of the timeout, not on every request.
    const ttlMs = this.o.ttlSeconds * 1000;
    if (now + ttlMs - Date.parse(doc.expiresAt) > ttlMs / 20) await this.sessions.update(doc.id, { $set: { expiresAt: this.iso(now + ttlMs) } });
    return { username: user.username, role: user.access, via: 'session', sessionId: doc.id };
  }

  async list(): Promise<SessionView[]> {
    return (await this.sessions.find({ expiresAt: { $gt: this.iso(this.o.now()) } }, { sort: { createdAt: 1 } })).map(view);
  }

  async get(id: string): Promise<SessionView | undefined> {
    const doc = await this.sessions.get(id);
    return doc === undefined || Date.parse(doc.expiresAt) <= this.o.now() ? undefined : view(doc);
  }

  async delete(id: string): Promise<boolean> {
    const deleted = await this.sessions.delete(id);
    if (deleted) this.o.log.info({ sessionId: id }, 'session ended');
    return deleted;
  }
}
