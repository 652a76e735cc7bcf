/** ipmitool processes whose argv targets `port`, with their argv and environment as the kernel holds them. */
import { readdirSync, readFileSync } from 'node:fs';

export function ipmitoolProcesses(port: number): { pid: number; argv: string[]; env: string[] }[] {
  const found: { pid: number; argv: string[]; env: string[] }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!argv[0]?.endsWith('ipmitool') || !argv.includes(String(port))) continue;
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      found.push({ pid: Number(entry), argv, env });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}
