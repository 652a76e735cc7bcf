/**
 * A trace across two in-process cluster members over the real RabbitMQ: an ask made on member A in a
 * trace reaches the entity on member B with the trace in the AMQP `traceparent` header, and B's handling
 * logs the same trace id; a delivery whose header is malformed is handled untraced, not dropped.
 */
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import { ActorSystem } from '../../src/actors/runtime/actor-system.ts';
import { shardOf } from '../../src/actors/runtime/shard-transport.ts';
import { AmqpShardTransport } from '../../src/cluster/amqp-shard-transport.ts';
import { newTrace } from '../../src/tracing/trace-context.ts';
import { runInTrace } from '../../src/tracing/trace-scope.ts';
import { counterBehavior } from '../support/counter-entity.ts';
import { tempStore } from '../support/temp-store.ts';
import { captureLog, type CapturedLog } from '../support/test-logger.ts';
import { amqpUrl, rabbitmqAvailable } from '../events/rabbitmq.ts';
import { deleteNamespace, eventually, newNamespace } from '../cluster/cluster-harness.ts';

const available = rabbitmqAvailable();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** A member as cluster-harness.ts starts one, logging at `trace` (where the runtime logs each handled command). */
async function member(id: string, open: () => ReturnType<ReturnType<typeof tempStore>['open']>, namespace: string, shards: number) {
  const store = await open();
  const logs: CapturedLog = captureLog('trace');
  const log = logs.log.child({ member: id });
  const transport = new AmqpShardTransport(
    { url: amqpUrl, memberId: id, shards, namespace, memberBeatMs: 200, memberTimeoutMs: 1000, probeIntervalMs: 100, resubscribeDelayMs: 300, heartbeatSeconds: 2 },
    log,
  );
  const system = new ActorSystem({ journal: store.journal, log, askTimeoutMs: 5000, passivateAfterMs: 0, snapshotEvery: 10, cluster: { transport, newMessageId: randomUUID } });
  system.replies.attach(transport);
  const counters = system.hosted(counterBehavior);
  await transport.start(system.shardLifecycle, system.replies);
  cleanups.push(async () => {
    await transport.stop();
    await system.stop();
    await store.close();
  });
  return { id, log, logs, transport, counters };
}

describe.skipIf(!available)('tracing across cluster members', () => {
  it('an ask from member A to an entity on member B logs the same trace id on both', async () => {
    const shards = 4;
    const store = tempStore();
    const namespace = newNamespace();
    cleanups.push(async () => store.cleanup());
    cleanups.push(() => deleteNamespace(namespace, shards));
    const a = await member('a', () => store.open(), namespace, shards);
    const b = await member('b', () => store.open(), namespace, shards);
    await eventually('both members own shards', () => a.transport.ownedShards().length === 2 && b.transport.ownedShards().length === 2, 20_000);
    const onB = Array.from({ length: 100 }, (_, i) => `t${i}`).find((id) => b.transport.ownedShards().includes(shardOf('counter', id, shards)))!;
    const onA = Array.from({ length: 100 }, (_, i) => `t${i}`).find((id) => a.transport.ownedShards().includes(shardOf('counter', id, shards)))!;

    const trace = newTrace();
    await runInTrace(trace, async () => {
      a.log.info({ entityId: onB }, 'asking across members');
      expect(await a.counters.ask(onB, { type: 'add', by: 5 })).toBe(5);
      expect(await a.counters.ask(onA, { type: 'add', by: 1 })).toBe(1);
      // The continuation after the reply is still in the trace.
      a.log.info('answered');
    });
    const inTrace = (logs: CapturedLog) => logs.lines().filter((l) => l['traceId'] === trace.traceId);
    const handledOn = (logs: CapturedLog, id: string) => inTrace(logs).filter((l) => l['msg'] === 'command handled' && l['entityId'] === id);
    await eventually('B to log the handled command', () => handledOn(b.logs, onB).length === 1);
    expect(handledOn(a.logs, onA)).toHaveLength(1);
    expect(inTrace(a.logs).map((l) => l['msg'])).toEqual(expect.arrayContaining(['asking across members', 'answered']));
    // Each hop is a span of its own in the one trace.
    const spans = new Set([...inTrace(a.logs), ...inTrace(b.logs)].map((l) => l['spanId']));
    expect(spans.size).toBeGreaterThanOrEqual(3);
    // Outside the trace nothing carries it.
    const untraced = newTrace();
    expect(await a.counters.ask(onB, { type: 'get' })).toBe(5);
    expect(b.logs.lines().some((l) => l['traceId'] === untraced.traceId)).toBe(false);
    const lastOnB = b.logs.lines().filter((l) => l['msg'] === 'command handled' && l['entityId'] === onB).at(-1);
    expect(lastOnB?.['traceId']).toBeUndefined();
  });

  it('handles a delivery whose traceparent header is malformed, untraced', async () => {
    const shards = 2;
    const store = tempStore();
    const namespace = newNamespace();
    cleanups.push(async () => store.cleanup());
    cleanups.push(() => deleteNamespace(namespace, shards));
    const m = await member('solo', () => store.open(), namespace, shards);
    await eventually('owned', () => m.transport.ownedShards().length === shards);
    const conn = await amqp.connect(amqpUrl);
    cleanups.push(() => conn.close());
    const ch = await conn.createConfirmChannel();
    const body = Buffer.from(JSON.stringify({ kind: 'counter', id: 'h', command: { type: 'bump' } }));
    const shard = String(shardOf('counter', 'h', shards));
    for (const traceparent of ['00-zz', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, 42]) {
      ch.publish(`${namespace}.shards`, shard, body, { persistent: true, messageId: randomUUID(), type: 'command', headers: { traceparent } });
    }
    await ch.waitForConfirms();
    await eventually('all three applied', async () => (await m.counters.ask('h', { type: 'get' })) === 3);
    const handled = m.logs.lines().filter((l) => l['msg'] === 'command handled' && l['entityId'] === 'h');
    expect(handled.length).toBeGreaterThanOrEqual(3);
    expect(handled.every((l) => l['traceId'] === undefined)).toBe(true);
  });
});
