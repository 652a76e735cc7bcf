/**
 * SNMP polls (SNMPv1/v2c, RFC 3416) with the `net-snmp` library, as RackHD's snmp poller did for switches
 * and PDUs: the MIB-II system group (RFC 3418: sysDescr, sysObjectID, sysUpTime, sysContact, sysName,
 * sysLocation), the interfaces table with its counters (RFC 2863 ifTable, and ifXTable's ifName and 64-bit
 * octet counters where the agent has them), or a walk of configured OIDs. One session per poll, closed
 * after it; an abort closes it at once. The community string never reaches an error or a log.
 */
import snmp, { type Session, type Varbind, type VarbindValue } from 'net-snmp';
import { abortReason } from '../actors/obm/obm-error.ts';
import type { SnmpTarget } from './poller-credentials.ts';

const SYSTEM = {
  sysDescr: '1.3.6.1.2.1.1.1.0',
  sysObjectID: '1.3.6.1.2.1.1.2.0',
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  sysContact: '1.3.6.1.2.1.1.4.0',
  sysName: '1.3.6.1.2.1.1.5.0',
  sysLocation: '1.3.6.1.2.1.1.6.0',
} as const;
const IF_TABLE = '1.3.6.1.2.1.2.2';
const IFX_TABLE = '1.3.6.1.2.1.31.1.1';

/** ifTable columns (RFC 2863 §6) kept in a sample. */
const ifColumns: Readonly<Record<string, string>> = {
  1: 'ifIndex', 2: 'ifDescr', 3: 'ifType', 4: 'ifMtu', 5: 'ifSpeed', 6: 'ifPhysAddress', 7: 'ifAdminStatus', 8: 'ifOperStatus',
  10: 'ifInOctets', 11: 'ifInUcastPkts', 13: 'ifInDiscards', 14: 'ifInErrors', 16: 'ifOutOctets', 17: 'ifOutUcastPkts', 19: 'ifOutDiscards', 20: 'ifOutErrors',
};
const ifxColumns: Readonly<Record<string, string>> = { 1: 'ifName', 6: 'ifHCInOctets', 10: 'ifHCOutOctets', 15: 'ifHighSpeed', 18: 'ifAlias' };
/** ifAdminStatus/ifOperStatus values (RFC 2863). */
const ifStatus = ['', 'up', 'down', 'testing', 'unknown', 'dormant', 'notPresent', 'lowerLayerDown'];

/** The library's own name for each type: its ObjectType maps numbers to names, beside aliases (INTEGER, Counter32…). */
const typeName = (type: number): string => {
  const name = (snmp.ObjectType as unknown as Readonly<Record<string, unknown>>)[String(type)];
  return typeof name === 'string' ? name : String(type);
};

export const snmpHostKey = (t: SnmpTarget): string => `snmp:${t.host}:${t.port}`;

