/**
 * One simulated machine of the virtual rack: its hardware (a `MachineSpec`), a Redfish BMC of its own
 * whose power state drives it, and the boot its firmware, iPXE and the microkernel go through, over real
 * sockets to Monorail:
 *
 * 1. power on → POST → the PXE ROM's DISCOVER to the DHCP port; no answer after its retransmissions →
 *    the firmware boots the next device, the disk (the machine idles there);
 * 2. a proxy offer → the boot-server REQUEST to port 4011 (PXE 2.1 §2.2.6) → TFTP of the boot file named;
 * 3. iPXE: its own DISCOVER and ProxyDHCP REQUEST (user class "iPXE") → the profile URL → the scripts it
 *    serves are run as iPXE runs them (`ipxe-script.ts`), kernel and initrd downloaded over HTTP;
 * 4. the microkernel: udhcpc's DISCOVER (never answered by Monorail), syslog to `mk.syslog=` from the
 *    machine's address, and the agent loop (`runSimAgent`) answering commands from its inventory;
 * 5. the agent's exit code as the microkernel's init reads it: 1 (or any other) reboot → back to 1,
 *    0 power off (through the BMC, which then reports Off), 127 stay up.
 *
 * Every request comes from the machine's own address (its NIC's, 127.1.x.y on Linux), so Monorail sees
 * each machine where it is.
 */
import { RedfishBmc } from './redfish-bmc.ts';
import type { DhcpClientPorts } from './dhcp-client-port.ts';
import { httpGet } from './sim-http.ts';
import { runIpxeScript } from './ipxe-script.ts';
import type { MachineSpec } from './machine-spec.ts';
import { bootAnswerOf, ipxeBootRequest, ipxeDiscover, microkernelDiscover, pxeBootRequest, pxeDiscover, type ClientIdentity } from './pxe-packets.ts';
import { runSimAgent } from './sim-agent.ts';
import { inventoryOf } from './sim-inventory.ts';
import { SyslogSender } from './syslog-sender.ts';
import { tftpRead } from './tftp-client.ts';

/** Where Monorail listens, as the simulated network reaches it. */
export interface MonorailEndpoints {
  /** The DHCP server's address with its DHCP (67) and boot server (4011) ports. */
  readonly dhcp: { readonly address: string; readonly port: number; readonly proxyPort: number };
  readonly tftpPort: number;
}

export interface SimTiming {
  /** Power-on self test: from power on (or reboot) to the PXE ROM's first DISCOVER. */
  readonly postMs: number;
  /** The PXE ROM's and iPXE's waits for a DHCP answer (each randomized by ±25 %); silence after the last means "boot from disk". */
  readonly dhcpWaitsMs: readonly number[];
  readonly tftpTimeoutMs: number;
  /** iPXE `sleep` seconds are multiplied by this (1 = real time). */
  readonly ipxeSleepScale: number;
  readonly agentPollMinMs: number;
  readonly agentPollMaxMs: number;
  /** How many times the agent retries a request that could not connect before it gives up. */
  readonly agentRetries: number;
  /** A machine that reboots more often than this without settling is stuck in a boot loop. */
  readonly maxBoots: number;
}

/**
 * Real PXE ROMs wait 4, 8, 16 and 32 s for a DHCP answer (PXE 2.1 §2.2.1, RFC 2131 §4.1) and POST takes a
 * minute or more; the simulator compresses both, keeping the shape: randomized, doubling retransmissions,
 * then the disk. Under a storm the retransmissions matter: a dropped DISCOVER is answered on a later try.
 */
export const defaultTiming: SimTiming = {
  postMs: 500,
  dhcpWaitsMs: [2000, 4000, 8000],
  tftpTimeoutMs: 1000,
  ipxeSleepScale: 1,
  agentPollMinMs: 100,
  agentPollMaxMs: 2000,
  agentRetries: 50,
  maxBoots: 6,
};

/**
 * Where the machine is: `hung` means something failed that leaves a real machine stuck (the microkernel
 * could not reach Monorail, a boot loop); `microkernel-idle` is an agent told to stay up (exit 127).
 */
export type MachinePhase = 'off' | 'post' | 'pxe' | 'tftp' | 'ipxe' | 'microkernel' | 'microkernel-idle' | 'disk' | 'hung';

export interface SimMachineDeps {
  readonly endpoints: MonorailEndpoints;
  /**
   * Other members of a cluster. A boot that fails (a member died under it) is tried again against the next
   * one, as PXE firmware retries and a broadcast DISCOVER would reach whichever members are alive.
   */
  readonly alternates?: readonly MonorailEndpoints[];
  readonly dhcpPorts: DhcpClientPorts;
  readonly timing: SimTiming;
  readonly bmc: { readonly port: number; readonly username: string; readonly password: string };
  readonly onPhase?: (machine: SimMachine, from: MachinePhase, to: MachinePhase) => void;
}

