/**
 * A real BMC for tests: Debian's `ipmi_sim` (package openipmi) on an ephemeral loopback UDP port, with
 * its LAN config and emulator command file written into a temp dir (formats: ipmi_lan(5),
 * ipmi_sim_cmd(5)). The "machine" behind the BMC is a shell script that ipmi_sim runs for chassis
 * control (`chassis_control`, the extcmd protocol: `<prog> get power` prints `power:1`, `<prog> set
 * power "0"`, `set reset "1"`, `set boot "pxe"`, `set shutdown "1"`, `set identify "15 0"`); it keeps
 * its state in files that the test reads back, so a test sees what the BMC really did to the machine
 * rather than only what the BMC answered. The emulation also carries FRU inventory, SDRs, sensors
 * and SEL entries so that `fru`, `sdr`, `sel` and `mc info` print realistic data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface IpmiSim {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** The cipher suite ipmi_sim supports for RMCP+ (it has no SHA-256 suites, ipmitool's default 17). */
  readonly cipherSuite: number;
  readonly dir: string;
  /** The simulated machine behind the BMC, as the chassis-control script left it. */
  readonly machine: SimulatedMachine;
  /** Runs Debian's ipmitool against the sim, independently of the code under test. */
  ipmitool(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /**
   * Sets a threshold sensor's raw reading at run time through ipmi_sim's console (ipmi_lan(5) `console`,
   * ipmi_sim_cmd(5) `sensor_set_value`), as a real sensor would change; with `event`, the BMC logs the
   * threshold events the change crosses into its SEL. Needs `console: true` at start.
   */
  setSensorRaw(sensorNumber: number, raw: number, options?: { readonly event?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export interface SimulatedMachine {
  power(): Promise<'on' | 'off'>;
  /** What ipmi_sim last handed the machine as boot device: 'pxe', 'default' (disk), 'none'… */
  bootDevice(): Promise<string>;
  /** What happened to the machine, in order: boot, off, reset, shutdown. */
  events(): Promise<string[]>;
  /** Every extcmd call ipmi_sim made, e.g. `set identify 15 0`. */
  calls(): Promise<string[]>;
}

export interface IpmiSimOptions {
  readonly user?: string;
  readonly password?: string;
  /** Whether the machine starts powered on. */
  readonly poweredOn?: boolean;
  /** Opens ipmi_sim's emulator console on a loopback TCP port, so that setSensorRaw can change readings. */
  readonly console?: boolean;
}

/** Values the emulation puts in the BMC; tests compare parsed output against them. */
export const simInventory = {
  manufacturerId: 0x0157, // Intel
  productId: 0x0b2c,
  deviceId: 0x21,
  deviceRevision: 3,
  firmware: [2, 0x15] as const,
  lan: {
    ipSource: 'static',
    ip: '10.1.2.3',
    mac: '52:54:00:12:34:56',
    netmask: '255.255.255.0',
    gateway: '10.1.2.1',
    gatewayMac: '52:54:00:aa:bb:cc',
  },
  chassis: { type: 0x17, partNumber: 'CH-2U-0042', serial: 'CHS1234567' },
  board: { manufacturer: 'Monorail Labs', product: 'MR-X11DPi', serial: 'BRD7654321', partNumber: 'BP-0099', mfgMinutes: 12_345_678 },
  product: { manufacturer: 'Monorail Labs', name: 'MR-2U-Compute', partNumber: 'MR2U-C', version: 'A01', serial: 'SYS0001', assetTag: 'rack7-u12' },
  sensors: [
    // Readings are y = M * raw * 10^rExp (IPMI 2.0 §36.3); thresholds (lnr, lcr, lnc, unc, ucr, unr) are raw bytes.
    { number: 1, name: 'CPU Temp', type: 0x01, unit: 1, m: 1, rExp: 0, raw: 45, thresholds: [5, 10, 15, 80, 90, 95] },
    { number: 2, name: 'FAN1', type: 0x04, unit: 18, m: 100, rExp: 0, raw: 54, thresholds: [3, 5, 7, 180, 190, 200] },
    { number: 3, name: 'P12V', type: 0x02, unit: 4, m: 1, rExp: -1, raw: 120, thresholds: [100, 105, 110, 130, 135, 140] },
  ],
} as const;

const SEL_BASE_TIME = 1_700_000_000; // 2023-11-14T22:13:20Z

export async function startIpmiSim(options: IpmiSimOptions = {}): Promise<IpmiSim> {
  const user = options.user ?? 'admin';
  const password = options.password ?? 'sim-pw-0';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'monorail-ipmisim-'));
  const machineDir = path.join(dir, 'machine');
  await mkdir(machineDir);
  await mkdir(path.join(dir, 'state'));
  await writeFile(path.join(machineDir, 'power'), options.poweredOn === true ? '1\n' : '0\n');
  const chassisScript = path.join(dir, 'chassis-control.sh');
  const lanScript = path.join(dir, 'lan-control.sh');
  await writeFile(chassisScript, chassisControlScript());
  await writeFile(lanScript, lanControlScript());
  await chmod(chassisScript, 0o755);
  await chmod(lanScript, 0o755);
  await writeFile(path.join(dir, 'sim.emu'), emulation());

  // A free port can be taken by someone else between our probe and ipmi_sim's bind: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freeUdpPort();
    const consolePort = options.console === true ? await freeTcpPort() : undefined;
    await writeFile(path.join(dir, 'lan.conf'), lanConf({ port, user, password, chassisScript, lanScript, machineDir, ...(consolePort === undefined ? {} : { consolePort }) }));
    const child = spawn('ipmi_sim', ['-c', path.join(dir, 'lan.conf'), '-f', path.join(dir, 'sim.emu'), '-s', path.join(dir, 'state'), '-n'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Should the test process die without stop(), the simulator goes with it.
    const reap = () => child.kill('SIGKILL');
    process.once('exit', reap);
    const sim = makeSim({ host: '127.0.0.1', port, user, password, dir, machineDir, child, exited, reap, ...(consolePort === undefined ? {} : { consolePort }) });
    try {
      await waitReady(sim, child, () => output);
      return sim;
    } catch (e) {
      lastError = e;
      child.kill('SIGKILL');
      await exited;
      process.removeListener('exit', reap);
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`ipmi_sim did not come up: ${String(lastError)}`);
}

function makeSim(p: {
  host: string;
  port: number;
  user: string;
  password: string;
  dir: string;
  machineDir: string;
  child: ChildProcess;
  exited: Promise<void>;
  reap: () => void;
  consolePort?: number;
}): IpmiSim {
  const read = async (name: string): Promise<string> => readFile(path.join(p.machineDir, name), 'utf8').catch(() => '');
  const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  let stopped = false;
  return {
    host: p.host,
    port: p.port,
    user: p.user,
    password: p.password,
    cipherSuite: 3,
    dir: p.dir,
    machine: {
      power: async () => ((await read('power')).trim() === '1' ? 'on' : 'off'),
      bootDevice: async () => (await read('boot')).trim() || 'default',
      events: async () => lines(await read('events')),
      calls: async () => lines(await read('calls')),
    },
    ipmitool: (args) =>
      new Promise((resolve) => {
        const child = spawn('ipmitool', ['-I', 'lanplus', '-C', '3', '-H', p.host, '-p', String(p.port), '-U', p.user, '-E', '-N', '1', '-R', '2', ...args], {
          env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C', IPMI_PASSWORD: p.password },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
        child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      }),
    async setSensorRaw(sensorNumber, raw, options = {}) {
      if (p.consolePort === undefined) throw new Error('ipmi_sim was started without console: true');
      await consoleCommand(p.host, p.consolePort, `sensor_set_value 0x20 0 ${sensorNumber} ${raw} ${options.event === true ? 1 : 0}`);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill('SIGTERM');
        const killer = setTimeout(() => p.child.kill('SIGKILL'), 2000);
        await p.exited;
        clearTimeout(killer);
      }
      process.removeListener('exit', p.reap);
      await rm(p.dir, { recursive: true, force: true });
    },
  };
}

async function waitReady(sim: IpmiSim, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`ipmi_sim exited (${child.exitCode ?? child.signalCode}): ${output()}`);
    const r = await sim.ipmitool(['mc', 'info']);
    if (r.code === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`ipmi_sim not answering on ${sim.port}: ${output()}`);
}

export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

export async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

/**
 * One emulator command over ipmi_sim's console: connect, wait for its "> " prompt, send the command,
 * wait for the next prompt (the command has run), then `quit`-less close (quit would stop the simulator).
 */
async function consoleCommand(host: string, port: number, command: string): Promise<void> {
  const socket = connect({ host, port });
  let output = '';
  let prompts = 0;
  let sent = false;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ipmi_sim console: no answer to ${JSON.stringify(command)}: ${JSON.stringify(output)}`)), 5000);
      socket.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      socket.on('data', (b: Buffer) => {
        output += b.toString('latin1');
        prompts = output.split('> ').length - 1;
        if (!sent && prompts >= 1) {
          sent = true;
          socket.write(`${command}\n`);
        } else if (sent && prompts >= 2) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } finally {
    socket.destroy();
  }
  if (/error|invalid|unknown/i.test(output.slice(output.indexOf(command)))) throw new Error(`ipmi_sim console refused ${JSON.stringify(command)}: ${output}`);
}

function lanConf(p: { port: number; user: string; password: string; chassisScript: string; lanScript: string; machineDir: string; consolePort?: number }): string {
  const q = (s: string) => `"${s}"`;
  return [
    'name "monorail-sim"',
    // The emulator console, loopback only (ipmi_lan(5) warns it is a huge hole anywhere else).
    ...(p.consolePort === undefined ? [] : [`console 127.0.0.1 ${p.consolePort}`]),
    'set_working_mc 0x20',
    '  startlan 1',
    `    addr 127.0.0.1 ${p.port}`,
    '    priv_limit admin',
    // IPMI 1.5 auth types; RMCP+ (lanplus) sessions use the cipher suites instead.
    '    allowed_auths_callback none md2 md5 straight',
    '    allowed_auths_user none md2 md5 straight',
    '    allowed_auths_operator none md2 md5 straight',
    '    allowed_auths_admin none md2 md5 straight',
    '    guid a123456789abcdefa123456789abcdef',
    `    lan_config_program ${q(`${p.lanScript}`)}`,
    '  endlan',
    `  chassis_control ${q(`${p.chassisScript} ${p.machineDir}`)}`,
    // User 1 is IPMI's anonymous user: present but disabled.
    '  user 1 false "" "" user 1 none',
    `  user 2 true ${q(p.user)} ${q(p.password)} admin 10 none md2 md5 straight`,
    '',
  ].join('\n');
}

function chassisControlScript(): string {
  return `#!/bin/sh
# The simulated machine: ipmi_sim runs "<this> <dir> get|set name [value] ..." (extcmd protocol).
dir=$1; op=$2; shift 2
echo "$op $*" >> "$dir/calls"
case $op in
get)
  for n in "$@"; do
    v=$(cat "$dir/$n" 2>/dev/null)
    case $n in power) v=\${v:-0};; boot) v=\${v:-default};; esac
    echo "$n:$v"
  done;;
set)
  while [ $# -ge 2 ]; do
    n=$1; v=$2; shift 2
    case $n in
      reset) echo reset >> "$dir/events";;
      shutdown) echo 0 > "$dir/power"; echo shutdown >> "$dir/events";;
      power)
        if [ "$v" = 1 ]; then echo boot >> "$dir/events"; else echo off >> "$dir/events"; fi
        echo "$v" > "$dir/power";;
      *) echo "$v" > "$dir/$n";;
    esac
  done;;
