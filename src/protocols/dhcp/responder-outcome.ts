/**
 * What a responder decides for one request: a reply to send and where, or silence with the reason (for
 * the logs and the counters). Responders never touch sockets, so their rules are tested as tables.
 */
import type { MessageTypeName } from './dhcp-constants.ts';
import type { Destination } from './reply-destination.ts';

export type Outcome =
  | { readonly kind: 'reply'; readonly messageType: MessageTypeName; readonly packet: Buffer; readonly to: Destination; readonly bootFile?: string }
  | { readonly kind: 'silent'; readonly reason: string };

export const silent = (reason: string): Outcome => ({ kind: 'silent', reason });
