/**
 * Entity ids in RackHD's format: 24 hex digits shaped like a MongoDB ObjectId (4 bytes of seconds, then
 * random bytes), so clients written against RackHD that validate ids keep working, and ids sort roughly
 * by creation time.
 */
import { randomBytes } from 'node:crypto';

export function newEntityId(nowMs: number = Date.now()): string {
  const seconds = Math.floor(nowMs / 1000) >>> 0;
  return seconds.toString(16).padStart(8, '0') + randomBytes(8).toString('hex');
}

export const entityIdPattern = /^[0-9a-f]{24}$/;
