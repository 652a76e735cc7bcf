/** A TFTP server on 127.0.0.1 (port 0) over a temporary root, with a fake directory and captured logs. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load-config.ts';
import type { ConfigLayer } from '../../src/config/schema.ts';
import { TftpServer, tftpServerOptions, type TftpServerOptions } from '../../src/protocols/tftp/tftp-server.ts';
import { fakeTftpDirectory, type FakeTftpDirectory } from './fake-directory-tftp.ts';
import { captureLog, type CapturedLog } from './test-logger.ts';

export interface TftpFixture {
  readonly server: TftpServer;
  readonly port: number;
  readonly host: string;
  readonly root: string;
  readonly directory: FakeTftpDirectory;
  readonly captured: CapturedLog;
  /** Writes a file under the root and returns its content. */
  file(name: string, content: Buffer | string): Buffer;
  /** Polls until `check` holds (transfers end asynchronously after the client's last ACK). */
  until(check: () => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startTftpFixture(
  o: { tftp?: NonNullable<ConfigLayer['tftp']>; overrides?: Partial<TftpServerOptions>; host?: string; logLevel?: string } = {},
): Promise<TftpFixture> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tftp-test-'));
  // Readable by others too: tftpd-hpa drops privileges before opening files.
  chmodSync(root, 0o755);
  const host = o.host ?? '127.0.0.1';
  const directory = fakeTftpDirectory();
  const captured = captureLog(o.logLevel ?? 'debug');
  let server: TftpServer;
  try {
    const config = loadConfig({ layers: [{ tftp: { enabled: true, host, port: 0, root, ...o.tftp } }] });
    server = new TftpServer(tftpServerOptions(config.tftp, { fallbackRoots: [], ...o.overrides }), directory, captured.log);
    await server.start();
  } catch (e) {
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
  const port = server.addresses()[0]?.port ?? 0;
  return {
    server,
    port,
    host,
    root,
    directory,
    captured,
    file(name, content) {
      const data = typeof content === 'string' ? Buffer.from(content) : content;
      writeFileSync(path.join(root, name), data, { mode: 0o644 });
      return data;
    },
    async until(check, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; stats ${JSON.stringify(server.stats())}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async stop() {
      await server.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
