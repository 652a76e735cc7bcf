/**
 * Which loader a booting client is handed, from its firmware and architecture: PXE ROMs get an iPXE
 * binary over TFTP by RFC 4578 architecture, UEFI HTTP boot gets the same binary as an HTTP URL, and a
 * client already running iPXE gets the URL of its profile (RackHD's `/api/current/profiles`). The
 * microkernel and ordinary clients get nothing (real-clients.md F8).
 */
import type { ClientRequest } from './client-request.ts';

export interface BootFiles {
  readonly bios: string;
  readonly uefiX64: string;
  readonly uefiIa32: string;
  readonly uefiArm64: string;
}

export interface BootSettings {
  /** next-server (siaddr), option 54 and the host of boot URLs. */
  readonly serverAddress: string;
  /** Base of the southbound HTTP endpoints, without a trailing slash. */
  readonly httpBaseUrl: string;
  readonly files: BootFiles;
}

export type BootTarget =
  | { readonly via: 'tftp'; readonly file: string }
  | { readonly via: 'http'; readonly url: string; readonly vendorClass: 'PXEClient' | 'HTTPClient' };

export function bootTargetFor(request: ClientRequest, settings: BootSettings): BootTarget | undefined {
  const { files } = settings;
  switch (request.firmware) {
    case 'ipxe':
      return { via: 'http', url: `${settings.httpBaseUrl}/api/current/profiles?macs=${request.mac}`, vendorClass: 'PXEClient' };
    case 'http-boot': {
      // RFC 4578 codes 15/16/18/19 (x86, x64, arm32, arm64 HTTP); a bare "HTTPClient" is taken as x64.
      const file = request.archCode === 19 ? files.uefiArm64 : request.archCode === 15 ? files.uefiIa32 : request.archCode === 18 ? undefined : files.uefiX64;
      // Static boot files are served under /common (src/api/app.ts, RackHD's path).
      return file === undefined ? undefined : { via: 'http', url: `${settings.httpBaseUrl}/common/${file}`, vendorClass: 'HTTPClient' };
    }
    case 'pxe': {
      switch (request.arch) {
        case 'bios':
          return { via: 'tftp', file: files.bios };
        case 'uefi-x64':
          return { via: 'tftp', file: files.uefiX64 };
        case 'uefi-ia32':
          return { via: 'tftp', file: files.uefiIa32 };
        case 'uefi-arm64':
          return { via: 'tftp', file: files.uefiArm64 };
        case 'uefi-x64-http':
        case 'uefi-arm64-http':
        case 'unknown':
          return undefined;
      }
      return undefined;
    }
    case 'microkernel':
    case 'other':
      return undefined;
  }
}

/** `boot.httpBaseUrl`, or `http://<serverAddress>:<http.port>` when it is not set; never a trailing slash. */
export function resolveHttpBaseUrl(httpBaseUrl: string | null, serverAddress: string, httpPort: number): string {
  return (httpBaseUrl ?? `http://${serverAddress}:${httpPort}`).replace(/\/+$/, '');
}
