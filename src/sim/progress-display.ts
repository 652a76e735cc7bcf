/**
 * The virtual rack's progress display: on a terminal one line rewritten in place, elsewhere (CI logs,
 * pipes) a line every `intervalMs`, so a log is readable and a terminal is not flooded.
 */
import type { Writable } from 'node:stream';
import { progressLine, type RackProgress } from './rack-report.ts';

export interface ProgressDisplay {
  /** Prints the final state and stops (on a terminal, ends the rewritten line). */
  stop(): void;
}

export function showProgress(progress: () => RackProgress, out: Writable & { readonly isTTY?: boolean }, intervalMs = 5000): ProgressDisplay {
  const tty = out.isTTY === true;
  // A terminal that reports no width (a pty without a size) gets the whole line.
  const columns = (): number => {
    const c = (out as { columns?: number }).columns;
    return c !== undefined && c > 20 ? c : 1000;
  };
  const draw = (): void => {
    const line = progressLine(progress());
    // \r and "erase line" (ECMA-48 EL, CSI 2 K): the new line replaces the old one.
    if (tty) out.write(`\r\u001b[2K${line.slice(0, columns() - 1)}`);
    else out.write(`${line}\n`);
  };
  const timer = setInterval(draw, tty ? 250 : intervalMs);
  timer.unref();
  draw();
  return {
    stop() {
      clearInterval(timer);
      draw();
      if (tty) out.write('\n');
    },
  };
}
