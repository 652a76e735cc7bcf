/**
 * Builds tar archives for the SKU pack tests byte by byte (POSIX ustar, IEEE 1003.1-1988 header layout), so
 * the tests do not use the library under test to make their input, and can make archives a well-behaved
 * tool would refuse to (entries climbing out with `../`, absolute paths).
 */
import { gzipSync } from 'node:zlib';

function header(name: string, size: number, type: '0' | '5'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write(type === '5' ? '0000755\0' : '0000644\0', 100, 'ascii');
  h.write('0000000\0', 108, 'ascii');
  h.write('0000000\0', 116, 'ascii');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  h.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(type, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** A tar of `files` (path → contents; a path ending in `/` is a directory), gzipped unless `plain`. */
export function tarball(files: Readonly<Record<string, string | Buffer>>, plain = false): Buffer {
  const parts: Buffer[] = [];
  for (const [name, contents] of Object.entries(files)) {
    if (name.endsWith('/')) {
      parts.push(header(name, 0, '5'));
      continue;
    }
    const body = Buffer.isBuffer(contents) ? contents : Buffer.from(contents, 'utf8');
    parts.push(header(name, body.length, '0'), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  const tar = Buffer.concat(parts);
  return plain ? tar : gzipSync(tar);
}
