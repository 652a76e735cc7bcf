import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterConfig, deployment } from '../../cluster.config.ts';
import { ConfigError } from '../../src/errors.ts';
import { envVarNames, envVars, loadConfig, loadConfigAsync } from '../../src/config/load-config.ts';
import type { ConfigSources } from '../../src/config/load-config.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'monorail-config-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let fileCount = 0;
function writeFile(name: string, content: string): string {
  const file = path.join(tmp, `${fileCount++}-${name}`);
  fs.writeFileSync(file, content);
  return file;
}

/** Loads expecting failure and returns the ConfigError, so tests can look at its problems and message. */
function configError(sources: ConfigSources): ConfigError {
  try {
    loadConfig(sources);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('loadConfig defaults', () => {
  it('produces a valid configuration from the schema defaults alone', () => {
    const config = loadConfig();
    expect(config.memberId).toBe(os.hostname());
    expect(config.dataDir).toBe('./data');
    expect(config.store).toEqual({
      kind: 'embedded',
      path: path.join('./data', 'store'),
      durability: 'full',
      mongodbUrl: null,
      mongodbDatabase: 'monorail',
    });
    expect(config.cluster).toEqual({
      transport: 'local',
      amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
      shards: 64,
      members: [],
      namespace: 'monorail',
      heartbeatSeconds: 5,
      memberBeatMs: 500,
      memberTimeoutMs: 2000,
      probeIntervalMs: 250,
      prefetch: 200,
    });
    expect(config.actors).toEqual({ askTimeoutMs: 5000, passivateAfterMs: 120_000, snapshotEvery: 100 });
    expect(config.http).toEqual({ enabled: true, host: '0.0.0.0', port: 8080, staticRoot: './static/http', profilesDir: './static/profiles', templatesDir: './static/templates', tls: { cert: null, key: null } });
    expect(config.microkernel).toEqual({ image: 'build', syslog: true });
    expect(config.workflows).toEqual({ discoveryGraph: 'Graph.Discovery', discoveryOptions: {}, batchTickMs: 1000, definitionsDir: null });
    expect(config.dhcp).toEqual({
      enabled: false,
      mode: 'proxy',
      host: '0.0.0.0',
      port: 67,
      proxyPort: 4011,
      clientPort: 68,
      offerHoldMs: 60_000,
      declineHoldMs: 600_000,
      poolShards: 8,
      maxInFlight: 4096,
      authoritative: true,
      subnets: [],
    });
    expect(config.boot).toMatchObject({ serverAddress: null, httpBaseUrl: null, unknownNodes: 'discover', idleNodes: 'local', fallback: 'ipxe' });
    expect(config.boot.files).toEqual({ bios: 'undionly.kpxe', uefiX64: 'snponly.efi', uefiIa32: 'ipxe-ia32.efi', uefiArm64: 'ipxe-arm64.efi' });
    expect(config.tftp).toEqual({
      enabled: false,
      host: '0.0.0.0',
      port: 69,
      root: './static/tftp',
      maxBlksize: 1468,
      maxWindowsize: 16,
      timeoutMs: 1000,
      retries: 5,
      fallbackRoots: ['/usr/lib/ipxe'],
      maxTransfers: 2000,
    });
    expect(config.syslog).toEqual({
      enabled: false,
      host: '0.0.0.0',
      port: 514,
      maxConnections: 1024,
      maxConnectionsPerAddress: 16,
      idleTimeoutMs: 600_000,
      keepPerNode: 1000,
      maxMessageBytes: 8192,
    });
    expect(config.log).toEqual({ level: 'info', records: { level: 'info', keepPerKey: 500, maxKeys: 5000, maxBytes: 33_554_432, maxRecordBytes: 8192 } });
    expect(config.secrets).toEqual({ key: null });
  });

  it('is deeply frozen: mutation throws (test modules run in strict mode)', () => {
    const config = loadConfig();
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.store)).toBe(true);
    expect(Object.isFrozen(config.cluster.members)).toBe(true);
    expect(() => {
      (config as { memberId: string }).memberId = 'changed';
    }).toThrow(TypeError);
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.cluster.members as unknown[]).push({ id: 'x', host: 'y' });
    }).toThrow(TypeError);
  });

  it('returns a fresh object each time, so freezing one load does not affect the next', () => {
    expect(loadConfig()).not.toBe(loadConfig());
    expect(loadConfig().cluster.members).not.toBe(loadConfig().cluster.members);
  });

  it('derives store.path from dataDir unless store.path is set', () => {
    expect(loadConfig({ layers: [{ dataDir: '/var/lib/monorail' }] }).store.path).toBe('/var/lib/monorail/store');
    expect(loadConfig({ layers: [{ dataDir: '/x', store: { path: '/y/z.db' } }] }).store.path).toBe('/y/z.db');
  });
});

