/**
 * One event as an RFC 5424 syslog message (section numbers below are RFC 5424's):
 *
 *   SYSLOG-MSG = HEADER SP STRUCTURED-DATA [SP MSG]                                  §6
 *   HEADER     = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID  §6.2
 *
 * PRI is facility × 8 + severity (§6.2.1), VERSION 1 (§6.2.2), TIMESTAMP the event's own time in RFC 3339
 * form with "T" and "Z" upper-case and at most six fraction digits (§6.2.3). HOSTNAME, APP-NAME, PROCID
 * and MSGID are PRINTUSASCII of at most 255, 48, 128 and 32 characters, "-" when empty (§6.2.4–§6.2.7).
 * STRUCTURED-DATA carries the event's fields in one SD-ELEMENT under the configured SD-ID (§6.3.1,
 * §6.3.2: private ids are name@enterprise-number) and the IANA-registered `origin` element naming the
 * software (§7.2). PARAM-VALUEs escape '"', '\' and ']' with a backslash (§6.3.3). MSG is UTF-8 and so
 * starts with the BOM (§6.4); it is what a person reading the log wants: the event in a line, then its data
 * as JSON. A message longer than the limit loses the end of its MSG, cut at a character boundary.
 *
 * The trace of the delivery (W3C Trace Context) goes in an element of its own, `trace@<number>`, with one
 * PARAM `traceparent` in the W3C format (§3.2.2 of Trace Context Level 1). No IANA-registered SD-ID carries
 * a trace (§7 registers timeQuality, origin and meta only), so it is a private one (§6.3.2, name@<private
 * enterprise number>) under the enterprise number of the configured SD-ID: 32473 by default, the number
 * RFC 5612 reserves for documentation, a placeholder an operator replaces with their own. It is a separate
 * element rather than a parameter of the event's so that the event element holds the event and nothing
 * else, and so that a message without a trace simply has no such element.
 */
import type { DomainEvent, Severity } from '../actors/events/event-bus.ts';
import { formatTraceparent, type TraceContext } from '../tracing/trace-context.ts';

export interface SyslogFormatOptions {
  readonly facility: number;
  readonly hostname: string;
  readonly appName: string;
  readonly procId: string;
  readonly structuredDataId: string;
  readonly maxMessageBytes: number;
  /** Software name for the `origin` element (§7.2.3, at most 48 characters). */
  readonly software: string;
}

/** §6.2.1 severities: 2 Critical, 4 Warning, 6 Informational. */
const severityCode: Record<Severity, number> = { critical: 2, warning: 4, information: 6 };

const NILVALUE = '-';
const BOM = '\uFEFF';
/** PARAM-VALUEs are bounded so the header and structured data always leave room for MSG. */
const maxParamValue = 255;

/** `text` as 1*max PRINTUSASCII (%d33-126), anything else replaced by "_", or the NILVALUE when empty (§6.2.4–§6.2.7). */
export function headerField(text: string, max: number): string {
  const printable = text.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return printable.length === 0 ? NILVALUE : printable;
}

/** §6.3.3: inside PARAM-VALUE, '"', '\' and ']' MUST be escaped with a backslash. */
export function escapeParamValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** §6.3.3 SD-PARAM: PARAM-NAME "=" %d34 PARAM-VALUE %d34. */
function param(name: string, value: string): string {
  return `${name}="${escapeParamValue(truncateChars(value, maxParamValue))}"`;
}

function truncateChars(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max);
}

/** §6.2.3 TIMESTAMP from the event's createdAt (toISOString: upper-case T and Z, three fraction digits); now when unusable. */
function timestampOf(createdAt: string, now: () => Date): string {
  const t = Date.parse(createdAt);
  return (Number.isNaN(t) ? now() : new Date(t)).toISOString();
}

/** The longest prefix of `text` whose UTF-8 encoding fits in `bytes`, never splitting a character. */
export function fitUtf8(text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  const buf = Buffer.from(text).subarray(0, Math.max(0, bytes));
  // Drop a trailing partial sequence: back up over continuation bytes (10xxxxxx) to the lead byte.
  let end = buf.length;
  let i = end - 1;
  while (i >= 0 && ((buf[i] ?? 0) & 0xc0) === 0x80) i--;
  if (i >= 0) {
    const lead = buf[i] ?? 0;
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (end - i < need) end = i;
  }
  return buf.subarray(0, end).toString('utf8');
}

/**
 * The SD-ID of the trace element: `trace@` and the enterprise number of `structuredDataId`; none when that
 * is not a private id, or when the result would be longer than the 32 characters of an SD-NAME (§6.3.2).
 */
export function traceDataId(structuredDataId: string): string | undefined {
  const at = structuredDataId.indexOf('@');
  const id = `trace${structuredDataId.slice(at)}`;
  return at < 0 || id.length > 32 ? undefined : id;
}

export interface SyslogMessageContext {
  /** The time stamped on an event whose own time is unusable. */
  readonly now?: () => Date;
  /** The delivery attempt's span, sent as the trace element. */
  readonly trace?: TraceContext;
}

export function formatSyslogMessage(event: DomainEvent, deliveryId: string, options: SyslogFormatOptions, context: SyslogMessageContext = {}): Buffer {
  const now = context.now ?? (() => new Date());
  const pri = `<${options.facility * 8 + severityCode[event.severity]}>`;
  const header = [
    `${pri}1`,
    timestampOf(event.createdAt, now),
    headerField(options.hostname, 255),
    headerField(options.appName, 48),
    headerField(options.procId, 128),
    headerField(`${event.type}.${event.action}`, 32),
  ].join(' ');
  const eventParams = [
    param('type', event.type),
    param('action', event.action),
    param('severity', event.severity),
    param('typeId', event.typeId),
    ...(event.nodeId === undefined ? [] : [param('nodeId', event.nodeId)]),
    param('deliveryId', deliveryId),
  ];
  const traceId = context.trace === undefined ? undefined : traceDataId(options.structuredDataId);
  const traceElement = context.trace === undefined || traceId === undefined ? '' : `[${traceId} ${param('traceparent', formatTraceparent(context.trace))}]`;
  const sd = `[${options.structuredDataId} ${eventParams.join(' ')}]${traceElement}[origin ${param('software', truncateChars(options.software, 48))}]`;
  let data: string;
  try {
    data = JSON.stringify(event.data);
  } catch {
    data = '{}';
  }
  const summary = `${event.type}.${event.action} ${event.severity} typeId=${event.typeId}${event.nodeId === undefined ? '' : ` nodeId=${event.nodeId}`} ${data}`;
  const head = `${header} ${sd} `;
  const room = options.maxMessageBytes - Buffer.byteLength(head) - Buffer.byteLength(BOM);
  return Buffer.from(`${head}${BOM}${fitUtf8(summary, room)}`);
}
