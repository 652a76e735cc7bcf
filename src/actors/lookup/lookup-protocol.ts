/**
 * The lookup entity: one per MAC address, the single writer of which node that MAC belongs to. Because
 * every packet from a MAC funnels through its lookup actor, a burst of packets from an unknown machine
 * creates exactly one node.
 */
import type { ReplyTo } from '../runtime/reply.ts';

export interface Resolution {
  readonly nodeId: string;
  readonly macAddress: string;
  readonly ipAddress?: string;
  /** True when this request created the node. */
  readonly created: boolean;
}

export type LookupCommand =
  /** Which node has this MAC? Creates the node when none has it. */
  | { readonly type: 'lookup.resolve'; readonly ipAddress?: string; readonly proxy?: string; readonly replyTo: ReplyTo<Resolution> }
  /** Binds the MAC to a node created elsewhere (the API); refused when another node holds it. */
  | { readonly type: 'lookup.claim'; readonly nodeId: string; readonly replyTo: ReplyTo<Resolution> }
  /** Unbinds the MAC from this node (node deleted or identifier removed). */
  | { readonly type: 'lookup.release'; readonly nodeId: string; readonly replyTo: ReplyTo<boolean> }
  /** `lookup.release` told rather than asked: the node was deleted and nobody waits for the answer. */
  | { readonly type: 'lookup.forget'; readonly nodeId: string }
  | { readonly type: 'lookup.get'; readonly replyTo: ReplyTo<LookupState> };

export type LookupEvent =
  | { readonly type: 'lookup.assigned'; readonly nodeId: string; readonly macAddress: string; readonly at: string }
  | { readonly type: 'lookup.confirmed'; readonly at: string }
  | { readonly type: 'lookup.addressed'; readonly ipAddress: string; readonly proxy?: string; readonly at: string }
  | { readonly type: 'lookup.released'; readonly at: string };

export const lookupEventTypes: readonly LookupEvent['type'][] = ['lookup.assigned', 'lookup.confirmed', 'lookup.addressed', 'lookup.released'];

export interface LookupState {
  readonly macAddress?: string;
  readonly nodeId?: string;
  /** The node actor has acknowledged its creation. */
  readonly confirmed: boolean;
  readonly ipAddress?: string;
  readonly proxy?: string;
}