describe('loadConfig layering', () => {
  it('applies defaults ← layers in order ← file ← env, merging objects field by field', () => {
    const file = writeFile('layered.json', JSON.stringify({ http: { port: 3000 }, tftp: { enabled: true } }));
    const config = loadConfig({
      layers: [
        { http: { host: '127.0.0.1', port: 1000 }, actors: { askTimeoutMs: 10 } },
        { http: { port: 2000 }, actors: { snapshotEvery: 7 } },
      ],
      file,
      env: { MONORAIL_HTTP_PORT: '4000', PATH: '/usr/bin' },
    });
    expect(config.http).toMatchObject({ enabled: true, host: '127.0.0.1', port: 4000, staticRoot: './static/http' });
    expect(config.tftp.enabled).toBe(true);
    expect(config.actors).toEqual({ askTimeoutMs: 10, passivateAfterMs: 120_000, snapshotEvery: 7 });
  });

  it('lets each source override the one before it', () => {
    const file = writeFile('port.json', JSON.stringify({ http: { port: 3 } }));
    expect(loadConfig({ layers: [{ http: { port: 1 } }] }).http.port).toBe(1);
    expect(loadConfig({ layers: [{ http: { port: 1 } }, { http: { port: 2 } }] }).http.port).toBe(2);
    expect(loadConfig({ layers: [{ http: { port: 1 } }], file }).http.port).toBe(3);
    expect(loadConfig({ layers: [{ http: { port: 1 } }], file, env: { MONORAIL_HTTP_PORT: '4' } }).http.port).toBe(4);
  });

  it('replaces arrays rather than merging them', () => {
    const config = loadConfig({
      layers: [
        { memberId: 'b', cluster: { members: [{ id: 'a', host: 'h1' }, { id: 'b', host: 'h2' }] } },
        { cluster: { members: [{ id: 'b', host: 'h3' }] } },
      ],
    });
    expect(config.cluster.members).toEqual([{ id: 'b', host: 'h3' }]);
  });

  it('refuses an AMQP cluster member without the keys every member must share', () => {
    const error = configError({ layers: [{ cluster: { transport: 'amqp' } }] });
    expect(error.problems.map((p) => p.path)).toEqual(['secrets.key', 'auth.tokenSecret']);
    const key = 'k'.repeat(32);
    expect(loadConfig({ layers: [{ cluster: { transport: 'amqp' }, secrets: { key }, auth: { tokenSecret: key } }] }).cluster.transport).toBe('amqp');
    // Without authentication no token is ever signed, so only the secrets key is needed.
    expect(loadConfig({ layers: [{ cluster: { transport: 'amqp' }, secrets: { key }, auth: { enabled: false } }] }).auth.tokenSecret).toBeNull();
  });

  it('treats undefined fields in a layer as not set', () => {
    expect(loadConfig({ layers: [{ http: { port: undefined } }] }).http.port).toBe(8080);
  });

  it('neither freezes nor changes the layers it was given', () => {
    const layer = { cluster: { members: [{ id: 'm', host: 'h' }] }, memberId: 'm' };
    loadConfig({ layers: [layer] });
    expect(Object.isFrozen(layer.cluster.members)).toBe(false);
    expect(layer).toEqual({ cluster: { members: [{ id: 'm', host: 'h' }] }, memberId: 'm' });
  });
});