esac
exit 0
`;
}

function lanControlScript(): string {
  const l = simInventory.lan;
  return `#!/bin/sh
# LAN configuration parameters for "lan print": ipmi_sim runs "<this> get name ..." (extcmd protocol).
op=$1; shift
[ "$op" = get ] || exit 0
for n in "$@"; do
  case $n in
    ip_addr_src) echo "$n:${l.ipSource}";;
    ip_addr) echo "$n:${l.ip}";;
    mac_addr) echo "$n:${l.mac}";;
    subnet_mask) echo "$n:${l.netmask}";;
    default_gw_ip_addr) echo "$n:${l.gateway}";;
    default_gw_mac_addr) echo "$n:${l.gatewayMac}";;
    backup_gw_ip_addr) echo "$n:0.0.0.0";;
    backup_gw_mac_addr) echo "$n:00:00:00:00:00:00";;
    *) echo "$n:0";;
  esac
done
`;
}

const hex = (bytes: readonly number[]) => bytes.map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');

/** Long byte lists continued over lines with a trailing backslash (ipmi_sim_cmd(5)). */
function wrap(bytes: readonly number[]): string {
  const rows: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) rows.push(hex(bytes.slice(i, i + 16)));
  return rows.join(' \\\n  ');
}

function emulation(): string {
  const i = simInventory;
  const lines = [
    '# The BMC: Get Device ID values (IPMI 2.0 §20.1), SEL, sensors, SDRs and FRU inventory.',
    'mc_setbmc 0x20',
    `mc_add 0x20 ${hex([i.deviceId])} no-device-sdrs ${hex([i.deviceRevision])} ${hex([i.firmware[0]])} ${hex([i.firmware[1]])} 0xbf 0x${i.manufacturerId.toString(16)} 0x${i.productId.toString(16)}`,
    'sel_enable 0x20 1000 0x0a',
    `main_sdr_add 0x20 ${wrap(mcLocatorSdr(1, 'Monorail BMC'))}`,
  ];
  for (const [index, s] of i.sensors.entries()) {
    lines.push(`sensor_add 0x20 0 ${s.number} ${hex([s.type])} 0x01`);
    lines.push(`sensor_set_value 0x20 0 ${s.number} ${s.raw} 0`);
    lines.push(`sensor_set_threshold 0x20 0 ${s.number} settable 111111 ${hex([...s.thresholds].reverse())}`);
    // Scanning on, so "Get Sensor Reading" reports a value; events for all six going-high/low thresholds.
    lines.push(`sensor_set_event_support 0x20 0 ${s.number} enable scanning per-state 000101010101010 000101010101010 000101010101010 000101010101010`);
    lines.push(`main_sdr_add 0x20 ${wrap(fullSensorSdr(index + 2, s))}`);
  }
  // A power supply with a sensor-specific (0x6f) discrete reading: "presence detected".
  lines.push('sensor_add 0x20 0 4 0x08 0x6f');
  lines.push('sensor_set_bit_clr_rest 0x20 0 4 0 1 0');
  lines.push('sensor_set_event_support 0x20 0 4 enable scanning per-state 000000000000011 000000000000011 000000000000011 000000000000011');
  lines.push(`main_sdr_add 0x20 ${wrap(discreteSensorSdr(5, 4, 0x08, 'PSU1 Status'))}`);
  const fru = fruImage();
  lines.push(`mc_add_fru_data 0x20 0 0x${fru.length.toString(16)} data ${wrap(fru)}`);
  // SEL: an upper-critical temperature assertion (threshold event, data2/3 = reading/threshold) and a
  // power-supply failure (sensor-specific offset 1), IPMI 2.0 §32.1 / §29.7.
  lines.push(`sel_add 0x20 0x02 ${hex([...le32(SEL_BASE_TIME), 0x20, 0x00, 0x04, 0x01, 0x01, 0x01, 0x59, 92, 90])}`);
  lines.push(`sel_add 0x20 0x02 ${hex([...le32(SEL_BASE_TIME + 3600), 0x20, 0x00, 0x04, 0x08, 0x04, 0x6f, 0x01, 0xff, 0xff])}`);
  lines.push('mc_enable 0x20', '');
  return lines.join('\n');
}

function le32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

/** 8-bit ASCII type/length byte (IPMI FRU spec §13) followed by the text. */
function typeLength(text: string): number[] {
  return [0xc0 | text.length, ...Buffer.from(text, 'latin1')];
}

function withHeader(recordId: number, type: number, body: number[]): number[] {
  return [recordId & 0xff, recordId >> 8, 0x51, type, body.length, ...body];
}

/** SDR type 12h, Management Controller Device Locator (IPMI 2.0 §43.9). */
function mcLocatorSdr(recordId: number, name: string): number[] {
  return withHeader(recordId, 0x12, [0x20, 0x00, 0x00, 0xbf, 0, 0, 0, 0x06, 0x01, 0x00, ...typeLength(name)]);
}

/** SDR type 01h, Full Sensor Record (IPMI 2.0 §43.1) for a linear threshold sensor: y = M * x. */
function fullSensorSdr(recordId: number, s: (typeof simInventory.sensors)[number]): number[] {
  const [lnr, lcr, lnc, unc, ucr, unr] = s.thresholds;
  const body = [
    0x20, 0x00, s.number, // owner, LUN, number
    0x07, 0x01, // entity: processor-ish / instance 1
    0x7f, 0x68, // initialisation, capabilities (thresholds readable/settable)
    s.type, 0x01, // sensor type, event/reading type: threshold
    0x95, 0x0a, 0x95, 0x7a, 0x3f, 0x3f, // assertion/deassertion/reading masks: all six thresholds
    0x00, s.unit, 0x00, // unsigned analog, base unit, no modifier
    0x00, s.m & 0xff, (s.m >> 8) & 0x03, 0x00, 0x00, 0x00, (s.rExp & 0x0f) << 4, // linear, M, tolerance, B=0, accuracy, R exponent (4-bit two's complement), B exponent 0
    0x07, s.raw, 0xff, 0x00, 0xff, 0x00, // flags, nominal, normal max/min, sensor max/min
    unr, ucr, unc, lnr, lcr, lnc, // thresholds in SDR order
    0x00, 0x00, 0x00, 0x00, 0x00, // hysteresis +/-, reserved, OEM
    ...typeLength(s.name),
  ];
  return withHeader(recordId, 0x01, body);
}

function discreteSensorSdr(recordId: number, number: number, type: number, name: string): number[] {
  const body = [
    0x20, 0x00, number,
    0x0a, 0x01, // entity: power supply, instance 1
    0x7f, 0x40, // initialisation, capabilities (auto re-arm, no thresholds)
    type, 0x6f, // sensor type, sensor-specific reading
    0x0f, 0x00, 0x0f, 0x00, 0x0f, 0x00,
    0xc0, 0x00, 0x00, // no analog reading
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00,
    ...typeLength(name),
  ];
  return withHeader(recordId, 0x01, body);
}

/** An info area: fields, end-of-fields 0xC1, zero padding to 8 bytes, zero-sum checksum (FRU spec §10-§12). */
function area(prefix: number[], fields: readonly string[]): number[] {
  const bytes = [0x01, 0x00, ...prefix, ...fields.flatMap(typeLength), 0xc1];
  while ((bytes.length + 1) % 8 !== 0) bytes.push(0);
  bytes[1] = (bytes.length + 1) / 8;
  return [...bytes, checksum(bytes)];
}

function checksum(bytes: readonly number[]): number {
  return (0x100 - (bytes.reduce((a, b) => a + b, 0) & 0xff)) & 0xff;
}

function fruImage(): number[] {
  const { chassis, board, product } = simInventory;
  const chassisArea = area([chassis.type], [chassis.partNumber, chassis.serial]);
  const boardArea = area([0x00, ...le32(board.mfgMinutes).slice(0, 3)], [board.manufacturer, board.product, board.serial, board.partNumber, '']);
  const productArea = area([0x00], [product.manufacturer, product.name, product.partNumber, product.version, product.serial, product.assetTag, '']);
  const chassisOffset = 1;
  const boardOffset = chassisOffset + chassisArea.length / 8;
  const productOffset = boardOffset + boardArea.length / 8;
  const header = [0x01, 0x00, chassisOffset, boardOffset, productOffset, 0x00, 0x00];
  return [...header, checksum(header), ...chassisArea, ...boardArea, ...productArea];
}
