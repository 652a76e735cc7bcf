/**
 * The configuration schema: every field Monorail reads, its type, its bounds, its default and what it is
 * for. This is the only place defaults live; `loadConfig` starts from `Value.Create(ConfigSchema)`, the
 * environment variable names are derived from the field paths, and the docs can be generated from the
 * descriptions. Every object is closed (`additionalProperties: false`) so a misspelt field is an error
 * that names it instead of a silently ignored setting.
 */
import os from 'node:os';
import { Type } from '@sinclair/typebox';
import type { Static, TLiteral, TSchema, TUnion } from '@sinclair/typebox';
import { NotificationsSchema } from '../notifications/notifications-schema.ts';
import { AlertsSchema } from '../actors/alert/alert-config-schema.ts';

/** Objects are closed everywhere: see the module comment. */
const closed = { additionalProperties: false } as const;

/**
 * A string enum as a union of literals: ajv checks it with `const`, TypeBox types it as a string-literal
 * union. The cast only restores the tuple type that `Array.prototype.map` widens away.
 */
function oneOf<const T extends [string, ...string[]]>(values: T, options: { default: T[number]; description: string }) {
  const literals = values.map((v) => Type.Literal(v)) as { [K in keyof T]: TLiteral<T[K]> };
  return Type.Union(literals, options) as TUnion<{ [K in keyof T]: TLiteral<T[K]> }>;
}

/** A TCP/UDP port. 0 is allowed: it asks the OS for a free port, which tests and demos rely on. */
function port(defaultPort: number, description: string) {
  return Type.Integer({ minimum: 0, maximum: 65535, default: defaultPort, description });
}

function nullable<T extends TSchema>(schema: T, description: string) {
  return Type.Union([schema, Type.Null()], { default: null, description });
}

const bindHost = (what: string) =>
  Type.String({ minLength: 1, default: '0.0.0.0', description: `Address the ${what} listens on.` });