describe('loadConfig environment variables', () => {
  it('derives one variable per leaf field from its path', () => {
    const names = envVarNames();
    expect(names).toContain('MONORAIL_ACTORS_ASK_TIMEOUT_MS');
    expect(names).toContain('MONORAIL_STORE_MONGODB_URL');
    expect(names).toContain('MONORAIL_MEMBER_ID');
    expect(names).toContain('MONORAIL_CLUSTER_MEMBERS');
    expect(names).toContain('MONORAIL_SECRETS_KEY');
    expect(new Set(names).size).toBe(names.length);
    expect(envVars()).toContainEqual(expect.objectContaining({ name: 'MONORAIL_DHCP_PROXY_PORT', path: 'dhcp.proxyPort' }));
    expect(envVars().every((v) => v.description.length > 0)).toBe(true);
  });

  it('coerces integers', () => {
    const config = loadConfig({ env: { MONORAIL_CLUSTER_SHARDS: '128', MONORAIL_ACTORS_PASSIVATE_AFTER_MS: '0' } });
    expect(config.cluster.shards).toBe(128);
    expect(config.actors.passivateAfterMs).toBe(0);
  });

  it.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
  ])('coerces boolean %s', (raw, expected) => {
    expect(loadConfig({ env: { MONORAIL_DHCP_ENABLED: raw } }).dhcp.enabled).toBe(expected);
  });

  it('coerces null for nullable fields and keeps strings as strings', () => {
    const set = loadConfig({ env: { MONORAIL_STORE_PATH: '/srv/m.db', MONORAIL_SECRETS_KEY: 'k3y' } });
    expect(set.store.path).toBe('/srv/m.db');
    expect(set.secrets.key).toBe('k3y');
    const cleared = loadConfig({ layers: [{ secrets: { key: 'from-layer' } }], env: { MONORAIL_SECRETS_KEY: 'null', MONORAIL_STORE_PATH: 'null' } });
    expect(cleared.secrets.key).toBeNull();
    expect(cleared.store.path).toBe(path.join('./data', 'store'));
  });

  it('coerces enums and arrays (as JSON)', () => {
    const config = loadConfig({
      env: {
        MONORAIL_STORE_KIND: 'mongodb',
        MONORAIL_STORE_MONGODB_URL: 'mongodb://db:27017',
        MONORAIL_MEMBER_ID: 'mgmt-a',
        MONORAIL_CLUSTER_MEMBERS: '[{"id":"mgmt-a","host":"10.0.0.11"},{"id":"mgmt-b","host":"10.0.0.12"}]',
        MONORAIL_LOG_LEVEL: 'debug',
      },
    });
    expect(config.store.kind).toBe('mongodb');
    expect(config.cluster.members).toEqual([
      { id: 'mgmt-a', host: '10.0.0.11' },
      { id: 'mgmt-b', host: '10.0.0.12' },
    ]);
    expect(config.log.level).toBe('debug');
  });

  it('ignores variables without the MONORAIL_ prefix', () => {
    expect(() => loadConfig({ env: { HOME: '/root', MONORAILWAY: 'x' } })).not.toThrow();
  });
});

