/**
 * A pino destination that writes each line to the real destination (stdout, a file, a test's memory) and
 * offers it to the member's LogRecords. It takes the line pino has already serialised, so the records are
 * censored by the logger's own redaction (formatters.log/bindings in logger.ts), byte for byte what the log
 * shows.
 *
 * The two sides have their own level: the logger runs at the lower of the two (pino cannot produce a line
 * it was not asked for), and this stream passes each line on only to the sides whose level it reaches,
 * using the level number pino gives streams that ask for metadata (`Symbol.for('pino.metadata')`, the same
 * mechanism as pino.multistream).
 */
import type { DestinationStream, Logger } from 'pino';
import type { LogRecords } from './log-records.ts';

const metadata = Symbol.for('pino.metadata');

/** What pino sets on a stream that asks for metadata, before each write. */
interface Metadata {
  lastLevel: number;
  lastTime: string;
  lastMsg: string;
  lastObj: object;
  lastLogger: Logger;
}

type Flushable = DestinationStream & { flush?: (cb?: (e?: Error) => void) => void; flushSync?: () => void; end?: () => void };

export interface LogTee extends DestinationStream, Metadata {
  readonly [metadata]: true;
  flush(cb?: (e?: Error) => void): void;
  flushSync(): void;
  end(): void;
}

/**
 * The tee. `destinationLevel` is the numeric level of the real destination (Infinity for `silent`);
 * records below `records.levelValue` are not offered to the store.
 */
export function logTee(destination: DestinationStream, destinationLevel: number, records: LogRecords): LogTee {
  const target = destination as Flushable & Partial<Metadata> & { [metadata]?: boolean };
  const forwardsMetadata = target[metadata] === true;
  const tee: LogTee = {
    [metadata]: true,
    lastLevel: 0,
    lastTime: '',
    lastMsg: '',
    lastObj: {},
    // Set by pino before the first write; never read before it.
    lastLogger: undefined as unknown as Logger,
    write(line: string) {
      const level = tee.lastLevel;
      if (level >= destinationLevel) {
        if (forwardsMetadata) {
          target.lastLevel = level;
          target.lastTime = tee.lastTime;
          target.lastMsg = tee.lastMsg;
          target.lastObj = tee.lastObj;
          target.lastLogger = tee.lastLogger;
        }
        target.write(line);
      }
      // A fault in the store must never cost the log its line (written above) nor the caller its call.
      try {
        records.add(line, level);
      } catch {
        // Nothing to report it to without logging again (and recursing); the line itself was written.
      }
    },
    flush(cb) {
      if (typeof target.flush === 'function') target.flush(cb);
      else cb?.();
    },
    flushSync() {
      target.flushSync?.();
    },
    end() {
      target.end?.();
    },
  };
  return tee;
}
