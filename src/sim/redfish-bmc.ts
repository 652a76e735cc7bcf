/**
 * A simulated Redfish BMC on plain node:http(s), for tests, benchmarks and a virtual rack. It serves
 * one ComputerSystem, its Manager and Chassis (with Thermal and Power readings), and the
 * SessionService, with HTTP Basic and session (X-Auth-Token) authentication as DSP0266 §13 requires,
 * and DSP0266 §8.6 error bodies with Base registry messages for every refusal: malformed JSON,
 * unknown properties, a ResetType outside the allowable values, wrong methods (405 with Allow).
 *
 * Its owner drives it through this class: the machine's power state and an `onPower` listener (so a
 * simulated machine boots, with the boot override the BMC holds, when it is powered on), sensor
 * setters, a response delay for cancellation tests, and the requests it saw.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from '../logging/logger.ts';
import { baseMessage, errorBody } from './redfish-bmc-messages.ts';
import type { BaseMessageKey, RedfishMessage } from './redfish-bmc-messages.ts';
import {
  BOOT_ENABLED,
  BOOT_MODES,
  BOOT_TARGETS,
  INDICATOR_LED,
  MANAGER_RESET_TYPES,
  RESET_TYPES,
  ROOT,
  chassis,
  chassisPath,
  collection,
  computerSystem,
  logEntry,
  logEntryCollection,
  logService,
  managerLogPath,
  systemLogPath,
  manager,
  managerPath,
  managerResetTarget,
  power,
  resetActionInfo,
  resetActionInfoPath,
  resetTarget,
  serviceRoot,
  session,
  sessionService,
  systemPath,
  thermal,
} from './redfish-bmc-resources.ts';
import type {
  BmcIdentity,
  BmcView,
  BootEnabled,
  BootMode,
  BootTarget,
  FanReading,
  IndicatorLed,
  Json,
  LogRecord,
  ResetType,
  Temperature,
  VoltageReading,
} from './redfish-bmc-resources.ts';

export type { BootTarget, ResetType } from './redfish-bmc-resources.ts';

export interface RedfishBmcOptions {
  readonly host?: string;
  /** 0 (the default) asks the OS for a free port. */
  readonly port?: number;
  /** Serve HTTPS with this key and certificate (PEM), e.g. a self-signed pair made by `openssl req -x509`. */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
  readonly username?: string;
  readonly password?: string;
  readonly identity?: Partial<BmcIdentity>;
  readonly powerState?: 'On' | 'Off';
  /** The ResetTypes the System accepts; all of Resource.ResetType when left out. */
  readonly resetTypes?: readonly ResetType[];
  /** How the allowable ResetTypes are published: the annotation (default), an ActionInfo resource, or not at all. */
  readonly resetAllowableVia?: 'annotation' | 'actionInfo' | 'none';
  /** Which property lights the identify LED: LocationIndicatorActive (current schemas, default) or the deprecated IndicatorLED. */
  readonly identify?: 'LocationIndicatorActive' | 'IndicatorLED';
  readonly temperatures?: readonly Temperature[];
  readonly fans?: readonly FanReading[];
  readonly voltages?: readonly VoltageReading[];
  readonly powerConsumedWatts?: number;
  /** The System's SEL; one "chassis intrusion" record when left out. */
  readonly systemLog?: readonly LogRecord[];
  readonly maxSessions?: number;
  readonly log?: Logger;
}

/** What happened to the machine. `bootTarget` is where it boots (on and restarts): the override if one was set, else None. */
export interface PowerEvent {
  readonly kind: 'on' | 'off' | 'restart' | 'nmi';
  readonly resetType: ResetType | 'ManagerReset' | 'External';
  readonly bootTarget?: BootTarget;
  readonly powerState: 'On' | 'Off';
}

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly auth: 'basic' | 'session' | 'none';
  readonly status: number;
}

const MAX_BODY_BYTES = 64 * 1024;
const SESSION_TIMEOUT_SECONDS = 1800;
const MAX_SEEN = 1000;
const JSON_TYPE = 'application/json;charset=utf-8';

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly messages: readonly RedfishMessage[],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(messages.map((m) => m.Message).join(' '));
  }
}

