/**
 * Shards over RabbitMQ. Topology (declared by every member, idempotently, on every connection):
 *
 *   exchange `<ns>.shards` (direct, durable)
 *     └─ routing key `<n>` → queue `<ns>.shard.<n>` (quorum, durable, x-single-active-consumer), n = 0..shards-1
 *   exchange `<ns>.members` (fanout)  → one exclusive queue per member: membership heartbeats
 *   queue `<ns>.reply.<member>.<uuid>` (exclusive, auto-delete): replies to this member's asks
 *
 * Every member consumes every shard queue; single active consumer makes the broker pick one owner per
 * shard and fail over to a waiting consumer within milliseconds when the owner's connection closes (its
 * heartbeat lapses, for a hung member). AMQP 0-9-1 does not tell a consumer it became active, so a member
 * learns it owns a shard from the first delivery; probes published into shards no live member claims make
 * sure that delivery comes even when nothing else is sent (a failed-over shard with workflows in flight).
 * Balance comes from members giving up their surplus (shard-balance.ts).
 *
 * Delivery: persistent messages, publisher confirms, manual acks once the entity has persisted (or
 * answered). A hand-off first stops dispatching the shard's deliveries, lets the in-flight ones finish,
 * stops the shard's actors, and only then cancels the consumer, so the next owner never runs an entity
 * this member still runs. A member that loses its connection drops every shard at once: the broker has
 * already moved them; the journal's sequence check fences anything it was about to write.
 */
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, RecoveringChannelModel } from 'amqplib';
import type { ReplyEndpoint, ReplyRegistry, WireReply } from '../actors/runtime/reply.ts';
import type { DeliveryHandler, ShardEnvelope, ShardLifecycle, ShardTransport } from '../actors/runtime/shard-transport.ts';
import { describe } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { parseTraceparent } from '../tracing/trace-context.ts';
import { parseMemberBeat, parseReply, parseShardEnvelope, type MemberBeat } from './wire-format.ts';
import type { ClusterMemberView, ClusterStatus } from './cluster-status.ts';
import { shardsToRelease } from './shard-balance.ts';

export interface AmqpShardTransportOptions {
  /** Broker URL; may carry credentials, so it is never logged. */
  readonly url: string;
  readonly memberId: string;
  readonly shards: number;
  /** Prefix of every exchange and queue name: two clusters (or two tests) on one broker stay apart. */
  readonly namespace: string;
  /** AMQP heartbeat: a hung member loses its shards after about twice this. */
  readonly heartbeatSeconds: number;
  /** How often a member announces itself and the shards it owns. */
  readonly memberBeatMs: number;
  /** A member not heard from for this long is no longer counted (its shards are probed). */
  readonly memberTimeoutMs: number;
  /** How often shards no live member claims are probed. */
  readonly probeIntervalMs: number;
  /** Unacknowledged deliveries per shard consumer. */
  readonly prefetch: number;
  /** How long a send waits for a connection before it fails (retryable). */
  readonly publishTimeoutMs: number;
  /** After giving a shard up, how long before subscribing to it again (at the back of the line). */
  readonly resubscribeDelayMs: number;
  /** Whether this member gives up its surplus shards (off in tests that pin ownership). */
  readonly rebalance: boolean;
}

export const defaultShardTransportOptions = {
  namespace: 'monorail',
  heartbeatSeconds: 5,
  memberBeatMs: 500,
  memberTimeoutMs: 2000,
  probeIntervalMs: 250,
  prefetch: 200,
  publishTimeoutMs: 5000,
  resubscribeDelayMs: 1000,
  rebalance: true,
} as const;

export interface ShardTransportStats {
  readonly connected: boolean;
  readonly owned: readonly number[];
  readonly liveMembers: readonly string[];
  readonly published: number;
  /** Publishes whose confirm was lost with their channel, sent again after reconnecting. */
  readonly republished: number;
  readonly delivered: number;
  readonly malformed: number;
  readonly acquired: number;
  readonly released: number;
  readonly reconnects: number;
  readonly repliesSent: number;
  readonly repliesReceived: number;
}

interface Consumer {
  tag: string | undefined;
  /** Deliveries dispatched and not yet settled. */
  inFlight: number;
  /** Deliveries held back while the shard is being released. */
  held: ConsumeMessage[];
  state: 'subscribing' | 'waiting' | 'owned' | 'releasing' | 'cooling';
}

interface PendingSend {
  readonly run: () => void;
  readonly fail: (e: Error) => void;
}

