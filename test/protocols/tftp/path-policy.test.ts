import { describe, expect, it } from 'vitest';
import { checkRequestedName } from '../../../src/protocols/tftp/path-policy.ts';

describe('TFTP path policy', () => {
  it('accepts plain and nested relative names, normalised', () => {
    expect(checkRequestedName('undionly.kpxe')).toEqual({ ok: true, relative: 'undionly.kpxe' });
    expect(checkRequestedName('pxelinux.cfg/01-52-54-00-99-00-10')).toEqual({ ok: true, relative: 'pxelinux.cfg/01-52-54-00-99-00-10' });
    expect(checkRequestedName('./a//b/./c')).toEqual({ ok: true, relative: 'a/b/c' });
    expect(checkRequestedName('..foo')).toEqual({ ok: true, relative: '..foo' });
  });

  it.each([
    ['../etc/passwd', 'parent directory component'],
    ['a/../../etc/passwd', 'parent directory component'],
    ['a/..', 'parent directory component'],
    ['/etc/passwd', 'absolute path'],
    ['\\..\\windows', 'backslash in name'],
    ['a\\b', 'backslash in name'],
    ['a\u0000b', 'control character in name'],
    ['a\nb', 'control character in name'],
    ['', 'empty name'],
    ['.', 'names a directory'],
    ['./', 'names a directory'],
    ['x'.repeat(256), 'name longer than 255 characters'],
  ])('refuses %j (%s)', (name, reason) => {
    expect(checkRequestedName(name)).toEqual({ ok: false, reason });
  });
});
