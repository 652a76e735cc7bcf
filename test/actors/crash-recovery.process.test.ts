/**
 * Crash safety with a real process and a real kill: a child member writes to an embedded store on disk
 * and is SIGKILLed mid-stream; every event it acknowledged before dying must be there afterwards.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startFixture, type MonorailFixture } from '../support/monorail-fixture.ts';
import { tempStore } from '../support/temp-store.ts';

const writer = fileURLToPath(new URL('../fixtures/crash-writer.ts', import.meta.url));
let fixture: MonorailFixture | undefined;
let cleanupDir: (() => void) | undefined;
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
  cleanupDir?.();
});

describe('kill -9', () => {
  it('loses no acknowledged event when the process is killed mid-write', async () => {
    const temp = tempStore('monorail-crash-');
    cleanupDir = () => temp.cleanup();
    const child = spawn(process.execPath, ['--import', 'tsx', writer, temp.dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked = new Map<string, string>();
    const lines = createInterface({ input: child.stdout });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // Kill at a point that depends on timing, not on a round number of acks.
    const target = 400 + Math.floor(Math.random() * 400);
    for await (const line of lines) {
      const [tag, mac, nodeId] = line.split(' ');
      if (tag === 'ack' && mac && nodeId) acked.set(mac, nodeId);
      if (acked.size >= target) {
        child.kill('SIGKILL');
        break;
      }
    }
    expect(await exited).toBe('SIGKILL');
    expect(acked.size).toBeGreaterThanOrEqual(target);

    fixture = await startFixture({ temp });
    const { monorail } = fixture;
    for (const [mac, nodeId] of acked) {
      const again = await monorail.lookups.ask(mac, { type: 'lookup.resolve' });
      expect(again).toMatchObject({ nodeId, created: false });
      const node = await monorail.nodes.ask(nodeId, { type: 'node.get' });
      expect(node.identifiers).toEqual([mac]);
      expect(node.lifecycle.state).toBe('inventorying');
    }
    // Nothing half-written either: every node in the journal belongs to exactly one MAC.
    const nodeKeys = await monorail.store.journal.keys('node:');
    expect(nodeKeys.length).toBeGreaterThanOrEqual(acked.size);

  }, 120_000);
});