export class AmqpShardTransport implements ShardTransport, ReplyEndpoint {
  readonly shards: number;
  readonly name: string;
  private readonly o: AmqpShardTransportOptions;
  private readonly handlers = new Map<string, DeliveryHandler>();
  private readonly consumers: Consumer[];
  private readonly members = new Map<string, { lastSeen: number; beat: MemberBeat }>();
  private readonly instance = randomUUID();
  private connection: RecoveringChannelModel | undefined;
  private publish: ConfirmChannel | undefined;
  private consume: Channel | undefined;
  private lifecycle: ShardLifecycle | undefined;
  private replies: ReplyRegistry | undefined;
  private readonly waitingSends = new Set<PendingSend>();
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private everConnected = false;
  private startedAt = 0;
  private readonly counters = { published: 0, republished: 0, delivered: 0, malformed: 0, acquired: 0, released: 0, reconnects: 0, repliesSent: 0, repliesReceived: 0 };

  constructor(
    options: Partial<AmqpShardTransportOptions> & Pick<AmqpShardTransportOptions, 'url' | 'memberId' | 'shards'>,
    private readonly log: Logger,
  ) {
    this.o = { ...defaultShardTransportOptions, ...options };
    this.shards = this.o.shards;
    this.name = `${this.o.namespace}.reply.${this.o.memberId}.${this.instance}`;
    this.consumers = Array.from({ length: this.shards }, () => ({ tag: undefined, inFlight: 0, held: [], state: 'subscribing' as const }));
  }

  private get shardExchange(): string {
    return `${this.o.namespace}.shards`;
  }

  private get memberExchange(): string {
    return `${this.o.namespace}.members`;
  }

  shardQueue(shard: number): string {
    return `${this.o.namespace}.shard.${shard}`;
  }

  onDelivery(kind: string, handler: DeliveryHandler): void {
    this.handlers.set(kind, handler);
  }

  /**
   * Connects (amqplib recovers the connection with backoff and runs `setup` on each), declares the
   * topology and starts consuming. Resolves once the first connection is set up, or rejects after
   * `publishTimeoutMs` if the broker cannot be reached.
   */
  async start(lifecycle: ShardLifecycle, replies: ReplyRegistry): Promise<void> {
    this.lifecycle = lifecycle;
    this.replies = replies;
    this.startedAt = Date.now();
    const url = new URL(this.o.url);
    if (url.protocol !== 'amqp:' && url.protocol !== 'amqps:') throw new Error(`cluster.amqpUrl must be amqp: or amqps:, not ${url.protocol}`);
    if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', String(this.o.heartbeatSeconds));
    const connection = await amqp.connect(url.toString(), {
      clientProperties: { connection_name: `monorail member ${this.o.memberId}` },
      // Requests and replies are small frames waiting on each other: Nagle plus delayed ACKs would add ~40 ms a hop.
      noDelay: true,
      recovery: {
        waitForConnect: false,
        initialDelay: 200,
        maxDelay: 10_000,
        factor: 2,
        jitter: 0.2,
        maxRetries: Infinity,
        setup: (model: ChannelModel) => this.setup(model),
      },
    });
    this.connection = connection;
    connection.on('connect', () => {
      if (this.everConnected) this.counters.reconnects++;
      this.everConnected = true;
      this.log.info({ shards: this.shards, namespace: this.o.namespace }, 'cluster: connected to the broker');
      this.flushWaitingSends();
    });
    connection.on('disconnect', (err: Error) => {
      this.log.warn({ error: err.message }, 'cluster: broker connection lost; every shard is given up until it is back');
      this.lost();
    });
    connection.on('connect-failed', (err: Error) => this.log.warn({ error: err.message }, 'cluster: broker unreachable; retrying'));
    connection.on('error', (err: Error) => this.log.warn({ error: err.message }, 'cluster: AMQP connection error'));
    connection.on('handler-error', (err: Error, event: string) => this.log.error({ err, event }, 'cluster: AMQP handler failed'));
    this.timers.push(setInterval(() => this.tick(), this.o.memberBeatMs));
    this.timers.push(setInterval(() => this.probe(), this.o.probeIntervalMs));
    const up = await this.until(() => this.publish !== undefined, this.o.publishTimeoutMs);
    if (!up) {
      await this.stop();
      throw new Error(`cluster: could not reach the AMQP broker within ${this.o.publishTimeoutMs} ms`);
    }
  }

