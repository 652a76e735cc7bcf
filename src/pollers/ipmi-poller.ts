/**
 * IPMI polls with Debian's ipmitool, through the OBM adapter's one-process-per-call runner (password in
 * the environment, killed on abort or timeout, stderr scrubbed): `sdr -v` for readings with their type
 * and thresholds, `sel info` + `sel list last N` for the event log (RackHD read the last 25), `chassis
 * status`, `chassis power status`. Output is parsed by the catalog parsers (src/actors/catalog/parsers/
 * ipmitool.ts) where they exist.
 */
import type { IpmiObmConfig } from '../actors/obm/obm-port.ts';
import { parseIpmiSdr, parseIpmiSel } from '../actors/catalog/parsers/ipmitool.ts';
import type { Logger } from '../logging/logger.ts';
import { IpmitoolObmService } from '../obm/ipmitool-obm-service.ts';
import { parseChassisStatus, parsePowerStatus } from './ipmi-chassis-status.ts';

export interface IpmiPollOptions {
  readonly log: Logger;
  readonly ipmitool?: string;
  readonly signal: AbortSignal;
  /** How many of the newest SEL entries a `sel` poll reads; 25 as RackHD. */
  readonly selCount?: number;
}

export const ipmiHostKey = (config: IpmiObmConfig): string => `ipmi:${config.host}:${config.port ?? 623}`;

export async function pollIpmi(config: IpmiObmConfig, command: string, o: IpmiPollOptions): Promise<Record<string, unknown>> {
  const ipmi = new IpmitoolObmService(config, { log: o.log, ...(o.ipmitool === undefined ? {} : { binary: o.ipmitool }) });
  const run = async (args: readonly string[]) => (await ipmi.command(args, { signal: o.signal })).stdout;
  switch (command) {
    case 'sdr':
      return { sdr: parseIpmiSdr(await run(['sdr', '-v'])) };
    case 'sel': {
      const info = await run(['sel', 'info']);
      const list = await run(['sel', 'list', 'last', String(o.selCount ?? 25)]);
      const sel = parseIpmiSel(`${info}\n${list}`);
      return { sel: sel.entries, ...(sel.info === undefined ? {} : { selInformation: sel.info }) };
    }
    case 'chassis':
      return { chassis: parseChassisStatus(await run(['chassis', 'status'])) };
    case 'power':
      return { power: parsePowerStatus(await run(['chassis', 'power', 'status'])) };
    default:
      throw new Error(`unknown IPMI poller command ${JSON.stringify(command)}`);
  }
}
