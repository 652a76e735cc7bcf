/**
 * A diskless QEMU VM PXE-booting on a tap in a test namespace (real-clients.md §3): software emulation
 * (KVM crashes on these machines), serial console to a file, no reboot. QEMU's exit code says nothing
 * about the boot (0 on failure too), so tests assert on what Monorail recorded, and kill the VM.
 */
import { execFile, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { privileged, type NetnsPair } from './netns.ts';

const execFileP = promisify(execFile);

export interface VmOptions {
  readonly firmware: 'bios' | 'uefi';
  readonly mac: string;
  readonly tap: string;
  readonly serialLog: string;
  readonly memoryMb?: number;
  /** Extra QEMU arguments, e.g. an emulated BMC the guest's ipmitool can talk to in-band. */
  readonly extraArgs?: readonly string[];
}

export interface Vm {
  readonly process: ChildProcess;
  serial(): string;
  kill(): void;
}

export async function addTap(pair: NetnsPair, tap: string): Promise<void> {
  const S = ['-n', pair.server];
  await execFileP('ip', [...S, 'tuntap', 'add', 'dev', tap, 'mode', 'tap']);
  await execFileP('ip', [...S, 'link', 'set', tap, 'master', pair.bridge]);
  await execFileP('ip', [...S, 'link', 'set', tap, 'up']);
}

export function startVm(pair: NetnsPair, o: VmOptions): Vm {
  const firmware =
    o.firmware === 'uefi'
      ? // OVMF's own virtio driver and EDK2 PXE, not iPXE's EFI ROM: the empty romfile makes that happen.
        ['-bios', '/usr/share/ovmf/OVMF.fd', '-device', `virtio-net-pci,netdev=n0,mac=${o.mac},romfile=`]
      : ['-device', `virtio-net-pci,netdev=n0,mac=${o.mac}`];
  const args = [
    '-accel', 'tcg', '-m', String(o.memoryMb ?? 256), '-nodefaults', '-machine', 'graphics=off', '-display', 'none',
    '-no-reboot', '-monitor', 'none', '-serial', `file:${o.serialLog}`,
    '-netdev', `tap,id=n0,ifname=${o.tap},script=no,downscript=no`,
    ...firmware,
    '-boot', 'order=n,reboot-timeout=1000',
    ...(o.extraArgs ?? []),
  ];
  const child = pair.spawn(pair.server, 'qemu-system-x86_64', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return {
    process: child,
    serial: () => {
      try {
        return readFileSync(o.serialLog, 'latin1');
      } catch {
        return '';
      }
    },
    kill: () => {
      child.kill('SIGKILL');
    },
  };
}

/** QEMU with iPXE's NIC ROMs and OVMF (Debian qemu-system-x86, ipxe-qemu, ovmf); see `privileged` for why this is not a silent skip. */
export function qemuAvailable(): boolean {
  return privileged('qemu-system-x86_64 with ipxe-qemu and ovmf installed', () => {
    try {
      readFileSync('/usr/lib/ipxe/qemu/pxe-virtio.rom');
      readFileSync('/usr/share/ovmf/OVMF.fd');
      return spawnSync('qemu-system-x86_64', ['--version'], { stdio: 'ignore' }).status === 0;
    } catch {
      return false;
    }
  });
}
