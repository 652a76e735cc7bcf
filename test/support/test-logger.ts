/** A real pino logger writing into memory, so tests can assert on what was logged. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logging/logger.ts';

export interface CapturedLog {
  readonly log: Logger;
  readonly lines: () => Record<string, unknown>[];
}

export function captureLog(level = 'debug'): CapturedLog {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const log = createLogger({ level, memberId: 'test', destination });
  return {
    log,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
