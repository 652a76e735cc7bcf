/**
 * What reaches a running task from outside: the microkernel agent's reports, notifications from installers,
 * protocol observations of its node, a sub-graph ending. Typed so a job can wait for exactly what it needs.
 * The agent's shapes are RackHD's microkernel protocol (rackhd.md §3.4, on-tasks linux-command.json).
 */
import type { ProtocolObservation } from '../node/boot-protocol.ts';
import type { Options } from './definition-types.ts';
import type { WorkflowStatus } from './workflow-protocol.ts';

/** One command as the agent receives it. */
export interface AgentCommand {
  readonly cmd: string;
  readonly source?: string;
  readonly format?: string;
  readonly catalog?: { readonly format?: string; readonly source?: string };
  readonly retries?: number;
  readonly downloadUrl?: string;
  readonly acceptedResponseCodes?: readonly number[];
  readonly timeout?: number;
}

/** `GET /api/current/tasks/<id>`'s answer; `exit` ends the agent with that code (1 reboot, 127 stay up, 0 power off). */
export interface AgentCommands {
  readonly identifier: string;
  readonly tasks: readonly AgentCommand[];
  readonly exit?: number | { readonly code: number };
}

/** One command's result as the agent posts it back. */
export interface AgentResult extends AgentCommand {
  readonly stdout?: string;
  readonly stderr?: string;
  readonly error?: { readonly code?: number | string; readonly message?: string; readonly [k: string]: unknown } | null;
}

export interface AgentReport {
  readonly identifier: string;
  readonly tasks: readonly AgentResult[];
}

export type TaskInput =
  | { readonly type: 'microkernel.results'; readonly nodeId: string; readonly report: AgentReport }
  /** The agent asked for work: proof that the microkernel is up (RackHD's bootstrap ends on this). */
  | { readonly type: 'microkernel.polled'; readonly nodeId: string }
  /** An agent fetched its bootstrap script: a new microkernel incarnation (the machine rebooted, or moved to another member). */
  | { readonly type: 'microkernel.started'; readonly nodeId: string }
  | { readonly type: 'notification'; readonly nodeId: string; readonly data: Options }
  | { readonly type: 'protocol'; readonly nodeId: string; readonly observation: ProtocolObservation }
  | { readonly type: 'graph.finished'; readonly workflowId: string; readonly status: WorkflowStatus };
