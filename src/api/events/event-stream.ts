/**
 * The event stream for UIs (Server-Sent Events, WHATWG HTML §9.2): every event of the bus, in RackHD's
 * envelope as the `data` of one SSE message, to every client whose topic patterns (AMQP `*`/`#`, the
 * patterns a consumer of `on.events` binds with) match the event's routing key.
 *
 * Ids are `<stream epoch>-<sequence>`. The last `replay` events are kept in a ring, so a client that
 * reconnects with `Last-Event-ID` (browsers send it by themselves) gets what it missed. When that is not
 * possible — the id is from another run of this process, or older than the ring — the client is told so
 * with an `event: reset` message before the live stream, instead of silently missing events.
 *
 * The publisher is never held up: an event is formatted once and written to each client's socket
 * buffer; a client that lets more than `maxBufferedBytes` pile up is disconnected (it may resume with
 * its last id). A comment line every `keepAliveSeconds` keeps proxies from closing quiet streams.
 */
import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import { routingKeyOf, type DomainEvent, type Subscriber } from '../../actors/events/event-bus.ts';
import { systemClock, type Clock, type TimerHandle } from '../../actors/runtime/clock.ts';
import { MonorailError, SystemStoppedError } from '../../errors.ts';
import type { Logger } from '../../logging/logger.ts';
import { anyTopicMatcher } from '../../events/topic-pattern.ts';

export interface EventStreamOptions {
  /** Events kept for `Last-Event-ID` resumption. */
  readonly replay: number;
  readonly keepAliveSeconds: number;
  readonly maxClients: number;
  /** Unsent bytes a client may have before it is disconnected as too slow. */
  readonly maxBufferedBytes: number;
  /** The reconnection delay browsers are told to use (SSE `retry:`). */
  readonly retryMs: number;
}

export const defaultEventStreamOptions: EventStreamOptions = { replay: 1000, keepAliveSeconds: 15, maxClients: 256, maxBufferedBytes: 1024 * 1024, retryMs: 2000 };

interface Entry {
  readonly seq: number;
  readonly key: string;
  readonly frame: string;
}

interface Client {
  readonly res: Response;
  readonly matches: (key: string) => boolean;
}

export interface EventStreamStats {
  readonly clients: number;
  readonly sent: number;
  readonly slowDisconnects: number;
  readonly lastSeq: number;
}

export class EventStream {
  readonly epoch = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  private readonly options: EventStreamOptions;
  private readonly clock: Clock;
  private readonly ring: (Entry | undefined)[];
  private seq = 0;
  private readonly clients = new Set<Client>();
  private unsubscribe: (() => void) | undefined;
  private keepAlive: TimerHandle | undefined;
  private stopped = false;
  private sent = 0;
  private slowDisconnects = 0;

  constructor(private readonly deps: { readonly log: Logger; readonly options?: Partial<EventStreamOptions>; readonly clock?: Clock }) {
    this.options = { ...defaultEventStreamOptions, ...deps.options };
    this.clock = deps.clock ?? systemClock;
    this.ring = new Array<Entry | undefined>(Math.max(1, this.options.replay)).fill(undefined);
  }

  /** Starts recording and forwarding the bus's events (start it with the member, so the ring fills before any client comes). */
  start(bus: { subscribe(s: Subscriber): () => void }): void {
    this.unsubscribe = bus.subscribe(this.onEvent);
    this.keepAlive = this.clock.setInterval(() => this.broadcast(': keep-alive\n\n'), this.options.keepAliveSeconds * 1000);
  }

  /** Ends every stream (an HTTP server cannot close while they are open) and stops listening. */
  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.keepAlive?.cancel();
    for (const c of [...this.clients]) c.res.end();
    this.clients.clear();
  }

  stats(): EventStreamStats {
    return { clients: this.clients.size, sent: this.sent, slowDisconnects: this.slowDisconnects, lastSeq: this.seq };
  }

  /**
   * Takes over `res` as an event stream for `patterns` (none: every event), replaying after `lastEventId`
   * when given. Throws before writing anything when the stream cannot be served.
   */
  attach(res: Response, patterns: readonly string[], lastEventId: string | undefined): void {
    if (this.stopped) throw new SystemStoppedError('event stream');
    if (this.clients.size >= this.options.maxClients) {
      res.setHeader('Retry-After', String(Math.ceil(this.options.retryMs / 1000)));
      throw new MonorailError('TOO_MANY_REQUESTS', `the event stream serves at most ${this.options.maxClients} clients at once`);
    }
    const client: Client = { res, matches: patterns.length === 0 ? () => true : anyTopicMatcher(patterns) };
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    // nginx buffers responses unless told otherwise; a buffered event stream is no stream.
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    res.write(`retry: ${this.options.retryMs}\n: monorail events ${this.epoch}\n\n`);
    if (lastEventId !== undefined) this.replayAfter(client, lastEventId);
    this.clients.add(client);
    // The response's close, not the request's: a GET's request is complete (and may emit close) long
    // before the client goes away.
    const detach = (): void => {
      this.clients.delete(client);
    };
    res.on('close', detach);
    res.on('error', detach);
  }

  private replayAfter(client: Client, lastEventId: string): void {
    const m = /^([0-9a-z]+)-(\d{1,15})$/.exec(lastEventId.trim());
    const oldest = Math.max(1, this.seq - this.ring.length + 1);
    const reset = (reason: string): void => {
      client.res.write(`event: reset\ndata: ${JSON.stringify({ reason, lastEventId: `${this.epoch}-${this.seq}` })}\n\n`);
    };
    if (m === null || m[1] !== this.epoch) {
      reset('the last event id is not from this stream (the member restarted, or the id is not ours): events may have been missed');
      return;
    }
    const last = Number(m[2]);
    if (last > this.seq) {
      reset('the last event id is ahead of this stream');
      return;
    }
    if (last < oldest - 1) reset(`events after ${lastEventId} are no longer kept (the stream keeps the last ${this.ring.length}); replaying what is kept`);
    for (let s = Math.max(last + 1, oldest); s <= this.seq; s++) {
      const entry = this.ring[s % this.ring.length];
      if (entry !== undefined && entry.seq === s && client.matches(entry.key)) this.write(client, entry.frame);
    }
  }

  private readonly onEvent = (event: DomainEvent): void => {
    let data: string;
    try {
      data = JSON.stringify(event);
    } catch (e) {
      this.deps.log.warn({ err: e, event: `${event.type}.${event.action}` }, 'event stream: event cannot be serialised');
      return;
    }
    const seq = ++this.seq;
    const key = routingKeyOf(event);
    const entry: Entry = { seq, key, frame: `id: ${this.epoch}-${seq}\ndata: ${data}\n\n` };
    this.ring[seq % this.ring.length] = entry;
    for (const c of this.clients) if (c.matches(key)) this.write(c, entry.frame);
  };

  private broadcast(frame: string): void {
    for (const c of this.clients) this.write(c, frame);
  }

  private write(client: Client, frame: string): void {
    const { res } = client;
    if (res.writableEnded || res.destroyed) {
      this.clients.delete(client);
      return;
    }
    if (res.writableLength > this.options.maxBufferedBytes) {
      // It may come back with Last-Event-ID; holding an unbounded buffer for it is not an option.
      this.clients.delete(client);
      this.slowDisconnects++;
      this.deps.log.warn({ buffered: res.writableLength }, 'event stream: client too slow; disconnected');
      res.destroy();
      return;
    }
    res.write(frame);
    this.sent++;
  }
}
