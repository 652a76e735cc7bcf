/**
 * Syslog end to end in network namespaces: a full Monorail member in the server namespace listens on
 * the standard port 514 (the wildcard host, one dual-stack socket per transport); a machine in the
 * client namespace (10.99.0.2) becomes a node by asking for its iPXE profile over HTTP, then speaks
 * syslog to the member with the real clients: util-linux `logger` over UDP and TCP, RFC 5424 and 3164,
 * octet-counted with structured data, and busybox `syslogd -R` + `busybox logger` as the microkernel does.
 * Every message must be kept on that node in the store; an IPv6 sender no node owns is counted unknown.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../../src/persistence/embedded/embedded-store.ts';
import type { LogDoc } from '../../../src/persistence/collections.ts';
import { startMember, type LogLine, type MemberProcess } from '../../support/member-process.ts';
import { createNetnsPair, netnsAvailable, type NetnsPair } from '../../support/netns.ts';

const MAC = '52:54:00:99:00:20';
const CLIENT_IP = '10.99.0.2';

interface SyslogObservation {
  readonly type: string;
  readonly message?: string;
}
const syslogObserved = (l: LogLine): SyslogObservation | undefined => {
  const o = l.msg === 'observed' ? (l.observation as SyslogObservation | undefined) : undefined;
  return o?.type === 'syslog' ? o : undefined;
};

describe.skipIf(!netnsAvailable())('syslog on a full member in a namespace, real clients in another', () => {
  let pair: NetnsPair;
  let member: MemberProcess;

  beforeAll(async () => {
    pair = await createNetnsPair('sl');
    await pair.run(pair.client, 'ip', ['addr', 'add', `${CLIENT_IP}/24`, 'dev', pair.clientIf]);
    await pair.run(pair.client, 'ip', ['-6', 'addr', 'add', 'fd99::2/64', 'dev', pair.clientIf, 'nodad']);
    member = await startMember(
      {
        MONORAIL_MEMBER_ID: 'syslog-netns',
        MONORAIL_LOG_LEVEL: 'debug',
        MONORAIL_SYSLOG_ENABLED: 'true',
        MONORAIL_BOOT_SERVER_ADDRESS: '10.99.0.1',
        MONORAIL_HTTP_HOST: '0.0.0.0',
        MONORAIL_HTTP_PORT: '8080',
        MONORAIL_ACTORS_PASSIVATE_AFTER_MS: '0',
      },
      { pair, ns: pair.server },
    );
  });

  afterAll(async () => {
    const dataDir = member?.dataDir;
    await member?.stop();
    await pair?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every message from the client on its node, whichever client and framing sent it', async () => {
    const serving = await member.waitFor((l) => l.msg === 'serving' && l.server === 'syslog', 5_000, 'syslog serving');
    expect(serving.addresses).toEqual([
      { protocol: 'udp', address: '::', port: 514 },
      { protocol: 'tcp', address: '::', port: 514 },
    ]);

    // First contact as iPXE makes it: the profile request creates the node and binds its address.
    const profile = await pair.run(pair.client, 'curl', ['-sf', `http://10.99.0.1:8080/api/current/profiles?macs=${MAC}&ips=${CLIENT_IP}`]);
    expect(profile.code, profile.stderr).toBe(0);

    const send = async (args: string[]): Promise<void> => {
      const r = await pair.run(pair.client, 'logger', ['--server', '10.99.0.1', '--port', '514', ...args], 10_000);
      expect(r.code, r.stderr).toBe(0);
    };
    await send(['--udp', '-p', 'local0.info', '-t', 'e2e', 'udp 5424']);
    await send(['--udp', '--rfc3164', '-p', 'user.warning', '-t', 'e2e', 'udp 3164']);
    await send(['--tcp', '-t', 'e2e', 'tcp newline']);
    await send(['--tcp', '--octet-count', '--sd-id', 'origin@32473', '--sd-param', 'node="abc"', '-t', 'e2e', 'tcp octets']);
    // The microkernel's way: busybox syslogd forwarding busybox logger (private /dev for its /dev/log).
    const busybox = await pair.run(pair.client, 'unshare', [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      [
        'mount -t tmpfs tmpfs /dev && mknod -m 666 /dev/null c 1 3 || exit 90',
        'busybox syslogd -n -R 10.99.0.1:514 & pid=$!',
        'i=0; while [ ! -S /dev/log ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i+1)); done',
        'busybox logger -t microkernel booted',
        'sleep 0.3; kill $pid',
      ].join('\n'),
    ]);
    expect(busybox.code, busybox.stderr).toBe(0);
    // An IPv6 sender no node owns.
    await pair.run(pair.client, 'logger', ['--server', 'fd99::1', '--port', '514', '--udp', '-t', 'v6', 'nobody owns me']);

    const expected = ['udp 5424', 'udp 3164', 'tcp newline', 'tcp octets', 'booted'];
    for (const message of expected) await member.waitFor((l) => syslogObserved(l)?.message === message, 10_000, `syslog '${message}' observed by its node`);

    await member.stop({ keepData: true });
    const stopped = member.lines().find((l) => l.msg === 'syslog stopped');
    expect(stopped?.stats).toMatchObject({ received: 6, answered: 5, unknownSource: 1, records5424: 4, records3164: 2, malformed: 0 });

    const store = await openEmbeddedStore({ path: path.join(member.dataDir, 'store') });
    try {
      const lookup = await store.documents.collection('lookups').find({ id: MAC });
      const nodeId = lookup[0]?.node;
      expect(nodeId).toBeTypeOf('string');
      const logs: LogDoc[] = await store.documents.collection('logs').find({ node: nodeId }, { sort: { id: 1 } });
      expect(logs.map((l) => l.message).sort()).toEqual([...expected].sort());
      expect(logs.every((l) => l.ipAddress === CLIENT_IP && l.source === 'syslog')).toBe(true);
      expect(logs.find((l) => l.message === 'udp 5424')).toMatchObject({ facility: 16, severity: 6, appName: 'e2e' });
      expect(logs.find((l) => l.message === 'udp 3164')).toMatchObject({ facility: 1, severity: 4, appName: 'e2e' });
      expect(logs.find((l) => l.message === 'booted')).toMatchObject({ facility: 1, severity: 5, appName: 'microkernel' });
      expect(logs.find((l) => l.message === 'booted')?.hostname).toBeUndefined();
      // Structured data reaches the node's log, queryable by element and parameter.
      expect(logs.find((l) => l.message === 'tcp octets')).toMatchObject({ format: '5424', structuredData: { 'origin@32473': { node: ['abc'] } } });
      expect((await store.documents.collection('logs').find({ node: nodeId, 'structuredData.origin@32473.node': 'abc' })).map((l) => l.message)).toEqual(['tcp octets']);
    } finally {
      await store.close();
    }
  }, 90_000);
});
