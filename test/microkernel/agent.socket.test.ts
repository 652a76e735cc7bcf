/**
 * The microkernel agent (microkernel/agent.sh) on the host under Debian's busybox sh, against a scripted
 * task server on a loopback port: RackHD's microkernel protocol (rackhd.md §3.4, on-taskgraph
 * bootstrap.js) without a VM. The QEMU test boots the same agent in the real microkernel.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentRun } from '../support/microkernel-agent.ts';
import {
  hangReply,
  jsonReply,
  rawReply,
  startMicrokernelTaskServer,
  type AgentReport,
  type MicrokernelTaskServer,
  type TaskReply,
} from '../support/microkernel-task-server.ts';
import { seededRandom } from '../support/seeded-random.ts';

let server: MicrokernelTaskServer;
const running: AgentRun[] = [];
let nodeCounter = 0;

beforeAll(async () => {
  server = await startMicrokernelTaskServer();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.stop()));
});
afterAll(async () => {
  await server.close();
});

/** A fresh node id (24 hex digits, as Monorail's) so tests never share a queue. */
function nodeId(): string {
  return (0x5f00000000 + ++nodeCounter).toString(16).padStart(24, '0');
}

function agent(id: string, env: Record<string, string> = {}): AgentRun {
  const run = startAgent({ server: server.url, nodeId: id, env });
  running.push(run);
  return run;
}

async function exitOf(run: AgentRun): Promise<number | null> {
  const { code } = await run.exited;
  return code;
}

async function onlyPost(id: string): Promise<AgentReport> {
  const posts = server.postsOf(id);
  expect(posts).toHaveLength(1);
  const post = posts[0]!;
  expect(post.parseError).toBeUndefined();
  return post.json!;
}

