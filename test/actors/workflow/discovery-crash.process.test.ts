/**
 * kill -9 mid-discovery: a member process runs discovery of several simulated machines (their agents
 * speak the microkernel protocol over HTTP), is SIGKILLed in the middle, and a new process on the same
 * data directory and port carries on. Every workflow must finish, every machine must end as exactly one
 * available node with its catalogs, and no catalog task may be left half-done.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { catalogCommands } from '../../../src/actors/catalog/command-parsers.ts';
import { runSimAgent } from '../../../src/sim/sim-agent.ts';
import { qemuGuest as inventory } from '../../support/qemu-guest.ts';
import { startMember, type MemberProcess } from '../../support/member-process.ts';

const members: MemberProcess[] = [];
afterEach(async () => {
  for (const m of members.splice(0).reverse()) await m.stop();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('kill -9 mid-discovery', () => {
  it('a restarted member finishes every discovery: one available node per machine, catalogs complete', async () => {
    const port = await freePort();
    const env = { MONORAIL_HTTP_HOST: '127.0.0.1', MONORAIL_HTTP_PORT: String(port), MONORAIL_MEMBER_ID: 'crash-1' };
    const first = await startMember(env);
    members.push(first);
    const server = `http://127.0.0.1:${port}`;
    const macs = Array.from({ length: 6 }, (_, i) => `52:54:00:c7:00:${(i + 1).toString(16).padStart(2, '0')}`);
    for (const mac of macs) {
      const res = await fetch(`${server}/api/current/profiles?macs=${mac}`);
      expect(await res.text()).toContain('microkernel');
    }
    let posted = 0;
    let killedAt = -1;
    const done = macs.map((mac) =>
      runSimAgent({
        server,
        mac,
        inventory,
        signal: AbortSignal.timeout(110_000),
        pollMinMs: 50,
        pollMaxMs: 500,
        onStep: (s) => {
          if (s.type !== 'posted') return;
          posted++;
          // Kill once discovery is well under way but not finished for anyone (each machine posts 9 reports).
          if (posted === 14 && killedAt < 0) {
            killedAt = posted;
            first.child.kill('SIGKILL');
          }
        },
      }),
    );
    await new Promise<void>((resolve) => first.child.once('exit', () => resolve()));
    expect(first.child.signalCode).toBe('SIGKILL');
    const second = await startMember({ ...env, MONORAIL_MEMBER_ID: 'crash-2', MONORAIL_DATA_DIR: first.dataDir });
    members.push(second);
    const codes = await Promise.all(done);
    expect(codes).toEqual(macs.map(() => 1));
    expect(killedAt).toBe(14);

    // The second member's store, read through a third process would race it; ask it over its own API instead:
    // every machine resolves to a node whose profile now says "boot from disk" (available, idle).
    for (const mac of macs) {
      let text = '';
      for (let i = 0; i < 100; i++) {
        text = await (await fetch(`${server}/api/current/profiles?macs=${mac}`)).text();
        if (text.includes('local disk')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(text).toContain('boots from its local disk');
    }
    await second.stop({ keepData: true });
    members.splice(members.indexOf(second), 1);

    const { openEmbeddedStore } = await import('../../../src/persistence/embedded/embedded-store.ts');
    const store = await openEmbeddedStore({ path: `${first.dataDir}/store` });
    try {
      const nodes = await store.documents.collection('nodes').find({});
      expect(nodes).toHaveLength(macs.length);
      expect(nodes.every((n) => n.lifecycle.state === 'available')).toBe(true);
      const workflows = await store.documents.collection('workflows').find({});
      expect(workflows).toHaveLength(macs.length);
      expect(workflows.map((w) => w.status)).toEqual(macs.map(() => 'succeeded'));
      for (const n of nodes) {
        const sources = (await store.documents.collection('catalogs').find({ node: n.id })).map((c) => c.source);
        expect(new Set(sources)).toEqual(new Set(catalogCommands.map((c) => c.source)));
      }
      // Somebody's attempt was interrupted and ran again: the resumption was exercised, not skipped.
      const attempts = workflows.flatMap((w) => Object.values(w['runs'] as Record<string, { attempt: number }>).map((r) => r.attempt));
      expect(Math.max(...attempts)).toBeGreaterThan(1);
    } finally {
      await store.close();
    }
  }, 150_000);
});
