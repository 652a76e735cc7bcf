/**
 * The vocabulary between protocol servers and node actors: how a machine asks to boot, what its node
 * decides, and what it was seen doing on the wire. Protocol servers re-export these through their port
 * (`src/protocols/node-directory.ts`); they live here because actors may not import protocol code.
 */
import type { SyslogFields } from '../../persistence/collections.ts';

/** RFC 4578 §2.1 client system architecture (option 93), reduced to what picks a boot file. */
export type ClientArch = 'bios' | 'uefi-x64' | 'uefi-ia32' | 'uefi-arm64' | 'uefi-x64-http' | 'uefi-arm64-http' | 'unknown';

/** Which firmware is asking, as the server could tell from the packet (vendor class, user class, option 175). */
export type ClientFirmware = 'pxe' | 'ipxe' | 'http-boot' | 'microkernel' | 'other';

export interface BootRequest {
  readonly protocol: 'dhcp' | 'proxydhcp' | 'http';
  readonly arch: ClientArch;
  readonly firmware: ClientFirmware;
  readonly ipAddress?: string;
}

/**
 * `boot`: boot from the network; DHCP hands the loader for the client's architecture (or, to iPXE, the
 * URL of its profile) and the profile endpoint renders `profile`. `local`: boot from disk; DHCP does not
 * answer the PXE request, the profile endpoint answers with a script that exits to the next boot device.
 */
export type BootDecision =
  | { readonly kind: 'boot'; readonly profile: string; readonly options: Readonly<Record<string, unknown>>; readonly reason: string }
  | { readonly kind: 'local'; readonly reason: string };

/** Something a machine did on the wire; node actors (and, later, waiting workflow tasks) react to these. */
export type ProtocolObservation =
  | { readonly type: 'dhcp'; readonly messageType: string; readonly ipAddress?: string; readonly vendorClass?: string; readonly arch?: ClientArch }
  | { readonly type: 'tftp.request'; readonly file: string; readonly ipAddress: string }
  | { readonly type: 'tftp.transfer'; readonly file: string; readonly ipAddress: string; readonly bytes: number; readonly ok: boolean; readonly error?: string }
  | { readonly type: 'http.profile'; readonly profile: string; readonly ipAddress?: string }
  | ({ readonly type: 'syslog' } & SyslogFields);
