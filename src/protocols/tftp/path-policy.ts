/**
 * Which requested names may be served at all, decided on the name alone before any file system call.
 * TFTP has no authentication (RFC 1350 §1), so the only protection of the host's files is that a name
 * can never leave the served directories: absolute paths, `..` components, backslashes (a Windows
 * client's separator, a classic bypass) and control characters are refused with "access violation".
 * Symlinks that escape a root are caught later, after `realpath` (`file-source.ts`).
 */

export type PathCheck = { readonly ok: true; readonly relative: string } | { readonly ok: false; readonly reason: string };

const MAX_NAME_CHARS = 255;

export function checkRequestedName(name: string): PathCheck {
  if (name.length === 0) return { ok: false, reason: 'empty name' };
  if (name.length > MAX_NAME_CHARS) return { ok: false, reason: `name longer than ${MAX_NAME_CHARS} characters` };
  // eslint-disable-next-line no-control-regex -- control characters (NUL included) are exactly what this refuses
  if (/[\u0000-\u001f\u007f]/.test(name)) return { ok: false, reason: 'control character in name' };
  if (name.includes('\\')) return { ok: false, reason: 'backslash in name' };
  if (name.startsWith('/')) return { ok: false, reason: 'absolute path' };
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return { ok: false, reason: 'parent directory component' };
  if (parts.length === 0) return { ok: false, reason: 'names a directory' };
  return { ok: true, relative: parts.join('/') };
}