class Stopped extends Error {}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new Stopped());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new Stopped());
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

type BootOutcome = 'disk' | 'reboot' | 'poweroff' | 'stay';

let xidCounter = 0;

export class SimMachine {
  phase: MachinePhase = 'off';
  /** The node Monorail made for this machine, as its microkernel agent learnt it. */
  nodeId: string | undefined;
  /** When the machine was first powered on (ms since the epoch). */
  firstPowerOnAt: number | undefined;
  /** When it last reached the disk, powered off, or got stuck. */
  settledAt: number | undefined;
  boots = 0;
  readonly agentExitCodes: number[] = [];
  readonly syslogLines: string[] = [];
  lastError: string | undefined;
  /** What the machine went through, most recent last (bounded): for a failure's explanation. */
  readonly trace: string[] = [];
  private run: { readonly controller: AbortController; readonly done: Promise<void> } | undefined;
  private readonly identity: ClientIdentity;

  private constructor(
    readonly spec: MachineSpec,
    readonly bmc: RedfishBmc,
    private readonly deps: SimMachineDeps,
  ) {
    const nic = spec.nics[0];
    if (nic === undefined) throw new Error(`machine ${spec.index} has no NIC to boot from`);
    this.identity = { mac: nic.mac, arch: spec.arch, uuid: spec.system.uuid, ciaddr: spec.hostIp };
    bmc.onPower((event) => {
      if (event.kind === 'on') this.start();
      else if (event.kind === 'off') this.halt('off');
      else if (event.kind === 'restart') this.start();
    });
  }

  /** Starts the machine's BMC (powered off); the machine does nothing until the BMC powers it on. */
  static async create(spec: MachineSpec, deps: SimMachineDeps): Promise<SimMachine> {
    const bmc = await RedfishBmc.start({
      host: spec.bmc.ip,
      port: deps.bmc.port,
      username: deps.bmc.username,
      password: deps.bmc.password,
      powerState: 'Off',
      identity: { uuid: spec.system.uuid, serialNumber: spec.system.serial, manufacturer: spec.system.manufacturer, model: spec.system.product, firmwareVersion: spec.bmc.firmware },
    });
    return new SimMachine(spec, bmc, deps);
  }

  /** The MAC the machine PXE-boots from (its first NIC). */
  get mac(): string {
    return this.identity.mac;
  }

  /** Presses the power button: the BMC reports On and the machine boots. */
  powerOn(): void {
    this.bmc.setPowerState('On');
  }

  /** Powers off (if on) and closes the BMC; resolves when the machine has stopped doing anything. */
  async close(): Promise<void> {
    const run = this.run;
    this.run = undefined;
    run?.controller.abort();
    await run?.done;
    await this.bmc.close();
  }

  private note(what: string): void {
    const since = this.firstPowerOnAt === undefined ? 0 : Date.now() - this.firstPowerOnAt;
    this.trace.push(`+${(since / 1000).toFixed(2)}s ${what}`);
    if (this.trace.length > 40) this.trace.shift();
  }

  private setPhase(to: MachinePhase): void {
    const from = this.phase;
    if (from === to) return;
    this.phase = to;
    if (to === 'disk' || to === 'off' || to === 'hung' || to === 'microkernel-idle') this.settledAt = Date.now();
    this.deps.onPhase?.(this, from, to);
  }

  private start(): void {
    const previous = this.run;
    previous?.controller.abort();
    this.firstPowerOnAt ??= Date.now();
    // Power is on from this instant: the machine is in POST before any of its run's awaits.
    this.setPhase('post');
    const controller = new AbortController();
    const done = (async () => {
      await previous?.done;
      await this.runLoop(controller.signal);
    })();
    this.run = { controller, done };
  }

  private halt(phase: MachinePhase): void {
    const run = this.run;
    this.run = undefined;
    run?.controller.abort();
    this.setPhase(phase);
  }

  /** The member this boot talks to: the first one, or after failed boots the next alternate. */
  private memberIndex = 0;

  private get endpoints(): MonorailEndpoints {
    const all = [this.deps.endpoints, ...(this.deps.alternates ?? [])];
    return all[this.memberIndex % all.length] ?? this.deps.endpoints;
  }

  /** With alternates, a failed boot moves on to the next member and reboots; without, it ends as before. */
  private failedOver(): boolean {
    if ((this.deps.alternates?.length ?? 0) === 0) return false;
    this.memberIndex++;
    this.note(`boot failed (${this.lastError ?? 'no answer'}); trying the next member`);
    return true;
  }