  /** Hands every shard over (actors stopped first), says goodbye, and closes. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const owned = this.ownedShards();
    await Promise.all(owned.map((s) => this.release(s, false)));
    this.stopped = true;
    if (this.publish !== undefined) this.beat(true);
    for (const w of this.waitingSends) w.fail(new Error('cluster transport stopped'));
    this.waitingSends.clear();
    await this.connection?.close().catch(() => undefined);
    this.connection = undefined;
    this.publish = undefined;
    this.consume = undefined;
  }

  send(shard: number, envelope: ShardEnvelope): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const run = (): void => {
        const ch = this.publish;
        if (ch === undefined) {
          this.waitForConnection({ run, fail: reject });
          return;
        }
        const body = Buffer.from(JSON.stringify({ kind: envelope.kind, id: envelope.id, command: envelope.command }));
        const headers = envelope.traceparent === undefined ? {} : { traceparent: envelope.traceparent };
        try {
          ch.publish(this.shardExchange, String(shard), body, { persistent: true, messageId: envelope.messageId, contentType: 'application/json', type: 'command', headers }, (err) => {
            if (err) {
              // A nack is the broker refusing the message. Any other error is the channel closing before the
              // confirm came (a dropped connection, a broker restart): the message may or may not have been
              // enqueued, so it is published again on the next connection under the same message id, which
              // the owner's journal recognises if the first copy did arrive.
              if (err instanceof Error && err.message === 'message nacked') reject(err);
              else {
                this.counters.republished++;
                this.waitForConnection({ run, fail: reject });
              }
            } else {
              this.counters.published++;
              resolve();
            }
          });
        } catch (e) {
          // The channel closed between the check and the publish: wait for the next one.
          this.waitForConnection({ run, fail: reject });
          this.log.debug({ err: e }, 'cluster: publish on a closing channel; waiting for the connection');
        }
      };
      run();
    });
  }

  /** ReplyEndpoint: a reply to an ask made on another member (fire and forget: a lost reply is the asker's timeout). */
  sendReply(endpoint: string, id: number, reply: WireReply): void {
    const ch = this.publish;
    if (ch === undefined) return;
    try {
      ch.publish('', endpoint, Buffer.from(JSON.stringify({ id, reply })), { contentType: 'application/json', type: 'reply' });
      this.counters.repliesSent++;
    } catch (e) {
      this.log.debug({ err: e }, 'cluster: reply not sent (channel closing)');
    }
  }

  stats(): ShardTransportStats {
    return { connected: this.publish !== undefined, owned: this.ownedShards(), liveMembers: this.liveMembers(), ...this.counters };
  }

  ownedShards(): number[] {
    return this.consumers.flatMap((c, i) => (c.state === 'owned' ? [i] : []));
  }

