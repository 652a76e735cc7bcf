/**
 * Uploaded files (RackHD's files API, FileSystem backend): bytes under `<dataDir>/files/<uuid>`, metadata in
 * the `files` read model `{id (uuid), basename, md5, sha256, size, version}`. An upload streams to a temporary
 * file while both digests are computed, and only a complete, in-limit upload is renamed into place and
 * recorded; each upload of a name is a new version, and the name means its latest.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NotFoundError } from '../../../errors.ts';
import type { FileDoc } from '../../../persistence/collections.ts';
import type { DocumentCollection } from '../../../persistence/document-store.ts';
import { ByteLimit } from './raw-body.ts';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const filesDir = (dataDir: string): string => path.resolve(dataDir, 'files');

export class FileStore {
  /** Per name, the upload that is assigning a version, so two uploads of one name get different versions. */
  private readonly versioning = new Map<string, Promise<unknown>>();

  constructor(
    private readonly dir: string,
    private readonly files: () => DocumentCollection<FileDoc>,
    private readonly now: () => number,
  ) {}

  pathOf(doc: FileDoc): string {
    return path.join(this.dir, doc.id);
  }

  /** A file by uuid, else the latest version of that name. */
  async find(identifier: string): Promise<FileDoc> {
    const byId = uuidPattern.test(identifier) ? await this.files().get(identifier) : undefined;
    const doc = byId ?? (await this.files().find({ basename: identifier }, { sort: { version: -1 }, limit: 1 }))[0];
    if (doc === undefined) throw new NotFoundError('file', identifier);
    return doc;
  }

  /** Streams `body` in (at most `limit` bytes) and records it as the next version of `basename`. */
  async put(basename: string, body: Readable, limit: number): Promise<FileDoc> {
    await mkdir(this.dir, { recursive: true });
    const id = randomUUID();
    const part = path.join(this.dir, `.${id}.part`);
    const md5 = createHash('md5');
    const sha256 = createHash('sha256');
    const counter = new ByteLimit(limit, (chunk) => {
      md5.update(chunk);
      sha256.update(chunk);
    });
    try {
      await pipeline(body, counter, createWriteStream(part, { mode: 0o640 }));
      await rename(part, path.join(this.dir, id));
    } catch (e) {
      await rm(part, { force: true });
      throw e;
    }
    const digests = { md5: md5.digest('hex'), sha256: sha256.digest('hex'), size: counter.bytes };
    return this.record(basename, id, digests);
  }

  private async record(basename: string, id: string, digests: { md5: string; sha256: string; size: number }): Promise<FileDoc> {
    const before = this.versioning.get(basename) ?? Promise.resolve();
    const mine = before.then(async () => {
      const [latest] = await this.files().find({ basename }, { sort: { version: -1 }, limit: 1 });
      const doc: FileDoc = { id, basename, ...digests, version: (latest?.version ?? 0) + 1, createdAt: new Date(this.now()).toISOString() };
      await this.files().insert(doc);
      return doc;
    });
    const settled = mine.catch(() => undefined);
    this.versioning.set(basename, settled);
    void settled.then(() => {
      if (this.versioning.get(basename) === settled) this.versioning.delete(basename);
    });
    try {
      return await mine;
    } catch (e) {
      await rm(path.join(this.dir, id), { force: true });
      throw e;
    }
  }

  /** Deletes one version (by uuid) or every version of a name; resolves to how many. */
  async remove(identifier: string): Promise<number> {
    const docs = uuidPattern.test(identifier) ? [await this.find(identifier)] : await this.files().find({ basename: identifier });
    if (docs.length === 0) throw new NotFoundError('file', identifier);
    for (const d of docs) {
      await this.files().delete(d.id);
      await rm(this.pathOf(d), { force: true });
    }
    return docs.length;
  }
}

export function fileView(d: FileDoc, base = '/api/2.0'): Record<string, unknown> {
  return { uuid: d.id, basename: d.basename, md5: d.md5, sha256: d.sha256, size: d.size, version: d.version, ...(typeof d['createdAt'] === 'string' ? { createdAt: d['createdAt'] } : {}), href: `${base}/files/${d.id}` };
}