export const ConfigSchema = Type.Object(
  {
    memberId: Type.String({
      minLength: 1,
      default: os.hostname(),
      description: 'Identity of this cluster member; must match one of cluster.members[].id when members are listed. Defaults to the host name.',
    }),
    dataDir: Type.String({ minLength: 1, default: './data', description: 'Directory for everything this member writes locally (embedded store, caches).' }),

    store: Type.Object(
      {
        kind: oneOf(['embedded', 'mongodb'], {
          default: 'embedded',
          description: 'Where the journal and read models live: an embedded SQLite file (single host) or MongoDB (shared by a cluster).',
        }),
        path: nullable(Type.String({ minLength: 1 }), 'Directory of the embedded store (its SQLite file is monorail.sqlite inside); null means `<dataDir>/store`.'),
        durability: oneOf(['full', 'normal'], {
          default: 'full',
          description: 'Embedded store fsync policy: `full` syncs every commit (nothing acknowledged is lost on power failure); `normal` is faster and may lose the last commits on power failure (not on a process crash).',
        }),
        mongodbUrl: nullable(Type.String({ minLength: 1 }), 'MongoDB connection string; required when store.kind is "mongodb". May carry credentials: it is redacted in logs.'),
        mongodbDatabase: Type.String({ minLength: 1, default: 'monorail', description: 'MongoDB database name.' }),
      },
      { ...closed, description: 'Persistence of the event journal and read models.' },
    ),

    cluster: Type.Object(
      {
        transport: oneOf(['local', 'amqp'], {
          default: 'local',
          description: 'How actors on different members talk: `local` is a single member in one process; `amqp` shards actors across members over AMQP.',
        }),
        amqpUrl: Type.String({
          minLength: 1,
          default: 'amqp://guest:guest@127.0.0.1:5672',
          description: 'AMQP broker URL, used when cluster.transport is "amqp". May carry credentials: it is redacted in logs.',
        }),
        shards: Type.Integer({
          minimum: 1,
          maximum: 4096,
          default: 64,
          description: 'Number of shards entity actors are hashed into. Must be the same on every member and must not change while data exists.',
        }),
        members: Type.Array(
          Type.Object(
            {
              id: Type.String({ minLength: 1, description: 'The member id (its memberId setting).' }),
              host: Type.String({ minLength: 1, description: 'Host name or address other members and operators reach it at.' }),
            },
            closed,
          ),
          { default: [], description: 'Every member of the cluster; empty for a single-host deployment.' },
        ),
        namespace: Type.String({
          minLength: 1,
          maxLength: 100,
          pattern: '^[A-Za-z0-9_.-]+$',
          default: 'monorail',
          description: 'Prefix of the exchanges and queues the cluster declares (`<namespace>.shard.<n>`, …): two clusters sharing a broker need different ones.',
        }),
        heartbeatSeconds: Type.Integer({
          minimum: 1,
          maximum: 600,
          default: 5,
          description: 'AMQP heartbeat negotiated with the broker. A member that hangs (not one that dies: that is noticed at once) loses its shards after about twice this.',
        }),
        memberBeatMs: Type.Integer({ minimum: 50, maximum: 60_000, default: 500, description: 'How often a member announces itself and the shards it owns on the members exchange.' }),
        memberTimeoutMs: Type.Integer({
          minimum: 100,
          maximum: 600_000,
          default: 2000,
          description: 'A member not heard from for this long is no longer counted when balancing, and the shards it claimed are probed so their new owner learns it owns them.',
        }),
        probeIntervalMs: Type.Integer({ minimum: 20, maximum: 60_000, default: 250, description: 'How often shards no live member claims are probed.' }),
        prefetch: Type.Integer({ minimum: 1, maximum: 65_535, default: 200, description: 'Unacknowledged deliveries per shard consumer (AMQP basic.qos).' }),
      },
      { ...closed, description: 'Clustering and actor sharding.' },
    ),

    actors: Type.Object(
      {
        askTimeoutMs: Type.Integer({ minimum: 1, maximum: 2_147_483_647, default: 5000, description: 'How long a request to an actor waits for its answer before failing with ASK_TIMEOUT.' }),
        passivateAfterMs: Type.Integer({
          minimum: 0,
          maximum: 2_147_483_647,
          default: 120_000,
          description: 'Idle time after which an entity actor is stopped to free memory (it recovers from its journal on the next message); 0 means never.',
        }),
        snapshotEvery: Type.Integer({ minimum: 1, default: 100, description: 'Events between snapshots of an entity actor, bounding recovery time.' }),
      },
      { ...closed, description: 'Actor system tuning.' },
    ),

    http: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: 'Serve the REST API, Redfish API, iPXE scripts and microkernel task API.' }),
        host: bindHost('HTTP server'),
        port: port(8080, 'HTTP port.'),
        staticRoot: Type.String({ minLength: 1, default: './static/http', description: 'Directory served under /common (kernels, initrds, images), with Range and HEAD.' }),
        profilesDir: Type.String({
          minLength: 1,
          default: './static/profiles',
          description: 'Directory of the default iPXE profiles loaded into the store at start-up (a stored profile of the same name is kept).',
        }),
        tls: Type.Object(
          {
            cert: nullable(Type.String({ minLength: 1 }), 'PEM certificate (chain) file; with `key`, the API is served over HTTPS.'),
            key: nullable(Type.String({ minLength: 1 }), 'PEM private key file of that certificate (keep it mode 0600).'),
          },
          { ...closed, description: 'HTTPS for the API (Redfish requires it for Basic and session login); both null serves plain HTTP.' },
        ),
        templatesDir: Type.String({
          minLength: 1,
          default: './static/templates',
          description: 'Directory of the default templates (preseeds, kickstarts, scripts) served at /api/current/templates/<name>?nodeId=.',
        }),
      },
      { ...closed, description: 'HTTP server.' },
    ),

    notifications: NotificationsSchema,

    alerts: AlertsSchema,

    metrics: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: 'Serve Prometheus metrics at GET /metrics on the HTTP server (needs http.enabled).' }),
        access: oneOf(['public', 'ReadOnly', 'Operator', 'Administrator'], {
          default: 'public',
          description:
            'Who may read /metrics. `public` (no credentials) is what a default Prometheus scrape config expects, and the page holds counts only (no node ids, addresses or secrets). A role requires a user with at least that role: give Prometheus `basic_auth` of such a user (HTTPS, or auth.allowBasicOverHttp) or a login token.',
        }),
        processMetrics: Type.Boolean({ default: true, description: "Include Node.js process metrics (CPU, memory, GC, handles, event-loop lag) under prom-client's standard names." }),
      },
      { ...closed, description: 'Prometheus metrics of this member.' },
    ),

    dhcp: Type.Object(
      {
        enabled: Type.Boolean({ default: false, description: 'Answer PXE clients over DHCP.' }),
        mode: oneOf(['proxy', 'server'], {
          default: 'proxy',
          description: '`proxy`: proxyDHCP next to the site DHCP server (PXE options only); `server`: act as the DHCP server and hand out addresses.',
        }),
        host: bindHost('DHCP server'),
        port: port(67, 'DHCP port (UDP).'),
        proxyPort: port(4011, 'proxyDHCP / PXE boot server port (UDP).'),
        clientPort: port(68, 'Port replies to clients go to (RFC 2131 §4.1: 68); tests move it.'),
        offerHoldMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 60_000, description: 'Server mode: how long an offered address is held for its client, so racing clients never share one (real-clients.md F1).' }),
        declineHoldMs: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 600_000, description: 'Server mode: how long a DECLINEd address stays out of the pool (RFC 2131 §4.3.3).' }),
        poolShards: Type.Integer({ minimum: 1, maximum: 256, default: 8, description: 'Server mode: lease-pool entities per subnet (parallelism). Must not change while leases exist.' }),
        maxInFlight: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 4096, description: 'Requests answered at once; beyond it datagrams are dropped and counted (clients retransmit).' }),
        authoritative: Type.Boolean({
          default: true,
          description: 'Server mode: NAK a REQUEST for an address this server does not own on one of its subnets (RFC 2131 §4.3.2). Never applies in proxy mode.',
        }),
        subnets: Type.Array(
          Type.Object(
            {
              subnet: Type.String({ minLength: 9, description: 'IPv4 network in CIDR form, e.g. 10.99.0.0/24.' }),
              rangeStart: Type.String({ minLength: 7, description: 'First address of the dynamic pool.' }),
              rangeEnd: Type.String({ minLength: 7, description: 'Last address of the dynamic pool.' }),
              router: nullable(Type.String({ minLength: 7 }), 'Default gateway (option 3).'),
              dnsServers: Type.Array(Type.String({ minLength: 7 }), { default: [], description: 'DNS servers (option 6).' }),
              domainName: nullable(Type.String({ minLength: 1 }), 'Domain name (option 15).'),
              leaseSeconds: Type.Integer({ minimum: 60, default: 3600, description: 'Lease time (option 51).' }),
              reservations: Type.Array(
                Type.Object(
                  {
                    mac: Type.String({ minLength: 12 }),
                    ipAddress: Type.String({ minLength: 7 }),
                    hostname: nullable(Type.String({ minLength: 1 }), 'Host name (option 12).'),
                  },
                  closed,
                ),
                { default: [], description: 'Static reservations: this MAC always gets this address.' },
              ),
            },
            closed,
          ),
          { default: [], description: 'Server mode: the subnets leases are handed out on, chosen by giaddr for relayed requests and by the receiving address otherwise.' },
        ),
      },
      { ...closed, description: 'DHCP / proxyDHCP server.' },
    ),

    boot: Type.Object(
      {
        serverAddress: nullable(
          Type.String({ minLength: 7 }),
          'IPv4 address machines reach Monorail at: next-server (siaddr), option 54 and the host of boot URLs. Required when DHCP or TFTP is enabled.',
        ),
        httpBaseUrl: nullable(Type.String({ minLength: 8 }), 'Base URL of the southbound HTTP endpoints in boot scripts; null means http://<serverAddress>:<http.port>.'),
        discoveryProfile: Type.String({ minLength: 1, default: 'microkernel.ipxe', description: 'Profile served to a node being discovered (boots the microkernel).' }),
        unknownNodes: oneOf(['discover', 'ignore'], {
          default: 'discover',
          description: '`discover`: first contact of an unknown MAC creates the node and boots it into discovery; `ignore`: the node is created but not answered.',
        }),
        idleNodes: oneOf(['local', 'ipxe'], {
          default: 'local',
          description: 'A known node with nothing to do: `local` sends no PXE answer (it boots from disk), `ipxe` hands it iPXE whose profile exits to disk.',
        }),
        decisionTimeoutMs: Type.Integer({ minimum: 10, maximum: 60_000, default: 800, description: 'How long DHCP waits for the node actor before using `fallback`.' }),
        fallback: oneOf(['ipxe', 'silent'], {
          default: 'ipxe',
          description: 'Answer when the node actor does not decide in time: hand out iPXE (the profile request decides later), or stay silent.',
        }),
        files: Type.Object(
          {
            bios: Type.String({ minLength: 1, default: 'undionly.kpxe', description: 'Boot file for BIOS PXE (option 93 = 0).' }),
            uefiX64: Type.String({ minLength: 1, default: 'snponly.efi', description: 'Boot file for UEFI x64 PXE (option 93 = 7 or 9).' }),
            uefiIa32: Type.String({ minLength: 1, default: 'ipxe-ia32.efi', description: 'Boot file for UEFI IA32 PXE (option 93 = 6).' }),
            uefiArm64: Type.String({ minLength: 1, default: 'ipxe-arm64.efi', description: 'Boot file for UEFI arm64 PXE (option 93 = 11).' }),
          },
          { ...closed, description: 'iPXE binaries by client architecture (RFC 4578 §2.1), served by TFTP; UEFI HTTP boot gets them as HTTP URLs.' },
        ),
      },
      { ...closed, description: 'How machines are booted.' },
    ),

    microkernel: Type.Object(
      {
        image: oneOf(['build', 'none'], {
          default: 'build',
          description: '`build`: at start, build (or take from the cache) the discovery microkernel from Debian packages (microkernel/build.sh) and serve it as /common/vmlinuz and /common/initrd.gz; `none`: serve whatever http.staticRoot holds.',
        }),
        syslog: Type.Boolean({ default: true, description: 'Tell the microkernel (mk.syslog=) to send its log to this member when syslog is enabled.' }),
      },
      { ...closed, description: 'The discovery microkernel.' },
    ),

    workflows: Type.Object(
      {
        discoveryGraph: Type.String({ minLength: 1, default: 'Graph.Discovery', description: 'Graph first contact runs on a new node when boot.unknownNodes is `discover` (RackHD\'s discoveryGraph).' }),
        discoveryOptions: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()), {
          default: {},
          description: 'Options for that graph, `{ "defaults": {...}, "<label>": {...} }`; e.g. `{ "defaults": { "autoCreateObm": true }, "obm": { "user": "…", "password": "…" } }`. Secrets are sealed before they are stored.',
        }),
        batchTickMs: Type.Integer({
          minimum: 20,
          maximum: 60_000,
          default: 1000,
          description: 'How often a running batch (POST /batches) checks its nodes\' workflows and starts the next ones: the delay between one node finishing and the next starting.',
        }),
        definitionsDir: nullable(Type.String({ minLength: 1 }), 'Directory of RackHD-format JSON definitions (every *.json below it: a base task, task or graph, or an array of them) loaded at start after the built-in ones.'),
      },
      { ...closed, description: 'The workflow engine.' },
    ),

    tftp: Type.Object(
      {
        enabled: Type.Boolean({ default: false, description: 'Serve boot files (iPXE binaries) over TFTP.' }),
        host: bindHost('TFTP server'),
        port: port(69, 'TFTP port (UDP).'),
        root: Type.String({ minLength: 1, default: './static/tftp', description: 'Directory TFTP files are served from; falls back to /usr/lib/ipxe (Debian ipxe) for iPXE binaries not found there.' }),
        maxBlksize: Type.Integer({ minimum: 512, maximum: 65464, default: 1468, description: 'Largest block size granted (RFC 2348).' }),
        maxWindowsize: Type.Integer({ minimum: 1, maximum: 65535, default: 16, description: 'Largest window granted (RFC 7440).' }),
        timeoutMs: Type.Integer({ minimum: 100, maximum: 255_000, default: 1000, description: 'Retransmission timeout unless the client asks for one (RFC 2349).' }),
        retries: Type.Integer({ minimum: 1, default: 5, description: 'Retransmissions before a transfer is abandoned.' }),
        fallbackRoots: Type.Array(Type.String({ minLength: 1 }), { default: ['/usr/lib/ipxe'], description: 'Directories searched after `root` (Debian ipxe\'s binaries by default).' }),
        maxTransfers: Type.Integer({ minimum: 1, maximum: 100_000, default: 2000, description: 'Transfers at once; beyond it a request is answered busy and the client retries.' }),
      },
      { ...closed, description: 'TFTP server.' },
    ),

    syslog: Type.Object(
      {
        enabled: Type.Boolean({ default: false, description: 'Receive syslog from managed nodes (UDP and TCP).' }),
        host: bindHost('syslog server'),
        port: port(514, 'Syslog port, UDP and TCP.'),
        maxConnections: Type.Integer({ minimum: 1, maximum: 100_000, default: 1024, description: 'TCP connections open at once.' }),
        maxConnectionsPerAddress: Type.Integer({ minimum: 1, maximum: 100_000, default: 16, description: 'TCP connections open at once from one address.' }),
        idleTimeoutMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 600_000, description: 'A TCP connection silent this long is closed.' }),
        keepPerNode: Type.Integer({ minimum: 0, default: 1000, description: 'Syslog records kept per node (oldest dropped first).' }),
        maxMessageBytes: Type.Integer({ minimum: 480, default: 8192, description: 'Longest message accepted (RFC 5424 §6.1 requires at least 480; larger ones are truncated and counted).' }),
      },
      { ...closed, description: 'Syslog receiver.' },
    ),

    events: Type.Object(
      {
        heartbeatSeconds: Type.Integer({ minimum: 0, maximum: 3600, default: 10, description: 'Interval of `heartbeat.updated` events (RackHD heartbeatIntervalSec); 0 turns them off.' }),
        amqp: Type.Object(
          {
            enabled: Type.Boolean({ default: false, description: 'Publish every event on an AMQP topic exchange (RackHD\'s on.events), persistent and with publisher confirms.' }),
            amqpUrl: nullable(Type.String({ minLength: 1 }), 'Broker URL; null means cluster.amqpUrl. May carry credentials: it is redacted in logs.'),
            exchange: Type.String({ minLength: 1, maxLength: 255, default: 'on.events', description: 'Durable topic exchange; routing key `<type>.<action>.<severity>.<typeId>[.<nodeId>]`.' }),
            bufferSize: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 10_000, description: 'Events held while the broker is unreachable; beyond it the oldest are dropped and counted.' }),
            maxUnconfirmed: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000, description: 'Messages published and not yet confirmed by the broker, at most.' }),
            reconnectDelayMs: Type.Integer({ minimum: 10, maximum: 60_000, default: 200, description: 'First reconnection delay; doubled (with jitter) on each failure up to maxReconnectDelayMs.' }),
            maxReconnectDelayMs: Type.Integer({ minimum: 10, maximum: 600_000, default: 30_000, description: 'Longest wait between reconnection attempts.' }),
            heartbeatSeconds: Type.Integer({ minimum: 0, maximum: 600, default: 15, description: 'AMQP heartbeat asked of the broker: how soon a silent broker is noticed (0: never).' }),
          },
          { ...closed, description: 'Events on AMQP, for consumers outside Monorail.' },
        ),
        webhooks: Type.Object(
          {
            attempts: Type.Integer({ minimum: 1, maximum: 50, default: 6, description: 'Attempts per event and hook before it is given up on (the first included).' }),
            timeoutMs: Type.Integer({ minimum: 100, maximum: 300_000, default: 10_000, description: 'An attempt whose response has not begun by then fails (a receiver that hangs).' }),
            backoffMs: Type.Integer({ minimum: 1, maximum: 600_000, default: 1000, description: 'Wait before the second attempt; doubled for each further one (with jitter), up to maxBackoffMs. A Retry-After from the receiver is honoured up to that cap.' }),
            maxBackoffMs: Type.Integer({ minimum: 1, maximum: 3_600_000, default: 60_000, description: 'Longest wait between attempts.' }),
            concurrency: Type.Integer({ minimum: 1, maximum: 256, default: 1, description: 'POSTs in flight per hook. 1 keeps each hook\'s events in order (a failing event holds the ones behind it while it is retried); more trades order for throughput.' }),
            queueSize: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1000, description: 'Events waiting per hook; beyond it the oldest are dropped and counted in the hook\'s `dropped`.' }),
            statusWriteMs: Type.Integer({ minimum: 10, maximum: 600_000, default: 1000, description: 'How often, at most, a hook\'s delivery status is written to its document.' }),
            refreshSeconds: Type.Integer({ minimum: 0, maximum: 86_400, default: 30, description: 'How often hooks are reloaded from the store, to pick up changes made through other members (0: never).' }),
          },
          { ...closed, description: 'Webhook delivery (the hooks API).' },
        ),
        stream: Type.Object(
          {
            replay: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1000, description: 'Events kept for clients resuming with Last-Event-ID.' }),
            keepAliveSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 15, description: 'Interval of keep-alive comments on quiet streams.' }),
            maxClients: Type.Integer({ minimum: 1, maximum: 100_000, default: 256, description: 'Streams open at once; beyond it 429.' }),
            maxBufferedBytes: Type.Integer({ minimum: 1024, maximum: 1_073_741_824, default: 1_048_576, description: 'Unsent bytes a client may pile up before it is disconnected as too slow (it may resume).' }),
            retryMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 2000, description: 'Reconnection delay browsers are told to use (SSE `retry:`).' }),
          },
          { ...closed, description: 'The Server-Sent Events stream (GET /api/2.0/events).' },
        ),
      },
      { ...closed, description: 'Events: heartbeats, AMQP publishing, webhooks and the Server-Sent Events stream.' },
    ),

    redfish: Type.Object(
      {
        eventRetryAttempts: Type.Integer({ minimum: 0, maximum: 100, default: 3, description: 'EventService.DeliveryRetryAttempts: retries after a failed event POST to a subscriber.' }),
        eventRetryIntervalMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 30_000, description: 'EventService.DeliveryRetryIntervalSeconds (in ms): the first wait between attempts, doubled after each.' }),
      },
      { ...closed, description: 'The Redfish service.' },
    ),

    log: Type.Object(
      {
        level: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info', description: 'Minimum level written to the log.' }),
        records: Type.Object(
          {
            level: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace'], {
              default: 'info',
              description: 'Lowest level kept for the logs API (GET /nodes/{id}/logs/monorail, /workflows/{id}/logs); may be below log.level.',
            }),
            keepPerKey: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 500, description: 'Records kept per node and per workflow (oldest dropped first).' }),
            maxKeys: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 5000, description: 'Nodes and workflows with records at once; the least recently written is dropped beyond it.' }),
            maxBytes: Type.Integer({ minimum: 1024, default: 33_554_432, description: 'Memory budget of all kept records.' }),
            maxRecordBytes: Type.Integer({ minimum: 256, default: 8192, description: 'A longer record is kept as a stub (level, time, ids, start of the message).' }),
          },
          { ...closed, description: 'Records about nodes and workflows kept in memory per member for the logs API.' },
        ),
      },
      { ...closed, description: 'Logging.' },
    ),

    secrets: Type.Object(
      {
        key: nullable(Type.String({ minLength: 1 }), 'Key that encrypts BMC credentials at rest. Never logged; prefer setting it via MONORAIL_SECRETS_KEY.'),
      },
      { ...closed, description: 'Secrets. Redacted in logs and in configuration errors.' },
    ),

    auth: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description: 'Require credentials on the northbound APIs (REST 2.0 and Redfish), each route checking its role. false makes every caller an Administrator: only for a lab on a closed network.',
        }),
        tokenSecret: nullable(
          Type.String({ minLength: 32 }),
          'HMAC-SHA256 key signing login tokens (JWTs), at least 32 characters. null: one is generated once and kept in `<dataDir>/auth.key` (mode 0600). A cluster must set the same value on every member (MONORAIL_AUTH_TOKEN_SECRET). Never logged.',
        ),
        tokenTtlSeconds: Type.Integer({ minimum: 60, maximum: 31_536_000, default: 86_400, description: 'Lifetime of a token from POST /login (RackHD authTokenExpireIn: 24 h).' }),
        sessionTtlSeconds: Type.Integer({
          minimum: 30,
          maximum: 86_400,
          default: 1800,
          description: 'Redfish session inactivity timeout (SessionService.SessionTimeout, 30–86400 s): a session unused this long is closed.',
        }),
        passwordHashCost: Type.Integer({
          minimum: 10,
          maximum: 20,
          default: 15,
          description: 'scrypt cost as log2 N (r = 8, p = 1): 15 is 32 MiB and about 0.1 s per hash. Applies to passwords set from then on; stored hashes keep their own.',
        }),
        localhostException: Type.Boolean({
          default: true,
          description: 'RackHD\'s localhost exception: while no user exists, a request from the loopback address (not forwarded by a proxy) may create the first user, an Administrator, without credentials.',
        }),
        allowBasicOverHttp: Type.Boolean({
          default: false,
          description: 'Accept HTTP Basic credentials over plain HTTP. Redfish (DSP0266 §13.2.3) requires HTTPS for Basic; turn on only for tests or a trusted network.',
        }),
        initialAdmin: Type.Object(
          {
            username: Type.String({ minLength: 1, maxLength: 64, default: 'admin', description: 'Name of the Administrator created at start when no user exists.' }),
            password: nullable(
              Type.String({ minLength: 8, maxLength: 256 }),
              'Its password; null creates no user at start (use the localhost exception). Prefer MONORAIL_AUTH_INITIAL_ADMIN_PASSWORD; never logged, only its scrypt hash is stored.',
            ),
          },
          { ...closed, description: 'The first Administrator, created at start only while no user exists.' },
        ),
        throttle: Type.Object(
          {
            maxFailures: Type.Integer({ minimum: 1, maximum: 1000, default: 5, description: 'Failed logins for one username before it is locked out.' }),
            maxFailuresPerAddress: Type.Integer({ minimum: 1, maximum: 100_000, default: 20, description: 'Failed logins from one client address, whatever the usernames, before that address is locked out.' }),
            lockoutSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 5, description: 'First lockout; every further failure doubles it.' }),
            maxLockoutSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 900, description: 'Longest lockout.' }),
            forgetAfterSeconds: Type.Integer({ minimum: 1, maximum: 604_800, default: 900, description: 'A username or address with no failure for this long (after its lockout) starts again from zero.' }),
          },
          { ...closed, description: 'Login throttling (POST /login, Redfish session login and Basic credentials); per member.' },
        ),
      },
      { ...closed, description: 'Northbound authentication: users, roles, login tokens, Redfish sessions and login throttling.' },
    ),
  },
  { ...closed, description: 'Monorail member configuration.' },
);

/** The configuration document as validated: what defaults, layers, files and env produce together. */
export type ConfigDocument = Static<typeof ConfigSchema>;

type DeepReadonly<T> = T extends readonly (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/**
 * The configuration the rest of Monorail reads: the validated document with derived values resolved
 * (store.path is never null) and deeply readonly, matching the deep-frozen object `loadConfig` returns.
 */
export type MonorailConfig = DeepReadonly<
  Omit<ConfigDocument, 'store'> & { store: Omit<ConfigDocument['store'], 'path'> & { path: string } }
>;

type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** A partial configuration: what one layer (cluster.config.ts, a file, a test) sets. Arrays replace, they do not merge. */
export type ConfigLayer = DeepPartial<ConfigDocument>;