  /** Members heard from within `memberTimeoutMs` and not leaving, this one included once it has heard itself. */
  private live(now: number): [string, { lastSeen: number; beat: MemberBeat }][] {
    const cutoff = now - this.o.memberTimeoutMs;
    return [...this.members].filter(([, m]) => m.lastSeen >= cutoff && m.beat.leaving !== true).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Ids of the live members, sorted. */
  liveMembers(): string[] {
    return this.live(Date.now()).map(([id]) => id);
  }

  /** This member's view of the cluster: its own shards, and every live member with what it last announced. */
  status(): ClusterStatus {
    const now = Date.now();
    const members = this.live(now).map(([id, m]): ClusterMemberView => ({ id, owned: id === this.o.memberId ? this.ownedShards() : [...m.beat.owned].sort((a, b) => a - b), lastHeardMs: now - m.lastSeen }));
    const { owned, liveMembers: _live, connected, ...counters } = this.stats();
    return { memberId: this.o.memberId, transport: 'amqp', shards: this.o.shards, connected, owned, members, counters };
  }

  /** Resolves true once `test` holds (checked every 20 ms), false after `timeoutMs`. */
  async until(test: () => boolean, timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (!test()) {
      if (Date.now() >= end || this.stopped) return test();
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }

  // ---- connection set-up ------------------------------------------------------------------------

  private async setup(model: ChannelModel): Promise<void> {
    const publish = await model.createConfirmChannel();
    const consume = await model.createChannel();
    await consume.prefetch(this.o.prefetch, false);
    await publish.assertExchange(this.shardExchange, 'direct', { durable: true });
    await publish.assertExchange(this.memberExchange, 'fanout', { durable: false });
    for (let s = 0; s < this.shards; s++) {
      await publish.assertQueue(this.shardQueue(s), { durable: true, arguments: { 'x-queue-type': 'quorum', 'x-single-active-consumer': true } });
      await publish.bindQueue(this.shardQueue(s), this.shardExchange, String(s));
    }
    await consume.assertQueue(this.name, { exclusive: true, autoDelete: true, durable: false });
    await consume.consume(this.name, (msg) => this.onReply(msg), { noAck: true });
    const beats = await consume.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    await consume.bindQueue(beats.queue, this.memberExchange, '');
    await consume.consume(beats.queue, (msg) => this.onBeat(msg), { noAck: true });
    this.consume = consume;
    for (let s = 0; s < this.shards; s++) {
      const c = this.consumers[s];
      if (c === undefined || c.state === 'cooling') continue;
      await this.subscribe(s, consume);
    }
    this.publish = publish;
    this.beat(false);
  }

  private async subscribe(shard: number, ch: Channel): Promise<void> {
    const c = this.consumers[shard];
    if (c === undefined) return;
    c.state = 'waiting';
    c.held = [];
    c.inFlight = 0;
    const ok = await ch.consume(this.shardQueue(shard), (msg) => this.onShardMessage(shard, ch, msg), { noAck: false });
    c.tag = ok.consumerTag;
  }

  /** The connection is gone: the broker has given every shard to someone else. Stop their actors now. */
  private lost(): void {
    this.publish = undefined;
    this.consume = undefined;
    for (let s = 0; s < this.shards; s++) {
      const c = this.consumers[s];
      if (c === undefined) continue;
      const wasOwned = c.state === 'owned' || c.state === 'releasing';
      c.state = 'subscribing';
      c.tag = undefined;
      c.held = [];
      if (wasOwned) {
        this.counters.released++;
        this.lifecycle?.released(s).catch((e: unknown) => this.log.error({ err: e, shard: s }, 'cluster: stopping a lost shard failed'));
      }
    }
  }

  // ---- inbound ----------------------------------------------------------------------------------

  private onShardMessage(shard: number, ch: Channel, msg: ConsumeMessage | null): void {
    const c = this.consumers[shard];
    if (msg === null || c === undefined) {
      // The broker cancelled the consumer (the queue was deleted): subscribe again when it exists.
      if (c !== undefined && c.state !== 'cooling') this.log.warn({ shard }, 'cluster: shard consumer cancelled by the broker');
      return;
    }
    if (ch !== this.consume) return; // a delivery on a dead channel: the broker redelivers it elsewhere
    if (c.state === 'waiting' || c.state === 'subscribing') this.acquire(shard, c);
    if (c.state === 'releasing' || c.state === 'cooling') {
      c.held.push(msg);
      return;
    }
    if (msg.properties.type === 'probe') {
      ch.ack(msg);
      return;
    }
    const envelope = parseShardEnvelope(msg.content);
    const messageId = typeof msg.properties.messageId === 'string' ? msg.properties.messageId : undefined;
    if (envelope === undefined || messageId === undefined) {
      this.counters.malformed++;
      this.log.warn({ shard, bytes: msg.content.length }, 'cluster: malformed shard message dropped');
      ch.ack(msg);
      return;
    }
    const handler = this.handlers.get(envelope.kind);
    if (handler === undefined) {
      this.counters.malformed++;
      this.log.error({ shard, kind: envelope.kind }, 'cluster: message for an entity kind this member does not host; dropped');
      ch.ack(msg);
      return;
    }
    this.counters.delivered++;
    c.inFlight++;
    let settled = false;
    // The sender's W3C trace context; a missing or malformed one is ignored (§3.2.2.3, §3.2.2.4) and the
    // command is handled untraced rather than refused: tracing must never cost a message.
    const traceparent: unknown = msg.properties.headers?.['traceparent'];
    const trace = typeof traceparent === 'string' ? parseTraceparent(traceparent) : undefined;
    handler(envelope.id, envelope.command, {
      messageId,
      redelivered: msg.fields.redelivered,
      settle: (outcome) => {
        if (settled) return;
        settled = true;
        c.inFlight--;
        if (ch !== this.consume) return; // the channel died: the broker requeued it already
        try {
          if (outcome === 'handled') ch.ack(msg);
          else ch.nack(msg, false, true);
        } catch (e) {
          this.log.debug({ err: e, shard }, 'cluster: settling on a closing channel');
        }
      },
    }, trace);
  }

  private acquire(shard: number, c: Consumer): void {
    c.state = 'owned';
    this.counters.acquired++;
    this.lifecycle?.acquired(shard).catch((e: unknown) => this.log.error({ err: e, shard }, 'cluster: starting an acquired shard failed'));
  }

  /**
   * Gives a shard up: hold its new deliveries, let the in-flight ones settle and the actors stop, then
   * cancel the consumer and return what was held to the queue. With `resubscribe`, join the line again later.
   */
  private async release(shard: number, resubscribe: boolean): Promise<void> {
    const c = this.consumers[shard];
    if (c === undefined || c.state !== 'owned') return;
    c.state = 'releasing';
    const started = Date.now();
    try {
      await this.lifecycle?.released(shard);
    } catch (e) {
      this.log.error({ err: e, shard }, 'cluster: stopping the shard\'s actors failed; handing it over anyway');
    }
    await this.until(() => c.inFlight === 0, 10_000);
    const ch = this.consume;
    if (ch !== undefined && c.tag !== undefined) {
      try {
        await ch.cancel(c.tag);
        for (const m of c.held) ch.nack(m, false, true);
      } catch (e) {
        this.log.warn({ error: describe(e), shard }, 'cluster: cancelling a shard consumer failed');
      }
    }
    c.held = [];
    c.tag = undefined;
    c.state = 'cooling';
    this.counters.released++;
    this.log.info({ shard, tookMs: Date.now() - started }, 'cluster: shard handed over');
    if (!resubscribe) return;
    const timer = setTimeout(() => {
      this.timers = this.timers.filter((t) => t !== timer);
      const consume = this.consume;
      if (this.stopped || consume === undefined || c.state !== 'cooling') return;
      this.subscribe(shard, consume).catch((e: unknown) => this.log.warn({ error: describe(e), shard }, 'cluster: subscribing again failed'));
    }, this.o.resubscribeDelayMs);
    this.timers.push(timer);
  }

  private onReply(msg: ConsumeMessage | null): void {
    if (msg === null) return;
    const parsed = parseReply(msg.content);
    if (parsed === undefined) {
      this.counters.malformed++;
      this.log.warn({ bytes: msg.content.length }, 'cluster: malformed reply dropped');
      return;
    }
    this.counters.repliesReceived++;
    this.replies?.receive(parsed.id, parsed.reply);
  }

  // ---- membership, balance, probes --------------------------------------------------------------

  private onBeat(msg: ConsumeMessage | null): void {
    if (msg === null) return;
    const beat = parseMemberBeat(msg.content);
    if (beat === undefined) {
      this.counters.malformed++;
      return;
    }
    if (beat.leaving === true) this.members.delete(beat.memberId);
    else this.members.set(beat.memberId, { lastSeen: Date.now(), beat });
  }

  private beat(leaving: boolean): void {
    const ch = this.publish;
    if (ch === undefined) return;
    const beat: MemberBeat = { memberId: this.o.memberId, instance: this.instance, owned: this.ownedShards(), ...(leaving ? { leaving: true } : {}) };
    try {
      ch.publish(this.memberExchange, '', Buffer.from(JSON.stringify(beat)), { contentType: 'application/json', type: 'beat' });
    } catch (e) {
      this.log.debug({ err: e }, 'cluster: heartbeat not sent');
    }
  }

  private tick(): void {
    if (this.stopped || this.publish === undefined) return;
    this.beat(false);
    // Give every member time to be heard before judging what is fair.
    if (!this.o.rebalance || Date.now() - this.startedAt < this.o.memberTimeoutMs) return;
    if (this.consumers.some((c) => c.state === 'releasing')) return;
    const owned = new Set(this.ownedShards());
    for (const s of shardsToRelease({ shards: this.shards, liveMembers: Math.max(1, this.liveMembers().length), owned })) {
      void this.release(s, true);
    }
  }

  /** Probes the shards no live member claims, so their owner (if any is waiting) learns it owns them. */
  private probe(): void {
    const ch = this.publish;
    if (this.stopped || ch === undefined) return;
    const claimed = new Set<number>(this.ownedShards());
    const cutoff = Date.now() - this.o.memberTimeoutMs;
    for (const [, m] of this.members) if (m.lastSeen >= cutoff) for (const s of m.beat.owned) claimed.add(s);
    for (let s = 0; s < this.shards; s++) {
      if (claimed.has(s)) continue;
      try {
        ch.publish(this.shardExchange, String(s), Buffer.alloc(0), { type: 'probe', persistent: false });
      } catch {
        return;
      }
    }
  }

  private waitForConnection(send: PendingSend): void {
    if (this.stopped) {
      send.fail(new Error('cluster transport stopped'));
      return;
    }
    this.waitingSends.add(send);
    setTimeout(() => {
      if (this.waitingSends.delete(send)) send.fail(new Error(`no broker connection within ${this.o.publishTimeoutMs} ms`));
    }, this.o.publishTimeoutMs).unref();
  }

  private flushWaitingSends(): void {
    const sends = [...this.waitingSends];
    this.waitingSends.clear();
    for (const s of sends) s.run();
  }
}
