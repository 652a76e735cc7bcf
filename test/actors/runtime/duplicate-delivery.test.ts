/**
 * A request redelivered after its first owner committed it (and died before acknowledging or replying):
 * the journal's message-id tag stops it being applied twice, and its asker, who never had the first answer,
 * gets one rebuilt from the state where the behavior can (`answerDuplicate`), else DUPLICATE_DELIVERY.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ActorSystem } from '../../../src/actors/runtime/actor-system.ts';
import type { EntityBehavior } from '../../../src/actors/runtime/entity.ts';
import type { InboundReceipt } from '../../../src/actors/runtime/entity-actor.ts';
import { MonorailError } from '../../../src/errors.ts';
import { counterBehavior, type CounterCommand, type CounterEvent } from '../../support/counter-entity.ts';
import { tempStore } from '../../support/temp-store.ts';
import { captureLog } from '../../support/test-logger.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(behavior: EntityBehavior<number, CounterCommand, CounterEvent>) {
  const temp = tempStore();
  cleanups.push(() => temp.cleanup());
  const store = await temp.open();
  cleanups.push(() => store.close());
  const system = new ActorSystem({ journal: store.journal, log: captureLog().log, askTimeoutMs: 2000, passivateAfterMs: 0, snapshotEvery: 5 });
  cleanups.push(() => system.stop());
  return { system, counters: system.entities(behavior) };
}

/** Delivers `add 5` under one message id, as the transport does, and settles with the asker's answer. */
function deliverAdd(s: Awaited<ReturnType<typeof setup>>, messageId: string, redelivered: boolean): { answer: Promise<number>; settled: Promise<string> } {
  const { address, reply } = s.system.replies.expect<number>(2000, 'counter:c', 'add');
  let settle: (outcome: string) => void = () => undefined;
  const settled = new Promise<string>((r) => (settle = r));
  const receipt: InboundReceipt = { messageId, redelivered, settle };
  s.counters.deliver('c', { type: 'add', by: 5, replyTo: address }, receipt);
  return { answer: reply, settled };
}

describe('a redelivered request', () => {
  it('is not applied again, and its asker gets the answer rebuilt from the state', async () => {
    const s = await setup({ ...counterBehavior, answerDuplicate: (state, command) => (command.type === 'add' ? { value: state } : undefined) });
    const first = deliverAdd(s, 'm-1', false);
    expect(await first.answer).toBe(5);
    expect(await first.settled).toBe('handled');
    const again = deliverAdd(s, 'm-1', true);
    expect(await again.answer).toBe(5);
    expect(await again.settled).toBe('handled');
    expect(await s.counters.ask('c', { type: 'get' })).toBe(5);
  });

  it('answers DUPLICATE_DELIVERY where the behavior cannot rebuild the answer', async () => {
    const s = await setup(counterBehavior);
    await deliverAdd(s, 'm-2', false).answer;
    const error = await deliverAdd(s, 'm-2', true).answer.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MonorailError);
    expect((error as MonorailError).code).toBe('DUPLICATE_DELIVERY');
    expect(await s.counters.ask('c', { type: 'get' })).toBe(5);
  });
});
