/** Reads the captured tool outputs in test/fixtures/catalogs (see its README for where each came from). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../fixtures/catalogs/', import.meta.url));

export function catalogFixture(relativePath: string): string {
  return readFileSync(`${root}${relativePath}`, 'utf8');
}

/** The command string a fixture set was captured with, e.g. `capturedCommand('dmi')`. */
export function capturedCommand(source: string): string {
  return catalogFixture(`capture/commands/${source}.cmd`);
}
