/** Monorail's version, read once from package.json (what heartbeats and User-Agent headers report). */
import { readFileSync } from 'node:fs';

export const monorailVersion: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