/** A Buffer as text when it is printable (DisplayString), else as colon-separated hex (a MAC, binary). */
function bufferValue(b: Buffer): string {
  const s = b.toString('utf8');
  // eslint-disable-next-line no-control-regex -- control characters are what marks a value as binary
  return b.length > 0 && !/[\u0000-\u0008\u000e-\u001f\u007f\ufffd]/.test(s) ? s : [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Counter64 as a number when it fits exactly (2^53), else as a decimal string. */
function counter64(b: Buffer): number | string {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}

function valueOf(type: number, v: VarbindValue): unknown {
  if (Buffer.isBuffer(v)) return type === snmp.ObjectType.Counter64 ? counter64(v) : bufferValue(v);
  return v;
}

class SnmpSession {
  private readonly session: Session;

  constructor(t: SnmpTarget, private readonly signal: AbortSignal) {
    this.session = snmp.createSession(t.host, t.community, { port: t.port, version: t.version === '1' ? snmp.Version1 : snmp.Version2c, timeout: t.timeoutMs, retries: 1 });
    // A socket error would otherwise be an unhandled 'error' event.
    this.session.on('error', () => undefined);
  }

  private call<T>(start: (settle: (error: Error | null, value?: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.signal.aborted) {
        reject(abortReason(this.signal));
        return;
      }
      let done = false;
      const onAbort = () => {
        if (done) return;
        done = true;
        this.close();
        reject(abortReason(this.signal));
      };
      this.signal.addEventListener('abort', onAbort, { once: true });
      start((error, value) => {
        if (done) return;
        done = true;
        this.signal.removeEventListener('abort', onAbort);
        if (error) reject(new Error(`snmp: ${error.message}`));
        else resolve(value as T);
      });
    });
  }

  get(oids: readonly string[]): Promise<Varbind[]> {
    return this.call<Varbind[]>((settle) => this.session.get(oids, (e, vbs) => settle(e, vbs)));
  }

  table(oid: string): Promise<Record<string, Record<string, VarbindValue>>> {
    return this.call((settle) => this.session.table(oid, 20, (e, t) => settle(e, t)));
  }

  subtree(oid: string, max: number): Promise<Varbind[]> {
    const out: Varbind[] = [];
    return this.call<Varbind[]>((settle) =>
      this.session.subtree(
        oid,
        20,
        (vbs) => {
          for (const vb of vbs) if (!snmp.isVarbindError(vb)) out.push(vb);
          return out.length >= max;
        },
        (e) => settle(e, out),
      ),
    );
  }

  close(): void {
    try {
      this.session.close();
    } catch {
      // Closing twice throws in net-snmp; nothing is left open either way.
    }
  }
}

async function sysinfo(s: SnmpSession): Promise<Record<string, unknown>> {
  const names = Object.keys(SYSTEM) as (keyof typeof SYSTEM)[];
  const vbs = await s.get(names.map((n) => SYSTEM[n]));
  const out: Record<string, unknown> = {};
  vbs.forEach((vb, i) => {
    const name = names[i];
    if (name !== undefined && !snmp.isVarbindError(vb)) out[name] = valueOf(vb.type, vb.value);
  });
  return out;
}

async function interfaces(s: SnmpSession, v1: boolean): Promise<Record<string, unknown>[]> {
  const table = await s.table(IF_TABLE);
  // ifXTable needs SNMPv2c (Counter64); an agent without it just leaves these out.
  const ifx = v1 ? {} : await s.table(IFX_TABLE).catch((): Record<string, Record<string, VarbindValue>> => ({}));
  return Object.entries(table)
    .map(([index, row]) => {
      const out: Record<string, unknown> = { ifIndex: Number(index) };
      for (const [col, name] of Object.entries(ifColumns)) {
        const v = row[col];
        if (v === undefined) continue;
        out[name] = name === 'ifAdminStatus' || name === 'ifOperStatus' ? (ifStatus[Number(v)] ?? String(v)) : Buffer.isBuffer(v) ? bufferValue(v) : v;
      }
      const x = ifx[index] ?? {};
      for (const [col, name] of Object.entries(ifxColumns)) {
        const v = x[col];
        if (v === undefined) continue;
        out[name] = Buffer.isBuffer(v) ? (name.startsWith('ifHC') ? counter64(v) : bufferValue(v)) : v;
      }
      return out;
    })
    .sort((a, b) => Number(a['ifIndex']) - Number(b['ifIndex']));
}

export async function pollSnmp(target: SnmpTarget, command: string, oids: readonly string[], signal: AbortSignal): Promise<Record<string, unknown>> {
  const s = new SnmpSession(target, signal);
  try {
    switch (command) {
      case 'sysinfo':
        return { sysinfo: await sysinfo(s) };
      case 'interfaces':
        return { interfaces: await interfaces(s, target.version === '1') };
      case 'walk': {
        const walk: { oid: string; type: string; value: unknown }[] = [];
        for (const oid of oids) {
          for (const vb of await s.subtree(oid.replace(/^\./, ''), 1000)) walk.push({ oid: vb.oid, type: typeName(vb.type), value: valueOf(vb.type, vb.value) });
        }
        return { walk };
      }
      default:
        throw new Error(`unknown SNMP poller command ${JSON.stringify(command)}`);
    }
  } finally {
    s.close();
  }
}
