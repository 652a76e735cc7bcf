/**
 * The bytes a read transfer sends, whatever produced them (a file under a root, a per-node document from
 * a provider, a netascii rendering). A transfer reads forward one window at a time and re-reads a window
 * it has to resend, so content is random-access but optimised for reading in order.
 */
import type { FileHandle } from 'node:fs/promises';

export interface TftpContent {
  readonly size: number;
  /** `length` bytes from `position`, fewer only at the end of the content. */
  read(position: number, length: number): Promise<Buffer>;
  /** The same bytes when they are already in memory, without a promise; undefined when `read` must go to disk. */
  peek(position: number, length: number): Buffer | undefined;
  close(): Promise<void>;
}

export function bufferContent(data: Buffer): TftpContent {
  const slice = (position: number, length: number): Buffer => data.subarray(position, Math.min(position + length, data.length));
  return {
    size: data.length,
    read: async (position, length) => slice(position, length),
    peek: slice,
    close: async () => undefined,
  };
}

/** Read-ahead: one read of this many bytes serves many small blocks (RFC 1350's 512 bytes, 128 per chunk). */
const CHUNK_BYTES = 64 * 1024;

/** A regular file, opened once per transfer; reads go through a single read-ahead chunk. */
export function fileContent(handle: FileHandle, size: number): TftpContent {
  let chunk = Buffer.alloc(0);
  let chunkAt = 0;
  let closed = false;
  const peek = (position: number, length: number): Buffer | undefined => {
    const end = Math.min(position + length, size);
    return position >= chunkAt && end <= chunkAt + chunk.length ? chunk.subarray(position - chunkAt, end - chunkAt) : undefined;
  };
  return {
    size,
    peek,
    async read(position, length) {
      const cached = peek(position, length);
      if (cached !== undefined) return cached;
      const end = Math.min(position + length, size);
      const want = Math.min(Math.max(CHUNK_BYTES, end - position), size - position);
      const buffer = Buffer.allocUnsafe(want);
      let filled = 0;
      while (filled < want) {
        const { bytesRead } = await handle.read(buffer, filled, want - filled, position + filled);
        // The file shrank under us: send what is there; the transfer ends at the short block.
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      chunk = buffer.subarray(0, filled);
      chunkAt = position;
      return chunk.subarray(0, Math.min(end - position, filled));
    },
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}