  private async runLoop(signal: AbortSignal): Promise<void> {
    try {
      for (let boot = 0; ; boot++) {
        if (boot >= this.deps.timing.maxBoots) {
          this.lastError = `boot loop: rebooted ${boot} times without settling`;
          this.setPhase('hung');
          return;
        }
        const errorBefore = this.lastError;
        const outcome = await this.bootOnce(signal);
        if (signal.aborted) return;
        switch (outcome) {
          case 'disk':
            if (this.lastError !== errorBefore && this.failedOver()) continue;
            this.setPhase('disk');
            return;
          case 'stay':
            this.setPhase('microkernel-idle');
            return;
          case 'poweroff':
            // The microkernel's `poweroff`: the BMC sees the machine go off (and ends this run).
            this.bmc.setPowerState('Off');
            return;
          case 'reboot':
            continue;
        }
      }
    } catch (e) {
      if (signal.aborted || e instanceof Stopped) return;
      this.lastError = e instanceof Error ? e.message : String(e);
      this.setPhase('hung');
    }
  }

  private xid(): number {
    xidCounter = (xidCounter + 1) >>> 0;
    return (Math.imul(this.spec.index + 1, 0x9e3779b1) ^ xidCounter) >>> 0;
  }

  private async bootOnce(signal: AbortSignal): Promise<BootOutcome> {
    const { dhcpPorts, timing } = this.deps;
    const endpoints = this.endpoints;
    const host = this.spec.hostIp;
    const dhcp = { address: endpoints.dhcp.address, port: endpoints.dhcp.port };
    // Every await may end because the machine lost power: a stopped run must not touch the phase.
    const enter = (phase: MachinePhase): void => {
      if (signal.aborted) throw new Stopped();
      this.setPhase(phase);
    };
    this.boots += 1;
    enter('post');
    await sleep(timing.postMs, signal);

    enter('pxe');
    const offer = await dhcpPorts.exchange(host, pxeDiscover(this.identity, this.xid()), dhcp, timing.dhcpWaitsMs, signal);
    // On a cluster the DISCOVER is a broadcast every live member hears: when this one is silent, the others
    // are asked; the first that answers is the one the machine boots from (again, from the top).
    for (let k = 0; offer === undefined && k < (this.deps.alternates?.length ?? 0); k++) {
      this.memberIndex++;
      const next = this.endpoints.dhcp;
      const other = await dhcpPorts.exchange(host, pxeDiscover(this.identity, this.xid()), { address: next.address, port: next.port }, timing.dhcpWaitsMs, signal);
      if (other !== undefined) {
        this.note(`PXE: ${next.address}:${next.port} answered; booting from that member`);
        return 'reboot';
      }
    }
    if (offer === undefined) {
      this.note('PXE: no DHCP answer, booting from disk');
      return 'disk';
    }
    const proxy = bootAnswerOf(offer);
    const bootServer = { address: proxy.serverId ?? endpoints.dhcp.address, port: endpoints.dhcp.proxyPort };
    const ack = await dhcpPorts.exchange(host, pxeBootRequest(this.identity, this.xid(), bootServer.address), bootServer, timing.dhcpWaitsMs, signal);
    // Without the boot server's answer a ROM falls back to the proxy offer's own boot file.
    const answer = ack === undefined ? proxy : bootAnswerOf(ack);
    this.note(`PXE: ${ack === undefined ? 'proxy offer only' : 'boot server ACK'}, next-server ${answer.siaddr}, file ${answer.file}`);
    if (answer.file === '' || answer.siaddr === '0.0.0.0') return 'disk';

    enter('tftp');
    try {
      await tftpRead({ host: answer.siaddr, port: endpoints.tftpPort, file: answer.file, options: { blksize: 1456, tsize: 0 }, localAddress: host, timeoutMs: timing.tftpTimeoutMs, signal });
    } catch (e) {
      if (signal.aborted) throw new Stopped();
      // PXE-E32 "TFTP open timeout" and friends: the ROM gives up and the firmware tries the disk.
      this.lastError = `TFTP ${answer.file}: ${e instanceof Error ? e.message : String(e)}`;
      this.note(this.lastError);
      return 'disk';
    }

    enter('ipxe');
    const ipxeOffer = await dhcpPorts.exchange(host, ipxeDiscover(this.identity, this.xid()), dhcp, timing.dhcpWaitsMs, signal);
    if (ipxeOffer === undefined) {
      this.note('iPXE: no DHCP answer, exiting to the firmware');
      return 'disk';
    }
    const ipxeProxy = bootAnswerOf(ipxeOffer);
    const ipxeServer = { address: ipxeProxy.serverId ?? endpoints.dhcp.address, port: endpoints.dhcp.proxyPort };
    const ipxeAck = await dhcpPorts.exchange(host, ipxeBootRequest(this.identity, this.xid(), ipxeServer.address), ipxeServer, timing.dhcpWaitsMs, signal);
    let url = (ipxeAck === undefined ? ipxeProxy : bootAnswerOf(ipxeAck)).file;
    if (!/^https?:\/\//.test(url)) {
      this.lastError = `iPXE was handed "${url}" instead of a script URL`;
      return 'disk';
    }
    const fetchImage = async (imageUrl: string): Promise<boolean> => {
      try {
        return (await httpGet(imageUrl, { localAddress: host, signal, keepText: false })).status === 200;
      } catch (e) {
        if (signal.aborted) throw new Stopped();
        this.lastError = `download ${imageUrl}: ${e instanceof Error ? e.message : String(e)}`;
        this.note(this.lastError);
        return false;
      }
    };
    for (let chained = 0; chained < 100; chained++) {
      let script: string;
      try {
        const res = await httpGet(url, { localAddress: host, signal, keepText: true });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
        script = res.text;
        this.note(`iPXE: ${/^echo (.*)$/m.exec(script)?.[1] ?? url}`);
      } catch (e) {
        if (signal.aborted) throw new Stopped();
        // iPXE's chain failed: it returns to the firmware.
        this.lastError = `profile ${url}: ${e instanceof Error ? e.message : String(e)}`;
        this.note(this.lastError);
        return 'disk';
      }
      const outcome = await runIpxeScript(script, { fetchImage, sleep: (seconds) => sleep(seconds * 1000 * timing.ipxeSleepScale, signal) });
      if (outcome.kind === 'chain') {
        url = outcome.url;
        continue;
      }
      if (signal.aborted) throw new Stopped();
      if (outcome.kind === 'exit') {
        this.note(`iPXE: ${outcome.reason}, back to the firmware`);
        return 'disk';
      }
      return await this.microkernel(outcome.args, signal);
    }
    this.lastError = 'iPXE chained 100 scripts without booting';
    return 'disk';
  }

