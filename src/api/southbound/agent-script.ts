/**
 * The microkernel agent as `bootstrap.js` serves it: `microkernel/agent.sh` with the node's identity
 * written after its first line (the agent reads SERVER, NODE_ID and MAC from there first). The values
 * are checked by the route (a node id, a normalised MAC, a validated base URL) and single-quoted here
 * as well, so nothing in them can run as shell.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { AgentScriptContext } from './microkernel-routes.ts';

export const defaultAgentPath = fileURLToPath(new URL('../../../microkernel/agent.sh', import.meta.url));

const quote = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;

export function agentScriptRenderer(file = defaultAgentPath): (ctx: AgentScriptContext) => Promise<string> {
  let source: Promise<string> | undefined;
  return async (ctx) => {
    source ??= readFile(file, 'utf8');
    const text = await source;
    const newline = text.indexOf('\n');
    const head = newline < 0 ? text : text.slice(0, newline + 1);
    const rest = newline < 0 ? '' : text.slice(newline + 1);
    return `${head}SERVER=${quote(ctx.server)}\nNODE_ID=${quote(ctx.identifier)}\nMAC=${quote(ctx.macaddress)}\n${rest}`;
  };
}
