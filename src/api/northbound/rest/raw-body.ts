/**
 * Request bodies that are not JSON (template and profile sources, uploaded files): the registry parses JSON
 * bodies only, so these routes read the request themselves, refusing a media type they do not take (415) and
 * a body over their limit (413) — at once when Content-Length says so, otherwise as soon as the stream
 * passes the limit, closing the connection instead of reading the rest.
 */
import type { Request, Response } from 'express';
import { Transform, type TransformCallback } from 'node:stream';
import { MonorailError, ValidationError } from '../../../errors.ts';

export function tooLarge(limit: number): MonorailError {
  return new MonorailError('PAYLOAD_TOO_LARGE', `the body is larger than this route takes (${limit} bytes)`, { limit });
}

/** Checks the media type against `accepted` (an absent Content-Type is taken as raw bytes) and a declared length against `limit`. */
export function checkRawRequest(req: Request, res: Response, accepted: readonly string[], limit: number): void {
  const type = req.headers['content-type'];
  if (type !== undefined && req.is([...accepted]) === false) {
    throw new MonorailError('UNSUPPORTED_MEDIA_TYPE', `expected ${accepted.join(' or ')}, got ${JSON.stringify(type)}`);
  }
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) {
    res.setHeader('Connection', 'close');
    throw tooLarge(limit);
  }
}

/** Counts bytes through a pipeline and fails it past `limit`. */
export class ByteLimit extends Transform {
  bytes = 0;
  constructor(private readonly limit: number, private readonly onChunk?: (chunk: Buffer) => void) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      done(tooLarge(this.limit));
      return;
    }
    this.onChunk?.(chunk);
    done(null, chunk);
  }
}

/** The whole body as a Buffer, at most `limit` bytes. */
export async function readRawBody(req: Request, res: Response, accepted: readonly string[], limit: number): Promise<Buffer> {
  checkRawRequest(req, res, accepted, limit);
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > limit) throw tooLarge(limit);
      chunks.push(chunk);
    }
  } catch (e) {
    res.setHeader('Connection', 'close');
    throw e;
  }
  return Buffer.concat(chunks);
}

/** UTF-8 text, or a 400: templates are text, and a stray byte would be served back as U+FFFD. */
export function utf8(body: Buffer, where: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new ValidationError(`${where} is not UTF-8 text`, [{ path: where, message: 'is not UTF-8 text' }]);
  }
}