  private async microkernel(args: Readonly<Record<string, string>>, signal: AbortSignal): Promise<BootOutcome> {
    const { dhcpPorts, timing } = this.deps;
    const endpoints = this.endpoints;
    if (signal.aborted) throw new Stopped();
    this.setPhase('microkernel');
    const server = args['mk.server'];
    if (server === undefined) throw new Error('the microkernel was booted without mk.server');
    const mac = args['mk.mac'] ?? this.mac;
    const nic = this.spec.nics[0];
    // udhcpc asks the site's DHCP server for an address; Monorail must not send it back into PXE.
    await dhcpPorts.send(this.spec.hostIp, microkernelDiscover(this.identity, this.xid()), { address: endpoints.dhcp.address, port: endpoints.dhcp.port });
    // As the microkernel's init: log to `mk.syslog=host[:port]` (UDP, port 514 by default) when it is given.
    const target = /^([\d.]+)(?::(\d+))?$/.exec(args['mk.syslog'] ?? '');
    const syslog = target?.[1] === undefined ? undefined : new SyslogSender(this.spec.hostIp, { address: target[1], port: Number(target[2] ?? 514) });
    const say = (tag: string, message: string): void => {
      if (this.syslogLines.length < 50) this.syslogLines.push(`${tag}: ${message}`);
      void syslog?.send(tag, message);
    };
    try {
      say('microkernel', `up: node ${args['mk.node'] ?? 'unknown'}, ${nic?.ifname ?? 'eth0'} ${mac}, address ${this.spec.hostIp}, server ${server}`);
      let code: number;
      try {
        code = await runSimAgent({
          server,
          retries: timing.agentRetries,
          mac,
          inventory: inventoryOf(this.spec),
          signal,
          pollMinMs: timing.agentPollMinMs,
          pollMaxMs: timing.agentPollMaxMs,
          onStep: (step) => {
            if (step.type === 'bootstrap') {
              this.nodeId = step.nodeId;
              this.note(`agent: node ${step.nodeId}`);
              say('monorail-agent', `node ${step.nodeId}: asking for tasks`);
            } else if (step.type === 'commands' && step.count > 0) {
              say('monorail-agent', `running ${step.count} command(s)`);
            } else if (step.type === 'exit') {
              say('monorail-agent', `told to exit with code ${step.code}`);
            }
          },
        });
      } catch (e) {
        if (signal.aborted) throw e;
        // The member serving the microkernel went away: a cluster machine reboots into another one.
        this.lastError = `agent: ${e instanceof Error ? e.message : String(e)}`;
        if (this.failedOver()) return 'reboot';
        throw e;
      }
      this.agentExitCodes.push(code);
      this.note(`agent exited with ${code}`);
      say('microkernel', code === 0 ? 'agent done: powering off' : code === 127 ? 'agent done: staying up' : `agent exited with ${code}: rebooting`);
      return code === 0 ? 'poweroff' : code === 127 ? 'stay' : 'reboot';
    } finally {
      // Give the last datagram a moment to leave before the socket goes.
      setTimeout(() => syslog?.close(), 50);
    }
  }
}
