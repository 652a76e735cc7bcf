/**
 * The actor runtime on a real embedded store: typed asks, persistence, recovery, and every way nact
 * would otherwise lose a message silently.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ActorSystem } from '../../../src/actors/runtime/actor-system.ts';
import { ManualClock } from '../../../src/actors/runtime/clock.ts';
import { MonorailError } from '../../../src/errors.ts';
import type { EventJournal } from '../../../src/persistence/journal.ts';
import type { Store } from '../../../src/persistence/store.ts';
import { counterBehavior } from '../../support/counter-entity.ts';
import { FailingJournal } from '../../support/failing-journal.ts';
import { tempStore, type TempStore } from '../../support/temp-store.ts';
import { captureLog } from '../../support/test-logger.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(opts: { journal?: (j: EventJournal) => EventJournal; askTimeoutMs?: number; passivateAfterMs?: number; clock?: ManualClock; temp?: TempStore } = {}) {
  const temp = opts.temp ?? tempStore();
  if (!opts.temp) cleanups.push(() => temp.cleanup());
  const store: Store = await temp.open();
  cleanups.push(() => store.close());
  const journal = opts.journal ? opts.journal(store.journal) : store.journal;
  const captured = captureLog();
  const system = new ActorSystem({
    journal,
    log: captured.log,
    ...(opts.clock ? { clock: opts.clock } : {}),
    askTimeoutMs: opts.askTimeoutMs ?? 2000,
    passivateAfterMs: opts.passivateAfterMs ?? 0,
    snapshotEvery: 5,
  });
  cleanups.push(() => system.stop());
  const counters = system.entities(counterBehavior);
  return { temp, store, system, counters, journal, captured };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return e instanceof MonorailError ? e.code : `untyped: ${String(e)}`;
  }
}

describe('entity runtime', () => {
  it('persists commands and answers typed asks', async () => {
    const { counters, store } = await setup();
    expect(await counters.ask('a', { type: 'add', by: 2 })).toBe(2);
    expect(await counters.ask('a', { type: 'add', by: 3 })).toBe(5);
    expect(await counters.ask('b', { type: 'get' })).toBe(0);
    const records = await store.journal.read('counter:a', 0);
    expect(records.map((r) => r.sequenceNumber)).toEqual([1, 2]);
  });

  it('commits all events of one command as one journal record', async () => {
    const { counters, store } = await setup();
    expect(await counters.ask('a', { type: 'addTwice', by: 4 })).toBe(8);
    const records = await store.journal.read('counter:a', 0);
    expect(records).toHaveLength(1);
    expect(records[0]?.eventType).toBe('added+added');
  });

  it('recovers state from the journal in a new actor system', async () => {
    const temp = tempStore();
    cleanups.push(() => temp.cleanup());
    const first = await setup({ temp });
    for (let i = 0; i < 12; i++) await first.counters.ask('x', { type: 'add', by: 1 });
    await first.system.stop();
    await first.store.close();
    const second = await setup({ temp });
    expect(await second.counters.ask('x', { type: 'get' })).toBe(12);
    expect(await second.counters.ask('x', { type: 'add', by: 1 })).toBe(13);
    // snapshotEvery = 5: recovery started from a snapshot, not from event 1.
    expect((await second.store.journal.latestSnapshot('counter:x'))?.sequenceNumber).toBeGreaterThanOrEqual(10);
  });

  it('rejects an ask that is not answered in time with a typed timeout, and drops it unprocessed later', async () => {
    const { counters } = await setup({ askTimeoutMs: 5000 });
    let release!: () => void;
    const until = new Promise<void>((r) => (release = r));
    const held = counters.ask('h', { type: 'hold', until });
    // Queued behind the held message; its asker gives up after 50 ms.
    expect(await codeOf(counters.ask('h', { type: 'add', by: 100 }, 50))).toBe('ASK_TIMEOUT');
    await new Promise((r) => setTimeout(r, 5));
    release();
    expect(await held).toBe(0);
    // The timed-out request was dropped, not applied behind the caller's back.
    expect(await counters.ask('h', { type: 'get' })).toBe(0);
    expect(counters.stats().staleRequestsDropped).toBe(1);
  });

  it('answers a handler bug with a typed error and keeps the last durable state', async () => {
    const { counters, captured } = await setup();
    await counters.ask('e', { type: 'add', by: 7 });
    expect(await codeOf(counters.ask('e', { type: 'explode' }))).toBe('ENTITY_HANDLER_FAILED');
    expect(await codeOf(counters.ask('e', { type: 'refuse' }))).toBe('VALIDATION_FAILED');
    expect(await counters.ask('e', { type: 'get' })).toBe(7);
    expect(captured.lines().some((l) => l.msg === 'handler failed; state left at the last committed event' && l.entityId === 'e')).toBe(true);
  });

  it('surfaces a failed persist to the sender, restarts from the journal and loses no queued message', async () => {
    let failing!: FailingJournal;
    const { counters, store } = await setup({ journal: (j) => (failing = new FailingJournal(j)) });
    expect(await counters.ask('p', { type: 'add', by: 1 })).toBe(1);
    failing.failAppends = 1;
    let release!: () => void;
    const until = new Promise<void>((r) => (release = r));
    const held = counters.ask('p', { type: 'hold', until });
    const failed = counters.ask('p', { type: 'add', by: 10 });
    const queued = [counters.ask('p', { type: 'add', by: 100 }), counters.ask('p', { type: 'add', by: 1000 })];
    counters.tell('p', { type: 'bump' });
    release();
    await held;
    expect(await codeOf(failed)).toBe('PERSIST_FAILED');
    // Messages queued behind the failure went to a fresh incarnation recovered from the journal.
    expect(await Promise.all(queued)).toEqual([101, 1101]);
    expect(await counters.ask('p', { type: 'get' })).toBe(1102);
    expect(counters.stats().restarted).toBe(1);
    const seqs = (await store.journal.read('counter:p', 0)).map((r) => r.sequenceNumber);
    expect(seqs).toEqual([1, 2, 3, 4]);
  });

  it('gives a second writer of the same entity a typed conflict, never interleaved events', async () => {
    const temp = tempStore();
    cleanups.push(() => temp.cleanup());
    const a = await setup({ temp });
    const b = await setup({ temp });
    // Both incarnations recover at sequence number 0.
    expect(await a.counters.ask('shared', { type: 'get' })).toBe(0);
    expect(await b.counters.ask('shared', { type: 'get' })).toBe(0);
    expect(await a.counters.ask('shared', { type: 'add', by: 1 })).toBe(1);
    expect(await codeOf(b.counters.ask('shared', { type: 'add', by: 50 }))).toBe('JOURNAL_CONFLICT');
    // B restarted from the journal and now sees A's write; its retry lands after it.
    expect(await b.counters.ask('shared', { type: 'add', by: 50 })).toBe(51);
    const records = await a.store.journal.read('counter:shared', 0);
    expect(records.map((r) => [r.sequenceNumber, (r.payload as { by: number }[])[0]?.by])).toEqual([
      [1, 1],
      [2, 50],
    ]);
  });

  it('passivates idle entities with a snapshot and brings them back on the next message', async () => {
    const clock = new ManualClock();
    const { counters, store } = await setup({ clock, passivateAfterMs: 60_000 });
    await counters.ask('idle', { type: 'add', by: 3 });
    await counters.ask('busy', { type: 'add', by: 4 });
    clock.advance(30_000);
    await counters.ask('busy', { type: 'add', by: 1 });
    clock.advance(40_000); // idle: 70 s without a message; busy: 40 s
    await new Promise((r) => setTimeout(r, 50));
    expect(counters.activeIds()).toEqual(['busy']);
    expect(counters.stats().passivated).toBe(1);
    expect((await store.journal.latestSnapshot('counter:idle'))?.state).toBe(3);
    expect(await counters.ask('idle', { type: 'add', by: 1 })).toBe(4);
    expect(counters.stats().spawned).toBe(3);
  });

  it('buffers messages that arrive while an entity passivates and hands them to the next incarnation', async () => {
    const clock = new ManualClock();
    const { counters } = await setup({ clock, passivateAfterMs: 1000 });
    await counters.ask('q', { type: 'add', by: 1 });
    clock.advance(2000);
    expect(counters.stats().passivating + counters.stats().passivated).toBe(1);
    const replies = await Promise.all([1, 2, 3].map((by) => counters.ask('q', { type: 'add', by })));
    expect(replies).toEqual([2, 4, 7]);
  });

  it('reports a corrupt journal row as a recovery error naming the entity, and stays up', async () => {
    const temp = tempStore();
    cleanups.push(() => temp.cleanup());
    const first = await setup({ temp });
    await first.counters.ask('bad', { type: 'add', by: 1 });
    await first.counters.ask('good', { type: 'add', by: 1 });
    await first.system.stop();
    await first.store.close();
    const db = new Database(temp.file);
    // Without its snapshot the entity must replay the damaged record.
    db.prepare("DELETE FROM snapshots WHERE persistence_key = 'counter:bad'").run();
    db.prepare("UPDATE journal SET payload = '{not json' WHERE persistence_key = 'counter:bad'").run();
    db.close();
    const second = await setup({ temp });
    const err = await second.counters.ask('bad', { type: 'get' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MonorailError);
    expect((err as MonorailError).code).toBe('ENTITY_RECOVERY_FAILED');
    expect((err as MonorailError).message).toContain('counter:bad');
    expect(await second.counters.ask('good', { type: 'add', by: 1 })).toBe(2);
    // Further messages are refused quickly with the same error rather than silently dropped.
    expect(await codeOf(second.counters.ask('bad', { type: 'get' }))).toBe('ENTITY_RECOVERY_FAILED');
    second.counters.tell('bad', { type: 'bump' });
    expect(second.counters.stats().droppedTells).toBe(1);
    expect(second.captured.lines().some((l) => l.msg === 'message dropped' && l.entityId === 'bad')).toBe(true);
  });

  it('reports an unknown event type in the journal as a recovery error naming the entity and type', async () => {
    const { counters, store } = await setup();
    await store.journal.append([{ persistenceKey: 'counter:odd', sequenceNumber: 1, eventType: 'teleported', payload: [{ type: 'teleported' }], createdAt: 0, tags: [] }]);
    const err = (await counters.ask('odd', { type: 'get' }).catch((e: unknown) => e)) as MonorailError;
    expect(err.code).toBe('ENTITY_RECOVERY_FAILED');
    expect(err.message).toContain('counter:odd');
    expect(err.message).toContain('teleported');
    expect(await counters.ask('even', { type: 'add', by: 2 })).toBe(2);
  });

  it('drains on stop: every live entity is snapshotted', async () => {
    const { counters, system, store } = await setup();
    await Promise.all(['s1', 's2', 's3'].map((id) => counters.ask(id, { type: 'add', by: 5 })));
    await system.stop();
    for (const id of ['s1', 's2', 's3']) expect((await store.journal.latestSnapshot(`counter:${id}`))?.state).toBe(5);
    expect(await codeOf(counters.ask('s1', { type: 'get' }))).toBe('SYSTEM_STOPPED');
  });

  it('restarts an incarnation whose handler swallowed a failed persist, so memory never runs ahead of the journal', async () => {
    let failing!: FailingJournal;
    const { counters, store } = await setup({ journal: (j) => (failing = new FailingJournal(j)) });
    await counters.ask('sw', { type: 'add', by: 1 });
    failing.failAppends = 1;
    expect(await codeOf(counters.ask('sw', { type: 'swallow' }))).toBe('PERSIST_FAILED');
    expect(await counters.ask('sw', { type: 'add', by: 10 })).toBe(11);
    expect((await store.journal.read('counter:sw', 0)).map((r) => r.sequenceNumber)).toEqual([1, 2]);
  });

  it('treats a failed journal read as temporary: retryable error, then recovery on a later message', async () => {
    const clock = new ManualClock();
    let failing!: FailingJournal;
    const { counters, system } = await setup({ clock, journal: (j) => (failing = new FailingJournal(j)) });
    const faults: string[] = [];
    const kinds = system.entities({ ...counterBehavior, kind: 'counter2' }, { onFault: (f) => faults.push(f.type) });
    await kinds.ask('t', { type: 'add', by: 4 });
    await kinds.drain(1000);
    failing.failReads = 1;
    const err = (await kinds.ask('t', { type: 'get' }).catch((e: unknown) => e)) as MonorailError;
    expect(err.code).toBe('ENTITY_UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(faults).toEqual(['unavailable']);
    clock.advance(1500);
    expect(await kinds.ask('t', { type: 'get' })).toBe(4);
    void counters;
  });

  it('drains messages that arrive during the drain: each handled, then snapshotted', async () => {
    const { counters, system, store } = await setup();
    await counters.ask('d1', { type: 'add', by: 1 });
    const stopping = system.stop();
    counters.tell('d1', { type: 'bump' });
    counters.tell('late', { type: 'bump' });
    await stopping;
    expect((await store.journal.read('counter:d1', 0)).length + (await store.journal.read('counter:late', 0)).length).toBeLessThanOrEqual(3);
    for (const key of ['counter:d1', 'counter:late']) {
      const last = (await store.journal.read(key, 0)).at(-1)?.sequenceNumber ?? 0;
      expect((await store.journal.latestSnapshot(key))?.sequenceNumber ?? 0).toBe(last);
    }
  });
});
