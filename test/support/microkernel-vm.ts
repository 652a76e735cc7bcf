/**
 * The microkernel booted directly by QEMU (-kernel/-initrd, no PXE) with user-mode networking: the guest
 * gets 10.0.2.15 from QEMU's own DHCP and reaches the host's 127.0.0.1 at 10.0.2.2, so an agent test
 * needs no root, namespace or tap. Software emulation only (KVM crashes on these machines,
 * real-clients.md). The serial console is read line by line with each line's time since QEMU started.
 * Debian package: qemu-system-x86.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { MicrokernelImage } from '../../src/microkernel/microkernel-image.ts';
import { privileged } from './netns.ts';

export interface MicrokernelVmOptions {
  readonly image: MicrokernelImage;
  /** Kernel parameters after the console ones: mk.server=…, mk.node=…, … */
  readonly append: string;
  readonly mac: string;
  readonly nic?: 'virtio-net-pci' | 'e1000';
  /** A raw disk image, attached as virtio-blk with this serial. */
  readonly disk?: { readonly file: string; readonly serial: string };
  /** An emulated BMC on a KCS interface (QEMU ipmi-bmc-sim), announced by SMBIOS and ACPI. */
  readonly bmc?: boolean;
  readonly memoryMb?: number;
}

export interface SerialLine {
  /** Milliseconds since QEMU was started. */
  readonly at: number;
  readonly text: string;
}

export interface MicrokernelVm {
  readonly process: ChildProcess;
  readonly startedAt: number;
  lines(): readonly SerialLine[];
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<SerialLine>;
  /** QEMU's exit status; it exits on guest poweroff and (with -no-reboot) on reboot. */
  readonly exited: Promise<number | null>;
  running(): boolean;
  kill(): Promise<void>;
}

/** qemu-system-x86_64 present; like the namespace checks, missing it fails unless skipping was asked for. */
export function microkernelQemuAvailable(): boolean {
  return privileged('qemu-system-x86_64 (Debian qemu-system-x86)', () => spawnSync('qemu-system-x86_64', ['--version'], { stdio: 'ignore' }).status === 0);
}

export function startMicrokernelVm(o: MicrokernelVmOptions): MicrokernelVm {
  const args = [
    '-accel', 'tcg', '-m', String(o.memoryMb ?? 256), '-nodefaults', '-display', 'none', '-no-reboot', '-monitor', 'none',
    '-serial', 'stdio',
    '-kernel', o.image.kernel, '-initrd', o.image.initrd,
    '-append', `console=ttyS0 panic=-1 quiet loglevel=3 ${o.append}`,
    '-netdev', 'user,id=n0',
    // romfile= : no iPXE option ROM, the kernel is loaded directly.
    '-device', `${o.nic ?? 'virtio-net-pci'},netdev=n0,mac=${o.mac},romfile=`,
    ...(o.disk === undefined ? [] : ['-drive', `file=${o.disk.file},if=none,id=d0,format=raw`, '-device', `virtio-blk-pci,drive=d0,serial=${o.disk.serial}`]),
    ...(o.bmc === true ? ['-device', 'ipmi-bmc-sim,id=bmc0', '-device', 'isa-ipmi-kcs,bmc=bmc0'] : []),
  ];
  const startedAt = Date.now();
  const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: SerialLine[] = [];
  const waiters = new Set<() => void>();
  let pending = '';
  const take = (chunk: string): void => {
    pending += chunk;
    const parts = pending.split(/\r?\n/);
    pending = parts.pop() ?? '';
    for (const text of parts) lines.push({ at: Date.now() - startedAt, text });
    for (const w of [...waiters]) w();
  };
  child.stdout.setEncoding('latin1').on('data', take);
  child.stderr.setEncoding('latin1').on('data', take);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => {
      exitCode = code;
      if (pending !== '') take('\n');
      for (const w of [...waiters]) w();
      resolve(code);
    });
  });
  return {
    process: child,
    startedAt,
    lines: () => lines,
    waitForLine: (pattern, timeoutMs) =>
      new Promise<SerialLine>((resolve, reject) => {
        const check = (): void => {
          const line = lines.find((l) => pattern.test(l.text));
          if (line !== undefined || exitCode !== undefined) {
            waiters.delete(check);
            clearTimeout(timer);
            if (line !== undefined) resolve(line);
            else reject(new Error(`QEMU exited (${String(exitCode)}) before a line matched ${String(pattern)}; serial:\n${lines.map((l) => l.text).join('\n')}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no serial line matched ${String(pattern)} within ${timeoutMs} ms; serial:\n${lines.map((l) => l.text).join('\n')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    exited,
    running: () => exitCode === undefined,
    kill: async () => {
      if (exitCode === undefined) child.kill('SIGKILL');
      await exited;
    },
  };
}
