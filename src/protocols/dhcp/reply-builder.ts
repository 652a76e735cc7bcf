/**
 * Building a BOOTREPLY to a request (RFC 2131 §4.3.1 Table 3): the header fields copied from the
 * request, the server identifier, the boot information, and the relay agent option echoed last
 * (RFC 3046 §2.2). Options live in a map, so nothing here can put a code in a reply twice.
 */
import type { ClientRequest } from './client-request.ts';
import type { BootSettings, BootTarget } from './boot-target.ts';
import { BOOTREPLY, MessageType, Opt, type MessageTypeName } from './dhcp-constants.ts';
import { encodePacket, DEFAULT_MAX_REPLY_BYTES, MAX_PACKET_BYTES, type DhcpPacket } from './packet-codec.ts';
import { ipValue, textValue, u8Value } from './option-values.ts';

export interface ReplyDraft {
  readonly request: ClientRequest;
  readonly messageType: MessageTypeName;
  yiaddr: string;
  siaddr: string;
  file: string;
  readonly options: Map<number, Buffer>;
}

export function draftReply(request: ClientRequest, messageType: MessageTypeName, serverId: string): ReplyDraft {
  const options = new Map<number, Buffer>();
  options.set(Opt.MESSAGE_TYPE, u8Value(MessageType[messageType]));
  options.set(Opt.SERVER_ID, ipValue(serverId));
  return { request, messageType, yiaddr: '0.0.0.0', siaddr: '0.0.0.0', file: '', options };
}

/** The longest name the 128-octet `file` field holds with its terminating NUL. */
const FILE_FIELD_MAX = 127;

/**
 * Puts the loader in the reply: next-server, the `file` field, and option 67 when the client asked for
 * it or the name does not fit the field (RFC 2132 §9.5). Option 60 only when `vendorClass` says so:
 * proxy offers must carry it (PXE spec 2.1 §2.2.5), but in a reply with an address it breaks EDK2
 * unless the client is iPXE (real-clients.md F2). Option 97 is echoed as the PXE spec requires.
 */
export function addBootInfo(draft: ReplyDraft, target: BootTarget, settings: BootSettings, vendorClass: boolean): void {
  const { request, options } = draft;
  const name = target.via === 'tftp' ? target.file : target.url;
  draft.siaddr = settings.serverAddress;
  const fits = Buffer.byteLength(name, 'latin1') <= FILE_FIELD_MAX && Buffer.byteLength(name) === name.length;
  if (fits) draft.file = name;
  if (!fits || request.parameterList.includes(Opt.BOOTFILE)) options.set(Opt.BOOTFILE, textValue(name));
  if (target.via === 'tftp' && request.parameterList.includes(Opt.TFTP_SERVER)) options.set(Opt.TFTP_SERVER, textValue(settings.serverAddress));
  if (vendorClass) options.set(Opt.VENDOR_CLASS, textValue(target.via === 'http' ? target.vendorClass : 'PXEClient'));
  // RFC 4578 §2.3: a type octet and a 16-octet UUID; anything else is not echoed.
  if (request.uuid?.length === 17) options.set(Opt.CLIENT_UUID, request.uuid);
}

/** RFC 2132 §9.10: option 57 counts the IP and UDP headers (28 octets) and is at least 576. */
export function replyLimitFor(request: ClientRequest): number {
  const asked = request.maxMessageSize;
  if (asked === undefined || asked < 576) return DEFAULT_MAX_REPLY_BYTES;
  return Math.min(MAX_PACKET_BYTES, asked - 28);
}

export function finishReply(draft: ReplyDraft): DhcpPacket {
  const req = draft.request.packet;
  const options = new Map(draft.options);
  // A relay's option longer than one instance cannot be echoed without repeating its code (F4).
  if (draft.request.relayAgentInfo !== undefined && draft.request.relayAgentInfo.length <= 255) {
    options.delete(Opt.RELAY_AGENT_INFO);
    options.set(Opt.RELAY_AGENT_INFO, draft.request.relayAgentInfo);
  }
  const isOffer = draft.messageType === 'OFFER';
  return {
    op: BOOTREPLY,
    htype: req.htype,
    hlen: req.hlen,
    hops: 0,
    xid: req.xid,
    secs: 0,
    flags: req.flags,
    // Table 3: ciaddr is 0 in an OFFER and NAK, copied from the request otherwise.
    ciaddr: isOffer || draft.messageType === 'NAK' ? '0.0.0.0' : req.ciaddr,
    yiaddr: draft.yiaddr,
    siaddr: draft.siaddr,
    giaddr: req.giaddr,
    chaddr: req.chaddr,
    sname: '',
    file: draft.file,
    options,
  };
}

export function encodeReply(draft: ReplyDraft): Buffer {
  return encodePacket(finishReply(draft), { maxBytes: replyLimitFor(draft.request) });
}
