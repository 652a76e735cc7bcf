/**
 * The out-of-band management port: how actors power a machine, read its power state, choose its next
 * boot device and light its identify LED through its BMC, without knowing whether ipmitool or Redfish
 * does the talking. Adapters live in src/obm/. RackHD kept one OBM record per node and service
 * (`{node, service, config}`, rackhd.md §5); the service names and config field names are RackHD's so
 * that records and API payloads carry over.
 *
 * Every call takes an AbortSignal and obeys it: a cancelled workflow kills the running ipmitool or
 * aborts the HTTP request, and the call rejects with `signal.reason` (as fetch and node:timers do), so
 * the caller sees its own cancellation rather than an OBM failure. Everything else that goes wrong
 * rejects with an ObmError (code OBM_FAILED) or, for a config that cannot work, a ValidationError.
 */

export type PowerState = 'on' | 'off';

/**
 * What a power call asks of the machine. `off` is a hard power-off; `softOff` asks the OS to shut down
 * (ACPI, IPMI "chassis power soft" / Redfish GracefulShutdown); `reset` is a hard reset with power kept
 * on; `cycle` is off then on (IPMI "chassis power cycle", Redfish PowerCycle).
 */
export type PowerAction = 'on' | 'off' | 'reset' | 'cycle' | 'softOff';

export type BootDevice = 'pxe' | 'disk';

export interface ObmCallOptions {
  readonly signal: AbortSignal;
}

export interface NextBootOptions extends ObmCallOptions {
  /** Keep the override for every following boot (IPMI `options=persistent`, Redfish `Continuous`). Default: next boot only. */
  readonly persistent?: boolean;
}

export interface ObmService {
  readonly service: ObmServiceName;
  powerState(options: ObmCallOptions): Promise<PowerState>;
  /**
   * Asks the BMC for `action` and resolves once the BMC accepted it (the machine may take longer to get
   * there). `on`, `off` and `softOff` of a machine already in that state succeed without effect.
   */
  power(action: PowerAction, options: ObmCallOptions): Promise<void>;
  setNextBoot(device: BootDevice, options: NextBootOptions): Promise<void>;
  identify(on: boolean, options: ObmCallOptions): Promise<void>;
  /** Empties the BMC's System Event Log. Services without a SEL leave this out. */
  clearSel?(options: ObmCallOptions): Promise<void>;
  /** Restarts the BMC itself (IPMI "mc reset cold"). The BMC is unreachable for a while afterwards. */
  mcResetCold?(options: ObmCallOptions): Promise<void>;
  /** Ends what the service holds open (a Redfish session). Safe to call twice. */
  close(): Promise<void>;
}

export interface ObmServiceFactory {
  /**
   * A service for one BMC. Redfish opens its session here (and finds the System); IPMI only checks the
   * config. Rejects with ValidationError for a config that cannot work and ObmError when the BMC
   * cannot be reached or refuses the credentials.
   */
  open(settings: ObmSettings, options: ObmCallOptions): Promise<ObmService>;
}

export type ObmServiceName = 'ipmi-obm-service' | 'redfish-obm-service';

/** RackHD's ipmi-obm-service config (`host`, `user`, `password`), plus what ipmitool needs beyond it. */
export interface IpmiObmConfig {
  /** BMC address: IPv4, IPv6 or host name. */
  readonly host: string;
  /** RMCP port; 623 when left out. */
  readonly port?: number;
  readonly user: string;
  readonly password: string;
  /**
   * RMCP+ cipher suite (`ipmitool -C`). Left out, ipmitool picks one itself, which costs extra round trips
   * and fails against BMCs without suite 17; 3 (HMAC-SHA1, AES-CBC-128) is the most widely supported.
   */
  readonly cipherSuite?: number;
  /** Session privilege level; ADMINISTRATOR when left out (power control needs at least OPERATOR). */
  readonly privilege?: 'ADMINISTRATOR' | 'OPERATOR' | 'USER';
  /** Longest one ipmitool run may take before it is killed; 30 s when left out. */
  readonly timeoutMs?: number;
}

/** RackHD's redfish-obm-service config (`uri`, `username`, `password`, `verifySSL`, `root`). */
export interface RedfishObmConfig {
  /** The service root or the BMC's base URL: `https://bmc.example:443/redfish/v1` or `https://bmc.example`. */
  readonly uri: string;
  readonly username: string;
  readonly password: string;
  /** Verify the BMC's TLS certificate. Default true; BMCs often ship self-signed certificates. */
  readonly verifySSL?: boolean;
  /** PEM CA certificate(s) to trust instead of turning verification off. */
  readonly ca?: string;
  /** The ComputerSystem to manage (`/redfish/v1/Systems/1`); the only member of Systems when left out. */
  readonly root?: string;
  /** `session` logs in once (X-Auth-Token, DSP0266 §13.3); `basic` sends the credentials with every request. Default session. */
  readonly auth?: 'session' | 'basic';
  /** Longest one HTTP request may take; 30 s when left out. */
  readonly timeoutMs?: number;
}

export type ObmSettings =
  | { readonly service: 'ipmi-obm-service'; readonly config: IpmiObmConfig }
  | { readonly service: 'redfish-obm-service'; readonly config: RedfishObmConfig };

/** One OBM record as RackHD stored it: the node it manages, its service and its config (secrets sealed at rest). */
export type ObmRecord = ObmSettings & { readonly node: string };

/**
 * RackHD's OBM command names (Job.Obm.Node `action`) and the power calls each one means. `reboot` is
 * RackHD's safer off-then-on sequence (on-tasks obm-service.js), not a BMC power cycle; `softReset`
 * is a soft shutdown and then power on.
 */
export const rackhdPowerCommands = {
  powerOn: ['on'],
  powerOff: ['off'],
  reboot: ['off', 'on'],
  reset: ['reset'],
  softReset: ['softOff', 'on'],
  softPowerOff: ['softOff'],
} as const satisfies Record<string, readonly PowerAction[]>;

export type RackhdPowerCommand = keyof typeof rackhdPowerCommands;
