/**
 * `syslog.maxMessageBytes` applied to bytes. RFC 5424 §6.1 lets a receiver truncate a message longer than
 * it supports; the cut is moved back to a UTF-8 character boundary so truncation never leaves half a
 * character (which would decode as U+FFFD) at the end.
 */

/** Length of the UTF-8 sequence a lead byte starts; 1 for ASCII and for bytes that cannot lead. */
function sequenceLength(lead: number): number {
  if (lead >= 0xf0 && lead <= 0xf7) return 4;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xc0 && lead <= 0xdf) return 2;
  return 1;
}

/** `bytes` without a multi-byte character that was cut off at its end. */
export function dropIncompleteUtf8Tail(bytes: Buffer): Buffer {
  for (let back = 1; back <= 4 && back <= bytes.length; back++) {
    const at = bytes.length - back;
    const b = bytes[at] ?? 0;
    if ((b & 0xc0) !== 0x80) return sequenceLength(b) > back ? bytes.subarray(0, at) : bytes;
  }
  return bytes;
}

export function truncateUtf8(bytes: Buffer, max: number): Buffer {
  return bytes.length <= max ? bytes : dropIncompleteUtf8Tail(bytes.subarray(0, max));
}
