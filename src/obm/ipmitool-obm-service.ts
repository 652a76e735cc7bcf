/**
 * The IPMI adapter of the OBM port: Debian's ipmitool over RMCP+ (`-I lanplus`), one process per call,
 * as RackHD's ipmi-obm-service ran it. The password travels in the IPMI_PASSWORD environment variable
 * with `-E`, never in argv (which any local user can read in /proc); stderr reaches errors and logs
 * with the password scrubbed. Each run is killed when its time is up or its caller's signal aborts.
 */
import { spawn } from 'node:child_process';
import { isIP } from 'node:net';
import type { BootDevice, IpmiObmConfig, NextBootOptions, ObmCallOptions, ObmService, PowerAction, PowerState } from '../actors/obm/obm-port.ts';
import { ObmError, abortReason, scrubSecrets } from '../actors/obm/obm-error.ts';
import { ValidationError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';

export interface IpmitoolOptions {
  readonly log: Logger;
  /** The ipmitool binary; `ipmitool` on PATH when left out. */
  readonly binary?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** After SIGTERM, how long ipmitool gets to close its session before SIGKILL. */
const KILL_GRACE_MS = 1_000;
/** More output than any ipmitool command prints; beyond it the run is treated as broken. */
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

/** ipmitool's `chassis power` verbs (ipmitool(1), IPMI 2.0 §28.3 Chassis Control). */
const powerVerbs: Record<PowerAction, string> = {
  on: 'on',
  off: 'off',
  reset: 'reset',
  cycle: 'cycle',
  softOff: 'soft',
};

export interface IpmitoolResult {
  readonly stdout: string;
  readonly stderr: string;
}

export class IpmitoolObmService implements ObmService {
  readonly service = 'ipmi-obm-service' as const;
  private readonly config: IpmiObmConfig;
  private readonly target: string;

  constructor(config: IpmiObmConfig, private readonly options: IpmitoolOptions) {
    this.config = validateIpmiConfig(config);
    this.target = `${this.config.host}:${this.config.port ?? 623}`;
  }

  async powerState(options: ObmCallOptions): Promise<PowerState> {
    const { stdout } = await this.run('powerState', ['chassis', 'power', 'status'], options.signal);
    const match = /Chassis Power is (on|off)/.exec(stdout);
    if (match?.[1] === 'on' || match?.[1] === 'off') return match[1];
    throw new ObmError(`ipmitool on ${this.target}: unexpected power status output`, {
      service: this.service,
      target: this.target,
      operation: 'powerState',
      output: scrubSecrets(stdout, [this.config.password]),
    });
  }

  async power(action: PowerAction, options: ObmCallOptions): Promise<void> {
    await this.run(`power ${action}`, ['chassis', 'power', powerVerbs[action]], options.signal);
  }

  async setNextBoot(device: BootDevice, options: NextBootOptions): Promise<void> {
    const args = ['chassis', 'bootdev', device === 'pxe' ? 'pxe' : 'disk'];
    if (options.persistent === true) args.push('options=persistent');
    await this.run(`setNextBoot ${device}`, args, options.signal);
  }

  async identify(on: boolean, options: ObmCallOptions): Promise<void> {
    // `force` keeps the LED on until turned off (RackHD's identifyOn); interval 0 turns it off.
    await this.run(`identify ${on ? 'on' : 'off'}`, ['chassis', 'identify', on ? 'force' : '0'], options.signal);
  }

  async clearSel(options: ObmCallOptions): Promise<void> {
    await this.run('clearSel', ['sel', 'clear'], options.signal);
  }

  async mcResetCold(options: ObmCallOptions): Promise<void> {
    await this.run('mcResetCold', ['mc', 'reset', 'cold'], options.signal);
  }

  async close(): Promise<void> {
    // One process per call: nothing stays open.
  }

  /** Runs one ipmitool command against this BMC: for catalogs and pollers (`sdr`, `sel list`, `fru`). */
  command(args: readonly string[], options: ObmCallOptions): Promise<IpmitoolResult> {
    return this.run(args.join(' '), args, options.signal);
  }

  private run(operation: string, command: readonly string[], signal: AbortSignal): Promise<IpmitoolResult> {
    const c = this.config;
    const args = ['-I', 'lanplus', '-H', c.host, '-p', String(c.port ?? 623), '-U', c.user, '-E', '-L', c.privilege ?? 'ADMINISTRATOR'];
    if (c.cipherSuite !== undefined) args.push('-C', String(c.cipherSuite));
    args.push(...command);
    const timeoutMs = c.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const log = this.options.log;
    const details = { service: this.service, target: this.target, operation };
    const scrub = (text: string) => scrubSecrets(text, [c.password]);

    return new Promise<IpmitoolResult>((resolve, reject) => {
      if (signal.aborted) {
        reject(abortReason(signal));
        return;
      }
      const started = performance.now();
      const child = spawn(this.options.binary ?? 'ipmitool', args, {
        // Only what ipmitool needs: LC_ALL=C keeps its output in the English the parsers expect.
        env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', IPMI_PASSWORD: c.password },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let bytes = 0;
      let settled = false;
      let timedOut = false;
      let aborted = false;
      let overflow = false;
      let killTimer: NodeJS.Timeout | undefined;

      const kill = () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        killTimer ??= setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      };
      // The caller hears of the abort once ipmitool is gone, so nothing of this call outlives it.
      const onAbort = () => {
        aborted = true;
        kill();
      };
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });

      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (killTimer !== undefined) clearTimeout(killTimer);
        signal.removeEventListener('abort', onAbort);
        settle();
      };
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > MAX_OUTPUT_BYTES) {
          overflow = true;
          kill();
          return;
        }
        into.push(chunk);
      };
      child.stdout.on('data', collect(stdout));
      child.stderr.on('data', collect(stderr));

      child.on('error', (error: NodeJS.ErrnoException) => {
        const message = error.code === 'ENOENT' ? 'ipmitool is not installed (Debian package ipmitool)' : `ipmitool could not be started: ${error.message}`;
        finish(() => reject(new ObmError(`${operation} on ${this.target}: ${message}`, details, { cause: error })));
      });
      child.on('close', (code, killedBy) => {
        const ms = Math.round(performance.now() - started);
        if (aborted) {
          log.debug({ obm: this.target, operation, ms, signal: killedBy }, 'ipmitool aborted');
          finish(() => reject(abortReason(signal)));
          return;
        }
        const out = Buffer.concat(stdout).toString('utf8');
        const err = scrub(Buffer.concat(stderr).toString('utf8'));
        if (code === 0 && !timedOut && !overflow) {
          log.debug({ obm: this.target, operation, ms }, 'ipmitool done');
          finish(() => resolve({ stdout: out, stderr: err }));
          return;
        }
        const why = timedOut
          ? `timed out after ${timeoutMs} ms`
          : overflow
            ? `printed more than ${MAX_OUTPUT_BYTES} bytes`
            : `failed (exit ${code ?? killedBy})${err === '' ? '' : `: ${err}`}`;
        const error = new ObmError(`ipmitool ${operation} on ${this.target} ${why}`, { ...details, exitCode: code, timedOut, output: err });
        log.warn({ obm: this.target, operation, ms, exitCode: code, timedOut, stderr: err }, 'ipmitool failed');
        finish(() => reject(error));
      });
    });
  }
}

