/**
 * HTTPS for the API when a certificate is configured (`http.tls.cert` and `http.tls.key`, PEM files):
 * Redfish requires TLS for Basic credentials and session login (DSP0266 §13.2.3, §13.3.4), and tokens
 * should not cross a network in clear. TLS 1.2 is the floor (RFC 9325 §3.1.1). The files are read and
 * checked at start, so a wrong path or a key that does not match the certificate stops the member with a
 * message naming the file, never the key's contents.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions } from 'node:https';
import { createSecureContext } from 'node:tls';

export interface TlsFiles {
  readonly cert: string | null;
  readonly key: string | null;
}

/** The HTTPS options for these files; undefined when neither is set. */
export function tlsOptions(files: TlsFiles | null | undefined): ServerOptions | undefined {
  if (files == null || (files.cert === null && files.key === null)) return undefined;
  if (files.cert === null || files.key === null) throw new Error('http.tls needs both cert and key (PEM files), or neither');
  const cert = readPem(files.cert, 'certificate');
  const key = readPem(files.key, 'private key');
  const options: ServerOptions = { cert, key, minVersion: 'TLSv1.2' };
  try {
    createSecureContext(options);
  } catch (e) {
    // OpenSSL's message ("key values mismatch", "bad decrypt") names no secret.
    throw new Error(`http.tls: ${files.cert} and ${files.key} are not a usable certificate and key: ${e instanceof Error ? e.message : String(e)}`);
  }
  return options;
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new Error(`http.tls: cannot read the ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** The server for the API: HTTPS with these options, plain HTTP without. */
export function createWebServer(app: RequestListener, tls: ServerOptions | undefined): Server {
  return tls === undefined ? createHttpServer(app) : createHttpsServer(tls, app);
}
