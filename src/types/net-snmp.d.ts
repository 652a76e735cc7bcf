/**
 * The part of `net-snmp` (npm, v3; it ships no types) that the SNMP poller uses: SNMPv1/v2c sessions,
 * get, subtree and table walks, and varbind error checks. Shapes from its README (snmp.createSession,
 * session.get/subtree/table, snmp.ObjectType). Values are as the library hands them over: numbers for the
 * integer types, Buffers for OctetString/Opaque/Counter64, dotted strings for OID and IpAddress.
 */
declare module 'net-snmp' {
  export type VarbindValue = number | string | boolean | Buffer | null;

  export interface Varbind {
    readonly oid: string;
    readonly type: number;
    readonly value: VarbindValue;
  }

  export interface SessionOptions {
    readonly port?: number;
    readonly retries?: number;
    readonly timeout?: number;
    readonly backoff?: number;
    readonly transport?: 'udp4' | 'udp6';
    readonly version?: number;
    readonly idBitsSize?: 16 | 32;
  }

  /** Rows keyed by index, each row's values keyed by column number. */
  export type Table = Record<string, Record<string, VarbindValue>>;

  export interface Session {
    get(oids: readonly string[], callback: (error: Error | null, varbinds: Varbind[]) => void): void;
    subtree(oid: string, maxRepetitions: number, feedCallback: (varbinds: Varbind[]) => boolean | void, doneCallback: (error: Error | null) => void): void;
    table(oid: string, maxRepetitions: number, callback: (error: Error | null, table: Table) => void): void;
    close(): void;
    on(event: 'error', listener: (error: Error) => void): this;
    on(event: 'close', listener: () => void): this;
  }

  export const Version1: number;
  export const Version2c: number;

  export const ObjectType: {
    readonly Boolean: number;
    readonly Integer: number;
    readonly OctetString: number;
    readonly Null: number;
    readonly OID: number;
    readonly IpAddress: number;
    readonly Counter: number;
    readonly Gauge: number;
    readonly TimeTicks: number;
    readonly Opaque: number;
    readonly Counter64: number;
    readonly NoSuchObject: number;
    readonly NoSuchInstance: number;
    readonly EndOfMibView: number;
  };

  export function createSession(target: string, community: string, options?: SessionOptions): Session;
  export function isVarbindError(varbind: Varbind): boolean;
  export function varbindError(varbind: Varbind): string;

  const snmp: {
    readonly Version1: typeof Version1;
    readonly Version2c: typeof Version2c;
    readonly ObjectType: typeof ObjectType;
    readonly createSession: typeof createSession;
    readonly isVarbindError: typeof isVarbindError;
    readonly varbindError: typeof varbindError;
  };
  export default snmp;
}