const fail = (status: number, key: BaseMessageKey, args: readonly string[] = [], related?: readonly string[], headers?: Record<string, string>) =>
  new HttpError(status, [baseMessage(key, args, related)], headers);

interface Route {
  readonly allow: readonly string[];
  handle(method: string, request: IncomingMessage, body: unknown, auth: AuthResult): Promise<Reply> | Reply;
  /** Reachable without credentials (DSP0266 §13.2: service root, login). */
  readonly anonymous?: readonly string[];
}

interface Reply {
  readonly status: number;
  readonly body?: Json;
  readonly headers?: Readonly<Record<string, string>>;
}

type AuthResult = { readonly kind: 'basic' | 'session' | 'none'; readonly sessionId?: string };

export class RedfishBmc {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly powerListeners = new Set<(event: PowerEvent) => void>();
  private readonly sessions = new Map<string, { readonly id: string; readonly token: string; readonly user: string; readonly created: string }>();
  private readonly seen: SeenRequest[] = [];
  private readonly identity: BmcIdentity;
  private readonly username: string;
  private readonly password: string;
  private readonly resetTypes: readonly ResetType[];
  private readonly temperatures: Temperature[];
  private readonly fans: FanReading[];
  private readonly voltages: VoltageReading[];
  private readonly systemLog: LogRecord[];
  private readonly managerLog: LogRecord[] = [];
  private state: {
    power: 'On' | 'Off';
    boot: { target: BootTarget; enabled: BootEnabled; mode: BootMode };
    indicatorLed: IndicatorLed;
    locationIndicatorActive: boolean;
    powerConsumedWatts: number;
    etag: number;
  };
  private responseDelayMs = 0;
  private managerResets = 0;
  private baseUrl = '';

