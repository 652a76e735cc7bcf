/**
 * netascii (RFC 1350 §1 and the Telnet NVT of RFC 764): a line ends in CR LF and a lone CR is sent as
 * CR NUL. The server stores files the Unix way, so LF becomes CR LF and CR becomes CR NUL on the wire;
 * the transfer size (RFC 2349 §3) is the size of this rendering, not of the file.
 */
const CR = 0x0d;
const LF = 0x0a;

export function toNetascii(data: Buffer): Buffer {
  let extra = 0;
  for (const byte of data) if (byte === CR || byte === LF) extra++;
  if (extra === 0) return data;
  const out = Buffer.allocUnsafe(data.length + extra);
  let at = 0;
  for (const byte of data) {
    if (byte === LF) {
      out[at++] = CR;
      out[at++] = LF;
    } else if (byte === CR) {
      out[at++] = CR;
      out[at++] = 0;
    } else {
      out[at++] = byte;
    }
  }
  return out;
}

/** The inverse, for clients and tests: CR LF → LF, CR NUL → CR. */
export function fromNetascii(data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  let at = 0;
  for (let i = 0; i < data.length; i++) {
    const byte = data[i];
    const next = data[i + 1];
    if (byte === CR && next === LF) {
      out[at++] = LF;
      i++;
    } else if (byte === CR && next === 0) {
      out[at++] = CR;
      i++;
    } else if (byte !== undefined) {
      out[at++] = byte;
    }
  }
  return out.subarray(0, at);
}
