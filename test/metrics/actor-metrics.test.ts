/**
 * The actor runtime's families on a real actor system over a real embedded store: mailbox depth while an
 * entity is busy, entity counts, passivation, ask timeouts; and the timed journal with a journal that
 * really fails (error outcomes counted, nothing swallowed).
 */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ActorSystem } from '../../src/actors/runtime/actor-system.ts';
import { registerActorMetrics } from '../../src/metrics/actor-metrics.ts';
import { timedJournal } from '../../src/metrics/journal-metrics.ts';
import type { EventJournal } from '../../src/persistence/journal.ts';
import { counterBehavior } from '../support/counter-entity.ts';
import { FailingJournal } from '../support/failing-journal.ts';
import { tempStore } from '../support/temp-store.ts';
import { captureLog } from '../support/test-logger.ts';
import { parseExposition, valueOf, type Exposition } from './prometheus-text.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(wrap: (j: EventJournal) => EventJournal = (j) => j) {
  const temp = tempStore();
  const store = await temp.open();
  const registry = new Registry();
  const system = new ActorSystem({ journal: wrap(store.journal), log: captureLog('silent').log, askTimeoutMs: 2000, passivateAfterMs: 0, snapshotEvery: 1000 });
  cleanups.push(async () => {
    await system.stop();
    await store.close();
    temp.cleanup();
  });
  return { registry, system, counters: system.entities(counterBehavior) };
}

const read = async (registry: Registry): Promise<Exposition> => parseExposition(await registry.metrics());

describe('actor metrics', () => {
  it('shows messages waiting in a busy entity mailbox, then entities by status and passivations', async () => {
    const { registry, system, counters } = await setup();
    registerActorMetrics(registry, system);
    // The incarnation is recovering from its (empty) journal while these arrive: they wait in its mailbox.
    for (let i = 0; i < 40; i++) counters.tell('c1', { type: 'bump' });
    const busy = system.runtimeStats().mailboxes.find((m) => m.kind === 'counter');
    expect(busy?.queued).toBeGreaterThanOrEqual(39);
    expect(busy?.deepest).toBe(busy?.queued);

    await expect(counters.ask('c1', { type: 'get' })).resolves.toBe(40);
    await counters.ask('c2', { type: 'add', by: 1 });
    let m = await read(registry);
    expect(valueOf(m, 'monorail_actor_mailbox_messages', { actor: 'counter' })).toBe(0);
    expect(valueOf(m, 'monorail_actor_entities', { kind: 'counter', status: 'active' })).toBe(2);
    expect(valueOf(m, 'monorail_actor_spawned_total', { kind: 'counter' })).toBe(2);
    expect(valueOf(m, 'monorail_actor_passivated_total', { kind: 'counter' })).toBe(0);

    expect(counters.passivateIdle()).toBe(2);
    await counters.drain(5000);
    m = await read(registry);
    expect(valueOf(m, 'monorail_actor_entities', { kind: 'counter', status: 'active' })).toBe(0);
    expect(valueOf(m, 'monorail_actor_passivated_total', { kind: 'counter' })).toBe(2);
  });

  it('counts asks that time out', async () => {
    const { registry, system, counters } = await setup();
    registerActorMetrics(registry, system);
    let release = (): void => undefined;
    const held = new Promise<void>((r) => (release = r));
    await expect(counters.ask('c1', { type: 'hold', until: held }, 50)).rejects.toMatchObject({ code: 'ASK_TIMEOUT' });
    release();
    const m = await read(registry);
    expect(valueOf(m, 'monorail_actor_ask_timeouts_total')).toBe(1);
  });
});

describe('the timed journal', () => {
  it('times appends, counts records, and keeps failures as failures with their outcome', async () => {
    let failing: FailingJournal | undefined;
    const registry = new Registry();
    const { counters } = await setup((j) => timedJournal(registry, (failing = new FailingJournal(j))));
    await counters.ask('c1', { type: 'addTwice', by: 2 });
    failing!.failAppends = 1;
    await expect(counters.ask('c1', { type: 'add', by: 1 })).rejects.toMatchObject({ code: 'PERSIST_FAILED' });
    // The entity restarts from its journal: its state is what was durable.
    await expect(counters.ask('c1', { type: 'get' })).resolves.toBe(4);

    const m = await read(registry);
    expect(valueOf(m, 'monorail_journal_operation_duration_seconds_count', { operation: 'append', outcome: 'ok' })).toBe(1);
    expect(valueOf(m, 'monorail_journal_operation_duration_seconds_count', { operation: 'append', outcome: 'error' })).toBe(1);
    expect(valueOf(m, 'monorail_journal_appended_records_total')).toBe(1);
    expect(valueOf(m, 'monorail_journal_operation_duration_seconds_count', { operation: 'read', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
  });
});