  private constructor(private readonly options: RedfishBmcOptions) {
    this.username = options.username ?? 'admin';
    this.password = options.password ?? 'password';
    this.identity = {
      systemId: '1',
      managerId: 'bmc',
      chassisId: '1U',
      uuid: randomUUID(),
      serialNumber: `SIM${randomBytes(4).toString('hex').toUpperCase()}`,
      manufacturer: 'Monorail',
      model: 'Simulated Rack Server',
      firmwareVersion: '1.0.0',
      ...options.identity,
    };
    this.resetTypes = options.resetTypes ?? RESET_TYPES;
    this.temperatures = (options.temperatures ?? [{ name: 'CPU1 Temp', celsius: 40, upperNonCritical: 80, upperCritical: 90 }, { name: 'Inlet Temp', celsius: 22 }]).map((t) => ({ ...t }));
    this.fans = (options.fans ?? [{ name: 'FAN1', rpm: 5400 }]).map((f) => ({ ...f }));
    this.voltages = (options.voltages ?? [{ name: 'P12V', volts: 12.0 }]).map((v) => ({ ...v }));
    this.systemLog = [...(options.systemLog ?? [{ id: '1', created: '2025-01-01T00:00:00Z', severity: 'Warning', message: 'Chassis intrusion detected', sensorType: 'Physical Chassis Security' }])];
    this.state = {
      power: options.powerState ?? 'Off',
      boot: { target: 'None', enabled: 'Disabled', mode: 'UEFI' },
      indicatorLed: 'Off',
      locationIndicatorActive: false,
      powerConsumedWatts: options.powerConsumedWatts ?? (options.powerState === 'On' ? 250 : 8),
      etag: 1,
    };
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.serve(req, res);
    this.server = options.tls === undefined ? createHttpServer(handler) : createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler);
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(options: RedfishBmcOptions = {}): Promise<RedfishBmc> {
    const bmc = new RedfishBmc(options);
    await new Promise<void>((resolve, reject) => {
      bmc.server.once('error', reject);
      bmc.server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    const { address, port } = bmc.server.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    bmc.baseUrl = `${options.tls === undefined ? 'http' : 'https'}://${host}:${port}`;
    return bmc;
  }

  /** `http(s)://host:port`, without the /redfish/v1 path. */
  get url(): string {
    return this.baseUrl;
  }

  get powerState(): 'On' | 'Off' {
    return this.state.power;
  }

  get boot(): { readonly target: BootTarget; readonly enabled: BootEnabled; readonly mode: BootMode } {
    return { ...this.state.boot };
  }

  get identifyLit(): boolean {
    return this.options.identify === 'IndicatorLED' ? this.state.indicatorLed !== 'Off' : this.state.locationIndicatorActive;
  }

  get openSessions(): number {
    return this.sessions.size;
  }

  /** The X-Auth-Tokens of the open sessions: lets a test check a token appears nowhere it should not. */
  issuedTokens(): readonly string[] {
    return [...this.sessions.values()].map((s) => s.token);
  }

  get managerResetCount(): number {
    return this.managerResets;
  }

  /** Calls `listener` on every power change the BMC makes; returns the unsubscribe function. */
  onPower(listener: (event: PowerEvent) => void): () => void {
    this.powerListeners.add(listener);
    return () => this.powerListeners.delete(listener);
  }

  /** The machine changed power by itself (OS shutdown, power button): no Reset involved. */
  setPowerState(state: 'On' | 'Off'): void {
    if (state === this.state.power) return;
    if (state === 'On') this.powerOn('External');
    else this.powerOff('External');
  }

  setTemperature(name: string, celsius: number): void {
    this.find(this.temperatures, name).celsius = celsius;
  }

  setFanRpm(name: string, rpm: number): void {
    this.find(this.fans, name).rpm = rpm;
  }

  setVoltage(name: string, volts: number): void {
    this.find(this.voltages, name).volts = volts;
  }

  setPowerConsumedWatts(watts: number): void {
    this.state.powerConsumedWatts = watts;
  }

  /** Appends a record to the System's SEL or the Manager's log; returns it with its id and time. */
  addLogEntry(log: 'system' | 'manager', entry: Omit<LogRecord, 'id' | 'created'> & { readonly created?: string }): LogRecord {
    const list = log === 'system' ? this.systemLog : this.managerLog;
    const last = list[list.length - 1];
    const record: LogRecord = { ...entry, id: String((last === undefined ? 0 : Number(last.id)) + 1), created: entry.created ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') };
    list.push(record);
    return record;
  }

  /** Every response waits this long first: lets tests abort a request in flight. */
  setResponseDelay(ms: number): void {
    this.responseDelayMs = ms;
  }

  requests(): readonly SeenRequest[] {
    return [...this.seen];
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
    this.powerListeners.clear();
  }

  private find<T extends { readonly name: string }>(list: readonly T[], name: string): T {
    const found = list.find((item) => item.name === name);
    if (found === undefined) throw new Error(`simulated BMC has no sensor named ${JSON.stringify(name)} (has ${list.map((i) => i.name).join(', ')})`);
    return found;
  }

  private view(): BmcView {
    return {
      identity: this.identity,
      powerState: this.state.power,
      boot: this.state.boot,
      bootTargets: BOOT_TARGETS,
      resetTypes: this.resetTypes,
      resetAllowableVia: this.options.resetAllowableVia ?? 'annotation',
      identify: this.options.identify ?? 'LocationIndicatorActive',
      indicatorLed: this.state.indicatorLed,
      locationIndicatorActive: this.state.locationIndicatorActive,
      temperatures: this.temperatures,
      fans: this.fans,
      voltages: this.voltages,
      powerConsumedWatts: this.state.powerConsumedWatts,
      systemLog: this.systemLog,
      managerLog: this.managerLog,
    };
  }

  private emit(event: PowerEvent): void {
    for (const listener of this.powerListeners) {
      try {
        listener(event);
      } catch (error) {
        this.options.log?.warn({ err: error }, 'simulated BMC power listener threw');
      }
    }
  }

  /** Where the machine boots now; a `Once` override is used up (ComputerSystem.Boot, BootSourceOverrideEnabled). */
  private takeBootTarget(): BootTarget {
    const { target, enabled } = this.state.boot;
    if (enabled === 'Disabled') return 'None';
    if (enabled === 'Once') this.state.boot = { ...this.state.boot, enabled: 'Disabled' };
    return target;
  }

  private powerOn(resetType: PowerEvent['resetType']): void {
    this.state.power = 'On';
    this.state.powerConsumedWatts = this.options.powerConsumedWatts ?? 250;
    this.bumpEtag();
    this.emit({ kind: 'on', resetType, bootTarget: this.takeBootTarget(), powerState: 'On' });
  }

  private powerOff(resetType: PowerEvent['resetType']): void {
    this.state.power = 'Off';
    this.state.powerConsumedWatts = 8;
    this.bumpEtag();
    this.emit({ kind: 'off', resetType, powerState: 'Off' });
  }

  private restart(resetType: ResetType): void {
    if (this.state.power === 'Off') {
      this.powerOn(resetType);
      return;
    }
    this.bumpEtag();
    this.emit({ kind: 'restart', resetType, bootTarget: this.takeBootTarget(), powerState: 'On' });
  }

  private bumpEtag(): void {
    this.state.etag += 1;
  }

  private applyReset(resetType: ResetType): void {
    switch (resetType) {
      case 'On':
      case 'ForceOn':
      case 'Resume':
        if (this.state.power === 'Off') this.powerOn(resetType);
        return;
      case 'ForceOff':
      case 'GracefulShutdown':
      case 'Suspend':
      case 'Pause':
        if (this.state.power === 'On') this.powerOff(resetType);
        return;
      case 'GracefulRestart':
      case 'ForceRestart':
      case 'PowerCycle':
      case 'FullPowerCycle':
        this.restart(resetType);
        return;
      case 'PushPowerButton':
        if (this.state.power === 'On') this.powerOff(resetType);
        else this.powerOn(resetType);
        return;
      case 'Nmi':
        this.emit({ kind: 'nmi', resetType, powerState: this.state.power });
        return;
    }
  }

  // ---- HTTP ----

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    let path = '/';
    let auth: AuthResult = { kind: 'none' };
    let status = 500;
    try {
      path = new URL(req.url ?? '/', 'http://bmc').pathname;
      const body = await readBody(req);
      if (this.responseDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.responseDelayMs));
      const route = this.route(path);
      auth = this.authenticate(req);
      // Without credentials only the anonymous resources exist: a 404 would tell a stranger which URIs do.
      if (auth.kind === 'none' && !(route?.anonymous ?? []).includes(method)) {
        throw fail(401, 'NoValidSession', [], undefined, { 'WWW-Authenticate': 'Basic realm="Redfish"' });
      }
      if (route === undefined) throw fail(404, 'ResourceMissingAtURI', [path]);
      const allow = route.allow;
      if (!allow.includes(method)) throw fail(405, 'OperationNotAllowed', [], undefined, { Allow: allow.join(', ') });
      const reply = await route.handle(method, req, body, auth);
      status = reply.status;
      const headers: Record<string, string> = { ...reply.headers };
      if (method === 'GET' || method === 'HEAD') headers['Allow'] = allow.join(', ');
      send(res, reply.status, method === 'HEAD' ? undefined : reply.body, headers);
    } catch (error) {
      if (error instanceof HttpError) {
        status = error.status;
        send(res, error.status, errorBody(error.messages), error.headers);
      } else {
        status = 500;
        this.options.log?.error({ err: error, path }, 'simulated BMC failed');
        send(res, 500, errorBody([baseMessage('GeneralError')]));
      }
    } finally {
      if (this.seen.length >= MAX_SEEN) this.seen.shift();
      this.seen.push({ method, path, auth: auth.kind, status });
    }
  }

  private authenticate(req: IncomingMessage): AuthResult {
    const token = req.headers['x-auth-token'];
    if (typeof token === 'string' && token !== '') {
      for (const s of this.sessions.values()) if (safeEqual(s.token, token)) return { kind: 'session', sessionId: s.id };
      return { kind: 'none' };
    }
    const header = req.headers.authorization;
    if (header?.startsWith('Basic ') === true) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0 && safeEqual(decoded.slice(0, colon), this.username) && safeEqual(decoded.slice(colon + 1), this.password)) return { kind: 'basic' };
    }
    return { kind: 'none' };
  }

  private route(rawPath: string): Route | undefined {
    const path = rawPath.length > 1 && rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath;
    const view = this.view();
    const get = (build: () => Json): Route => ({ allow: ['GET', 'HEAD'], handle: () => ({ status: 200, body: build() }) });
    switch (path) {
      case '/redfish':
        return { allow: ['GET', 'HEAD'], anonymous: ['GET', 'HEAD'], handle: () => ({ status: 200, body: { v1: `${ROOT}/` } }) };
      case ROOT:
        return { allow: ['GET', 'HEAD'], anonymous: ['GET', 'HEAD'], handle: () => ({ status: 200, body: serviceRoot(this.view()) }) };
      case `${ROOT}/Systems`:
        return get(() => collection(`${ROOT}/Systems`, 'ComputerSystemCollection', 'Computer System Collection', [systemPath(view)]));
      case systemPath(view):
        return {
          allow: ['GET', 'HEAD', 'PATCH'],
          handle: (method, req, body) => {
            if (method === 'PATCH') this.patchSystem(req, body);
            return { status: 200, body: computerSystem(this.view()), headers: { ETag: this.etag() } };
          },
        };
      case resetTarget(view):
        return { allow: ['POST'], handle: (_m, _r, body) => this.postReset(body) };
      case resetActionInfoPath(view):
        return view.resetAllowableVia === 'actionInfo' ? get(() => resetActionInfo(this.view())) : undefined;
      case `${ROOT}/Managers`:
        return get(() => collection(`${ROOT}/Managers`, 'ManagerCollection', 'Manager Collection', [managerPath(view)]));
      case managerPath(view):
        return get(() => manager(this.view()));
      case managerResetTarget(view):
        return { allow: ['POST'], handle: (_m, _r, body) => this.postManagerReset(body) };
      case `${ROOT}/Chassis`:
        return get(() => collection(`${ROOT}/Chassis`, 'ChassisCollection', 'Chassis Collection', [chassisPath(view)]));
      case chassisPath(view):
        return get(() => chassis(this.view()));
      case `${chassisPath(view)}/Thermal`:
        return get(() => thermal(this.view()));
      case `${chassisPath(view)}/Power`:
        return get(() => power(this.view()));
      case `${systemPath(view)}/LogServices`:
        return get(() => collection(`${systemPath(view)}/LogServices`, 'LogServiceCollection', 'Log Service Collection', [systemLogPath(view)]));
      case systemLogPath(view):
        return get(() => logService(systemLogPath(view), 'SEL', 'System Event Log', 'SEL', view.systemLog.length));
      case `${systemLogPath(view)}/Entries`:
        return get(() => logEntryCollection(systemLogPath(view), 'SEL', view.systemLog));
      case `${managerPath(view)}/LogServices`:
        return get(() => collection(`${managerPath(view)}/LogServices`, 'LogServiceCollection', 'Log Service Collection', [managerLogPath(view)]));
      case managerLogPath(view):
        return get(() => logService(managerLogPath(view), 'Log', 'Manager Event Log', 'Event', view.managerLog.length));
      case `${managerLogPath(view)}/Entries`:
        return get(() => logEntryCollection(managerLogPath(view), 'Event', view.managerLog));
      case `${ROOT}/SessionService`:
        return get(() => sessionService(SESSION_TIMEOUT_SECONDS));
      case `${ROOT}/SessionService/Sessions`:
        return {
          allow: ['GET', 'HEAD', 'POST'],
          anonymous: ['POST'],
          handle: (method, _r, body) =>
            method === 'POST'
              ? this.login(body)
              : {
                  status: 200,
                  body: collection(`${ROOT}/SessionService/Sessions`, 'SessionCollection', 'Session Collection', [...this.sessions.keys()].map((id) => `${ROOT}/SessionService/Sessions/${id}`)),
                },
        };
    }
    for (const [servicePath, records, entryType] of [[systemLogPath(view), view.systemLog, 'SEL'], [managerLogPath(view), view.managerLog, 'Event']] as const) {
      const prefix = `${servicePath}/Entries/`;
      const record = path.startsWith(prefix) ? records.find((r) => r.id === path.slice(prefix.length)) : undefined;
      if (record !== undefined) return get(() => logEntry(servicePath, entryType, record));
    }
    const sessionPrefix = `${ROOT}/SessionService/Sessions/`;
    if (path.startsWith(sessionPrefix)) {
      const id = path.slice(sessionPrefix.length);
      const s = this.sessions.get(id);
      if (s === undefined) return undefined;
      return {
        allow: ['GET', 'HEAD', 'DELETE'],
        handle: (method) => {
          if (method === 'DELETE') {
            this.sessions.delete(id);
            return { status: 204 };
          }
          return { status: 200, body: session(s.id, s.user, s.created) };
        },
      };
    }
    return undefined;
  }

  private etag(): string {
    return `W/"${this.state.etag}"`;
  }

  private login(body: unknown): Reply {
    const b = requireObject(body);
    for (const field of ['UserName', 'Password']) {
      if (!(field in b)) throw fail(400, 'CreateFailedMissingReqProperties', [field], [`/${field}`]);
      if (typeof b[field] !== 'string') throw fail(400, 'PropertyValueTypeError', [String(JSON.stringify(b[field])), field], [`/${field}`]);
    }
    for (const key of Object.keys(b)) {
      if (key !== 'UserName' && key !== 'Password' && !key.includes('@')) throw fail(400, 'PropertyUnknown', [key], [`/${key}`]);
    }
    // One answer for a wrong user and a wrong password: no hint which (DSP0266 §13.2).
    if (!safeEqual(b['UserName'] as string, this.username) || !safeEqual(b['Password'] as string, this.password)) {
      throw fail(401, 'NoValidSession', [], undefined, { 'WWW-Authenticate': 'Basic realm="Redfish"' });
    }
    if (this.sessions.size >= (this.options.maxSessions ?? 16)) throw fail(503, 'SessionLimitExceeded');
    const id = randomBytes(8).toString('hex');
    const token = randomBytes(24).toString('base64url');
    const created = new Date().toISOString();
    this.sessions.set(id, { id, token, user: this.username, created });
    const location = `${ROOT}/SessionService/Sessions/${id}`;
    return { status: 201, body: session(id, this.username, created), headers: { 'X-Auth-Token': token, Location: location } };
  }

  private postReset(body: unknown): Reply {
    const b = requireObject(body);
    const action = 'ComputerSystem.Reset';
    for (const key of Object.keys(b)) {
      if (key !== 'ResetType') throw fail(400, 'ActionParameterUnknown', [action, key], [`/${key}`]);
    }
    if (!('ResetType' in b)) throw fail(400, 'ActionParameterMissing', [action, 'ResetType'], ['/ResetType']);
    const value = b['ResetType'];
    if (typeof value !== 'string') throw fail(400, 'ActionParameterValueTypeError', [JSON.stringify(value), 'ResetType', action], ['/ResetType']);
    if (!(this.resetTypes as readonly string[]).includes(value)) throw fail(400, 'ActionParameterValueNotInList', [value, 'ResetType', action], ['/ResetType']);
    this.applyReset(value as ResetType);
    return { status: 200, body: { '@Message.ExtendedInfo': [baseMessage('Success')] } };
  }

  private postManagerReset(body: unknown): Reply {
    const b = requireObject(body);
    const action = 'Manager.Reset';
    for (const key of Object.keys(b)) {
      if (key !== 'ResetType') throw fail(400, 'ActionParameterUnknown', [action, key], [`/${key}`]);
    }
    const value = b['ResetType'] ?? 'GracefulRestart';
    if (typeof value !== 'string') throw fail(400, 'ActionParameterValueTypeError', [JSON.stringify(value), 'ResetType', action], ['/ResetType']);
    if (!(MANAGER_RESET_TYPES as readonly string[]).includes(value)) throw fail(400, 'ActionParameterValueNotInList', [value, 'ResetType', action], ['/ResetType']);
    this.managerResets += 1;
    this.sessions.clear(); // a restarted BMC forgets its sessions, as real ones do
    return { status: 204 };
  }

  /** PATCH of the System: Boot override and the identify LED; everything else is refused by name. */
  private patchSystem(req: IncomingMessage, body: unknown): void {
    const ifMatch = req.headers['if-match'];
    if (typeof ifMatch === 'string' && ifMatch !== '*' && ifMatch !== this.etag()) throw fail(412, 'PreconditionFailed');
    const b = requireObject(body);
    const problems: RedfishMessage[] = [];
    const changes: (() => void)[] = [];
    const identifyProperty = this.options.identify ?? 'LocationIndicatorActive';
    for (const [key, value] of Object.entries(b)) {
      if (key === 'Boot') {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          problems.push(baseMessage('PropertyValueTypeError', [JSON.stringify(value), 'Boot'], ['/Boot']));
          continue;
        }
        for (const [bootKey, bootValue] of Object.entries(value as Record<string, unknown>)) {
          const allowed: Record<string, readonly string[]> = {
            BootSourceOverrideTarget: BOOT_TARGETS,
            BootSourceOverrideEnabled: BOOT_ENABLED,
            BootSourceOverrideMode: BOOT_MODES,
          };
          const values = allowed[bootKey];
          const pointer = `/Boot/${bootKey}`;
          if (values === undefined) problems.push(baseMessage('PropertyUnknown', [`Boot/${bootKey}`], [pointer]));
          else if (typeof bootValue !== 'string') problems.push(baseMessage('PropertyValueTypeError', [JSON.stringify(bootValue), `Boot/${bootKey}`], [pointer]));
          else if (!values.includes(bootValue)) problems.push(baseMessage('PropertyValueNotInList', [bootValue, `Boot/${bootKey}`], [pointer]));
          else if (bootKey === 'BootSourceOverrideTarget') changes.push(() => (this.state.boot = { ...this.state.boot, target: bootValue as BootTarget }));
          else if (bootKey === 'BootSourceOverrideEnabled') changes.push(() => (this.state.boot = { ...this.state.boot, enabled: bootValue as BootEnabled }));
          else changes.push(() => (this.state.boot = { ...this.state.boot, mode: bootValue as BootMode }));
        }
      } else if (key === identifyProperty && key === 'LocationIndicatorActive') {
        if (typeof value !== 'boolean') problems.push(baseMessage('PropertyValueTypeError', [JSON.stringify(value), key], [`/${key}`]));
        else changes.push(() => (this.state.locationIndicatorActive = value));
      } else if (key === identifyProperty && key === 'IndicatorLED') {
        if (typeof value !== 'string') problems.push(baseMessage('PropertyValueTypeError', [JSON.stringify(value), key], [`/${key}`]));
        else if (!(INDICATOR_LED as readonly string[]).includes(value)) problems.push(baseMessage('PropertyValueNotInList', [value, key], [`/${key}`]));
        else changes.push(() => (this.state.indicatorLed = value as IndicatorLed));
      } else if (key.includes('@')) {
        continue; // annotations are not properties (DSP0266 §7.6)
      } else if (key in computerSystem(this.view())) {
        problems.push(baseMessage('PropertyNotWritable', [key], [`/${key}`]));
      } else {
        problems.push(baseMessage('PropertyUnknown', [key], [`/${key}`]));
      }
    }
    if (problems.length > 0) throw new HttpError(400, problems);
    if (changes.length === 0) throw fail(400, 'NoOperation');
    for (const change of changes) change();
    this.bumpEtag();
  }
}

function send(res: ServerResponse, status: number, body: Json | undefined, headers: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent) return;
  const text = body === undefined ? undefined : JSON.stringify(body);
  res.writeHead(status, {
    'OData-Version': '4.0',
    'Cache-Control': 'no-cache',
    ...(text === undefined ? {} : { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text) }),
    ...headers,
  });
  res.end(text);
}

/** The request body as JSON (undefined when empty); 413 past MAX_BODY_BYTES, 400 MalformedJSON when it does not parse. */
async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      req.resume();
      throw new HttpError(413, [{ ...baseMessage('GeneralError'), Message: `The request body is larger than ${MAX_BODY_BYTES} bytes.` }]);
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw fail(400, 'MalformedJSON');
  }
}

/** The body as an object; an empty body is an empty object, so a missing parameter is named as missing. */
function requireObject(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, [{ ...baseMessage('GeneralError'), Message: 'The request body must be a JSON object.' }]);
  }
  return body as Record<string, unknown>;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
