/**
 * The Redfish adapter of the OBM port (DSP0266). `open` reads the service root, logs in (a session with
 * X-Auth-Token, or HTTP Basic on every request) and finds the ComputerSystem: the configured one or
 * the only member of Systems. Power goes through ComputerSystem.Reset with a ResetType the System
 * allows (its `ResetType@Redfish.AllowableValues`, or the ActionInfo it points to); the next boot is a
 * PATCH of Boot.BootSourceOverrideTarget/Enabled; identify is LocationIndicatorActive, or IndicatorLED on
 * older services. The password and the session token never reach logs or error messages.
 */
import type { BootDevice, NextBootOptions, ObmCallOptions, ObmService, PowerAction, PowerState, RedfishObmConfig } from '../actors/obm/obm-port.ts';
import { ObmError, abortReason, scrubSecrets } from '../actors/obm/obm-error.ts';
import { ValidationError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { HttpFailure, httpTarget, requestJson, sameOrigin } from './redfish-http.ts';
import type { HttpTarget, JsonResponse } from './redfish-http.ts';

export interface RedfishOptions {
  readonly log: Logger;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Resource.ResetType values in order of preference for each power action. `off` is a hard off like
 * IPMI's; `reset` keeps power on; `cycle` removes power (PowerCycle), else restarts hard.
 */
const resetPreferences: Record<PowerAction, readonly string[]> = {
  on: ['On', 'ForceOn'],
  off: ['ForceOff'],
  softOff: ['GracefulShutdown'],
  reset: ['ForceRestart'],
  cycle: ['PowerCycle', 'FullPowerCycle', 'ForceRestart'],
};

/** What a service that publishes no allowable values accepts: any Resource.ResetType (DSP0266 §7.10 leaves it open). */
const ALL_RESET_TYPES = ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'Nmi', 'ForceOn', 'PushPowerButton', 'PowerCycle', 'FullPowerCycle'];

const bootTargets: Record<BootDevice, string> = { pxe: 'Pxe', disk: 'Hdd' };

type JsonObject = Record<string, unknown>;

export class RedfishObmService implements ObmService {
  readonly service = 'redfish-obm-service' as const;
  private token: string | undefined;
  private sessionUri: string | undefined;
  private closed = false;

  private constructor(
    private readonly config: RedfishObmConfig,
    private readonly http: HttpTarget,
    private readonly rootPath: string,
    private readonly log: Logger,
    private systemUri = '',
  ) {}

  static async open(config: RedfishObmConfig, options: RedfishOptions & ObmCallOptions): Promise<RedfishObmService> {
    const valid = validateRedfishConfig(config);
    const uri = new URL(valid.uri);
    const rootPath = uri.pathname.includes('/redfish/v1') ? `${uri.pathname.slice(0, uri.pathname.indexOf('/redfish/v1'))}/redfish/v1/` : '/redfish/v1/';
    const http = httpTarget(uri.origin, { verify: valid.verifySSL ?? true, ...(valid.ca === undefined ? {} : { ca: valid.ca }) }, valid.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const service = new RedfishObmService(valid, http, rootPath, options.log);
    try {
      const root = await service.get('open', rootPath, options.signal, false);
      if (typeof root['RedfishVersion'] !== 'string') throw service.error('open', `${uri.origin}${rootPath} is not a Redfish service root (no RedfishVersion)`);
      if ((valid.auth ?? 'session') === 'session') await service.login(root, options.signal);
      service.systemUri = valid.root ?? (await service.findSystem(root, options.signal));
      // Proves the System exists and the credentials work, whichever way they are sent.
      await service.get('open', service.systemUri, options.signal);
      return service;
    } catch (error) {
      await service.close();
      throw error;
    }
  }

  async powerState(options: ObmCallOptions): Promise<PowerState> {
    const system = await this.get('powerState', this.systemUri, options.signal);
    switch (system['PowerState']) {
      case 'On':
      case 'PoweringOff':
      case 'Paused':
        return 'on';
      case 'Off':
      case 'PoweringOn':
        return 'off';
      default:
        throw this.error('powerState', `${this.systemUri} reports no usable PowerState (${JSON.stringify(system['PowerState'])})`);
    }
  }

  async power(action: PowerAction, options: ObmCallOptions): Promise<void> {
    const operation = `power ${action}`;
    const system = await this.get(operation, this.systemUri, options.signal);
    // Some BMCs refuse On for a machine that is on (409): a power state already reached is left alone.
    if ((action === 'on' && system['PowerState'] === 'On') || ((action === 'off' || action === 'softOff') && system['PowerState'] === 'Off')) return;
    const reset = objectAt(objectAt(system, 'Actions'), '#ComputerSystem.Reset');
    const target = reset?.['target'];
    if (typeof target !== 'string') throw this.error(operation, `${this.systemUri} offers no #ComputerSystem.Reset action`);
    const allowed = await this.allowableResetTypes(operation, reset ?? {}, options.signal);
    const resetType = resetPreferences[action].find((t) => allowed.includes(t));
    if (resetType === undefined) {
      throw this.error(operation, `${this.systemUri} allows none of ${resetPreferences[action].join(', ')} (it allows ${allowed.join(', ') || 'nothing'})`);
    }
    await this.send(operation, 'POST', target, { ResetType: resetType }, options.signal);
  }

  async setNextBoot(device: BootDevice, options: NextBootOptions): Promise<void> {
    const operation = `setNextBoot ${device}`;
    const target = bootTargets[device];
    await this.patchSystem(operation, options.signal, (system) => {
      const allowed = objectAt(system, 'Boot')?.['BootSourceOverrideTarget@Redfish.AllowableValues'];
      if (Array.isArray(allowed) && !allowed.includes(target)) throw this.error(operation, `${this.systemUri} does not allow boot override target ${target} (allows ${allowed.join(', ')})`);
      return { Boot: { BootSourceOverrideTarget: target, BootSourceOverrideEnabled: options.persistent === true ? 'Continuous' : 'Once' } };
    });
  }

  async identify(on: boolean, options: ObmCallOptions): Promise<void> {
    const operation = `identify ${on ? 'on' : 'off'}`;
    await this.patchSystem(operation, options.signal, (system) => {
      if ('LocationIndicatorActive' in system) return { LocationIndicatorActive: on };
      if ('IndicatorLED' in system) return { IndicatorLED: on ? 'Lit' : 'Off' };
      throw this.error(operation, `${this.systemUri} has neither LocationIndicatorActive nor IndicatorLED`);
    });
  }

  /** Restarts the BMC through its Manager.Reset (the Manager that manages this System). */
  async mcResetCold(options: ObmCallOptions): Promise<void> {
    const operation = 'mcResetCold';
    const system = await this.get(operation, this.systemUri, options.signal);
    const managedBy = objectAt(system, 'Links')?.['ManagedBy'];
    const managerUri = Array.isArray(managedBy) ? (managedBy[0] as JsonObject | undefined)?.['@odata.id'] : undefined;
    if (typeof managerUri !== 'string') throw this.error(operation, `${this.systemUri} names no manager (Links.ManagedBy)`);
    const manager = await this.get(operation, managerUri, options.signal);
    const reset = objectAt(objectAt(manager, 'Actions'), '#Manager.Reset');
    const target = reset?.['target'];
    if (typeof target !== 'string') throw this.error(operation, `${managerUri} offers no #Manager.Reset action`);
    const allowed = reset?.['ResetType@Redfish.AllowableValues'];
    const resetType = ['ForceRestart', 'GracefulRestart'].find((t) => !Array.isArray(allowed) || allowed.includes(t)) ?? 'GracefulRestart';
    await this.send(operation, 'POST', target, { ResetType: resetType }, options.signal);
    // The restarting BMC forgets its sessions: the next call logs in again.
    this.token = undefined;
    this.sessionUri = undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const sessionUri = this.sessionUri;
    const token = this.token;
    this.sessionUri = undefined;
    this.token = undefined;
    if (sessionUri !== undefined && token !== undefined) {
      // Logging out is a courtesy to the BMC's session table; a failure only costs a session timeout.
      await requestJson(this.http, 'DELETE', sessionUri, { headers: { 'X-Auth-Token': token }, signal: AbortSignal.timeout(5_000) }).catch((error: unknown) => {
        this.log.debug({ obm: this.http.origin, error: error instanceof Error ? this.scrub(error.message) : 'unknown' }, 'redfish logout failed');
      });
    }
    this.http.agent.destroy();
  }

  // ---- plumbing ----

  private async login(root: JsonObject, signal: AbortSignal): Promise<void> {
    const link = objectAt(objectAt(root, 'Links'), 'Sessions')?.['@odata.id'];
    const sessions = typeof link === 'string' ? link : `${this.rootPath}SessionService/Sessions`;
    const res = await this.call('login', 'POST', sessions, { UserName: this.config.username, Password: this.config.password }, signal, false);
    const token = res.headers['x-auth-token'];
    if (typeof token !== 'string' || token === '') throw this.error('login', `${sessions} answered ${res.status} without an X-Auth-Token`);
    this.token = token;
    const location = res.headers.location ?? asObject(res.json)?.['@odata.id'];
    this.sessionUri = typeof location === 'string' ? sameOrigin(this.http, location).pathname : undefined;
  }

  private async findSystem(root: JsonObject, signal: AbortSignal): Promise<string> {
    const link = objectAt(root, 'Systems')?.['@odata.id'];
    if (typeof link !== 'string') throw this.error('open', 'the service root has no Systems collection');
    const systems = await this.get('open', link, signal);
    const members = Array.isArray(systems['Members']) ? (systems['Members'] as unknown[]) : [];
    const [first] = members;
    const id = (first as JsonObject | undefined)?.['@odata.id'];
    if (members.length !== 1 || typeof id !== 'string') {
      throw this.error('open', `${link} has ${members.length} systems: set config.root to the one to manage`);
    }
    return id;
  }

  private async allowableResetTypes(operation: string, reset: JsonObject, signal: AbortSignal): Promise<readonly string[]> {
    const annotated = reset['ResetType@Redfish.AllowableValues'];
    if (Array.isArray(annotated)) return annotated.filter((v): v is string => typeof v === 'string');
    const actionInfo = reset['@Redfish.ActionInfo'];
    if (typeof actionInfo === 'string') {
      const info = await this.get(operation, actionInfo, signal);
      const parameters = Array.isArray(info['Parameters']) ? (info['Parameters'] as JsonObject[]) : [];
      const values = parameters.find((p) => p['Name'] === 'ResetType')?.['AllowableValues'];
      if (Array.isArray(values)) return values.filter((v): v is string => typeof v === 'string');
    }
    return ALL_RESET_TYPES;
  }

  private async get(operation: string, path: string, signal: AbortSignal, authenticate = true): Promise<JsonObject> {
    return (await this.getWithEtag(operation, path, signal, authenticate)).body;
  }

  private async getWithEtag(operation: string, path: string, signal: AbortSignal, authenticate = true): Promise<{ body: JsonObject; etag?: string }> {
    const res = await this.call(operation, 'GET', path, undefined, signal, authenticate);
    if (typeof res.json !== 'object' || res.json === null || Array.isArray(res.json)) throw this.error(operation, `GET ${path} did not answer a JSON object`, res.status);
    const etag = res.headers.etag;
    return { body: res.json as JsonObject, ...(typeof etag === 'string' ? { etag } : {}) };
  }

  /**
   * PATCH of the System built from its current state, sent with the ETag that state came with
   * (If-Match, DSP0266 §7.9). Should the System change in between (412), it is read again once.
   */
  private async patchSystem(operation: string, signal: AbortSignal, build: (system: JsonObject) => JsonObject): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const system = await this.getWithEtag(operation, this.systemUri, signal);
      try {
        await this.send(operation, 'PATCH', this.systemUri, build(system.body), signal, system.etag);
        return;
      } catch (error) {
        if (attempt > 0 || !(error instanceof ObmError) || error.obm.httpStatus !== 412) throw error;
      }
    }
  }

  private async send(operation: string, method: string, path: string, body: JsonObject, signal: AbortSignal, etag?: string): Promise<void> {
    await this.call(operation, method, path, body, signal, true, etag === undefined ? {} : { 'If-Match': etag });
  }

  /**
   * One request, authenticated unless told otherwise. A 401 on a session (it expired, or the BMC
   * restarted) logs in again and retries once. Non-2xx answers become ObmErrors with the service's
   * own messages.
   */
  private async call(
    operation: string,
    method: string,
    path: string,
    body: JsonObject | undefined,
    signal: AbortSignal,
    authenticate: boolean,
    extraHeaders: Record<string, string> = {},
    retried = false,
  ): Promise<JsonResponse> {
    if (this.closed) throw this.error(operation, 'the service is closed');
    const sessions = (this.config.auth ?? 'session') === 'session';
    // A session is (re)opened on demand: after a Manager.Reset, or when the BMC let it expire.
    if (authenticate && sessions && this.token === undefined) await this.login(await this.get(operation, this.rootPath, signal, false), signal);
    const started = performance.now();
    const headers = { ...extraHeaders, ...(authenticate ? this.authHeaders() : {}) };
    let res: JsonResponse;
    try {
      res = await requestJson(this.http, method, path, { headers, body, signal });
    } catch (error) {
      if (signal.aborted) throw abortReason(signal);
      if (error instanceof HttpFailure) throw this.error(operation, `${method} ${path}: ${error.message}`, undefined, error.timedOut, error);
      throw error;
    }
    const ms = Math.round(performance.now() - started);
    this.log.debug({ obm: this.http.origin, operation, method, path, status: res.status, ms }, 'redfish request');
    if (res.status === 401 && authenticate && sessions && !retried) {
      this.token = undefined;
      this.sessionUri = undefined;
      return this.call(operation, method, path, body, signal, authenticate, extraHeaders, true);
    }
    if (res.status < 200 || res.status >= 300) throw this.httpError(operation, method, path, res);
    return res;
  }

  private authHeaders(): Record<string, string> {
    if ((this.config.auth ?? 'session') === 'session') return this.token === undefined ? {} : { 'X-Auth-Token': this.token };
    return { Authorization: `Basic ${Buffer.from(`${this.config.username}:${this.config.password}`).toString('base64')}` };
  }

  private httpError(operation: string, method: string, path: string, res: JsonResponse): ObmError {
    const error = objectAt(asObject(res.json), 'error');
    const extended = Array.isArray(error?.['@Message.ExtendedInfo']) ? (error['@Message.ExtendedInfo'] as JsonObject[]) : [];
    const messageIds = extended.map((m) => m['MessageId']).filter((id): id is string => typeof id === 'string');
    const texts = extended.map((m) => m['Message']).filter((t): t is string => typeof t === 'string');
    const said = texts.length > 0 ? texts.join(' ') : typeof error?.['message'] === 'string' ? error['message'] : res.text.slice(0, 500);
    const output = this.scrub(said);
    return new ObmError(`redfish ${operation} on ${this.http.origin}: ${method} ${path} answered ${res.status}${output === '' ? '' : `: ${output}`}`, {
      service: this.service,
      target: this.http.origin,
      operation,
      httpStatus: res.status,
      output,
      messageIds,
    });
  }

  private error(operation: string, message: string, httpStatus?: number, timedOut?: boolean, cause?: unknown): ObmError {
    return new ObmError(
      `redfish ${operation} on ${this.http.origin}: ${this.scrub(message)}`,
      {
        service: this.service,
        target: this.http.origin,
        operation,
        ...(httpStatus === undefined ? {} : { httpStatus }),
        ...(timedOut === undefined ? {} : { timedOut }),
      },
      cause === undefined ? undefined : { cause },
    );
  }

  private scrub(text: string): string {
    return scrubSecrets(text, [this.config.password, ...(this.token === undefined ? [] : [this.token])]);
  }
}