const PRIVILEGES = new Set(['ADMINISTRATOR', 'OPERATOR', 'USER']);
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The config as ipmitool can use it, or a ValidationError naming each bad field. The host must be an
 * address or a DNS name (never something ipmitool would read as an option); user names and passwords
 * are bounded by IPMI 2.0 (§22.26: 16-byte user names; §13.31: 20-byte RMCP+ passwords).
 */
export function validateIpmiConfig(config: IpmiObmConfig): IpmiObmConfig {
  const errors: { path: string; message: string }[] = [];
  const problem = (path: string, message: string) => errors.push({ path, message });
  const c = config as Partial<Record<keyof IpmiObmConfig, unknown>>;
  if (typeof c.host !== 'string' || (isIP(c.host) === 0 && !HOST_NAME.test(c.host))) problem('config.host', 'must be an IPv4/IPv6 address or a host name');
  if (c.port !== undefined && (!Number.isInteger(c.port) || (c.port as number) < 1 || (c.port as number) > 65535)) problem('config.port', 'must be an integer 1-65535');
  if (typeof c.user !== 'string' || Buffer.byteLength(c.user) > 16 || CONTROL.test(c.user)) problem('config.user', 'must be a string of at most 16 bytes without control characters');
  if (typeof c.password !== 'string' || Buffer.byteLength(c.password) > 20 || c.password.includes('\u0000')) problem('config.password', 'must be a string of at most 20 bytes');
  if (c.cipherSuite !== undefined && (!Number.isInteger(c.cipherSuite) || (c.cipherSuite as number) < 0 || (c.cipherSuite as number) > 17)) problem('config.cipherSuite', 'must be an integer 0-17');
  if (c.privilege !== undefined && !PRIVILEGES.has(c.privilege as string)) problem('config.privilege', 'must be ADMINISTRATOR, OPERATOR or USER');
  if (c.timeoutMs !== undefined && (!Number.isInteger(c.timeoutMs) || (c.timeoutMs as number) < 1 || (c.timeoutMs as number) > 600_000)) problem('config.timeoutMs', 'must be an integer 1-600000');
  if (errors.length > 0) throw new ValidationError(`invalid IPMI OBM config: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
  return config;
}