describe('microkernel agent under busybox sh', () => {
  it('asks, runs the tasks in order in its work directory, and posts the reply object back with each output', async () => {
    const id = nodeId();
    server.reply(
      id,
      rawReply(404, '{"message":"no commands"}'),
      jsonReply({
        identifier: id,
        graphId: 'g-1',
        nested: { kept: [1, 'two', null] },
        tasks: [
          { cmd: 'echo hello; echo oops >&2', source: 'test', catalog: true, format: 'raw', retries: 0, timeout: 0 },
          { cmd: 'pwd' },
          { cmd: 'printf "no newline"' },
        ],
        exit: 0,
      }),
    );
    const run = agent(id);
    expect(await exitOf(run)).toBe(0);
    const post = server.postsOf(id)[0]!;
    expect(post.contentType).toBe('application/json');
    expect(post.path).toBe(`/api/current/tasks/${id}`);
    const report = await onlyPost(id);
    expect(report).toMatchObject({ identifier: id, graphId: 'g-1', nested: { kept: [1, 'two', null] }, exit: 0 });
    expect(report.tasks).toEqual([
      { cmd: 'echo hello; echo oops >&2', source: 'test', catalog: true, format: 'raw', retries: 0, timeout: 0, stdout: 'hello\n', stderr: 'oops\n', error: null },
      { cmd: 'pwd', stdout: `${run.workdir}/work\n`, stderr: '', error: null },
      { cmd: 'printf "no newline"', stdout: 'no newline', stderr: '', error: null },
    ]);
    // It asked again after the 404, and not after the exit.
    expect(server.gets(id).map((g) => g.status)).toEqual([404, 200]);
  });

  it('backs off while there is nothing to do, doubling the wait up to its bound, and starts over after work', async () => {
    const id = nodeId();
    const run = agent(id, { MK_POLL_MIN_MS: '40', MK_POLL_MAX_MS: '160' });
    await server.waitFor('six polls', () => (server.gets(id).length >= 6 ? true : undefined), 20_000);
    server.reply(id, jsonReply({ tasks: [{ cmd: 'true' }] }));
    await server.waitFor('the first results', () => server.postsOf(id)[0], 20_000);
    const polledAfterWork = server.gets(id).length;
    await server.waitFor('two more polls', () => (server.gets(id).length >= polledAfterWork + 2 ? true : undefined), 20_000);
    server.reply(id, jsonReply({ tasks: [], exit: 0 }));
    expect(await exitOf(run)).toBe(0);

    const waitsIn = (text: string): number[] => [...text.matchAll(/no tasks yet; asking again in (\d+) ms/g)].map((m) => Number(m[1]));
    const [before, after] = run.log().split('posted results');
    const firstRun = waitsIn(before!).slice(0, 5);
    expect(firstRun).toEqual([40, 80, 160, 160, 160]);
    // After the results the wait is short again.
    expect(waitsIn(after!).slice(0, 2)).toEqual([40, 80]);
    // The waits happened: consecutive polls are at least that far apart.
    const at = server.gets(id).map((g) => g.at);
    for (let i = 1; i < 5; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(firstRun[i - 1]! - 5);
  });

  it('survives replies that are not the protocol, and answers the first one that is', async () => {
    const id = nodeId();
    const random = seededRandom(7);
    const valid = JSON.stringify({ identifier: id, tasks: [{ cmd: 'echo ok' }], exit: 3 });
    const malformed: TaskReply[] = [
      rawReply(200, 'garbage'),
      rawReply(200, ''),
      rawReply(200, '[]'),
      rawReply(200, '"tasks"'),
      rawReply(200, '{"identifier":"x"}'),
      rawReply(200, '{"tasks":{}}'),
      rawReply(200, '{"tasks":[1,2]}'),
      rawReply(200, '{"tasks":[]} trailing'),
      rawReply(200, '{"tasks":[],}'),
      rawReply(200, '{"tasks":[{"cmd":"a\u0001b"}]}'),
      rawReply(200, '{"tasks":[],"x":"\\uZZZZ"}'),
      rawReply(200, '{"tasks":[],"x":"\\q"}'),
      rawReply(200, `{"tasks":[],"deep":${'['.repeat(100)}${']'.repeat(100)}}`),
      rawReply(200, Buffer.from('{"tasks":[{"cmd":"echo \0"}]}')),
      rawReply(200, `{"tasks":[],"pad":"${'x'.repeat(10_000)}"}`),
      rawReply(200, '{"tasks":[{"cmd":"echo 1"}],"exit":0'),
      rawReply(200, "{'tasks':[]}"),
      rawReply(200, '{"tasks":[],"n":01}'),
      ...[5, 20, 40, valid.length - 1].map((n) => rawReply(200, valid.slice(0, n))),
      ...[0, 1, 2].map(() => rawReply(200, Buffer.from(Array.from({ length: 200 }, () => Math.floor(random() * 256))))),
      rawReply(500, 'internal error'),
      rawReply(403, 'forbidden'),
      hangReply,
    ];
    server.reply(id, ...malformed, rawReply(200, valid));
    const run = agent(id, { MK_POLL_MAX_MS: '40', MK_MAX_REPLY: '4096', MK_HTTP_TIMEOUT: '2' });
    expect(await exitOf(run)).toBe(3);
    expect(server.gets(id)).toHaveLength(malformed.length + 1);
    const report = await onlyPost(id);
    expect(report.tasks).toEqual([{ cmd: 'echo ok', stdout: 'ok\n', stderr: '', error: null }]);
    const ignored = run.log().match(/ignoring a/g) ?? [];
    expect(ignored).toHaveLength(malformed.length - 3);
    expect(run.log()).toMatch(/ignoring a reply of 10\d{3} bytes \(more than 4096\)/);
    expect(run.log()).toMatch(/ignoring a reply with NUL bytes/);
    expect(run.log()).toMatch(/asking for tasks failed: .*500/);
  });

  it('reads any valid JSON a server may write: whitespace, escapes, duplicate keys, numbers, unknown fields', async () => {
    const id = nodeId();
    const text = [
      ' \r\n\t{ "identifier" : "x" , "meta" : { "a" : [ 1.5e3 , -0 , true , false , null , "\\"q\\" \\\\ \\/" ] } ,',
      ' "tasks" : [ { "cmd" : "echo first" } ] ,',
      ' "tasks" : [ { "cmd" : "printf \'%s|\' \\"\\u00e9\\" \\"\\ud83d\\ude00\\" \\"\\u0041\\\\t\\"", "acceptedResponseCodes": [ 1e0 ] } ] ,',
      ' "exit" : null ,',
      ' "exit" : { "code" : 5 } } \n',
    ].join('\n');
    server.reply(id, rawReply(200, text));
    const run = agent(id);
    expect(await exitOf(run)).toBe(5);
    const report = await onlyPost(id);
    expect(report.meta).toEqual({ a: [1500, -0, true, false, null, '"q" \\ /'] });
    // The last "tasks" wins, as in JSON.parse; \uXXXX escapes (with a surrogate pair) decode to UTF-8.
    expect(report.tasks).toHaveLength(1);
    expect(report.tasks[0]).toMatchObject({ stdout: 'é|😀|A\\t|', error: null, acceptedResponseCodes: [1] });
  });

  it('counts acceptedResponseCodes as success and stops the series at the first failure, as bootstrap.js did', async () => {
    const id = nodeId();
    server.reply(
      id,
      jsonReply({
        tasks: [
          { cmd: 'echo three; exit 3', acceptedResponseCodes: [3] },
          { cmd: 'exit 1', acceptedResponseCodes: [1, 'not a number'] },
          { cmd: 'echo never' },
        ],
      }),
      jsonReply({ tasks: [{ cmd: 'echo 4 >&2; exit 4', acceptedResponseCodes: [3] }, { cmd: 'echo never' }], exit: 0 }),
    );
    const run = agent(id);
    expect(await exitOf(run)).toBe(0);
    const [first, second] = server.postsOf(id).map((p) => p.json!);
    expect(first!.tasks[0]).toMatchObject({ stdout: 'three\n', error: { code: 3, killed: false, signal: null, cmd: 'echo three; exit 3' } });
    // An acceptedResponseCodes holding a non-number counts for nothing (checkValidAcceptCode).
    expect(first!.tasks[1]).toMatchObject({ stdout: '', error: { code: 1, message: 'exit status 1' } });
    expect(first!.tasks[2]).toEqual({ cmd: 'echo never' });
    expect(second!.tasks[0]).toMatchObject({ stderr: '4\n', error: { code: 4 } });
    expect(second!.tasks[1]).toEqual({ cmd: 'echo never' });
  });

  it('fetches a downloadUrl into its work directory, read-only and executable, before the command runs', async () => {
    const id = nodeId();
    server.file('tool.sh', '#!/bin/sh\necho "tool ran with $1"\n');
    server.file('data.txt', 'absolute\n');
    server.reply(
      id,
      jsonReply({
        tasks: [
          { downloadUrl: '/files/tool.sh?version=1#x', cmd: './tool.sh arg && stat -c %a tool.sh' },
          { downloadUrl: `${server.url}/files/data.txt`, cmd: 'cat data.txt' },
          { downloadUrl: '/files/missing.sh', cmd: 'echo never' },
          { cmd: 'echo never' },
        ],
        exit: 0,
      }),
    );
    const run = agent(id);
    expect(await exitOf(run)).toBe(0);
    const report = await onlyPost(id);
    expect(report.tasks[0]).toMatchObject({ stdout: 'tool ran with arg\n555\n', error: null });
    expect(report.tasks[1]).toMatchObject({ stdout: 'absolute\n', error: null });
    expect(report.tasks[2]).toMatchObject({ stdout: '', error: { code: 'EDOWNLOAD' } });
    expect(report.tasks[2]!.error!.message).toMatch(/download of .*\/files\/missing\.sh failed: .*404/);
    expect(report.tasks[3]).toEqual({ cmd: 'echo never' });
  });

  it('writes any bytes a command prints as the JSON string Node would have decoded from them', async () => {
    const id = nodeId();
    const random = seededRandom(42);
    const specials = [0, 1, 8, 9, 10, 12, 13, 27, 31, 34, 47, 92, 127, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xed, 0xa0, 0xf4, 0x90, 0xc0, 0xfe, 0xff];
    const blobs: Buffer[] = [];
    for (let i = 0; i < 16; i++) {
      const ascii = i % 3 === 0;
      const length = i === 0 ? 0 : Math.floor(random() * 3000);
      const bytes = Array.from({ length }, () => {
        const r = random();
        if (ascii) return r < 0.1 ? [9, 10, 34, 92][Math.floor(random() * 4)]! : 32 + Math.floor(random() * 95);
        return r < 0.3 ? Math.floor(random() * 256) : r < 0.6 ? specials[Math.floor(random() * specials.length)]! : 32 + Math.floor(random() * 95);
      });
      if (i === 3) bytes.push(10);
      blobs.push(Buffer.from(bytes));
    }
    blobs.forEach((b, i) => server.file(`blob${i}.bin`, b));
    server.reply(
      id,
      jsonReply({
        tasks: [
          ...blobs.map((_, i) => ({ downloadUrl: `/files/blob${i}.bin`, cmd: `cat blob${i}.bin; cat blob${i}.bin >&2` })),
          { cmd: `printf 'q"uote\\\\back\\tslash\\nnew\\001ctl\\303\\251 \\377bad\\000nul'` },
        ],
        exit: 0,
      }),
    );
    const run = agent(id);
    expect(await exitOf(run)).toBe(0);
    const report = await onlyPost(id);
    blobs.forEach((b, i) => {
      expect(report.tasks[i]!.stdout, `blob ${i}`).toBe(b.toString('utf8'));
      expect(report.tasks[i]!.stderr, `blob ${i}`).toBe(b.toString('utf8'));
    });
    expect(report.tasks[blobs.length]!.stdout).toBe('q"uote\\back\tslash\nnew\u0001ctlé \ufffdbad\u0000nul');
  });

  it('keeps at most MK_MAX_OUTPUT bytes of each stream, says how much it dropped, and keeps the exit status', async () => {
    const id = nodeId();
    server.reply(
      id,
      jsonReply({
        tasks: [{ cmd: 'head -c 5000 /dev/zero | tr "\\0" a; head -c 3000 /dev/zero | tr "\\0" b >&2; exit 7', acceptedResponseCodes: [7] }],
        exit: 0,
      }),
    );
    const run = agent(id, { MK_MAX_OUTPUT: '1024' });
    expect(await exitOf(run)).toBe(0);
    const task = (await onlyPost(id)).tasks[0]!;
    expect(task.stdout).toBe(`${'a'.repeat(1024)}\n[monorail-agent: output truncated after 1024 bytes, 3976 more dropped]\n`);
    expect(task.stderr).toBe(`${'b'.repeat(1024)}\n[monorail-agent: output truncated after 1024 bytes, 1976 more dropped]\n`);
    // The command ran to its end (no broken pipe): its own exit status is reported.
    expect(task.error).toMatchObject({ code: 7 });
  });

  it('kills a command after its timeout and runs a failing one again up to its retries', async () => {
    const id = nodeId();
    server.reply(
      id,
      jsonReply({
        tasks: [
          { cmd: 'n=$(cat count 2>/dev/null || echo 0); n=$((n + 1)); echo $n > count; echo try $n; [ $n -ge 3 ]', retries: 2 },
          { cmd: 'echo started; sleep 30', timeout: 300 },
          { cmd: 'echo never' },
        ],
        exit: 0,
      }),
    );
    const run = agent(id);
    expect(await exitOf(run)).toBe(0);
    const report = await onlyPost(id);
    expect(report.tasks[0]).toMatchObject({ stdout: 'try 3\n', error: null });
    expect(report.tasks[1]).toMatchObject({ stdout: 'started\n', error: { code: 137, killed: true, signal: 'SIGKILL', message: 'timed out after 300 ms' } });
    expect(report.tasks[2]).toEqual({ cmd: 'echo never' });
  });

  it('reports a task it cannot run instead of failing', async () => {
    const id = nodeId();
    server.reply(id, jsonReply({ tasks: [{ cmd: 5 }, { cmd: 'echo never' }] }), jsonReply({ tasks: [{ source: 'x' }], exit: 0 }));
    const run = agent(id);
    expect(await exitOf(run)).toBe(0);
    const [first, second] = server.postsOf(id).map((p) => p.json!);
    expect(first!.tasks[0]).toMatchObject({ cmd: 5, stdout: '', error: { code: 'EINVAL', message: 'cmd is not a string' } });
    expect(first!.tasks[1]).toEqual({ cmd: 'echo never' });
    expect(second!.tasks[0]).toMatchObject({ source: 'x', error: { code: 'EINVAL', message: 'task has neither cmd nor downloadUrl' } });
  });

  it.each([
    [127, 127],
    [{ code: 1 }, 1],
    ['2', 2],
    [300, 44],
    [-1, 255],
    [true, 1],
    [{}, 1],
  ])('exits with %j as %i', async (exit, code) => {
    const id = nodeId();
    server.reply(id, jsonReply({ tasks: [], exit }));
    expect(await exitOf(agent(id))).toBe(code);
    expect((await onlyPost(id)).exit).toEqual(exit);
  });

  it('goes on asking after a reply whose exit is null', async () => {
    const id = nodeId();
    server.reply(id, jsonReply({ tasks: [{ cmd: 'echo 1' }], exit: null }), jsonReply({ tasks: [{ cmd: 'echo 2' }], exit: 0 }));
    expect(await exitOf(agent(id))).toBe(0);
    expect(server.postsOf(id).map((p) => p.json!.tasks[0]!.stdout)).toEqual(['1\n', '2\n']);
  });

  it('posts again after a server error, but not after the server refused the results', async () => {
    const id = nodeId();
    server.postStatus(id, 500, 503, 201, 400);
    server.reply(id, jsonReply({ tasks: [{ cmd: 'echo a' }] }), jsonReply({ tasks: [{ cmd: 'echo b' }] }), jsonReply({ tasks: [], exit: 0 }));
    const run = agent(id);
    expect(await exitOf(run)).toBe(0);
    const posts = server.postsOf(id);
    expect(posts.map((p) => p.status)).toEqual([500, 503, 201, 400, 201]);
    expect(posts[0]!.raw.equals(posts[2]!.raw)).toBe(true);
    expect(posts[3]!.json!.tasks[0]!.stdout).toBe('b\n');
    expect(run.log()).toMatch(/the server refused the results/);
  });

  it('stops at once with a clear message when it does not know its server or node', async () => {
    const noServer = startAgent({ server: '', nodeId: nodeId() });
    running.push(noServer);
    expect(await exitOf(noServer)).toBe(1);
    expect(noServer.log()).toMatch(/fatal: no server: set SERVER or mk\.server=/);
    const noNode = startAgent({ server: server.url, nodeId: '' });
    running.push(noNode);
    expect(await exitOf(noNode)).toBe(1);
    expect(noNode.log()).toMatch(/fatal: no node identifier/);
  });
});
