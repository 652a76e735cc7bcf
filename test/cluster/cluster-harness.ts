/**
 * In-process cluster members for the transport tests: each has its own actor system, its own connection to
 * one shared embedded store file (as separate processes would) and its own AMQP connection, optionally
 * through a relay the test can cut (the broker's view of a member that died). Every test uses a namespace
 * of its own on the shared broker and deletes its queues and exchanges afterwards.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { ActorSystem } from '../../src/actors/runtime/actor-system.ts';
import type { HostedEntityRouter } from '../../src/actors/runtime/entity-router.ts';
import { AmqpShardTransport, type AmqpShardTransportOptions } from '../../src/cluster/amqp-shard-transport.ts';
import type { Store } from '../../src/persistence/store.ts';
import { counterBehavior, type CounterCommand } from '../support/counter-entity.ts';
import { captureLog, type CapturedLog } from '../support/test-logger.ts';
import { amqpUrl, brokerHost, brokerPort } from '../events/rabbitmq.ts';
import { startTcpProxy, type TcpProxy } from '../events/tcp-proxy.ts';

export interface TestMember {
  readonly id: string;
  readonly system: ActorSystem;
  readonly counters: HostedEntityRouter<CounterCommand>;
  readonly transport: AmqpShardTransport;
  readonly store: Store;
  readonly proxy?: TcpProxy;
  readonly logs: CapturedLog;
  stop(): Promise<void>;
}

export const newNamespace = (): string => `mtest.${randomBytes(4).toString('hex')}`;

export async function startMember(
  id: string,
  openStore: () => Promise<Store>,
  options: Partial<AmqpShardTransportOptions> & { readonly namespace: string; readonly shards: number; readonly viaProxy?: boolean },
): Promise<TestMember> {
  const store = await openStore();
  const proxy = options.viaProxy === true ? await startTcpProxy(brokerHost, brokerPort) : undefined;
  const url = proxy === undefined ? amqpUrl : `amqp://guest:guest@127.0.0.1:${proxy.port}`;
  const logs = captureLog('info');
  const log = logs.log.child({ member: id });
  const transport = new AmqpShardTransport({ memberBeatMs: 200, memberTimeoutMs: 1000, probeIntervalMs: 100, resubscribeDelayMs: 300, heartbeatSeconds: 2, ...options, url, memberId: id }, log);
  const system = new ActorSystem({
    journal: store.journal,
    log,
    askTimeoutMs: 5000,
    passivateAfterMs: 0,
    snapshotEvery: 10,
    cluster: { transport, newMessageId: randomUUID },
  });
  system.replies.attach(transport);
  const counters = system.hosted(counterBehavior);
  await transport.start(system.shardLifecycle, system.replies);
  let stopped = false;
  return {
    id,
    system,
    counters,
    transport,
    store,
    logs,
    ...(proxy === undefined ? {} : { proxy }),
    async stop() {
      if (stopped) return;
      stopped = true;
      await transport.stop();
      await system.stop();
      await store.close();
      await proxy?.close();
    },
  };
}

/** Deletes a namespace's shard queues and exchanges from the broker. */
export async function deleteNamespace(namespace: string, shards: number): Promise<void> {
  const conn = await amqp.connect(amqpUrl);
  try {
    const ch = await conn.createChannel();
    for (let s = 0; s < shards; s++) await ch.deleteQueue(`${namespace}.shard.${s}`);
    await ch.deleteExchange(`${namespace}.shards`);
    await ch.deleteExchange(`${namespace}.members`);
  } finally {
    await conn.close();
  }
}

/** Resolves once `test` holds, polling every 25 ms; throws naming `what` after `timeoutMs`. */
export async function eventually(what: string, test: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<number> {
  const start = Date.now();
  while (!(await test())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - start;
}
