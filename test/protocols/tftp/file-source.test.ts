import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileRoots, type FileLookup } from '../../../src/protocols/tftp/file-source.ts';

let base: string;
let root: string;
let fallback: string;

async function text(lookup: FileLookup): Promise<string> {
  if (lookup.kind !== 'found') throw new Error(`expected a file, got ${JSON.stringify(lookup)}`);
  try {
    return (await lookup.content.read(0, lookup.content.size)).toString();
  } finally {
    await lookup.content.close();
  }
}

beforeAll(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'tftp-roots-'));
  root = path.join(base, 'root');
  fallback = path.join(base, 'ipxe');
  mkdirSync(path.join(root, 'sub'), { recursive: true });
  mkdirSync(fallback);
  writeFileSync(path.join(root, 'a.txt'), 'root a');
  writeFileSync(path.join(root, 'sub', 'b.txt'), 'root b');
  writeFileSync(path.join(fallback, 'a.txt'), 'fallback a');
  writeFileSync(path.join(fallback, 'undionly.kpxe'), 'fallback ipxe');
  writeFileSync(path.join(base, 'secret'), 'outside');
  symlinkSync('sub/b.txt', path.join(root, 'inside-link'));
  symlinkSync('../secret', path.join(root, 'escape-link'));
  symlinkSync(base, path.join(root, 'escape-dir'));
  execFileSync('mkfifo', [path.join(root, 'fifo')]);
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('TFTP file roots', () => {
  it('serves from the root first, then the fallback', async () => {
    const roots = new FileRoots([root, fallback]);
    expect(await text(await roots.open('a.txt'))).toBe('root a');
    expect(await text(await roots.open('sub/b.txt'))).toBe('root b');
    expect(await text(await roots.open('undionly.kpxe'))).toBe('fallback ipxe');
    expect(await roots.open('nothing.bin')).toEqual({ kind: 'not-found' });
    expect(await roots.open('sub/b.txt/x')).toEqual({ kind: 'not-found' });
  });

  it('follows symlinks that stay inside the root and refuses those that leave it', async () => {
    const roots = new FileRoots([root, fallback]);
    expect(await text(await roots.open('inside-link'))).toBe('root b');
    expect(await roots.open('escape-link')).toEqual({ kind: 'refused', reason: 'resolves outside the served directory' });
    expect(await roots.open('escape-dir/secret')).toEqual({ kind: 'refused', reason: 'resolves outside the served directory' });
  });

  it('refuses directories and FIFOs without blocking', async () => {
    const roots = new FileRoots([root]);
    expect(await roots.open('sub')).toEqual({ kind: 'refused', reason: 'not a regular file' });
    expect(await roots.open('fifo')).toEqual({ kind: 'refused', reason: 'not a regular file' });
  });

  it('skips roots that do not exist', async () => {
    const roots = new FileRoots([path.join(base, 'missing'), fallback]);
    expect(await roots.resolved()).toEqual([undefined, fallback]);
    expect(await text(await roots.open('a.txt'))).toBe('fallback a');
  });

  it('reads any range of a large file through its read-ahead chunk', async () => {
    const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31) % 251));
    writeFileSync(path.join(root, 'big.bin'), data);
    const lookup = await new FileRoots([root]).open('big.bin');
    if (lookup.kind !== 'found') throw new Error('not found');
    const { content } = lookup;
    expect(content.size).toBe(data.length);
    for (const [at, len] of [[0, 512], [512, 512], [65_000, 1468], [65_536, 70_000], [299_990, 512], [300_000, 512], [10, 5]] as const) {
      expect(await content.read(at, len)).toEqual(data.subarray(at, Math.min(at + len, data.length)));
    }
    await content.close();
  });
});
