/**
 * iPXE profiles: stored in the `profiles` read model so operators can replace them through the API, and
 * seeded at start-up from the shipped defaults (`http.profilesDir`). A stored profile is never
 * overwritten by a default of the same name. Scope `global` for now; SKU-scoped profiles override it
 * when SKUs arrive (RackHD's `[skuId, 'global']` resolution).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProfileDoc } from '../../persistence/collections.ts';
import type { DocumentCollection } from '../../persistence/document-store.ts';
import type { Logger } from '../../logging/logger.ts';

export const profileId = (name: string, scope = 'global'): string => `${scope}:${name}`;

/**
 * Also the template library (preseeds, kickstarts): same shape, same seeding, another collection and any
 * file name.
 */
export class ProfileLibrary {
  constructor(
    private readonly profiles: DocumentCollection<ProfileDoc>,
    private readonly accepts: (file: string) => boolean = (f) => f.endsWith('.ipxe'),
  ) {}

  async get(name: string): Promise<ProfileDoc | undefined> {
    return this.profiles.get(profileId(name));
  }

  /**
   * Loads every file of `dir` it accepts (`*.ipxe` for profiles), unless a document of that name was stored
   * by an operator; stored defaults are brought up to date.
   */
  async seed(dir: string, log: Logger): Promise<string[]> {
    let files: string[];
    try {
      files = (await readdir(dir)).filter((f) => this.accepts(f) && !f.startsWith('.')).sort();
    } catch (e) {
      log.warn({ err: e, dir }, 'no default profiles directory');
      return [];
    }
    const added: string[] = [];
    for (const name of files) {
      const contents = await readFile(path.join(dir, name), 'utf8');
      const stored = await this.get(name);
      // An operator's own version is kept; a default shipped by an older release is replaced by the new one.
      if (stored !== undefined && (stored['source'] !== 'default' || stored.contents === contents)) continue;
      await this.profiles.put({ id: profileId(name), name, scope: 'global', contents, source: 'default' });
      added.push(name);
    }
    return added;
  }
}
