/**
 * W3C Trace Context over HTTP for the member's express application. A request's `traceparent`
 * (https://www.w3.org/TR/trace-context/ §3.2) makes its handling a new span of the caller's trace; a
 * missing one, or one that does not parse (ignored, as §3.2.2.3 and §3.2.2.4 require, and §4's processing
 * model then starts a trace), starts a trace of our own. Everything the request does runs in it: its log
 * lines, and the actor messages it sends, carry the trace id.
 *
 * The response names the span that handled the request, so a caller that sent nothing can still find the
 * logs. Level 1 defines no response header; we send the value twice: as `traceresponse`, the header
 * Trace Context Level 2 (a Working Draft) defines for this with the `traceparent` format, and as
 * `traceparent`, which clients and proxies that predate the draft already read. `tracestate` (§3.3) is not
 * used: Monorail has no vendor state to add, and it makes no outgoing HTTP calls in a request's name.
 */
import type { RequestHandler } from 'express';
import { childOf, formatTraceparent, newTrace, parseTraceparent } from './trace-context.ts';
import { runInTrace } from './trace-scope.ts';

export function traceRequests(): RequestHandler {
  return (req, res, next) => {
    // Node joins a repeated header with ", ", which no valid version-00 value survives: several
    // `traceparent` headers are treated as an invalid one.
    const raw = req.headers['traceparent'];
    const incoming = typeof raw === 'string' ? parseTraceparent(raw) : undefined;
    const context = incoming === undefined ? newTrace() : childOf(incoming);
    const value = formatTraceparent(context);
    res.setHeader('traceparent', value);
    res.setHeader('traceresponse', value);
    // Handlers after a body parser (called from the request stream's 'end') stay in the trace: Node runs
    // the stream's events in the request's async context (measured on Node 20 with express.json and a
    // 90 kB body; test/tracing/member-tracing.socket.test.ts keeps it so).
    runInTrace(context, next);
  };
}