function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

function objectAt(value: JsonObject | undefined, key: string): JsonObject | undefined {
  return asObject(value?.[key]);
}

/** The config as the adapter can use it, or a ValidationError naming each bad field (never echoing the password). */
export function validateRedfishConfig(config: RedfishObmConfig): RedfishObmConfig {
  const errors: { path: string; message: string }[] = [];
  const problem = (path: string, message: string) => errors.push({ path, message });
  const c = config as Partial<Record<keyof RedfishObmConfig, unknown>>;
  let url: URL | undefined;
  try {
    url = typeof c.uri === 'string' ? new URL(c.uri) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) problem('config.uri', 'must be an http(s) URL');
  else if (url.username !== '' || url.password !== '') problem('config.uri', 'must not carry credentials: use username and password');
  if (typeof c.username !== 'string' || c.username === '') problem('config.username', 'must be a non-empty string');
  if (typeof c.password !== 'string') problem('config.password', 'must be a string');
  if (c.verifySSL !== undefined && typeof c.verifySSL !== 'boolean') problem('config.verifySSL', 'must be a boolean');
  if (c.ca !== undefined && (typeof c.ca !== 'string' || !c.ca.includes('-----BEGIN CERTIFICATE-----'))) problem('config.ca', 'must be PEM certificate text');
  if (c.root !== undefined && (typeof c.root !== 'string' || !c.root.startsWith('/'))) problem('config.root', 'must be a path such as /redfish/v1/Systems/1');
  if (c.auth !== undefined && c.auth !== 'session' && c.auth !== 'basic') problem('config.auth', 'must be "session" or "basic"');
  if (c.timeoutMs !== undefined && (!Number.isInteger(c.timeoutMs) || (c.timeoutMs as number) < 1 || (c.timeoutMs as number) > 600_000)) problem('config.timeoutMs', 'must be an integer 1-600000');
  if (errors.length > 0) throw new ValidationError(`invalid Redfish OBM config: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
  return config;
}
