/**
 * TFTP packets on the wire (RFC 1350 §5, RFC 2347 §2 options, RFC 2347 OACK). Decoding never throws:
 * every datagram from the network is either a typed packet or a reason it is not one, so the servers
 * can count and log garbage without try/catch around parsing.
 */

export const Opcode = { rrq: 1, wrq: 2, data: 3, ack: 4, error: 5, oack: 6 } as const;

/** RFC 1350 §5 error codes, plus 8 from RFC 2347 §2 (option negotiation refused). */
export const TftpErrorCode = {
  notDefined: 0,
  fileNotFound: 1,
  accessViolation: 2,
  diskFull: 3,
  illegalOperation: 4,
  unknownTransferId: 5,
  fileExists: 6,
  noSuchUser: 7,
  optionRefused: 8,
} as const;
export type TftpErrorCode = (typeof TftpErrorCode)[keyof typeof TftpErrorCode];

/** RFC 2347 §2: "The maximum size of a request packet is 512 octets." */
export const MAX_REQUEST_BYTES = 512;

/** Options in the order the client sent them; names lower-cased (RFC 2347 §2: case-insensitive). */
export type TftpOptions = readonly (readonly [name: string, value: string])[];

export interface TftpRequest {
  readonly op: 'rrq' | 'wrq';
  readonly filename: string;
  /** Lower-cased; validity (octet/netascii/mail) is the server's business, not the codec's. */
  readonly mode: string;
  readonly options: TftpOptions;
  /** Option fields that could not be read as name/value pairs (a dangling name, an empty name). */
  readonly malformedOptions: number;
}

export type TftpPacket =
  | TftpRequest
  | { readonly op: 'data'; readonly block: number; readonly data: Buffer }
  | { readonly op: 'ack'; readonly block: number }
  | { readonly op: 'error'; readonly code: number; readonly message: string }
  | { readonly op: 'oack'; readonly options: TftpOptions };

export type DecodeResult = { readonly ok: true; readonly packet: TftpPacket } | { readonly ok: false; readonly reason: string };

const MAX_ERROR_MESSAGE_CHARS = 200;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The NUL-terminated fields from `offset` on, plus whether the last one was terminated. */
function splitFields(buf: Buffer, offset: number): { fields: Buffer[]; terminated: boolean } {
  const fields: Buffer[] = [];
  let start = offset;
  while (start < buf.length) {
    const end = buf.indexOf(0, start);
    if (end === -1) {
      fields.push(buf.subarray(start));
      return { fields, terminated: false };
    }
    fields.push(buf.subarray(start, end));
    start = end + 1;
  }
  return { fields, terminated: true };
}

function decodeText(field: Buffer): string | undefined {
  try {
    return utf8.decode(field);
  } catch {
    return undefined;
  }
}

function decodeOptions(fields: readonly Buffer[]): { options: [string, string][]; malformed: number } {
  const options: [string, string][] = [];
  let malformed = 0;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i];
    const value = fields[i + 1];
    // Trailing NUL padding (an empty name with an empty or absent value) is harmless; anything else
    // that is not a name/value pair is counted and skipped rather than failing the whole request.
    if (name === undefined || (name.length === 0 && (value === undefined || value.length === 0))) continue;
    const n = decodeText(name);
    const v = value === undefined ? undefined : decodeText(value);
    if (name.length === 0 || n === undefined || v === undefined) {
      malformed++;
      continue;
    }
    options.push([n.toLowerCase(), v]);
  }
  return { options, malformed };
}

