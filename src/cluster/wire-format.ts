/**
 * What crosses the broker between members, and the checks applied before anything is acted on: a message
 * that does not have the expected shape is dropped and counted by the caller, never half-applied.
 * Everything is JSON; anything else on these queues came from something that is not a member.
 */
import type { ErrorWire } from '../errors.ts';
import type { WireReply } from '../actors/runtime/reply.ts';

export interface WireEnvelope {
  readonly kind: string;
  readonly id: string;
  readonly command: { readonly type: string };
}

/** A member's heartbeat on the members exchange. */
export interface MemberBeat {
  readonly memberId: string;
  /** Changes on every start: a restarted member is a new incarnation. */
  readonly instance: string;
  readonly owned: readonly number[];
  readonly leaving?: true;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(content: Buffer): unknown {
  if (content.length === 0 || content.length > 16 * 1024 * 1024) return undefined;
  try {
    return JSON.parse(content.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export function parseShardEnvelope(content: Buffer): WireEnvelope | undefined {
  const v = parseJson(content);
  if (!isRecord(v)) return undefined;
  const { kind, id, command } = v;
  if (typeof kind !== 'string' || kind.length === 0 || typeof id !== 'string' || id.length === 0) return undefined;
  if (!isRecord(command) || typeof command['type'] !== 'string') return undefined;
  return { kind, id, command: command as WireEnvelope['command'] };
}

function isErrorWire(v: unknown): v is ErrorWire {
  return isRecord(v) && typeof v['code'] === 'string' && typeof v['message'] === 'string' && (v['details'] === undefined || isRecord(v['details']));
}

export function parseReply(content: Buffer): { readonly id: number; readonly reply: WireReply } | undefined {
  const v = parseJson(content);
  if (!isRecord(v) || !Number.isSafeInteger(v['id']) || !isRecord(v['reply'])) return undefined;
  const r = v['reply'];
  if (r['ok'] === true) return { id: v['id'] as number, reply: { ok: true, value: r['value'] } };
  if (r['ok'] === false && isErrorWire(r['error'])) return { id: v['id'] as number, reply: { ok: false, error: r['error'] } };
  return undefined;
}

export function parseMemberBeat(content: Buffer): MemberBeat | undefined {
  const v = parseJson(content);
  if (!isRecord(v) || typeof v['memberId'] !== 'string' || typeof v['instance'] !== 'string' || !Array.isArray(v['owned'])) return undefined;
  const owned = v['owned'] as unknown[];
  if (!owned.every((s) => Number.isSafeInteger(s) && (s as number) >= 0)) return undefined;
  return { memberId: v['memberId'], instance: v['instance'], owned: owned as number[], ...(v['leaving'] === true ? { leaving: true as const } : {}) };
}
