/**
 * Finds a requested name under the served directories, in order: the configured root first, then the
 * fallbacks (Debian's `ipxe` package puts undionly.kpxe, ipxe.efi and snponly.efi in /usr/lib/ipxe).
 * A name that resolves, through symlinks, outside the directory it was found in is refused rather than
 * looked up further: the root's owner put that link there, and following it would serve the host's files.
 */
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { fileContent, type TftpContent } from './transfer-content.ts';

export type FileLookup =
  | { readonly kind: 'found'; readonly content: TftpContent; readonly path: string }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'refused'; readonly reason: string };

function errnoCode(e: unknown): string | undefined {
  return e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/** Errors that mean "not under this root", so the next root is tried. */
const absent = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'ELOOP']);

export class FileRoots {
  /** Each root's real path, resolved once; a root that does not exist is skipped. */
  private readonly realRoots: Promise<(string | undefined)[]>;

  constructor(readonly roots: readonly string[]) {
    this.realRoots = Promise.all(roots.map((r) => realpath(r).catch(() => undefined)));
  }

  /** Each root's real path, or undefined where it does not exist (for the start-up log). */
  async resolved(): Promise<(string | undefined)[]> {
    return [...(await this.realRoots)];
  }

  /** `relative` must already have passed `checkRequestedName`. */
  async open(relative: string): Promise<FileLookup> {
    for (const root of await this.realRoots) {
      if (root === undefined) continue;
      let real: string;
      try {
        real = await realpath(path.join(root, relative));
      } catch (e) {
        if (absent.has(errnoCode(e) ?? '')) continue;
        return { kind: 'refused', reason: `cannot resolve: ${errnoCode(e) ?? String(e)}` };
      }
      if (!real.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) return { kind: 'refused', reason: 'resolves outside the served directory' };
      let handle;
      try {
        // O_NONBLOCK: opening a FIFO someone left in the root must not park a libuv thread until a writer comes.
        handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK);
      } catch (e) {
        if (absent.has(errnoCode(e) ?? '')) continue;
        return { kind: 'refused', reason: `cannot open: ${errnoCode(e) ?? String(e)}` };
      }
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) {
          await handle.close();
          return { kind: 'refused', reason: 'not a regular file' };
        }
        return { kind: 'found', content: fileContent(handle, stat.size), path: real };
      } catch (e) {
        await handle.close().catch(() => undefined);
        return { kind: 'refused', reason: `cannot stat: ${errnoCode(e) ?? String(e)}` };
      }
    }
    return { kind: 'not-found' };
  }
}
