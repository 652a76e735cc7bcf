/**
 * A SKU pack tarball read into memory (never extracted to disk, so no entry can write outside a directory):
 * gzip or plain tar (the `tar` package's parser detects which), regular files only, each path normalised and
 * refused when it is absolute or climbs out with `..`. Bounded against archive bombs: at most `maxEntries`
 * entries and `maxBytes` of unpacked content in all; past either the parse is aborted.
 */
import path from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import { ValidationError } from '../../../errors.ts';

export interface TarLimits {
  readonly maxEntries: number;
  readonly maxBytes: number;
}

export const defaultTarLimits: TarLimits = { maxEntries: 2000, maxBytes: 64 * 1024 * 1024 };

const bad = (message: string): ValidationError => new ValidationError(`not a usable SKU pack: ${message}`, [{ path: 'body', message }]);

/** The archive's regular files by normalised relative path (`templates/ks.cfg`). */
export function readTarball(archive: Buffer, limits: TarLimits = defaultTarLimits): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const files = new Map<string, Buffer>();
    let entries = 0;
    let bytes = 0;
    let failure: Error | undefined;
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        entries++;
        if (entries > limits.maxEntries) {
          fail(bad(`more than ${limits.maxEntries} entries`));
          return;
        }
        const name = path.posix.normalize(entry.path.replace(/\\/g, '/')).replace(/^\.\//, '').replace(/\/$/, '');
        if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') {
          entry.resume();
          return;
        }
        if (name.startsWith('/') || name === '..' || name.startsWith('../') || name === '' || name === '.') {
          fail(bad(`entry ${JSON.stringify(entry.path)} leaves the pack`));
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > limits.maxBytes) {
            fail(bad(`unpacks to more than ${limits.maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        entry.on('end', () => {
          if (failure === undefined) files.set(name, Buffer.concat(chunks));
        });
      },
    });
    const fail = (e: Error): void => {
      if (failure !== undefined) return;
      failure = e;
      parser.abort(e);
    };
    parser.on('error', (e: Error) => {
      reject(failure ?? bad(e.message));
    });
    parser.on('abort', () => {
      reject(failure ?? bad('the archive is damaged'));
    });
    parser.on('end', () => {
      if (failure !== undefined) reject(failure);
      else if (entries === 0) reject(bad('the archive is empty or not a tar/tar.gz'));
      else resolve(files);
    });
    try {
      parser.end(archive);
    } catch (e) {
      reject(failure ?? bad(e instanceof Error ? e.message : String(e)));
    }
  });
}
