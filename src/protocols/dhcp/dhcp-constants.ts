/**
 * Numbers from the DHCPv4 RFCs that the codec and responders name: BOOTP op codes (RFC 2131 §2),
 * message types (RFC 2132 §9.6) and the option codes Monorail reads or writes.
 */

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;

/** RFC 2131 §3: the first four octets of the options field. */
export const MAGIC_COOKIE = 0x63825363;

/** RFC 2131 §2: flags bit 0 (the most significant) asks for a broadcast reply. */
export const BROADCAST_FLAG = 0x8000;

export const MessageType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;
export type MessageTypeName = keyof typeof MessageType;

const namesByNumber = new Map<number, MessageTypeName>(Object.entries(MessageType).map(([k, v]) => [v, k as MessageTypeName]));

export function messageTypeName(n: number): MessageTypeName | undefined {
  return namesByNumber.get(n);
}

/** Option codes (RFC 2132 unless noted). */
export const Opt = {
  PAD: 0,
  SUBNET_MASK: 1,
  ROUTER: 3,
  DNS_SERVERS: 6,
  HOSTNAME: 12,
  DOMAIN_NAME: 15,
  BROADCAST_ADDRESS: 28,
  VENDOR_SPECIFIC: 43,
  REQUESTED_IP: 50,
  LEASE_TIME: 51,
  OVERLOAD: 52,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAMETER_LIST: 55,
  MESSAGE: 56,
  MAX_MESSAGE_SIZE: 57,
  RENEWAL_TIME: 58,
  REBINDING_TIME: 59,
  VENDOR_CLASS: 60,
  CLIENT_ID: 61,
  TFTP_SERVER: 66,
  BOOTFILE: 67,
  /** RFC 3004 */
  USER_CLASS: 77,
  /** RFC 3046 */
  RELAY_AGENT_INFO: 82,
  /** RFC 4578 §2.1 */
  CLIENT_ARCH: 93,
  /** RFC 4578 §2.2 */
  CLIENT_NDI: 94,
  /** RFC 4578 §2.3 */
  CLIENT_UUID: 97,
  /** iPXE's encapsulated options; its presence means iPXE is running. */
  IPXE_ENCAP: 175,
  END: 255,
} as const;