describe('loadConfig validation', () => {
  it('rejects http.port 70000 naming the field, the bounds and the value', () => {
    const error = configError({ layers: [{ http: { port: 70000 } }] });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.problems).toEqual([{ path: 'http.port', expected: 'integer between 0 and 65535 (set by layers[0])', actual: 70000 }]);
    expect(error.message).toContain('http.port: expected integer between 0 and 65535');
  });

  it("rejects store.kind 'redis' listing the allowed kinds", () => {
    const error = configError({ layers: [{ store: { kind: 'redis' } }] });
    expect(error.problems).toHaveLength(1);
    expect(error.message).toContain('store.kind: expected one of "embedded", "mongodb"');
    expect(error.message).toContain('got "redis"');
  });

  it("rejects cluster.shards 'abc' from the environment, naming the variable", () => {
    const error = configError({ env: { MONORAIL_CLUSTER_SHARDS: 'abc' } });
    expect(error.problems).toEqual([
      { path: 'cluster.shards', expected: 'integer between 1 and 4096 (set by env MONORAIL_CLUSTER_SHARDS)', actual: 'abc' },
    ]);
  });

  it('rejects a boolean variable that is not true/false/1/0', () => {
    expect(configError({ env: { MONORAIL_HTTP_ENABLED: 'yes' } }).message).toContain('http.enabled: expected boolean');
  });

  it('rejects an unknown field in the file, naming it and suggesting the right one', () => {
    const file = writeFile('typo.json', JSON.stringify({ store: { knd: 'embedded' } }));
    const error = configError({ file });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]?.path).toBe('store.knd');
    expect(error.message).toContain('did you mean kind?');
    expect(error.message).toContain(`set by file ${file}`);
  });

  it('rejects an unknown top-level field and unknown fields inside array items', () => {
    const error = configError({ layers: [{ colour: 'blue', memberId: 'a', cluster: { members: [{ id: 'a', host: 'h', rack: 3 }] } }] });
    expect(error.problems.map((p) => p.path)).toEqual(['colour', 'cluster.members[0].rack']);
  });

  it('rejects an unknown MONORAIL_ variable naming it', () => {
    const error = configError({ env: { MONORAIL_FOO: 'bar' } });
    expect(error.problems).toEqual([{ path: 'MONORAIL_FOO', expected: 'a known MONORAIL_* variable (see envVarNames())', actual: 'bar' }]);
    expect(error.message).toContain('MONORAIL_FOO');
  });

  it('suggests the intended variable for a misspelt one and does not print a secret-looking value', () => {
    const error = configError({ env: { MONORAIL_SECRET_KEY: 'hunter2' } });
    expect(error.message).toContain('did you mean MONORAIL_SECRETS_KEY?');
    expect(error.message).not.toContain('hunter2');
  });

  it('never prints an invalid secret value', () => {
    const error = configError({ layers: [{ secrets: { key: '' } }] });
    expect(error.problems[0]?.path).toBe('secrets.key');
    expect(error.problems[0]?.actual).toBe('[redacted]');
  });

  it('reports every problem at once', () => {
    const error = configError({
      layers: [{ http: { port: 70000 }, store: { kind: 'redis' } }],
      env: { MONORAIL_CLUSTER_SHARDS: 'abc', MONORAIL_FOO: '1' },
    });
    expect(error.problems.map((p) => p.path).sort()).toEqual(['MONORAIL_FOO', 'cluster.shards', 'http.port', 'store.kind']);
  });

  it('rejects a missing required field of an array item', () => {
    const error = configError({ layers: [{ memberId: 'a', cluster: { members: [{ id: 'a' }] } }] });
    expect(error.problems).toEqual([{ path: 'cluster.members[0].host', expected: 'non-empty string (set by layers[0])', actual: '(missing)' }]);
  });

  it('rejects a layer that is not an object', () => {
    expect(configError({ layers: [42] }).problems[0]?.path).toBe('layers[0]');
  });

  it('treats "__proto__" in a JSON file as an unknown field, not a prototype', () => {
    const file = writeFile('proto.json', '{"__proto__": {"polluted": true}}');
    expect(configError({ file }).problems[0]?.path).toBe('__proto__');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('requires a MongoDB URL when the store is MongoDB', () => {
    const error = configError({ layers: [{ store: { kind: 'mongodb' } }] });
    expect(error.problems[0]?.path).toBe('store.mongodbUrl');
  });

  it('requires this member to be one of the listed members, and member ids to be unique', () => {
    const members = [
      { id: 'a', host: 'h1' },
      { id: 'a', host: 'h2' },
    ];
    const error = configError({ layers: [{ memberId: 'c', cluster: { members } }] });
    expect(error.problems.map((p) => p.path)).toEqual(['cluster.members[1].id', 'memberId']);
  });
});