function decodeRequest(op: 'rrq' | 'wrq', buf: Buffer): DecodeResult {
  if (buf.length > MAX_REQUEST_BYTES) return { ok: false, reason: `request of ${buf.length} bytes exceeds ${MAX_REQUEST_BYTES} (RFC 2347 §2)` };
  const { fields, terminated } = splitFields(buf, 2);
  const [fileField, modeField, ...rest] = fields;
  if (fileField === undefined || modeField === undefined || (rest.length === 0 && !terminated)) {
    return { ok: false, reason: 'request lacks a NUL-terminated filename and mode' };
  }
  if (fileField.length === 0) return { ok: false, reason: 'empty filename' };
  const filename = decodeText(fileField);
  const mode = decodeText(modeField);
  if (filename === undefined || mode === undefined) return { ok: false, reason: 'filename or mode is not valid UTF-8' };
  // An unterminated last field is cut off, with its option name if it was the value.
  const optionFields = terminated ? rest : rest.slice(0, rest.length % 2 === 0 ? -2 : -1);
  const { options, malformed } = decodeOptions(optionFields);
  return { ok: true, packet: { op, filename, mode: mode.toLowerCase(), options, malformedOptions: malformed + (terminated ? 0 : 1) } };
}

export function decodePacket(buf: Buffer): DecodeResult {
  if (buf.length < 4) return { ok: false, reason: `datagram of ${buf.length} bytes is shorter than any TFTP packet` };
  const opcode = buf.readUInt16BE(0);
  switch (opcode) {
    case Opcode.rrq:
      return decodeRequest('rrq', buf);
    case Opcode.wrq:
      return decodeRequest('wrq', buf);
    case Opcode.data:
      return { ok: true, packet: { op: 'data', block: buf.readUInt16BE(2), data: buf.subarray(4) } };
    case Opcode.ack:
      // Bytes after the block number are ignored: they cannot change what the ACK acknowledges.
      return { ok: true, packet: { op: 'ack', block: buf.readUInt16BE(2) } };
    case Opcode.error: {
      const end = buf.indexOf(0, 4);
      const message = buf
        .subarray(4, end === -1 ? buf.length : end)
        .toString('latin1')
        .slice(0, MAX_ERROR_MESSAGE_CHARS);
      return { ok: true, packet: { op: 'error', code: buf.readUInt16BE(2), message } };
    }
    case Opcode.oack: {
      const { fields } = splitFields(buf, 2);
      return { ok: true, packet: { op: 'oack', options: decodeOptions(fields).options } };
    }
    default:
      return { ok: false, reason: `unknown opcode ${opcode}` };
  }
}

/** The 4-byte DATA header; the payload is sent beside it (scatter/gather) rather than copied. */
export function dataHeader(block: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt16BE(Opcode.data, 0);
  b.writeUInt16BE(block & 0xffff, 2);
  return b;
}

export function encodeData(block: number, data: Buffer): Buffer {
  return Buffer.concat([dataHeader(block), data]);
}

export function encodeAck(block: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt16BE(Opcode.ack, 0);
  b.writeUInt16BE(block & 0xffff, 2);
  return b;
}

export function encodeError(code: TftpErrorCode, message: string): Buffer {
  const text = Buffer.from(message.slice(0, MAX_ERROR_MESSAGE_CHARS), 'latin1');
  const b = Buffer.alloc(4 + text.length + 1);
  b.writeUInt16BE(Opcode.error, 0);
  b.writeUInt16BE(code, 2);
  text.copy(b, 4);
  return b;
}

function encodeFields(opcode: number, strings: readonly string[]): Buffer {
  const parts = strings.map((s) => Buffer.from(s, 'utf8'));
  const b = Buffer.alloc(2 + parts.reduce((n, p) => n + p.length + 1, 0));
  b.writeUInt16BE(opcode, 0);
  let at = 2;
  for (const p of parts) {
    p.copy(b, at);
    at += p.length + 1;
  }
  return b;
}

export function encodeOack(options: TftpOptions): Buffer {
  return encodeFields(Opcode.oack, options.flat());
}

export function encodeRequest(op: 'rrq' | 'wrq', filename: string, mode: string, options: TftpOptions = []): Buffer {
  return encodeFields(op === 'rrq' ? Opcode.rrq : Opcode.wrq, [filename, mode, ...options.flat()]);
}