describe('loadConfig files', () => {
  it('loads a JSON file', () => {
    const file = writeFile('ok.json', JSON.stringify({ memberId: 'from-file', dhcp: { enabled: true, mode: 'server' } }));
    const config = loadConfig({ file });
    expect(config.memberId).toBe('from-file');
    expect(config.dhcp).toMatchObject({ enabled: true, mode: 'server', port: 67 });
  });

  it('gives a clear error naming a malformed JSON file', () => {
    const file = writeFile('broken.json', '{ "http": { "port": 80, } }');
    const error = configError({ file });
    expect(error.problems).toHaveLength(1);
    expect(error.message).toContain(file);
    expect(error.message).toContain('expected valid JSON');
  });

  it('gives a clear error naming a missing file', () => {
    const file = path.join(tmp, 'does-not-exist.json');
    expect(configError({ file }).message).toContain(`config file ${file}: expected a readable file`);
  });

  it('rejects a file whose top level is not an object', () => {
    const file = writeFile('array.json', '[1, 2]');
    expect(configError({ file }).message).toContain(`file ${file}: expected an object of configuration fields`);
  });

  it('points module files at loadConfigAsync', () => {
    const file = writeFile('conf.ts', 'export default {};');
    expect(configError({ file }).message).toContain('loadConfigAsync');
  });

  it('loadConfigAsync loads the default export of a .mjs or .ts module and still reads JSON', async () => {
    const mjs = writeFile('conf.mjs', 'export default { http: { port: 1234 } };');
    expect((await loadConfigAsync({ file: mjs })).http.port).toBe(1234);
    const ts = writeFile('conf.ts', 'const config: { http: { port: number } } = { http: { port: 4321 } };\nexport default config;\n');
    expect((await loadConfigAsync({ file: ts, env: { MONORAIL_HTTP_HOST: '::1' } })).http).toMatchObject({ port: 4321, host: '::1' });
    const json = writeFile('conf.json', '{"http": {"port": 99}}');
    expect((await loadConfigAsync({ file: json })).http.port).toBe(99);
  });

  it('loadConfigAsync rejects a module without a default export and a module that does not load', async () => {
    const noDefault = writeFile('named.mjs', 'export const http = { port: 1 };');
    await expect(loadConfigAsync({ file: noDefault })).rejects.toThrow(/default export/);
    const broken = writeFile('broken.mjs', 'export default {');
    await expect(loadConfigAsync({ file: broken })).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('cluster.config.ts', () => {
  it('loads defaults ← deployment ← file ← env', () => {
    const config = clusterConfig({ env: {} });
    expect(config.cluster.members).toEqual(deployment.cluster?.members);
    const file = writeFile('site.json', JSON.stringify({ http: { port: 81 }, syslog: { enabled: true } }));
    const overridden = clusterConfig({ file, env: { MONORAIL_HTTP_PORT: '82' } });
    expect(overridden.http.port).toBe(82);
    expect(overridden.syslog.enabled).toBe(true);
  });

  it('rejects unknown MONORAIL_ variables in the environment it is given', () => {
    expect(() => clusterConfig({ env: { MONORAIL_NOPE: '1' } })).toThrow(ConfigError);
  });
});

describe('defaults inside arrays', () => {
  it('fills the optional fields of objects given whole, such as a DHCP subnet from the environment', () => {
    const config = loadConfig({ env: { MONORAIL_DHCP_SUBNETS: JSON.stringify([{ subnet: '10.99.0.0/24', rangeStart: '10.99.0.100', rangeEnd: '10.99.0.150' }]) } });
    expect(config.dhcp.subnets).toEqual([
      { subnet: '10.99.0.0/24', rangeStart: '10.99.0.100', rangeEnd: '10.99.0.150', router: null, dnsServers: [], domainName: null, leaseSeconds: 3600, reservations: [] },
    ]);
  });
});
